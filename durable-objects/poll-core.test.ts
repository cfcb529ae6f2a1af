import { describe, expect, it } from "vitest";
import { MODE_MAX_DELAY_MS } from "../protocol/latency.ts";
import {
  BASE_POINTS,
  classDelay,
  draftProblem,
  leaderboard,
  type Poll,
  PollBox,
  type PollDraft,
  score,
} from "./poll-core.ts";

const draft = (over: Partial<PollDraft> = {}): PollDraft => ({
  kind: "poll",
  question: "Favourite sorting algorithm?",
  options: ["quick", "merge", "heap"],
  multiple: false,
  anonymous: false,
  ...over,
});
const make = (over: Partial<PollDraft> = {}) =>
  new PollBox({
    ...draft(over),
    id: "p1",
    state: "draft",
    openedAt: null,
    closesAt: null,
    closedAt: null,
  } as Poll);
const vote = (userId: string, choices: number[], at = 1_000, extra = {}) => ({
  pollId: "p1",
  userId,
  name: userId,
  choices,
  at,
  ...extra,
});

describe("drafts", () => {
  it("accepts a sane poll and refuses bad ones", () => {
    expect(draftProblem(draft())).toBeNull();
    expect(draftProblem(draft({ options: ["only one"] }))).toMatch(/2 to 10/);
    expect(draftProblem(draft({ options: Array.from({ length: 11 }, (_, i) => `o${i}`) }))).toMatch(
      /2 to 10/,
    );
    expect(draftProblem(draft({ kind: "quiz", correct: [], timeLimitSec: 30 }))).toMatch(/correct/);
    expect(draftProblem(draft({ kind: "quiz", correct: [5], timeLimitSec: 30 }))).toMatch(/among/);
    expect(draftProblem(draft({ kind: "quiz", correct: [0] }))).toMatch(/time limit/);
    expect(
      draftProblem(draft({ kind: "quiz", correct: [0], timeLimitSec: 30, anonymous: true })),
    ).toMatch(/anonymous/);
  });
});

describe("tally and idempotency", () => {
  it("counts one vote per student; repeats and retries change nothing; a changed vote moves", () => {
    const b = make();
    b.open(0);
    expect(b.answer(vote("a", [0]))).toBeNull();
    expect(b.answer(vote("a", [0]))).toBeNull(); // retried batch
    expect(b.answer(vote("b", [1]))).toBeNull();
    expect(b.tally).toEqual([1, 1, 0]);
    expect(b.answer(vote("a", [2]))).toBeNull(); // changed mind (e.g. after a shard move)
    expect(b.tally).toEqual([0, 1, 1]);
    expect(b.answered).toBe(2);
  });

  it("refuses closed polls, unknown polls and out-of-range or multiple choices on single-choice", () => {
    const b = make();
    expect(b.answer(vote("a", [0]))).toBe("poll_closed"); // still a draft
    b.open(0);
    expect(b.answer({ ...vote("a", [0]), pollId: "nope" })).toBe("unknown_poll");
    expect(b.answer(vote("a", [3]))).toBe("bad_choice");
    expect(b.answer(vote("a", [0, 1]))).toBe("bad_choice");
    expect(b.answer(vote("a", []))).toBe("bad_choice");
    b.close(10);
    expect(b.answer(vote("a", [0]))).toBe("poll_closed");
    expect(b.tally).toEqual([0, 0, 0]);
  });

  it("multiple choice counts each chosen option once", () => {
    const b = make({ multiple: true });
    b.open(0);
    b.answer(vote("a", [2, 0, 2]));
    expect(b.tally).toEqual([1, 0, 1]);
  });
});

