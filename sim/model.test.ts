import { describe, expect, test } from "vitest";
import { ChatModel, HandModel, type PollModel, predictAnswer, tally, unionMs } from "./model.ts";
import { Rng } from "./prng.ts";

describe("Rng", () => {
  test("a seed replays the same choices; another seed does not", () => {
    const run = (seed: number) => {
      const r = new Rng(seed);
      return Array.from({ length: 20 }, () => r.int(0, 1000));
    };
    expect(run(7)).toEqual(run(7));
    expect(run(7)).not.toEqual(run(8));
  });

  test("weighted never picks a zero weight", () => {
    const r = new Rng(1);
    for (let i = 0; i < 500; i++) expect(r.weighted({ a: 1, b: 0, c: 3 })).not.toBe("b");
  });
});

describe("ChatModel", () => {
  const M = 1000;
  test("slow mode: one message per interval, the time left, doubt only near the boundary", () => {
    const c = new ChatModel();
    c.slowModeSec = 5;
    c.lastAccepted.set("u", 10_000);
    expect(c.predict("u", false, "hi", 12_000, M)).toEqual({
      kind: "reject",
      reason: "slow_mode",
      retryAfterMs: 3000,
    });
    expect(c.predict("u", false, "hi", 15_200, M).kind).toBe("either");
    expect(c.predict("u", false, "hi", 16_500, M)).toEqual({ kind: "accept" });
    // Staff are never slowed.
    expect(c.predict("u", true, "hi", 12_000, M)).toEqual({ kind: "accept" });
  });

  test("a setting changed a moment ago is doubtful", () => {
    const c = new ChatModel();
    c.slowModeSec = 5;
    c.slowChangedAt = 11_500;
    c.lastAccepted.set("u", 10_000);
    expect(c.predict("u", false, "hi", 12_000, M).kind).toBe("either");
  });

  test("a time-out refuses with the time left and comes before slow mode", () => {
    const c = new ChatModel();
    c.slowModeSec = 5;
    c.lastAccepted.set("u", 10_000);
    c.timeouts.set("u", [{ from: 9_000, to: 20_000 }]);
    expect(c.predict("u", false, "hi", 12_000, M)).toEqual({
      kind: "reject",
      reason: "timed_out",
      retryAfterMs: 8000,
    });
    expect(c.silenced("u", 12_000, M)).toBe("timed out");
    expect(c.silenced("u", 20_500, M)).toBeNull();
  });

  test("blocked words and links", () => {
    const c = new ChatModel();
    c.blockedWords = ["zebra"];
    c.linkPolicy = "block";
    expect(c.predict("u", false, "a zebra", 50_000, M)).toEqual({
      kind: "reject",
      reason: "blocked_word",
    });
    expect(c.predict("u", false, "see example.com", 50_000, M)).toEqual({
      kind: "reject",
      reason: "link_blocked",
    });
    expect(c.predict("u", false, "fine", 50_000, M)).toEqual({ kind: "accept" });
  });
});

test("hand queue keeps raise order; raising again keeps the place", () => {
  const h = new HandModel();
  h.raise("a", 1);
  h.raise("b", 2);
  h.raise("a", 3);
  h.raise("c", 4);
  h.lower("b", 5);
  expect(h.queue).toEqual(["a", "c"]);
});

test("polls: the latest answer counts; quizzes keep the first", () => {
  const p: PollModel = {
    key: 1,
    id: "p",
    kind: "quiz",
    options: 3,
    multiple: false,
    correct: [1],
    state: "open",
    closesAt: 100_000,
    closedAt: null,
    answers: new Map([["a", [1]]]),
  };
  expect(predictAnswer(p, "a", [2], 50_000, 1000)).toEqual({
    kind: "reject",
    reason: "already_answered",
  });
  // The same answer again is a retry.
  expect(predictAnswer(p, "a", [1], 50_000, 1000)).toEqual({ kind: "accept" });
  expect(predictAnswer(p, "b", [0], 99_500, 1000).kind).toBe("either");
  expect(predictAnswer({ ...p, state: "closed" }, "b", [0], 50_000, 1000)).toEqual({
    kind: "reject",
    reason: "poll_closed",
  });
  p.answers.set("b", [1]);
  p.answers.set("c", [2]);
  expect(tally(p)).toEqual([0, 2, 1]);
});

test("connected time counts overlapping sockets once", () => {
  expect(
    unionMs([
      [0, 10],
      [5, 20],
      [30, 40],
    ]),
  ).toBe(30);
});
