import { describe, expect, it } from "vitest";
import type { Author, ClientMessage, ServerMessage } from "../protocol/realtime.ts";
import { initialDurable, RootCore, type RootEffect } from "./classroom-core.ts";
import {
  type D1Row,
  HAND_AWAY_MS,
  KEEP_FINISHED,
  LIST_MS,
  NO_VIDEO_SLACK_MS,
  TALLY_MIN_MS,
} from "./interactive-core.ts";
import {
  addCommand,
  emptyInteractive,
  type InteractiveReport,
  requeueInteractive,
  type StudentCommand,
} from "./interactive-shard.ts";
import type { ShardReport } from "./rpc.ts";
import { droppedErrors, requeueReport, ShardCore } from "./shard-core.ts";
import { type ShardPoll, ShardTally } from "./shard-tally.ts";

const T0 = 50_000_000;
const teacher: Author = { id: "t", name: "T", role: "teacher" };
const moderator: Author = { id: "m", name: "M", role: "moderator" };
const student = (i: number): Author => ({ id: `u${i}`, name: `U${i}`, role: "student" });
let ids = 0;

function setup() {
  const c = new RootCore(initialDurable("c1"), [], 100, () => `id${++ids}`);
  const join = (sectionId: string, users: Author[]) =>
    c.report(
      {
        sectionId,
        sockets: users.length,
        joins: users.map((user) => ({ user, at: T0 })),
        leaves: [],
        commands: [],
        rejections: [],
        relay: [],
      },
      T0,
    );
  join("staff", [teacher, moderator]);
  const staff = (message: ClientMessage, now = T0, by = teacher) =>
    c.report(
      {
        sectionId: "staff",
        sockets: 2,
        joins: [],
        leaves: [],
        commands: [{ by, message }],
        rejections: [],
        relay: [],
      },
      now,
    );
  const batch = (sectionId: string, items: [Author, StudentCommand][], now = T0) => {
    const r = emptyInteractive();
    for (const [who, m] of items) addCommand(r, who, m, now);
    return send(sectionId, r, now);
  };
  const send = (sectionId: string, interactive: InteractiveReport, now = T0) =>
    c.report(
      {
        sectionId,
        sockets: 10,
        joins: [],
        leaves: [],
        commands: [],
        rejections: [],
        relay: [],
        interactive,
      },
      now,
    );
  return { c, join, staff, batch, send };
}

/** Frames sent to one user by notify controls. */
const toUser = (fx: RootEffect[], userId: string): ServerMessage[] =>
  fx.flatMap((e) =>
    e.kind === "control" && e.control.kind === "notify" && e.control.userId === userId
      ? [e.control.frame]
      : [],
  );
const events = (fx: RootEffect[]) => fx.flatMap((e) => (e.kind === "event" ? [e.event] : []));
const staffFrames = (fx: RootEffect[]) => fx.flatMap((e) => (e.kind === "staff" ? [e.frame] : []));
const d1 = (fx: RootEffect[]) =>
  fx.flatMap((e) => (e.kind === "interactive" && e.op.op === "d1" ? [e.op.row] : []));

function createPoll(
  s: ReturnType<typeof setup>,
  extra: Partial<Extract<ClientMessage, { type: "poll.create" }>> = {},
): string {
  const fx = s.staff({
    type: "poll.create",
    kind: "poll",
    question: "Best colour?",
    options: ["red", "green", "blue"],
    rid: "r1",
    ...extra,
  });
  const created = toUser(fx, "t").find((f) => f.type === "poll.created");
  if (created?.type !== "poll.created") throw new Error(JSON.stringify(toUser(fx, "t")));
  expect(created.rid).toBe("r1");
  return created.pollId;
}

