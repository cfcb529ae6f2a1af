import { describe, expect, it } from "vitest";
import type { Author, ChatMessage, ClassEvent, ServerMessage } from "../../protocol/realtime.ts";
import {
  type ClassroomAction,
  type ClassroomState,
  cooldownUntil,
  initialClassroomState,
  isTimedOut,
  reduce,
} from "./classroom-state.ts";

const ann: Author = { id: "u1", name: "Ann", role: "guest" };
const bob: Author = { id: "u2", name: "Bob", role: "student" };
const teacher: Author = { id: "t1", name: "Prof", role: "teacher" };

const ACTIONS = new Set(["conn", "ended", "frame", "sent", "watch", "unanswered"]);

function run(s: ClassroomState, ...frames: (ServerMessage | ClassroomAction)[]): ClassroomState {
  let now = 1_000_000;
  for (const f of frames) {
    now += 10;
    s = reduce(
      s,
      ACTIONS.has(f.type)
        ? (f as ClassroomAction)
        : { type: "frame", frame: f as ServerMessage, now },
    );
  }
  return s;
}

const welcome = (you: Author, sectionId = "s1", serverTime = 1_000_000): ServerMessage => ({
  type: "welcome",
  v: 1,
  you,
  sectionId,
  serverTime,
});
const snapshot = (seq: number, global: ChatMessage[] = []): ServerMessage => ({
  type: "snapshot",
  seq,
  state: {
    stream: "idle",
    streamStartedAt: null,
    settings: { slowModeSec: 0, linkPolicy: "allow" },
    pinned: null,
    global,
    announcements: [],
    presence: { students: 3, sections: 1 },
  },
});
const gmsg = (seq: number, text = `m${seq}`): ChatMessage => ({
  id: `g${seq}`,
  channel: "global",
  from: teacher,
  text,
  at: seq,
});
const chat = (seq: number, text?: string): ClassEvent => ({
  type: "chat.message",
  seq,
  at: seq,
  message: gmsg(seq, text),
});
const smsg = (sseq: number, from: Author, extra: Partial<ChatMessage> = {}): ServerMessage => ({
  type: "section.message",
  sectionId: "s1",
  sseq,
  message: {
    id: `s1.${sseq}`,
    channel: "section",
    sectionId: "s1",
    from,
    text: `hi ${sseq}`,
    at: sseq,
    ...extra,
  },
});

const start = () => run(initialClassroomState(), welcome(ann), snapshot(10));

describe("classroom state: connection", () => {
  it("is connected only after welcome, and remembers who we are", () => {
    let s = reduce(initialClassroomState(), { type: "conn", conn: "connecting" });
    expect(s.conn).toBe("connecting");
    s = run(s, welcome(ann));
    expect(s.conn).toBe("connected");
    expect(s.you).toEqual(ann);
    expect(s.sectionId).toBe("s1");
    expect(s.section).toEqual({ sectionId: "s1", sseq: 0, messages: [] });
  });

  it("a ban ends the session: later connection changes do not bring it back", () => {
    let s = reduce(start(), { type: "ended", reason: "banned" });
    expect(s).toMatchObject({ conn: "offline", ended: "banned" });
    s = reduce(s, { type: "conn", conn: "reconnecting" });
    expect(s.conn).toBe("offline");
  });
});

describe("classroom state: ordering and resume", () => {
  it("applies events in order and drops duplicates", () => {
    const s = run(start(), chat(11), chat(12), chat(11), chat(12), chat(13));
    expect(s.global.map((m) => m.id)).toEqual(["g11", "g12", "g13"]);
    expect(s.lastSeq).toBe(13);
    expect(s.gap).toBe(false);
  });

  it("ignores events before the first snapshot", () => {
    const s = run(initialClassroomState(), welcome(ann), chat(5));
    expect(s.global).toEqual([]);
    expect(s.lastSeq).toBeNull();
  });

  it("flags a gap, holds later events back, and resumes when the missed ones arrive", () => {
    let s = run(start(), chat(11), chat(13), chat(14));
    expect(s.gap).toBe(true);
    expect(s.lastSeq).toBe(11);
    expect(s.global.map((m) => m.id)).toEqual(["g11"]);
    // The `hello` replay fills the gap in order.
    s = run(s, chat(12), chat(13), chat(14));
    expect(s.gap).toBe(false);
    expect(s.global.map((m) => m.id)).toEqual(["g11", "g12", "g13", "g14"]);
  });

  it("a snapshot after a gap replaces the class state and continues from its seq", () => {
    let s = run(start(), chat(11), chat(50));
    expect(s.gap).toBe(true);
    s = run(s, snapshot(60, [gmsg(55), gmsg(58)]), chat(61));
    expect(s.gap).toBe(false);
    expect(s.lastSeq).toBe(61);
    expect(s.global.map((m) => m.id)).toEqual(["g55", "g58", "g61"]);
    expect(s.presence).toEqual({ students: 3, sections: 1 });
  });

  it("keeps lastSeq across a reconnect, so the resumed replay applies once", () => {
    let s = run(start(), chat(11), chat(12));
    s = reduce(s, { type: "conn", conn: "reconnecting" });
    expect(s.conn).toBe("reconnecting");
    s = run(s, welcome(ann), chat(12), chat(13));
    expect(s.conn).toBe("connected");
    expect(s.global.map((m) => m.id)).toEqual(["g11", "g12", "g13"]);
  });
});

