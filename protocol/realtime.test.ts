import { describe, expect, expectTypeOf, it } from "vitest";
import {
  type ClassEvent,
  CloseCode,
  frameRefs,
  isClassEvent,
  MAX_FRAME_BYTES,
  maySend,
  parseClientMessage,
  type ServerMessage,
  shouldReconnect,
  socketPath,
  socketSearch,
} from "./realtime.ts";

describe("parseClientMessage", () => {
  it("parses a valid chat.send", () => {
    const r = parseClientMessage(JSON.stringify({ type: "chat.send", text: "hi", rid: "r1" }));
    expect(r).toEqual({ ok: true, message: { type: "chat.send", text: "hi", rid: "r1" } });
  });

  it("rejects malformed JSON", () => {
    expect(parseClientMessage("{nope")).toMatchObject({ ok: false, code: "invalid_json" });
  });

  it("rejects non-objects and missing type", () => {
    for (const raw of ["[]", "null", "42", '"x"', "{}", '{"type":3}']) {
      expect(parseClientMessage(raw)).toMatchObject({ ok: false, code: "invalid_message" });
    }
  });

  it("rejects unknown types, including prototype keys", () => {
    expect(parseClientMessage('{"type":"poll.launch"}')).toMatchObject({
      ok: false,
      code: "unknown_type",
    });
    expect(parseClientMessage('{"type":"constructor"}')).toMatchObject({
      ok: false,
      code: "unknown_type",
    });
    expect(parseClientMessage('{"type":"__proto__"}')).toMatchObject({
      ok: false,
      code: "unknown_type",
    });
  });

  it("rejects wrong field types and extra fields with the path", () => {
    const r = parseClientMessage('{"type":"chat.send","text":42}');
    expect(r).toMatchObject({ ok: false, code: "invalid_message" });
    expect(!r.ok && r.message).toContain("text");
    expect(parseClientMessage('{"type":"chat.send","text":"a","admin":true}')).toMatchObject({
      ok: false,
      code: "invalid_message",
    });
    expect(parseClientMessage('{"type":"mod.timeout","userId":"u","seconds":5}')).toMatchObject({
      ok: false,
      code: "invalid_message",
    });
    expect(parseClientMessage('{"type":"mod.timeout","userId":"u","seconds":86401}')).toMatchObject(
      {
        ok: false,
        code: "invalid_message",
      },
    );
  });

  it("rejects oversized frames, counting UTF-8 bytes", () => {
    const ascii = JSON.stringify({ type: "chat.send", text: "a".repeat(MAX_FRAME_BYTES) });
    expect(parseClientMessage(ascii)).toMatchObject({ ok: false, code: "frame_too_large" });
    const multi = JSON.stringify({ type: "chat.send", text: "é".repeat(2100) });
    expect(multi.length).toBeLessThan(MAX_FRAME_BYTES);
    expect(parseClientMessage(multi)).toMatchObject({ ok: false, code: "frame_too_large" });
  });

  it("rejects binary frames", () => {
    expect(parseClientMessage(new ArrayBuffer(4))).toMatchObject({
      ok: false,
      code: "binary_not_supported",
    });
    expect(parseClientMessage(new Uint8Array(4))).toMatchObject({
      ok: false,
      code: "binary_not_supported",
    });
  });

  it("trims announcements and validates settings", () => {
    expect(parseClientMessage('{"type":"announce.send","text":"  hi  "}')).toMatchObject({
      ok: true,
      message: { text: "hi" },
    });
    expect(parseClientMessage('{"type":"settings.update","slowModeSec":-1}')).toMatchObject({
      ok: false,
    });
    expect(
      parseClientMessage(
        '{"type":"settings.update","slowModeSec":5,"linkPolicy":"block","blockedWords":["x"]}',
      ),
    ).toMatchObject({ ok: true });
  });
});

describe("roles and URLs", () => {
  it("lets students chat but not moderate; settings are teacher-only", () => {
    expect(maySend("student", "chat.send")).toBe(true);
    expect(maySend("guest", "mod.ban")).toBe(false);
    expect(maySend("moderator", "mod.ban")).toBe(true);
    expect(maySend("moderator", "settings.update")).toBe(false);
    expect(maySend("teacher", "settings.update")).toBe(true);
  });

  it("builds the socket URL and knows which closes are final", () => {
    expect(socketPath("abc") + socketSearch({ ticket: "t", resume: 7 })).toBe(
      "/ws/classes/abc?v=1&ticket=t&resume=7",
    );
    expect(shouldReconnect(CloseCode.banned)).toBe(false);
    expect(shouldReconnect(CloseCode.flood)).toBe(true);
    expect(shouldReconnect(1006)).toBe(true);
  });
});

