import { describe, expect, it } from "vitest";
import type { Author } from "../protocol/realtime.ts";
import type { StudentCommand } from "./interactive-shard.ts";
import { events, moderator, setup, student, T0, toUser } from "./testing/root-harness.ts";

describe("questions at the root", () => {
  it("Q&A: pre-moderation, one upvote each, top list at a bounded rate, author told", () => {
    const s = setup();
    s.join("s1", [student(1), student(2), student(3)]);
    const noMod = toUser(s.staff({ type: "qa.settings", preModerate: true }, T0, moderator), "m");
    expect(noMod[0]).toMatchObject({ type: "error", code: "forbidden" });
    s.staff({ type: "qa.settings", preModerate: true });
    const asked = s.batch("s1", [[student(1), { type: "qa.ask", text: "Why?", rid: "q" }]]);
    const ack = toUser(asked, "u1")[0];
    if (ack?.type !== "qa.asked") throw new Error("no ack");
    expect(ack.question.state).toBe("pending");
    const qid = ack.question.id;
    const vote = (i: number, up = true) =>
      [student(i), { type: "qa.vote", questionId: qid, up }] as [Author, StudentCommand];
    // Pending questions do not exist for students yet.
    expect(toUser(s.batch("s1", [vote(2)]), "u2")[0]).toMatchObject({
      code: "unknown_question",
    });
    expect(
      toUser(s.staff({ type: "qa.moderate", questionId: qid, action: "approve" }), "u1"),
    ).toMatchObject([{ type: "qa.mine", question: { state: "visible" } }]);
    s.batch("s1", [vote(2), vote(3)], T0 + 10);
    s.batch("s1", [vote(2), vote(3)], T0 + 20); // retried: still one each
    expect(toUser(s.batch("s1", [vote(1)]), "u1")[0]).toMatchObject({ code: "own_question" });
    const top = events(s.c.interactive.tick(T0 + 5000)).find((e) => e.type === "qa.top");
    expect(top).toMatchObject({ top: [{ id: qid, votes: 2 }], total: 1 });
    // Asking the same again returns the same question (a retried batch).
    const same = toUser(s.batch("s1", [[student(1), { type: "qa.ask", text: "Why?" }]]), "u1")[0];
    expect(same).toMatchObject({ type: "qa.asked", question: { id: qid } });
    expect(s.c.interactive.qa.questions.size).toBe(1);
    // A reconnecting student gets their own state.
    const me = toUser(s.c.interactive.joined("s1", [student(2)]), "u2")[0];
    expect(me).toMatchObject({ type: "interactive.me", votes: [qid], hand: null });
  });
});
