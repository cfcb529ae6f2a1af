import { describe, expect, it } from "vitest";
import type { Author } from "../protocol/realtime.ts";
import type { StaffCommandMessage } from "./interactive-core.ts";
import {
  createPoll,
  moderator,
  setup,
  student,
  T0,
  teacher,
  toUser,
} from "./testing/root-harness.ts";

describe("every rid gets exactly one answer", () => {
  it("commands folded into one batch entry are each answered, with the state the fold produced", () => {
    const s = setup();
    s.join("s1", [student(1), student(2)]);
    const id = createPoll(s, { kind: "quiz", correct: [0], timeLimitSec: 60 });
    s.staff({ type: "poll.open", pollId: id });
    const fx = s.batch("s1", [
      [student(1), { type: "hand.raise", rid: "h1" }],
      [student(1), { type: "hand.lower", rid: "h2" }],
      [student(1), { type: "hand.raise", rid: "h3" }],
      [student(1), { type: "hand.lower" }],
      [student(1), { type: "hand.raise", rid: "h4" }],
      [student(1), { type: "poll.answer", pollId: id, choices: [0], rid: "a1" }],
      [student(1), { type: "poll.answer", pollId: id, choices: [2], rid: "a2" }],
      [student(2), { type: "poll.answer", pollId: "nope", choices: [0], rid: "b1" }],
      [student(2), { type: "poll.answer", pollId: "nope", choices: [1], rid: "b2" }],
    ]);
    const mine = toUser(fx, "u1").map((f) => [f.type, "rid" in f ? f.rid : undefined]);
    expect(mine).toEqual([
      ["poll.answered", "a1"],
      ["poll.answered", "a2"],
      ["hand.position", "h1"],
      ["hand.position", "h2"],
      ["hand.position", "h3"],
      ["hand.position", "h4"],
    ]);
    for (const f of toUser(fx, "u1"))
      if (f.type === "hand.position") expect(f).toMatchObject({ raised: true, position: 1 });
      else if (f.type === "poll.answered") expect(f.choices).toEqual([2]);
    expect(
      toUser(fx, "u2").map((f) => (f.type === "error" ? [f.code, f.ref, f.rid] : f.type)),
    ).toEqual([
      ["unknown_poll", "poll.answer", "b1"],
      ["unknown_poll", "poll.answer", "b2"],
    ]);
    // Without any rid: one ack, as before.
    const plain = s.batch("s1", [[student(2), { type: "hand.raise" }]]);
    expect(toUser(plain, "u2")).toEqual([{ type: "hand.position", raised: true, position: 2 }]);
  });
});

describe("staff commands: one dispatcher over the parts", () => {
  it("a refused command changes nothing and answers its sender alone, on the staff section, with its ref and rid", () => {
    const s = setup();
    s.join("s1", [student(1)]);
    const id = createPoll(s);
    const refused: [StaffCommandMessage, string, Author?][] = [
      [
        { type: "poll.create", kind: "poll", question: " ", options: ["a", "b"], rid: "c1" },
        "invalid_draft",
      ],
      [{ type: "poll.open", pollId: "nope" }, "unknown_poll"],
      [{ type: "poll.close", pollId: id }, "bad_state"],
      [{ type: "poll.reveal", pollId: id }, "bad_state"],
      [{ type: "poll.discard", pollId: "nope" }, "unknown_poll"],
      [{ type: "hand.ack", userId: "u1" }, "not_raised"],
      [{ type: "hand.dismiss", userId: "u1" }, "not_raised"],
      [{ type: "qa.moderate", questionId: "nope", action: "pin" }, "unknown_question"],
      [{ type: "qa.settings", preModerate: true }, "forbidden", moderator],
    ];
    for (const [m, code, by = teacher] of refused)
      expect(s.c.interactive.command(by, m, T0), m.type).toEqual([
        {
          kind: "control",
          sectionId: "staff",
          control: {
            kind: "notify",
            userId: by.id,
            frame: {
              type: "error",
              code,
              message: expect.any(String),
              ref: m.type,
              ...("rid" in m ? { rid: m.rid } : {}),
            },
          },
        },
      ]);
    expect(s.c.snapshot()).toMatchObject({
      state: {
        interactive: { polls: [], hands: { count: 0 }, qa: { total: 0, preModerate: false } },
      },
    });
    expect(s.c.interactive.polls.get(id)?.poll.state).toBe("draft");
  });
});