describe("classroom state: chat", () => {
  it("deletes global messages and clears the pin when the pinned one goes", () => {
    let s = run(start(), chat(11), chat(12), {
      type: "chat.pinned",
      seq: 13,
      at: 13,
      message: gmsg(11),
    });
    expect(s.pinned?.id).toBe("g11");
    s = run(s, { type: "chat.deleted", seq: 14, at: 14, messageId: "g12" });
    expect(s.global.map((m) => m.id)).toEqual(["g11"]);
    expect(s.pinned?.id).toBe("g11");
    s = run(s, { type: "chat.deleted", seq: 15, at: 15, messageId: "g11" });
    expect(s.global).toEqual([]);
    expect(s.pinned).toBeNull();
  });

  it("pins and unpins", () => {
    let s = run(start(), chat(11), { type: "chat.pinned", seq: 12, at: 12, message: gmsg(11) });
    expect(s.pinned?.text).toBe("m11");
    s = run(s, { type: "chat.pinned", seq: 13, at: 13, message: null });
    expect(s.pinned).toBeNull();
  });

  it("section snapshot replaces the view; messages append once; deletes remove them", () => {
    let s = run(start(), {
      type: "section.snapshot",
      sectionId: "s1",
      sseq: 2,
      messages: [
        (smsg(1, bob) as Extract<ServerMessage, { type: "section.message" }>).message,
        (smsg(2, bob) as Extract<ServerMessage, { type: "section.message" }>).message,
      ],
    });
    expect(s.section?.messages.map((m) => m.id)).toEqual(["s1.1", "s1.2"]);
    s = run(s, smsg(2, bob), smsg(3, bob), smsg(3, bob));
    expect(s.section?.messages.map((m) => m.id)).toEqual(["s1.1", "s1.2", "s1.3"]);
    s = run(s, { type: "section.deleted", sectionId: "s1", sseq: 4, messageId: "s1.2" });
    expect(s.section?.messages.map((m) => m.id)).toEqual(["s1.1", "s1.3"]);
    // Another section's frames are not ours.
    s = run(s, { ...smsg(9, bob), sectionId: "s2" } as ServerMessage);
    expect(s.section?.messages).toHaveLength(2);
  });

  it("staff see the section they watch, starting from its snapshot", () => {
    let s = run(initialClassroomState(), welcome(teacher, "staff"), snapshot(1));
    expect(s.section).toBeNull();
    s = reduce(s, { type: "watch", sectionId: "s1" });
    s = run(s, { type: "section.snapshot", sectionId: "s1", sseq: 7, messages: [] }, smsg(8, bob));
    expect(s.section?.messages.map((m) => m.id)).toEqual(["s1.8"]);
    expect(s.names.u2).toBe("Bob");
    s = reduce(s, { type: "watch", sectionId: null });
    expect(s.section).toBeNull();
  });

  it("matches our echo by rid and starts slow mode from it", () => {
    let s = run(start(), {
      type: "settings.changed",
      seq: 11,
      at: 11,
      settings: { slowModeSec: 30, linkPolicy: "block" },
    });
    s = reduce(s, { type: "sent", rid: "r1", text: "hello" });
    expect(s.outbox).toEqual({ r1: "hello" });
    expect(cooldownUntil(s)).toBe(0);
    s = reduce(s, {
      ...({ type: "frame" } as const),
      frame: smsg(1, ann, { rid: "r1" }),
      now: 5000,
    });
    expect(s.outbox).toEqual({});
    expect(s.lastPostAt).toBe(5000);
    expect(cooldownUntil(s)).toBe(35_000);
  });

  it("keeps a typed rejection with the refused text and its retry time", () => {
    let s = reduce(start(), { type: "sent", rid: "r2", text: "visit spam.com" });
    s = reduce(s, {
      type: "frame",
      frame: { type: "chat.rejected", rid: "r2", reason: "link_blocked", message: "No links." },
      now: 7000,
    });
    expect(s.lastRejection).toEqual({
      reason: "link_blocked",
      message: "No links.",
      at: 7000,
      text: "visit spam.com",
    });
    expect(s.outbox).toEqual({});
    s = reduce(s, {
      type: "frame",
      frame: {
        type: "chat.rejected",
        reason: "rate_limited",
        message: "Slow down.",
        retryAfterMs: 1500,
      },
      now: 8000,
    });
    expect(cooldownUntil(s)).toBe(9500);
    // Sending again clears the shown rejection.
    s = reduce(s, { type: "sent", rid: "r3", text: "ok" });
    expect(s.lastRejection).toBeNull();
  });

  it("never lets a chat message vanish: an error or no answer at all becomes a shown refusal", () => {
    let s = reduce(start(), { type: "sent", rid: "r1", text: "first" });
    s = reduce(s, { type: "sent", rid: "r2", text: "second" });
    s = reduce(s, {
      type: "frame",
      frame: { type: "error", code: "unavailable", message: "Briefly unreachable.", rid: "r2" },
      now: 7000,
    });
    expect(s.lastRejection).toEqual({
      reason: "not_sent",
      message: "Briefly unreachable.",
      at: 7000,
      text: "second",
    });
    expect(s.outbox).toEqual({ r1: "first" });
    s = reduce(s, { type: "unanswered", rid: "r1", now: 9000 });
    expect(s.lastRejection).toMatchObject({ reason: "not_sent", text: "first", at: 9000 });
    expect(s.outbox).toEqual({});
    // An answered message's timer changes nothing.
    expect(reduce(s, { type: "unanswered", rid: "r1", now: 9500 })).toBe(s);
    // Accepted while we reconnected (echo lost): the section snapshot holds it, no refusal.
    s = reduce(s, { type: "sent", rid: "r3", text: "third" });
    s = run(s, {
      type: "section.snapshot",
      sectionId: "s1",
      sseq: 4,
      messages: [
        {
          id: "s1.4",
          channel: "section",
          sectionId: "s1",
          from: ann,
          text: "third",
          at: 4,
          rid: "r3",
        },
      ],
    });
    expect(s.outbox).toEqual({});
    expect(s.lastRejection).toBeNull();
  });

  it("drops every message of a purged user from the global channel, the pin and the section", () => {
    let s = run(start(), smsg(1, bob), smsg(2, ann), {
      type: "chat.message",
      seq: 11,
      at: 11,
      message: { ...gmsg(11), from: bob },
    });
    s = run(s, { type: "chat.pinned", seq: 12, at: 12, message: { ...gmsg(11), from: bob } });
    s = run(s, { type: "chat.purged", seq: 13, at: 13, userId: bob.id });
    expect(s.section?.messages.map((m) => m.from.id)).toEqual([ann.id]);
    expect(s.global).toEqual([]);
    expect(s.pinned).toBeNull();
    expect(s.lastSeq).toBe(13);
  });

  it("converts a timeout's server time to local time", () => {
    // Server clock 60 s ahead of ours.
    let s = run(initialClassroomState(), welcome(ann, "s1", 1_060_010), snapshot(1));
    s = run(s, { type: "sanction.applied", kind: "timeout", until: 1_060_010 + 300_000 });
    expect(s.timeoutUntil).toBe(1_000_010 + 300_000);
    expect(isTimedOut(s, 1_000_010)).toBe(true);
    expect(isTimedOut(s, 1_000_010 + 300_001)).toBe(false);
  });
});

