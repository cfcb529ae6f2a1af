/**
 * The classroom socket with video alignment (video-delay.ts): picture events wait for
 * the viewer's video, everything else applies at once, and `seq` bookkeeping never waits.
 */
import { describe, expect, it } from "vitest";
import type { ClassEvent, ServerMessage } from "../../protocol/realtime.ts";
import { ClassroomSocket, type SocketLike } from "./classroom-socket.ts";
import { VideoSync } from "./video-delay.ts";

class FakeSocket implements SocketLike {
  readyState = 1;
  sent: string[] = [];
  onopen: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  onclose: ((ev: { code: number; reason: string }) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  send(data: string) {
    this.sent.push(data);
  }
  close() {
    this.readyState = 3;
  }
  frame(f: unknown) {
    this.onmessage?.({ data: JSON.stringify(f) });
  }
}

function harness(fixedDelayMs: number | null) {
  let now = 50_000;
  let nextId = 1;
  const timers = new Map<number, { at: number; fn: () => void }>();
  const clock = {
    now: () => now,
    setTimer: (fn: () => void, ms: number) => {
      const id = nextId++;
      timers.set(id, { at: now + ms, fn });
      return id;
    },
    clearTimer: (id: unknown) => void timers.delete(id as number),
  };
  const advance = (ms: number) => {
    const end = now + ms;
    for (;;) {
      const due = [...timers].filter(([, t]) => t.at <= end).sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      timers.delete(due[0]);
      now = Math.max(now, due[1].at);
      due[1].fn();
    }
    now = end;
  };
  const sync = new VideoSync<ClassEvent>({ mode: "ultraLow", fixedDelayMs, ...clock });
  const ws = new FakeSocket();
  const socket = new ClassroomSocket({
    classId: "demo",
    socketOrigin: "ws://host",
    fetchTicket: async () => ({ ok: true, ticket: "T" }),
    createSocket: () => ws,
    watchNetwork: () => () => {},
    sync,
    ...clock,
  });
  return { socket, ws, sync, advance, now: () => now };
}

const tick = () => new Promise((r) => setTimeout(r, 0));

async function connected(h: ReturnType<typeof harness>, stream: "idle" | "live" = "idle") {
  h.socket.start();
  await tick();
  h.ws.frame({
    type: "welcome",
    v: 1,
    you: { id: "u1", name: "Ann", role: "student" },
    sectionId: "s1",
    serverTime: h.now(),
  } satisfies ServerMessage);
  h.ws.frame({
    type: "snapshot",
    seq: 10,
    state: {
      stream,
      streamStartedAt: null,
      settings: { slowModeSec: 0, linkPolicy: "allow" },
      pinned: null,
      global: [],
      announcements: [],
      presence: { students: 1, sections: 1 },
    },
  });
}

const slide = (seq: number, at: number) => ({
  type: "slide.changed",
  seq,
  at,
  board: {
    slide: { key: "blank", deckId: null, deckName: "", page: 0, pageCount: 0, url: null },
    strokes: [],
  },
});
const chat = (seq: number, at: number) => ({
  type: "chat.message",
  seq,
  at,
  message: {
    id: `g${seq}`,
    channel: "global",
    from: { id: "t", name: "T", role: "teacher" },
    text: "hello",
    at,
  },
});

describe("ClassroomSocket + VideoSync", () => {
  it("holds a slide change for the fixed delay while chat after it shows at once", async () => {
    const h = harness(3_000);
    await connected(h);
    const seen: number[] = [];
    h.socket.on("slide.changed" as never, () => seen.push(h.now()));
    const t0 = h.now();
    h.ws.frame(slide(11, t0));
    h.ws.frame(chat(12, t0));
    // The slide's seq counts at once: the chat after it is no gap and shows now.
    expect(h.socket.state.lastSeq).toBe(12);
    expect(h.socket.state.gap).toBe(false);
    expect(h.socket.state.global.map((m) => m.id)).toEqual(["g12"]);
    expect(seen).toEqual([]);
    expect(h.sync.view().held).toBe(1);
    h.advance(2_999);
    expect(seen).toEqual([]);
    h.advance(1);
    expect(seen).toEqual([t0 + 3_000]);
    expect(h.ws.sent.filter((f) => f.includes('"hello"'))).toEqual([]);
  });

  it("applies everything at once without video, and a duplicate is not held twice", async () => {
    const h = harness(null);
    await connected(h, "live"); // live, but no player playing
    const seen: number[] = [];
    h.socket.on("slide.changed" as never, () => seen.push(h.now()));
    h.ws.frame(slide(11, h.now()));
    expect(seen).toEqual([h.now()]);
    // With a playing player the default delay (ultraLow, 3 s) applies.
    h.sync.setPlayer(true);
    h.ws.frame(slide(12, h.now()));
    h.ws.frame(slide(12, h.now())); // the same event again (resume overlap)
    expect(h.sync.view().held).toBe(1);
    h.advance(3_000);
    expect(seen).toHaveLength(2);
  });

  it("a poll opening waits for the video while Q&A and personal acks apply at once", async () => {
    const h = harness(3_000);
    await connected(h);
    const t0 = h.now();
    const poll = {
      id: "p1",
      kind: "quiz",
      question: "7 × 8?",
      options: ["54", "56"],
      multiple: false,
      anonymous: false,
      state: "open",
      openedAt: t0,
      closesAt: t0 + 20_000,
      timeLimitSec: 20,
      tally: null,
      correct: null,
      answered: null,
    };
    h.ws.frame({ type: "poll.opened", seq: 11, at: t0, poll });
    h.ws.frame({ type: "qa.top", seq: 12, at: t0, top: [], total: 4 });
    h.advance(500);
    h.ws.frame({ type: "poll.closed", seq: 13, at: t0 + 500, poll: { ...poll, state: "closed" } });
    h.ws.frame({ type: "quiz.result", pollId: "p1", correct: true, score: 120 });
    const ix = () => h.socket.state.interactive;
    expect(ix().qa.total).toBe(4);
    expect(ix().quizResults.p1).toEqual({ correct: true, score: 120 });
    expect(ix().polls).toEqual([]);
    h.advance(2_500);
    expect(ix().polls.map((p) => p.state)).toEqual(["open"]);
    h.advance(499);
    expect(ix().polls[0]!.state).toBe("open");
    h.advance(1);
    expect(ix().polls[0]!.state).toBe("closed");
    expect(h.socket.state.lastSeq).toBe(13);
  });

  it("a snapshot drops what it already contains", async () => {
    const h = harness(3_000);
    await connected(h);
    h.ws.frame(slide(11, h.now()));
    expect(h.sync.view().held).toBe(1);
    h.ws.frame({
      type: "snapshot",
      seq: 11,
      state: {
        stream: "idle",
        streamStartedAt: null,
        settings: { slowModeSec: 0, linkPolicy: "allow" },
        pinned: null,
        global: [],
        announcements: [],
        presence: { students: 1, sections: 1 },
      },
    });
    expect(h.sync.view().held).toBe(0);
  });
});