describe("polls at the root", () => {
  it("sums the shards' counts: one vote per student, retried reports and changes stay exact, rows reach D1 once each", () => {
    const s = setup();
    s.join("s1", [student(1), student(2)]);
    s.join("s2", [student(3)]);
    const id = createPoll(s);
    const openFx = s.staff({ type: "poll.open", pollId: id }, T0 + 10);
    const opened = events(openFx);
    expect(opened[0]).toMatchObject({ type: "poll.opened", at: T0 + 10, poll: { tally: null } });
    // Every shard learns the poll before its students see it (controls go first).
    const pushed = openFx.flatMap((e) =>
      e.kind === "control" && e.control.kind === "tally.poll" ? [e] : [],
    );
    expect(pushed).toMatchObject([{ sectionId: "*", control: { poll: { id, state: "open" } } }]);
    const shards = new Map<string, ShardTally>();
    let clock = T0;
    for (const sec of ["s1", "s2"]) {
      const t = new ShardTally(() => ++clock);
      t.setPoll((pushed[0]!.control as { poll: ShardPoll }).poll);
      shards.set(sec, t);
    }
    const rows: D1Row[] = [];
    /** The outbox as the store keeps it: a keyed row replaces its pending version. */
    const outbox = new Map<string, D1Row>();
    const report = (sec: string, now: number, tally = shards.get(sec)!.take()) => {
      const fx = s.c.report(
        {
          sectionId: sec,
          sockets: 2,
          joins: [],
          leaves: [],
          commands: [],
          rejections: [],
          relay: [],
          tally,
        },
        now,
      );
      rows.push(...d1(fx));
      for (const e of fx)
        if (e.kind === "interactive" && e.op.op === "d1")
          outbox.set(e.op.key ?? `unkeyed ${outbox.size}`, e.op.row);
      return tally;
    };
    const vote = (sec: string, i: number, choice: number) =>
      shards.get(sec)!.answer(student(i), id, [choice], clock);
    expect(vote("s1", 1, 0)).toEqual({ ok: true, choices: [0], changed: true });
    vote("s1", 2, 1);
    const first = report("s1", T0 + 100);
    // The same report again (a lost response, retried) changes nothing.
    report("s1", T0 + 150, first);
    vote("s2", 3, 2);
    vote("s1", 2, 2); // a change of mind
    report("s2", T0 + 300);
    report("s1", T0 + 300);
    const tallies = staffFrames(s.c.interactive.tick(T0 + 300 + TALLY_MIN_MS)).filter(
      (f) => f.type === "poll.tally",
    );
    expect(tallies.at(-1)).toMatchObject({ tally: [1, 0, 2], answered: 3 });
    const closed = s.staff({ type: "poll.close", pollId: id }, T0 + 1000);
    const ev = events(closed);
    // Students do not see the tally before it is revealed.
    expect(ev[0]).toMatchObject({ type: "poll.closed", poll: { tally: null, state: "closed" } });
    expect(
      closed.some(
        (e) =>
          e.kind === "control" &&
          e.control.kind === "tally.poll" &&
          e.control.poll.state === "closed",
      ),
    ).toBe(true);
    const answerRows = rows.filter((r) => r.table === "poll_answers");
    expect(new Set(answerRows.map((r) => (r.table === "poll_answers" ? r.userId : "")))).toEqual(
      new Set(["u1", "u2", "u3"]),
    );
    expect(answerRows.at(-1)).toMatchObject({ userId: "u2", choices: [2] });
    // One engagement record per voter: the repeated report's copy has the same key, so it
    // replaces the pending one in the outbox.
    const engaged = [...outbox.values()].filter((r) => r.table === "engagement_events");
    expect(engaged.map((r) => (r.table === "engagement_events" ? r.userId : "")).sort()).toEqual([
      "u1",
      "u2",
      "u3",
    ]);
    const revealed = events(s.staff({ type: "poll.reveal", pollId: id }, T0 + 1100));
    expect(revealed[0]).toMatchObject({ type: "poll.revealed", poll: { tally: [1, 0, 2] } });
    expect(s.c.snapshot()).toMatchObject({
      state: { interactive: { polls: [{ id, state: "revealed", tally: [1, 0, 2] }] } },
    });
    // An answer that still came the old way (its shard had not learnt the poll yet) is not
    // counted here: it goes back to that shard with the poll, which counts and acks it.
    const late = s.batch("s2", [
      [student(3), { type: "poll.answer", pollId: id, choices: [0], rid: "x" }],
    ]);
    expect(toUser(late, "u3")).toEqual([]);
    expect(
      late.flatMap((e) => (e.kind === "control" && e.control.kind === "tally.answers" ? [e] : [])),
    ).toMatchObject([
      {
        sectionId: "s2",
        control: { polls: [{ id }], answers: [{ pollId: id, choices: [0], rids: ["x"] }] },
      },
    ]);
    expect(s.c.interactive.polls.get(id)!.tally).toEqual([1, 0, 2]);
  });

  it("a student who reconnects on another section has their answers handed over there", () => {
    const s = setup();
    s.join("s1", [student(1)]);
    const fx = s.c.report(
      {
        sectionId: "s2",
        sockets: 1,
        joins: [{ user: student(1), at: T0 + 5 }],
        leaves: [],
        commands: [],
        rejections: [],
        relay: [],
      },
      T0 + 5,
    );
    const release = fx.flatMap((e) =>
      e.kind === "control" && e.control.kind === "tally.release" ? [e] : [],
    );
    expect(release).toMatchObject([
      { sectionId: "s1", control: { userId: "u1", to: "s2", gen: T0 + 5 } },
    ]);
    // Back to the same section: nothing to hand over.
    const again = s.c.report(
      {
        sectionId: "s2",
        sockets: 1,
        joins: [{ user: student(1), at: T0 + 6 }],
        leaves: [],
        commands: [],
        rejections: [],
        relay: [],
      },
      T0 + 6,
    );
    expect(again.some((e) => e.kind === "control" && e.control.kind === "tally.release")).toBe(
      false,
    );
  });

  it("answers bad input with typed errors and changes nothing", () => {
    const s = setup();
    s.join("s1", [student(1)]);
    // A quiz: still checked at the root (plain polls are checked at the shards, shard-tally.test.ts).
    const id = createPoll(s, { kind: "quiz", correct: [0], timeLimitSec: 60 });
    const err = (fx: RootEffect[]) =>
      toUser(fx, "u1").map((f) => (f.type === "error" ? [f.code, f.rid] : f.type));
    // Drafts are unknown to students; unknown ids too.
    expect(
      err(
        s.batch("s1", [[student(1), { type: "poll.answer", pollId: id, choices: [0], rid: "a" }]]),
      ),
    ).toEqual([["unknown_poll", "a"]]);
    s.staff({ type: "poll.open", pollId: id });
    expect(
      err(
        s.batch("s1", [[student(1), { type: "poll.answer", pollId: id, choices: [7], rid: "b" }]]),
      ),
    ).toEqual([["bad_choice", "b"]]);
    expect(
      err(
        s.batch("s1", [
          [student(1), { type: "poll.answer", pollId: id, choices: [0, 1], rid: "c" }],
        ]),
      ),
    ).toEqual([["bad_choice", "c"]]);
    expect(
      err(s.batch("s1", [[student(1), { type: "poll.answer", pollId: "nope", choices: [0] }]])),
    ).toEqual([["unknown_poll", undefined]]);
    s.staff({ type: "poll.close", pollId: id });
    expect(
      err(
        s.batch("s1", [[student(1), { type: "poll.answer", pollId: id, choices: [0], rid: "d" }]]),
      ),
    ).toEqual([["poll_closed", "d"]]);
    expect(s.c.interactive.polls.get(id)!.tally).toEqual([0, 0, 0]);
    // Staff state errors go back to the sender.
    const bad = toUser(s.staff({ type: "poll.open", pollId: id }), "t");
    expect(bad[0]).toMatchObject({ type: "error", code: "bad_state", ref: "poll.open" });
    const draft = toUser(
      s.staff({ type: "poll.create", kind: "quiz", question: "Q", options: ["a", "b"] }),
      "t",
    );
    expect(draft[0]).toMatchObject({ type: "error", code: "invalid_draft" });
  });

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
  it("keeps the polls finished last, not the ones made last: a poll drafted early and closed now can be revealed", () => {
    const s = setup();
    s.join("s1", [student(1)]);
    // Drafted first, closed last (the 200-student simulated class, seed 8: the teacher's
    // reveal of such a poll got unknown_poll, pruned at its own close).
    const early = createPoll(s, { kind: "poll" });
    s.staff({ type: "poll.open", pollId: early }, T0);
    const later: string[] = [];
    for (let k = 0; k < KEEP_FINISHED; k++) {
      const id = createPoll(s, { kind: "poll" });
      later.push(id);
      s.staff({ type: "poll.open", pollId: id }, T0 + 10 + k * 10);
      s.staff({ type: "poll.close", pollId: id }, T0 + 15 + k * 10);
    }
    s.staff({ type: "poll.close", pollId: early }, T0 + 1000);
    const revealed = toUser(s.staff({ type: "poll.reveal", pollId: early }, T0 + 1100), "t");
    expect(revealed.find((f) => f.type === "error")).toBeUndefined();
    // The one finished longest ago went instead.
    expect(s.c.interactive.polls.has(later[0]!)).toBe(false);
    expect(s.c.interactive.polls.has(early)).toBe(true);
  });

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

describe("hands and questions at the root", () => {
  it("keeps the queue in raise order, acks and lowers, and sends the count at a bounded rate", () => {
    const s = setup();
    s.join("s1", [student(1), student(2), student(3)]);
    const raise = (i: number) =>
      [student(i), { type: "hand.raise", rid: `h${i}` }] as [Author, StudentCommand];
    // Stamped one ms apart (a same-ms tie would go by user id: decision 016).
    s.batch("s1", [raise(2)], T0 - 2);
    const fx = s.batch("s1", [raise(1)], T0 - 1);
    s.batch("s1", [raise(3)], T0);
    expect(toUser(fx, "u1")).toEqual([
      { type: "hand.position", raised: true, position: 2, rid: "h1" },
    ]);
    const t1 = s.c.interactive.tick(T0 + LIST_MS);
    expect(events(t1)).toMatchObject([{ type: "hand.count", count: 3 }]);
    expect(staffFrames(t1).find((f) => f.type === "hand.queue")).toMatchObject({
      count: 3,
      hands: [{ userId: "u2" }, { userId: "u1" }, { userId: "u3" }],
    });
    const acked = s.staff({ type: "hand.ack", userId: "u2" }, T0 + 1500);
    expect(toUser(acked, "u2")).toEqual([
      { type: "hand.position", raised: false, position: null, acknowledged: true },
    ]);
    expect(
      d1(acked)
        .filter((r) => r.table === "engagement_events")
        .map((r) => r.kind),
    ).toEqual(["hand_ack"]);
    // Nothing more within the bounded rate window; then positions move up.
    const t2 = s.c.interactive.tick(T0 + 2000 + LIST_MS);
    expect(events(t2)).toMatchObject([{ type: "hand.count", count: 2 }]);
    expect(toUser(t2, "u1")).toEqual([{ type: "hand.position", raised: true, position: 1 }]);
    const miss = toUser(s.staff({ type: "hand.dismiss", userId: "u9" }), "t");
    expect(miss[0]).toMatchObject({ type: "error", code: "not_raised" });
    s.staff({ type: "hand.clear" }, T0 + 5000);
    expect(s.c.snapshot()).toMatchObject({ state: { interactive: { hands: { count: 0 } } } });
  });

  it("lowers the hand of a student gone for HAND_AWAY_MS; a reconnect in time keeps the place", () => {
    const s = setup();
    s.join("s1", [student(1), student(2)]);
    const raise = (i: number) =>
      [student(i), { type: "hand.raise", rid: `h${i}` }] as [Author, StudentCommand];
    s.batch("s1", [raise(1), raise(2)], T0);
    const leave = (i: number, sockets: number, at: number) =>
      s.c.report(
        {
          sectionId: "s1",
          sockets,
          joins: [],
          leaves: [{ user: student(i), joinedAt: T0, at }],
          commands: [],
          rejections: [],
          relay: [],
        },
        at,
      );
    leave(1, 1, T0 + 100);
    leave(2, 0, T0 + 100);
    // u1 comes back on another shard within the grace period; u2 does not.
    s.join("s2", [student(1)]);
    s.c.interactive.tick(T0 + 100 + HAND_AWAY_MS - 1);
    expect(s.c.snapshot()).toMatchObject({ state: { interactive: { hands: { count: 2 } } } });
    const fx = s.c.interactive.tick(T0 + 100 + HAND_AWAY_MS + LIST_MS);
    expect(events(fx)).toMatchObject([{ type: "hand.count", count: 1 }]);
    expect(s.c.snapshot()).toMatchObject({ state: { interactive: { hands: { count: 1 } } } });
  });

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

  it("a failed report's interactive part is resent without losing or doubling", () => {
    const failed = emptyInteractive();
    const next = emptyInteractive();
    addCommand(failed, student(1), { type: "poll.answer", pollId: "p", choices: [0] }, 1);
    addCommand(failed, student(2), { type: "poll.answer", pollId: "p", choices: [1] }, 1);
    addCommand(next, student(1), { type: "poll.answer", pollId: "p", choices: [2] }, 2);
    addCommand(failed, student(1), { type: "qa.ask", text: "a" }, 1);
    addCommand(next, student(1), { type: "qa.ask", text: "b" }, 2);
    failed.chats.u1 = { count: 2, at: 1 };
    next.chats.u1 = { count: 1, at: 2 };
    requeueInteractive(failed, next);
    expect(Object.values(next.answers).map((a) => [a.user.id, a.choices])).toEqual([
      ["u1", [2]],
      ["u2", [1]],
    ]);
    expect(next.asks.map((a) => a.text)).toEqual(["a", "b"]);
    expect(next.chats.u1!.count).toBe(3);
  });
});

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

  it("a requeued report keeps the rids of entries a newer one replaced, and names the questions it drops", () => {
    const failed = emptyInteractive();
    const next = emptyInteractive();
    addCommand(failed, student(1), { type: "hand.raise", rid: "x1" }, 1);
    addCommand(failed, student(1), { type: "qa.vote", questionId: "q", up: true, rid: "v1" }, 1);
    addCommand(next, student(1), { type: "hand.lower", rid: "x2" }, 2);
    addCommand(next, student(1), { type: "qa.vote", questionId: "q", up: false, rid: "v2" }, 2);
    for (let i = 0; i < 501; i++)
      addCommand(failed, student(2), { type: "qa.ask", text: `q${i}`, rid: `q${i}` }, 1);
    const dropped = requeueInteractive(failed, next);
    expect(next.hands.u1).toMatchObject({ up: false, rids: ["x1", "x2"] });
    expect(next.votes["q u1"]).toMatchObject({ up: false, rids: ["v1", "v2"] });
    expect(dropped.map((q) => q.rid)).toEqual(["q0"]);
    expect(next.asks).toHaveLength(500);
    // The shard tells each sender of a dropped command, by its rid.
    const failedReport: ShardReport = {
      sectionId: "s1",
      sockets: 1,
      joins: [],
      leaves: [],
      commands: [],
      rejections: [],
      relay: [],
      interactive: emptyInteractive(),
    };
    addCommand(failedReport.interactive!, student(3), { type: "qa.ask", text: "x", rid: "z" }, 1);
    const full: ShardReport = { ...failedReport, interactive: emptyInteractive() };
    for (let i = 0; i < 500; i++)
      addCommand(full.interactive!, student(4), { type: "qa.ask", text: `${i}`, rid: `${i}` }, 2);
    expect(droppedErrors(requeueReport(failedReport, full))).toEqual([
      {
        userId: "u3",
        frame: {
          type: "error",
          code: "unavailable",
          message: expect.any(String),
          ref: "qa.ask",
          rid: "z",
        },
      },
    ]);
  });

  it("a forbidden command echoes its rid", () => {
    const core = new ShardCore("s1");
    expect(
      core.onMessage(
        student(1),
        { type: "poll.create", kind: "poll", question: "q", options: ["a", "b"], rid: "f" },
        T0,
      ),
    ).toMatchObject([
      { kind: "reply", frame: { code: "forbidden", ref: "poll.create", rid: "f" } },
    ]);
  });
});

