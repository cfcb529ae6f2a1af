import { describe, expect, it } from "vitest";
import { mulberry32 as prng } from "../sim/prng.ts";
import { RootTally } from "./root-tally.ts";
import {
  type Handover,
  pollKey,
  questionKey,
  type SavedTally,
  type ShardPoll,
  ShardTally,
  type TallyReport,
} from "./shard-tally.ts";

const poll = (id: string, over: Partial<ShardPoll> = {}): ShardPoll => ({
  id,
  kind: "poll",
  options: 4,
  multiple: false,
  state: "open",
  closesAt: null,
  ...over,
});

describe("a shard's tally", () => {
  it("is idempotent, moves a changed answer, keeps a quiz's first, and refuses with typed codes", () => {
    const t = new ShardTally(() => 1);
    t.setPoll(poll("p"));
    t.setPoll(poll("q", { kind: "quiz", closesAt: 5_000 }));
    const ann = { id: "ann", name: "Ann" };
    expect(t.answer(ann, "p", [1], 10)).toEqual({ ok: true, choices: [1], changed: true });
    expect(t.answer(ann, "p", [1], 11)).toEqual({ ok: true, choices: [1], changed: false });
    expect(t.answer(ann, "p", [2], 12)).toMatchObject({ ok: true, changed: true });
    expect(t.countsOf(pollKey("p"))).toMatchObject({ counts: [0, 0, 1, 0], answered: 1 });
    expect(t.answer(ann, "q", [0], 10)).toMatchObject({ ok: true });
    expect(t.answer(ann, "q", [1], 11)).toEqual({ ok: false, code: "already_answered" });
    expect(t.answer(ann, "other-class-poll", [0], 10)).toEqual({ ok: false, code: "unknown_poll" });
    expect(t.answer(ann, "p", [7], 10)).toEqual({ ok: false, code: "bad_choice" });
    expect(t.answer(ann, "p", [0, 1], 10)).toEqual({ ok: false, code: "bad_choice" });
    expect(t.answer({ id: "bo", name: "Bo" }, "q", [0], 6_000)).toEqual({
      ok: false,
      code: "too_late",
    });
    t.setPoll(poll("p", { state: "closed" }));
    expect(t.answer({ id: "bo", name: "Bo" }, "p", [0], 20)).toEqual({
      ok: false,
      code: "poll_closed",
    });
    // Refusals are counted nowhere.
    const r = t.take();
    expect(r.counts[pollKey("p")]).toMatchObject({ counts: [0, 0, 1, 0], answered: 1 });
    expect(r.counts[pollKey("q")]).toMatchObject({ counts: [1, 0, 0, 0], answered: 1 });
    expect(r.rows.map((a) => [a.pollId, a.userId, a.choices])).toEqual([
      ["p", "ann", [2]],
      ["q", "ann", [0]],
    ]);
    expect(t.take()).toEqual({ counts: {}, rows: [] });
    // A pruned poll is forgotten: nothing held, nothing reported, answers refused.
    t.dropPoll("p");
    expect(t.answersOf("ann").map((a) => a.pollId)).toEqual(["q"]);
    expect(t.answer(ann, "p", [1], 30)).toEqual({ ok: false, code: "unknown_poll" });
    expect(t.save().keys).toEqual([pollKey("q")]);
  });

  it("settles a closing poll: closed here, its counts stamped above any report already taken", () => {
    let now = 1000;
    const t = new ShardTally(() => now);
    t.setPoll(poll("p"));
    const root = new RootTally();
    t.answer({ id: "a", name: "A" }, "p", [0], now);
    const inFlight = t.take(); // a report on its way (it will land after the close)
    t.answer({ id: "b", name: "B" }, "p", [1], now); // acked, in no report yet
    const settled = t.settle(["p"]);
    expect(settled[pollKey("p")]).toMatchObject({ counts: [1, 1, 0, 0], answered: 2 });
    root.apply("s1", settled);
    expect(root.apply("s1", inFlight.counts)).toEqual([]); // older: changes nothing
    expect(root.sum(pollKey("p"), 4)).toEqual({ counts: [1, 1, 0, 0], answered: 2 });
    expect(t.answer({ id: "c", name: "C" }, "p", [2], now)).toMatchObject({ code: "poll_closed" });
    now += 1;
    // The next report repeats the key with a newer stamp: a no-op at the root.
    expect(root.apply("s1", t.take().counts)).toEqual(["poll:p"]);
    expect(root.sum(pollKey("p"), 4)).toEqual({ counts: [1, 1, 0, 0], answered: 2 });
  });
});

