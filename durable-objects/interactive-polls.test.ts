import { describe, expect, it } from "vitest";
import type { RootEffect } from "./classroom-core.ts";
import type { D1Row } from "./interactive-effects.ts";
import { KEEP_FINISHED, TALLY_MIN_MS } from "./interactive-polls.ts";
import { type ShardPoll, ShardTally } from "./shard-tally.ts";
import {
  createPoll,
  d1,
  events,
  setup,
  staffFrames,
  student,
  T0,
  toUser,
} from "./testing/root-harness.ts";

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
});