describe("refusals keep the frame's ref and rid", () => {
  it("a schema refusal of a poll, hand, Q&A or board command echoes its type and rid", () => {
    const cases: Record<string, unknown>[] = [
      { type: "poll.answer", pollId: "p", choices: "zero", rid: "a1" },
      { type: "poll.create", kind: "poll", question: "q", options: [], rid: "a2" },
      { type: "hand.raise", rid: "a3", extra: true },
      { type: "hand.lower", rid: "a4", up: 1 },
      { type: "qa.ask", text: "", rid: "a5" },
      { type: "qa.vote", questionId: "q", up: "yes", rid: "a6" },
      { type: "chat.send", text: 42, rid: "a7" },
    ];
    for (const c of cases)
      expect(parseClientMessage(JSON.stringify(c))).toMatchObject({
        ok: false,
        code: "invalid_message",
        ref: c.type,
        rid: c.rid,
      });
    // Board commands carry no rid: the ref alone.
    const board = parseClientMessage('{"type":"board.stroke","points":"x"}');
    expect(board).toMatchObject({ ok: false, code: "invalid_message", ref: "board.stroke" });
    expect(board).not.toHaveProperty("rid");
  });

  it("echoes only well-formed parts", () => {
    // A rid that is itself malformed is not echoed; the type still is.
    const long = parseClientMessage(JSON.stringify({ type: "hand.raise", rid: "x".repeat(65) }));
    expect(long).toMatchObject({ ok: false, code: "invalid_message", ref: "hand.raise" });
    expect(long).not.toHaveProperty("rid");
    expect(parseClientMessage('{"type":"hand.raise","rid":7}')).not.toHaveProperty("rid");
    // No usable type: the rid alone.
    expect(parseClientMessage('{"type":3,"rid":"r"}')).toMatchObject({
      code: "invalid_message",
      rid: "r",
    });
    expect(parseClientMessage('{"type":3,"rid":"r"}')).not.toHaveProperty("ref");
    // An unknown type echoes both (bounded).
    expect(parseClientMessage('{"type":"poll.launch","rid":"r"}')).toMatchObject({
      code: "unknown_type",
      ref: "poll.launch",
      rid: "r",
    });
    expect(parseClientMessage(JSON.stringify({ type: "t".repeat(65) }))).not.toHaveProperty("ref");
    // Not JSON at all: nothing to echo.
    expect(parseClientMessage("{nope")).toEqual({
      ok: false,
      code: "invalid_json",
      message: expect.any(String),
    });
  });

  it("frameRefs reads ref and rid of a frame refused before parsing, never throwing", () => {
    expect(frameRefs('{"type":"hand.raise","rid":"r1"}')).toEqual({ ref: "hand.raise", rid: "r1" });
    expect(frameRefs("garbage")).toEqual({});
    expect(frameRefs("[1]")).toEqual({});
    expect(frameRefs(new Uint8Array([1]))).toEqual({});
    expect(
      frameRefs(JSON.stringify({ type: "x", rid: "r", pad: "a".repeat(MAX_FRAME_BYTES) })),
    ).toEqual({});
  });
});

describe("isClassEvent", () => {
  const author = { id: "u1", name: "Ada", role: "teacher" } as const;
  it("tells sequenced events by their seq and at, also a type a newer server added", () => {
    const message = { id: "m1", channel: "global", from: author, text: "hi", at: 2 } as const;
    expect(isClassEvent({ type: "chat.message", seq: 1, at: 2, message })).toBe(true);
    expect(isClassEvent({ type: "hand.count", seq: 3, at: 4, count: 1 })).toBe(true);
    // Carry one of the two: not events (snapshot and presence carry seq; a tally carries at).
    expect(isClassEvent({ type: "presence", students: 1, sections: 1, seq: 5 })).toBe(false);
    expect(isClassEvent({ type: "poll.tally", pollId: "p1", tally: [1], answered: 1, at: 6 })).toBe(
      false,
    );
    expect(isClassEvent({ type: "error", code: "invalid_json", message: "x" })).toBe(false);
    const future = { type: "sketch.shared", seq: 7, at: 8 } as unknown as ServerMessage;
    expect(isClassEvent(future)).toBe(true);
  });

  it("matches the unions: every ClassEvent carries seq and at, no other ServerMessage both", () => {
    type Sequenced = { seq: number; at: number };
    expectTypeOf<ClassEvent>().toExtend<Sequenced>();
    expectTypeOf<Extract<Exclude<ServerMessage, ClassEvent>, Sequenced>>().toBeNever();
  });
});
