import { describe, expect, it } from "vitest";
import type { Author } from "../protocol/realtime.ts";
import type { RootEffect } from "./classroom-core.ts";
import { KEEP_FINISHED, NO_VIDEO_SLACK_MS } from "./interactive-polls.ts";
import type { StudentCommand } from "./interactive-shard.ts";
import { createPoll, d1, events, setup, student, T0, toUser } from "./testing/root-harness.ts";

describe("quizzes at the root", () => {
  it("quiz: correct answers in nothing students get before close; deadline with video grace; leaderboard and results", () => {
    const s = setup();
    s.join("s1", [student(1), student(2), student(3)]);
    const id = createPoll(s, {
      kind: "quiz",
      correct: [2],
      timeLimitSec: 10,
      speedBonus: 100,
    });
    const fx: RootEffect[] = [];
    fx.push(...s.staff({ type: "poll.open", pollId: id }, T0));
    const ans = (i: number, c: number, delayMs?: number) =>
      [
        student(i),
        {
          type: "poll.answer",
          pollId: id,
          choices: [c],
          ...(delayMs !== undefined ? { delayMs } : {}),
        },
      ] as [Author, StudentCommand];
    fx.push(...s.batch("s1", [ans(1, 2), ans(2, 0)], T0 + 2000));
    // Late for the deadline: without a live stream nobody's video is behind, so a claimed
    // 3 s video delay buys nothing (the live case: "quiz speed bonus" below).
    fx.push(...s.batch("s1", [ans(3, 2, 3000)], T0 + 12_000));
    expect(toUser(fx, "u3")).toMatchObject([{ type: "error", code: "too_late" }]);
    fx.push(...s.batch("s1", [ans(3, 2)], T0 + 9_000));
    // A quiz keeps the first answer.
    const again = toUser(s.batch("s1", [ans(2, 2)], T0 + 3000), "u2");
    expect(again[0]).toMatchObject({ type: "error", code: "already_answered" });
    fx.push(...s.c.interactive.tick(T0 + 5000));
    // Everything students could receive so far: events and personal frames; never the answer.
    const studentSide = JSON.stringify([
      ...events(fx),
      ...["u1", "u2", "u3"].flatMap((u) => toUser(fx, u)),
      s.c.snapshot(),
    ]);
    expect(studentSide).not.toContain('"correct":[2]');
    // No stream: the quiz closes by itself just after its deadline.
    expect(s.c.interactive.nextDue(T0 + 10_500)).toBeLessThanOrEqual(
      T0 + 10_000 + NO_VIDEO_SLACK_MS,
    );
    const closed = s.c.interactive.tick(T0 + 10_000 + NO_VIDEO_SLACK_MS);
    const ev = events(closed);
    expect(ev.map((e) => e.type)).toEqual(["poll.closed", "quiz.leaderboard"]);
    expect(ev[0]).toMatchObject({ poll: { correct: [2], tally: [1, 0, 2] } });
    const board = ev[1]!;
    if (board.type !== "quiz.leaderboard") throw new Error("no leaderboard");
    expect(board.top.map((r) => [r.userId, r.score])).toEqual([
      ["u1", 180],
      ["u3", 110],
      ["u2", 0],
    ]);
    expect(board.players).toBe(3);
    expect(toUser(closed, "u2")).toEqual([
      { type: "quiz.result", pollId: id, correct: false, score: 0 },
    ]);
    expect(
      d1(closed).filter((r) => r.table === "engagement_events" && r.kind === "quiz_answer"),
    ).toHaveLength(3);
  });
});

describe("quiz speed bonus at the root: what the server knows bounds what a client claims", () => {
  it("live, in the class's latency mode: a 30 s claim gains nothing and stretches the deadline only as far as the mode", () => {
    const s = setup();
    s.join("s1", [student(1), student(2), student(3), student(4)]);
    expect(s.c.interactive.setLatencyMode("ultraLow")).toMatchObject([
      { kind: "interactive", op: { op: "meta", meta: { latencyMode: "ultraLow" } } },
    ]);
    expect(s.c.interactive.setLatencyMode("ultraLow")).toEqual([]);
    s.c.setStreamStatus("live", T0);
    const id = createPoll(s, { kind: "quiz", correct: [1], timeLimitSec: 10, speedBonus: 1000 });
    s.staff({ type: "poll.open", pollId: id }, T0);
    const ans = (i: number, delayMs: number) =>
      [student(i), { type: "poll.answer", pollId: id, choices: [1], delayMs }] as [
        Author,
        StudentCommand,
      ];
    // Same video (3 s behind), same reaction: the honest one says 3 s, the attacker 30 s.
    s.batch("s1", [ans(1, 3000), ans(2, 30_000), ans(3, 3000)], T0 + 5000);
    // Claiming 30 s to answer 9 s after the deadline: ultraLow believes at most 8 s.
    const late = s.batch("s1", [ans(4, 30_000)], T0 + 10_000 + 9000);
    expect(toUser(late, "u4")).toMatchObject([{ type: "error", code: "too_late" }]);
    const closeAt = T0 + 10_000 + 8000 + NO_VIDEO_SLACK_MS;
    s.c.interactive.tick(T0 + 11_000); // the live tally goes out; the quiz stays open
    expect(s.c.interactive.nextDue(T0 + 11_001)).toBe(closeAt);
    const board = events(s.c.interactive.tick(closeAt)).find((e) => e.type === "quiz.leaderboard");
    if (board?.type !== "quiz.leaderboard") throw new Error("no leaderboard");
    const scores = Object.fromEntries(board.top.map((r) => [r.userId, r.score]));
    expect(scores.u2).toBe(scores.u1);
    // The class is credited its median report (3 s): 2 s used of 10 → 100 + 800.
    expect(scores.u1).toBe(900);
  });
});

describe("finished polls and quiz totals at the root", () => {
  it("keeps the last finished polls only, while the leaderboard still sums every question of the session", () => {
    const s = setup();
    s.join("s1", [student(1), student(2)]);
    let board: unknown = null;
    const ids: string[] = [];
    for (let k = 0; k < KEEP_FINISHED + 2; k++) {
      const id = createPoll(s, { kind: "quiz", correct: [0], timeLimitSec: 30 });
      ids.push(id);
      s.staff({ type: "poll.open", pollId: id }, T0 + k * 100_000);
      s.batch(
        "s1",
        [
          [student(1), { type: "poll.answer", pollId: id, choices: [0] }],
          [student(2), { type: "poll.answer", pollId: id, choices: [k === 0 ? 0 : 1] }],
        ],
        T0 + k * 100_000 + 10,
      );
      board = events(s.staff({ type: "poll.close", pollId: id }, T0 + k * 100_000 + 20)).find(
        (e) => e.type === "quiz.leaderboard",
      );
    }
    expect([...s.c.interactive.polls.keys()]).toEqual(ids.slice(2));
    expect(board).toMatchObject({
      players: 2,
      top: [
        { userId: "u1", correct: KEEP_FINISHED + 2, score: 100 * (KEEP_FINISHED + 2) },
        { userId: "u2", correct: 1, score: 100 },
      ],
    });
    // The oldest poll is gone from the root: staff get a typed error for it.
    const gone = toUser(s.staff({ type: "poll.reveal", pollId: ids[0]! }), "t");
    expect(gone[0]).toMatchObject({ type: "error", code: "unknown_poll" });
  });
});
