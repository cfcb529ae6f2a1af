import { describe, expect, it } from "vitest";
import { MAX_OPEN_PER_STUDENT, QaBoard } from "./qa-core.ts";

const ann = { id: "ann", name: "Ann" };
const bob = { id: "bob", name: "Bob" };

describe("Q&A", () => {
  it("one upvote per student, idempotent, toggles off, never on your own question", () => {
    const qa = new QaBoard();
    qa.ask("q1", ann, "Why O(n log n)?", 1);
    expect(qa.vote("q1", "bob", true)).toBeNull();
    expect(qa.vote("q1", "bob", true)).toBeNull();
    expect(qa.vote("q1", "cy", true)).toBeNull();
    expect(qa.questions.get("q1")!.votes).toBe(2);
    expect(qa.vote("q1", "bob", false)).toBeNull();
    expect(qa.questions.get("q1")!.votes).toBe(1);
    expect(qa.vote("q1", "ann", true)).toBe("own_question");
    expect(qa.vote("nope", "bob", true)).toBe("unknown_question");
  });

  it("orders the top list: pinned, then open by votes, answered last; hidden and pending never shown", () => {
    const qa = new QaBoard();
    qa.ask("a", ann, "A", 1);
    qa.ask("b", bob, "B", 2);
    qa.ask("c", { id: "cy", name: "Cy" }, "C", 3);
    qa.vote("b", "x", true);
    qa.vote("b", "y", true);
    qa.vote("c", "x", true);
    expect(qa.top(10).map((q) => q.id)).toEqual(["b", "c", "a"]);
    qa.moderate("a", "pin");
    qa.moderate("b", "answer");
    expect(qa.top(10).map((q) => q.id)).toEqual(["a", "c", "b"]);
    qa.moderate("c", "hide");
    expect(qa.top(10).map((q) => q.id)).toEqual(["a", "b"]);
    expect(qa.vote("c", "z", true)).toBe("not_votable");
    expect(qa.top(1).map((q) => q.id)).toEqual(["a"]);
  });

  it("pre-moderation holds questions until approved", () => {
    const qa = new QaBoard(true);
    qa.ask("q", ann, "Hi", 1);
    expect(qa.top(10)).toEqual([]);
    expect(qa.pending().map((q) => q.id)).toEqual(["q"]);
    expect(qa.vote("q", "bob", true)).toBe("not_votable");
    qa.moderate("q", "approve");
    expect(qa.top(10).map((q) => q.id)).toEqual(["q"]);
  });

  it("limits how many open questions one student may have, and reports changes once", () => {
    const qa = new QaBoard();
    for (let i = 0; i < MAX_OPEN_PER_STUDENT; i++) qa.ask(`q${i}`, ann, `Q${i}`, i);
    expect(qa.ask("more", ann, "one more", 9)).toBe("too_many_questions");
    expect(qa.takeDirty()).toBe(true);
    expect(qa.takeDirty()).toBe(false);
  });
});