/**
 * Invariant: for random sequences of votes, re-votes, reconnects to other shards (the
 * answers carried over, sometimes after the student already voted there), old sockets
 * still voting, lost requests, lost responses, shard and root restarts and closes, the
 * root's sum equals the model's tally once every shard has reported, and the D1 rows
 * (upserts) equal the model's answers.
 */
describe("shard tallies summed at the root equal the model", () => {
  for (let seed = 1; seed <= 200; seed++) {
    it(`seed ${seed}`, () => runModel(seed));
  }
});

function runModel(seed: number): void {
  const rnd = prng(seed);
  const pick = <T>(xs: T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  let now = 1_000;
  const clock = () => now;
  const SHARDS = 2 + Math.floor(rnd() * 4);
  const USERS = 3 + Math.floor(rnd() * 12);
  const sections = Array.from({ length: SHARDS }, (_, i) => `s${i + 1}`);
  const polls = [poll("p1"), poll("p2", { multiple: true }), poll("p3", { kind: "quiz" })];
  const questions = ["qa", "qb"];

  /** What each shard stores (its SQLite): survives a restart. */
  const stored = new Map<string, SavedTally>();
  const shards = new Map<string, ShardTally>();
  const fresh = (s: string) => {
    const t = new ShardTally(clock);
    for (const p of polls) t.setPoll(p);
    const st = stored.get(s);
    if (st) t.restore(JSON.parse(JSON.stringify(st)) as SavedTally);
    shards.set(s, t);
  };
  const persist = (s: string) => stored.set(s, shards.get(s)!.save());
  for (const s of sections) fresh(s);
  let root = new RootTally();
  const d1 = new Map<string, number[]>();

  // The model: one answer per (poll, user) (newest for polls, first for quizzes), one upvote per (question, user).
  const model = new Map<string, number[]>();
  const modelUp = new Map<string, Set<string>>(questions.map((q) => [q, new Set()]));
  const open = new Set(polls.map((p) => p.id));
  /** Where each user's sockets are: [the newest socket's shard, an older socket's shard?]. */
  const sockets = new Map<string, string[]>();
  /** The shard holding each user's answers now (the newest socket's). */
  const home = new Map<string, string>();
  for (let u = 0; u < USERS; u++) {
    const s = pick(sections);
    sockets.set(`u${u}`, [s]);
    home.set(`u${u}`, s);
  }
  /** Handovers in flight: adopted later (the race a reconnect makes). */
  const inFlight: { to: string; h: Handover }[] = [];
  let gen = 0;
  /** Deliver a handover, following it on when the user moved on meanwhile. */
  const deliver = (to: string, h: Handover) => {
    let via = 0;
    for (let hops = 0; hops < 50; hops++) {
      const r = shards.get(to)!.adopt(h, via);
      if (!r) return;
      [to, via] = [r.forward, r.gen];
    }
    throw new Error("handover loop");
  };

  /** Send a command at shard `s`, following `moved` like the shell forwards it (with the move number). */
  const follow = <R>(s: string, f: (t: ShardTally, via: number) => R): R => {
    let via = 0;
    for (let hops = 0; hops < 50; hops++) {
      const r = f(shards.get(s)!, via) as {
        moved?: string;
        code?: string;
        to?: string;
        gen?: number;
      };
      if (r.moved !== undefined) [s, via] = [r.moved, r.gen!];
      else if (r.code === "moved") [s, via] = [r.to!, r.gen!];
      else return r as R;
    }
    throw new Error("forwarding loop");
  };

  const report = (s: string, fate: "ok" | "lostRequest" | "lostResponse") => {
    const t = shards.get(s)!;
    const r: TallyReport = t.take();
    if (fate !== "lostRequest") {
      root.apply(s, r.counts);
      for (const a of r.rows) d1.set(`${a.pollId} ${a.userId}`, a.choices);
    }
    if (fate !== "ok") t.requeue(r);
  };

  for (let step = 0; step < 600; step++) {
    // Strictly increasing: a change on a new home and one on the old one are never in the
    // same millisecond (a reconnect lies between them).
    now += 1 + Math.floor(rnd() * 3);
    const user = `u${Math.floor(rnd() * USERS)}`;
    const x = rnd();
    if (x < 0.45) {
      // Vote from one of the user's sockets (maybe an old one still open).
      const p = pick(polls);
      const choices = p.multiple
        ? [...new Set([pick([0, 1, 2, 3]), pick([0, 1, 2, 3])])]
        : [pick([0, 1, 2, 3])];
      const at = pick(sockets.get(user)!);
      const r = follow(at, (t, via) =>
        t.answer({ id: user, name: user }, p.id, choices, now, 0, undefined, via),
      );
      const k = `${p.id} ${user}`;
      const prev = model.get(k);
      if (!open.has(p.id)) expect(r).toEqual({ ok: false, code: "poll_closed" });
      else if (p.kind === "quiz" && prev) {
        // The first answer counts. While a handover travels, the new home may accept a
        // second one; adoption puts the first back (the model keeps the first).
        if ((r as { ok: boolean }).ok === false)
          expect(r).toEqual({ ok: false, code: "already_answered" });
      } else {
        expect(r).toMatchObject({ ok: true });
        model.set(
          k,
          [...choices].sort((a, b) => a - b),
        );
      }
    } else if (x < 0.55) {
      const q = pick(questions);
      const up = rnd() < 0.7;
      follow(pick(sockets.get(user)!), (t, via) => t.upvote(user, q, up, now, via));
      if (up) modelUp.get(q)!.add(user);
      else modelUp.get(q)!.delete(user);
    } else if (x < 0.65) {
      // Reconnect on another shard; sometimes the old socket stays open a while.
      const to = pick(sections);
      const from = home.get(user)!;
      const old = sockets.get(user)!;
      sockets.set(user, rnd() < 0.3 ? [to, old[0]!] : [to]);
      if (to === from) continue;
      home.set(user, to);
      const moved = shards.get(from)!.release(user, to, ++gen);
      // Adopted now, or later (after the student voted there, or moved on again).
      if (rnd() < 0.5) deliver(to, moved);
      else inFlight.push({ to, h: moved });
    } else if (x < 0.75 && inFlight.length) {
      const f = inFlight.splice(Math.floor(rnd() * inFlight.length), 1)[0]!;
      deliver(f.to, f.h);
    } else if (x < 0.9) {
      report(pick(sections), pick(["ok", "ok", "ok", "lostRequest", "lostResponse"] as const));
    } else if (x < 0.94) {
      // A shard restarts: what it stored comes back; what it had not reported is reported again.
      const s = pick(sections);
      persist(s);
      now += 5;
      fresh(s);
    } else if (x < 0.96) {
      root = RootTally.from(root.rows());
    } else if (x < 0.97) {
      const p = pick(polls);
      open.delete(p.id);
      const closed = { ...p, state: "closed" as const };
      polls[polls.indexOf(p)] = closed;
      for (const t of shards.values()) t.setPoll(closed);
    }
  }
  for (const f of inFlight.splice(0)) deliver(f.to, f.h);
  now += 10;
  for (const s of sections) report(s, "ok");

  for (const p of polls) {
    const want = new Array<number>(4).fill(0);
    let answered = 0;
    for (const [k, choices] of model)
      if (k.startsWith(`${p.id} `)) {
        answered++;
        for (const i of choices) want[i]!++;
      }
    expect(root.sum(pollKey(p.id), 4), `poll ${p.id}`).toEqual({ counts: want, answered });
  }
  for (const q of questions)
    expect(root.sum(questionKey(q), 1).counts[0], `question ${q}`).toBe(modelUp.get(q)!.size);
  expect(Object.fromEntries(d1)).toEqual(Object.fromEntries(model));
}