describe("interactive commands at the shard", () => {
  const a = student(1);
  it("batches students' commands, sends staff commands up, refuses students' staff commands", () => {
    const core = new ShardCore("s1");
    expect(
      core.onMessage(a, { type: "poll.answer", pollId: "p", choices: [1], rid: "x" }, T0),
    ).toEqual([
      {
        kind: "interactive",
        who: a,
        command: { type: "poll.answer", pollId: "p", choices: [1], rid: "x" },
      },
    ]);
    expect(core.onMessage(a, { type: "poll.open", pollId: "p" }, T0)).toEqual([
      {
        kind: "reply",
        frame: {
          type: "error",
          code: "forbidden",
          message: "You may not do that.",
          ref: "poll.open",
        },
      },
    ]);
    const staff = new ShardCore("staff");
    expect(staff.onMessage(teacher, { type: "hand.clear" }, T0)).toEqual([
      { kind: "upstream", command: { by: teacher, message: { type: "hand.clear" } } },
    ]);
    expect(
      staff.onMessage(moderator, { type: "qa.settings", preModerate: true }, T0)[0],
    ).toMatchObject({ kind: "reply", frame: { code: "forbidden" } });
  });

  it("limits each student to a burst of interactive commands, then one a second, with typed errors", () => {
    const core = new ShardCore("s1");
    const kinds: string[] = [];
    for (let i = 0; i < 12; i++)
      kinds.push(core.onMessage(a, { type: "hand.raise", rid: `r${i}` }, T0)[0]!.kind);
    expect(kinds.filter((k) => k === "interactive")).toHaveLength(10);
    expect(core.onMessage(a, { type: "hand.lower", rid: "z" }, T0)).toEqual([
      {
        kind: "reply",
        frame: {
          type: "error",
          code: "rate_limited",
          message: expect.any(String),
          ref: "hand.lower",
          rid: "z",
        },
      },
    ]);
    expect(core.onMessage(a, { type: "hand.lower" }, T0 + 1000)[0]!.kind).toBe("interactive");
    // Another student is not affected.
    expect(core.onMessage(student(2), { type: "hand.raise" }, T0)[0]!.kind).toBe("interactive");
  });

  it("a report the root did not take keeps its votes for the next one (requeueReport)", () => {
    const failed: ShardReport = {
      sectionId: "s1",
      sockets: 3,
      joins: [],
      leaves: [],
      commands: [],
      rejections: [],
      relay: [],
      interactive: emptyInteractive(),
    };
    addCommand(failed.interactive!, a, { type: "poll.answer", pollId: "p", choices: [0] }, T0);
    const next: ShardReport = { ...failed, interactive: undefined };
    requeueReport(failed, next);
    expect(Object.keys(next.interactive!.answers)).toEqual(["p u1"]);
  });
});