describe("classroom state: presence, announcements, stream, staff", () => {
  it("tracks presence, announcements and stream status", () => {
    const s = run(
      start(),
      { type: "presence", students: 1234, sections: 2, seq: 10 },
      {
        type: "announce",
        seq: 11,
        at: 11,
        announcement: { id: "a11", from: teacher, text: "Break at 3", at: 11 },
      },
      { type: "stream.status", seq: 12, at: 12, status: "live", startedAt: 11 },
    );
    expect(s.presence).toEqual({ students: 1234, sections: 2 });
    expect(s.announcements.map((a) => a.text)).toEqual(["Break at 3"]);
    expect(s.stream).toBe("live");
    expect(s.streamStartedAt).toBe(11);
  });

  it("a presence frame ahead of lastSeq reveals a lost final event: gap, so the socket resyncs", () => {
    let s = run(start(), { type: "presence", students: 1, sections: 1, seq: 10 });
    expect(s.gap).toBe(false);
    s = run(s, { type: "presence", students: 1, sections: 1, seq: 11 });
    expect(s.gap).toBe(true);
    expect(s.lastSeq).toBe(10);
    s = run(s, chat(11));
    expect(s).toMatchObject({ gap: false, lastSeq: 11 });
  });

  it("the first rejections frame after connect replaces the feed; later ones append", () => {
    const rej = (text: string) => ({
      at: 1,
      sectionId: "s1",
      user: bob,
      reason: "blocked_word" as const,
      text,
    });
    let s = run(initialClassroomState(), welcome(teacher, "staff"), snapshot(1));
    s = run(
      s,
      { type: "mod.rejections", items: [rej("a")] },
      { type: "mod.rejections", items: [rej("b")] },
    );
    expect(s.rejections.map((r) => r.text)).toEqual(["a", "b"]);
    // Reconnect: the backlog arrives again and must not duplicate.
    s = run(s, welcome(teacher, "staff"), { type: "mod.rejections", items: [rej("a"), rej("b")] });
    expect(s.rejections.map((r) => r.text)).toEqual(["a", "b"]);
    s = run(s, {
      type: "mod.state",
      blockedWords: ["spoiler"],
      bans: [],
      timeouts: [{ userId: "u2", until: 5 }],
      sections: [{ sectionId: "s1", students: 2 }],
    });
    expect(s.mod?.sections).toEqual([{ sectionId: "s1", students: 2 }]);
    expect(s.names.u2).toBe("Bob");
  });
});