describe("what students can see", () => {
  it("students see no tally until revealed; staff see live tallies", () => {
    const b = make();
    b.open(0);
    b.answer(vote("a", [1]));
    expect(b.view(false).tally).toBeNull();
    expect(b.view(true).tally).toEqual([0, 1, 0]);
    b.close(5);
    expect(b.view(false).tally).toBeNull();
    b.reveal();
    expect(b.view(false).tally).toEqual([0, 1, 0]);
  });

  it("a quiz's correct answer is in nothing a student receives before close", () => {
    const b = make({ kind: "quiz", correct: [1], timeLimitSec: 20 });
    b.open(0);
    const before = JSON.stringify(b.view(false));
    expect(b.view(false).correct).toBeNull();
    expect(before).not.toMatch(/correct":\[/);
    b.close(20_000);
    expect(b.view(false).correct).toEqual([1]);
  });
});

describe("quiz deadlines and scoring", () => {
  it("refuses answers after the deadline, extended by the viewer's video delay (capped)", () => {
    const b = make({ kind: "quiz", correct: [1], timeLimitSec: 10 });
    b.open(0);
    expect(b.answer(vote("late", [1], 10_500))).toBe("too_late");
    expect(b.answer(vote("delayed", [1], 10_500, { delayMs: 3_000 }))).toBeNull();
    expect(b.answer(vote("liar", [1], 200_000, { delayMs: 10_000_000 }))).toBe("too_late");
  });

  it("first answer counts; score = base + linear speed bonus, minus the class's video delay", () => {
    const b = make({ kind: "quiz", correct: [1], timeLimitSec: 10, speedBonus: 50 });
    b.open(0);
    // Everyone watches ~2 s behind (one reports 5 s): the class is credited 2 s.
    b.answer(vote("fast", [1], 2_000, { delayMs: 2_000 }));
    b.answer(vote("fast", [0], 2_001, { delayMs: 2_000 })); // cannot change a quiz answer
    b.answer(vote("slow", [1], 12_000, { delayMs: 2_000 }));
    b.answer(vote("wrong", [0], 2_000, { delayMs: 2_000 }));
    b.answer(vote("lagging", [1], 7_000, { delayMs: 5_000 }));
    expect(b.classDelay()).toBe(2_000);
    b.close(12_000);
    const r = Object.fromEntries(b.results().map((x) => [x.userId, x.score]));
    expect(r).toEqual({
      fast: BASE_POINTS + 50,
      slow: BASE_POINTS,
      wrong: 0,
      lagging: BASE_POINTS + 25,
    });
    expect(score(b.poll, { userId: "x", name: "x", choices: [1], at: 5_000 })).toBe(
      BASE_POINTS + 25,
    );
    expect(classDelay([])).toBe(0);
    expect(classDelay([9, 1, 5])).toBe(5);
    expect(classDelay([1, 30_000])).toBe(1); // the lower median: one of two cannot raise it
  });

  it("leaderboard sums scores across questions and breaks ties by total time", () => {
    const q = (id: string) => {
      const b = new PollBox({
        ...draft({ kind: "quiz", correct: [0], timeLimitSec: 10 }),
        id,
        state: "draft",
        openedAt: null,
        closesAt: null,
        closedAt: null,
      });
      b.open(0);
      return b;
    };
    const q1 = q("q1");
    const q2 = q("q2");
    for (const [b, u, c, at] of [
      [q1, "ann", 0, 1000],
      [q1, "bob", 0, 500],
      [q2, "ann", 0, 900],
      [q2, "bob", 1, 100],
      [q2, "cy", 0, 100],
    ] as const) {
      b.answer({ pollId: b.poll.id, userId: u, name: u, choices: [c], at });
    }
    q1.close(10_000);
    q2.close(10_000);
    expect(leaderboard([q1, q2], 2)).toEqual([
      { userId: "ann", name: "ann", score: 200, correct: 2 },
      { userId: "cy", name: "cy", score: 100, correct: 1 },
    ]);
  });
});

describe("quiz speed bonus: a claimed video delay buys no points (the attack)", () => {
  const LIVE_NORMAL = MODE_MAX_DELAY_MS.normal;
  /** One question; every player's answer reaches the root at open + their true delay + reaction. */
  function play(players: { id: string; trueMs: number; reactMs: number; claimMs: number }[]) {
    const b = make({ kind: "quiz", correct: [1], timeLimitSec: 20, speedBonus: 1000 });
    b.open(0);
    for (const p of players)
      expect(
        b.answer(vote(p.id, [1], p.trueMs + p.reactMs, { delayMs: p.claimMs }), LIVE_NORMAL),
      ).toBeNull();
    b.close(60_000);
    return Object.fromEntries(b.results().map((r) => [r.userId, r.score!]));
  }
  const honest = Array.from({ length: 9 }, (_, i) => ({
    id: `h${i}`,
    trueMs: 18_000 + i * 500,
    reactMs: 2_000 + i * 300,
    claimMs: 18_000 + i * 500,
  }));

  it("a client claiming 30 s (or anything) scores exactly what its honest twin scores", () => {
    // Twin and attacker: same true delay (20 s), same reaction (3 s); only the claim differs.
    for (const claimMs of [30_000, 600_000, 25_000, 20_500]) {
      const r = play([
        ...honest,
        { id: "twin", trueMs: 20_000, reactMs: 3_000, claimMs: 20_000 },
        { id: "attacker", trueMs: 20_000, reactMs: 3_000, claimMs },
      ]);
      expect(r.attacker).toBe(r.twin);
      // And not above any honest player who answered faster on their own video.
      for (const h of honest)
        if (h.reactMs < 3_000 && h.trueMs <= 20_000)
          expect(r.attacker).toBeLessThanOrEqual(r[h.id]!);
    }
  });

  it("a lone attacker with its twin cannot move the class delay either", () => {
    const r = play([
      { id: "twin", trueMs: 3_000, reactMs: 1_000, claimMs: 3_000 },
      { id: "attacker", trueMs: 3_000, reactMs: 1_000, claimMs: 30_000 },
    ]);
    expect(r.attacker).toBe(r.twin);
    // Where the old rule credited each claim (up to 30 s): the attacker got the full bonus.
    expect(r.attacker).toBeLessThan(BASE_POINTS + 1000);
  });

  it("the deadline stretches no further than the latency mode allows, and not at all without a stream", () => {
    const b = make({ kind: "quiz", correct: [1], timeLimitSec: 10 });
    b.open(0);
    const ultraLow = MODE_MAX_DELAY_MS.ultraLow;
    expect(b.answer(vote("liar", [1], 10_000 + ultraLow + 1, { delayMs: 30_000 }), ultraLow)).toBe(
      "too_late",
    );
    expect(
      b.answer(vote("slow", [1], 10_000 + ultraLow, { delayMs: 30_000 }), ultraLow),
    ).toBeNull();
    expect(b.answer(vote("nostream", [1], 10_001, { delayMs: 5_000 }), 0)).toBe("too_late");
  });
});
