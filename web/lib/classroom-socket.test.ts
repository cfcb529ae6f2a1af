import { describe, expect, it } from "vitest";
import type { ServerMessage } from "../../protocol/realtime.ts";
import { ReconnectPolicy } from "../../protocol/reconnect.ts";
import { ClassroomSocket, type SocketLike, type TicketResult } from "./classroom-socket.ts";

class FakeSocket implements SocketLike {
  readyState = 1;
  sent: string[] = [];
  closedWith: number | undefined | null = null;
  onopen: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  onclose: ((ev: { code: number; reason: string }) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  constructor(readonly url: string) {}
  send(data: string) {
    this.sent.push(data);
  }
  close(code?: number) {
    this.closedWith = code;
    this.readyState = 3;
  }
  frame(f: ServerMessage) {
    this.onmessage?.({ data: JSON.stringify(f) });
  }
  serverClose(code: number) {
    this.readyState = 3;
    this.onclose?.({ code, reason: "" });
  }
}

function harness(tickets: TicketResult[] = []) {
  const sockets: FakeSocket[] = [];
  const timers: { fn: () => void; ms: number; id: number }[] = [];
  let nextId = 1;
  const delays: number[] = [];
  const socket = new ClassroomSocket({
    classId: "demo",
    socketOrigin: "ws://host",
    fetchTicket: async () => tickets.shift() ?? { ok: true, ticket: "T" },
    createSocket: (url) => {
      const s = new FakeSocket(url);
      sockets.push(s);
      return s;
    },
    // random() = 0.5 → delay is half the ceiling: 250, 500, 1000…
    policy: new ReconnectPolicy({ random: () => 0.5 }),
    now: () => 1000,
    setTimer: (fn, ms) => {
      const id = nextId++;
      timers.push({ fn, ms, id });
      if (ms !== 15_000 && ms !== 10_000) delays.push(ms);
      return id;
    },
    clearTimer: (id) => {
      const i = timers.findIndex((t) => t.id === id);
      if (i >= 0) timers.splice(i, 1);
    },
    watchNetwork: () => () => {},
  });
  /** Run the pending timer with delay `ms`. */
  const fire = (ms: number) => {
    const i = timers.findIndex((t) => t.ms === ms);
    if (i < 0) throw new Error(`no timer of ${ms} ms`);
    const [t] = timers.splice(i, 1);
    t!.fn();
  };
  const tick = () => new Promise((r) => setTimeout(r, 0));
  return { socket, sockets, fire, delays, tick };
}

const welcome: ServerMessage = {
  type: "welcome",
  v: 1,
  you: { id: "u1", name: "Ann", role: "guest" },
  sectionId: "s3",
  serverTime: 1000,
};
const snapshot = (seq: number): ServerMessage => ({
  type: "snapshot",
  seq,
  state: {
    stream: "live",
    streamStartedAt: null,
    settings: { slowModeSec: 0, linkPolicy: "allow" },
    pinned: null,
    global: [],
    announcements: [],
    presence: { students: 1, sections: 1 },
  },
});
const chat = (seq: number): ServerMessage => ({
  type: "chat.message",
  seq,
  at: seq,
  message: {
    id: `g${seq}`,
    channel: "global",
    from: { id: "t", name: "T", role: "teacher" },
    text: "x",
    at: seq,
  },
});

describe("ClassroomSocket", () => {
  it("connects with a ticket, is connected after welcome, and resumes from the last seq with backoff", async () => {
    const h = harness();
    h.socket.start();
    expect(h.socket.state.conn).toBe("connecting");
    await h.tick();
    expect(h.sockets[0]!.url).toBe("ws://host/ws/classes/demo?v=1&ticket=T");
    h.sockets[0]!.frame(welcome);
    h.sockets[0]!.frame(snapshot(7));
    expect(h.socket.state.conn).toBe("connected");

    h.sockets[0]!.serverClose(1006);
    expect(h.socket.state.conn).toBe("reconnecting");
    expect(h.delays).toEqual([250]);
    h.fire(250);
    await h.tick();
    // A fresh ticket, the last applied seq and our section.
    expect(h.sockets[1]!.url).toBe("ws://host/ws/classes/demo?v=1&ticket=T&resume=7&section=s3");
    // Failures before a welcome back off exponentially.
    h.sockets[1]!.serverClose(1006);
    h.fire(500);
    await h.tick();
    h.sockets[2]!.serverClose(1001);
    expect(h.delays).toEqual([250, 500, 1000]);
    h.fire(1000);
    await h.tick();
    h.sockets[3]!.frame(welcome);
    expect(h.socket.state.conn).toBe("connected");
    // A welcome resets the backoff.
    h.sockets[3]!.serverClose(4029);
    expect(h.delays.at(-1)).toBe(250);
  });

  it("stops for good when banned", async () => {
    const h = harness();
    h.socket.start();
    await h.tick();
    h.sockets[0]!.frame(welcome);
    h.sockets[0]!.serverClose(4003);
    expect(h.socket.state).toMatchObject({ conn: "offline", ended: "banned" });
    expect(h.delays).toEqual([]);
  });

  it("stops for good when access is revoked (4001)", async () => {
    const h = harness();
    h.socket.start();
    await h.tick();
    h.sockets[0]!.frame(welcome);
    h.sockets[0]!.serverClose(4001);
    expect(h.socket.state).toMatchObject({ conn: "offline", ended: "auth" });
    expect(h.delays).toEqual([]);
  });

  it("stops when the ticket is refused, retries when the network fails", async () => {
    const h = harness([
      { ok: false, retry: true },
      { ok: false, retry: false, reason: "auth" },
    ]);
    h.socket.start();
    await h.tick();
    expect(h.delays).toEqual([250]);
    h.fire(250);
    await h.tick();
    expect(h.socket.state.ended).toBe("auth");
    expect(h.sockets).toHaveLength(0);
  });

  it("sends hello with the last seq when it sees a gap", async () => {
    const h = harness();
    h.socket.start();
    await h.tick();
    const ws = h.sockets[0]!;
    ws.frame(welcome);
    ws.frame(snapshot(7));
    ws.frame(chat(8));
    ws.frame(chat(10));
    expect(ws.sent.map((s) => JSON.parse(s))).toEqual([{ type: "hello", v: 1, resume: 8 }]);
    ws.frame(chat(9));
    ws.frame(chat(10));
    expect(h.socket.state.global.map((m) => m.id)).toEqual(["g8", "g9", "g10"]);
  });

  it("sends typed chat with a rid and re-watches a section after reconnecting", async () => {
    const h = harness();
    h.socket.start();
    await h.tick();
    expect(h.socket.sendChat("too early")).toBeNull();
    const staffWelcome: ServerMessage = {
      ...welcome,
      you: { id: "t", name: "T", role: "teacher" },
      sectionId: "staff",
    } as ServerMessage;
    h.sockets[0]!.frame(staffWelcome);
    const rid = h.socket.sendChat("hello");
    expect(rid).not.toBeNull();
    h.socket.watch("s2");
    expect(h.sockets[0]!.sent.map((s) => JSON.parse(s))).toEqual([
      { type: "chat.send", text: "hello", rid },
      { type: "section.watch", sectionId: "s2" },
    ]);
    h.sockets[0]!.serverClose(1006);
    h.fire(250);
    await h.tick();
    // Staff do not ask for a section.
    expect(h.sockets[1]!.url).not.toContain("section=");
    h.sockets[1]!.frame(staffWelcome);
    expect(h.sockets[1]!.sent.map((s) => JSON.parse(s))).toEqual([
      { type: "section.watch", sectionId: "s2" },
    ]);
  });
});
