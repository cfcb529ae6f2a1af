/**
 * Fan-in at the shards (docs/decisions/013-fan-in-at-the-shards.md). A shard keeps the
 * current answer of each of its voters and the counts they make; the root keeps, per
 * poll (or question), the last counts each shard reported and their sum (root-tally.ts).
 * The root's work per report window is O(shards × options), whatever the number of students.
 *
 * Here: the shard's tally (`ShardTally`: answers, upvotes, reports, settling a close,
 * handing a student's answers over to their new shard) and the types both halves share.
 * The hand queue's and the quiz leaderboard's per-shard heads are shard-heads.ts. Pure:
 * no runtime imports.
 */
import type { ErrorCode, ServerMessage } from "../protocol/realtime.ts";
import type { ChatUserState } from "./chat-policy.ts";
import { MAX_DEADLINE_GRACE_MS, normaliseChoices } from "./poll-core.ts";

/** What a shard needs to know about an open or closed poll of its class (pushed by the root). */
export interface ShardPoll {
  id: string;
  kind: "poll" | "quiz";
  /** Number of options. */
  options: number;
  multiple: boolean;
  state: "open" | "closed";
  /** Quiz deadline (server time), or null. */
  closesAt: number | null;
}

/** One voter's current answer, as the shard that holds it keeps it. */
export interface HeldAnswer {
  pollId: string;
  userId: string;
  name: string;
  choices: number[];
  /** Server time the shard first received this answer. */
  at: number;
  /** The video delay credited (capped), ms. */
  delayMs: number;
  /** The user's first answer to this poll (its engagement record is written once). */
  first?: boolean;
}

/** A user's answers and upvotes on their way from their old home shard to the new one. */
export interface Handover {
  userId: string;
  /** The move's number (increasing per user). */
  gen: number;
  answers: HeldAnswer[];
  upvotes: HeldVote[];
  /** The user's chat limiter memory at the old home (slow mode follows them, decision 015). */
  chat?: ChatUserState;
}

/** One user's upvote (or withdrawn upvote) of a question, as the shard that holds it keeps it. */
export interface HeldVote {
  questionId: string;
  userId: string;
  up: boolean;
  /** Server time of the newest vote (a handover never overrides a newer one). */
  at: number;
}

/** The result of one answer at the shard: the ack is sent by the shard itself. */
export type TallyOutcome =
  /** Counted (or an idempotent repeat): ack `poll.answered` with these choices. */
  | { ok: true; choices: number[]; changed: boolean }
  /** Refused; counted nowhere. */
  | {
      ok: false;
      code: Extract<
        ErrorCode,
        "unknown_poll" | "poll_closed" | "bad_choice" | "too_late" | "already_answered"
      >;
    }
  /** The user's answers were carried to another shard: the command goes there. */
  | { ok: false; code: "moved"; to: string; gen: number };

const REFUSAL_TEXT: Record<string, string> = {
  unknown_poll: "There is no such poll.",
  poll_closed: "That poll is not open.",
  bad_choice: "That is not a valid choice for this poll.",
  too_late: "Time is up for that question.",
  already_answered: "You already answered; your first answer counts.",
  unavailable: "Try again in a moment.",
};

/** The frame a voter gets from their shard for an answer: the ack, or a typed refusal. */
export function answerFrame(
  out: { ok: true; choices: number[] } | { ok: false; code: ErrorCode },
  pollId: string,
  rid: string | undefined,
): ServerMessage {
  const f: ServerMessage = out.ok
    ? { type: "poll.answered", pollId, choices: out.choices }
    : {
        type: "error",
        code: out.code,
        message: REFUSAL_TEXT[out.code] ?? out.code,
        ref: "poll.answer",
      };
  if (rid !== undefined) f.rid = rid;
  return f;
}

/** One poll's counts at one shard (absolute for that shard, so a repeated report cannot double). */
export interface ShardCounts {
  /** Votes per option from this shard's voters. */
  counts: number[];
  /** Voters holding an answer here. */
  answered: number;
  /** Increases with every change at this shard (the root ignores an older one). */
  v: number;
}

/** The tally part of a shard report. */
export interface TallyReport {
  /** key (`poll:<id>` or `q:<id>`) → this shard's counts, for keys that changed in the window. */
  counts: Record<string, ShardCounts>;
  /** Answers new or changed since the last report: the D1 rows (upserts keyed by poll and user). */
  rows: HeldAnswer[];
}

/** `poll:<id>`, the tally key of a poll. */
export const pollKey = (pollId: string): string => `poll:${pollId}`;
/** `q:<id>`, the tally key of a question's upvotes (one "option"). */
export const questionKey = (questionId: string): string => `q:${questionId}`;

/** A shard's voters: their current answers, the counts they make, and what changed since the last report. */
export class ShardTally {
  readonly polls = new Map<string, ShardPoll>();
  /** pollId → userId → answer. */
  private readonly held = new Map<string, Map<string, HeldAnswer>>();
  /** questionId → userId → this shard's voters' newest vote (withdrawn ones kept: they order handovers). */
  private readonly votes = new Map<string, Map<string, HeldVote>>();
  /** questionId → upvotes now. */
  private readonly upCount = new Map<string, number>();
  /** userId → the shard their answers were carried to (a later command follows them). */
  private readonly movedTo = new Map<string, { to: string; gen: number }>();
  private readonly counts = new Map<string, ShardCounts>();
  private readonly dirty = new Set<string>();
  private rows = new Map<string, HeldAnswer>();
  private v = 0;
  /** Storage work since the shell last drained it (not filled while restoring). */
  readonly ops: TallyOp[] = [];
  private restoring = false;

  private log(op: TallyOp): void {
    if (!this.restoring) this.ops.push(op);
  }

  constructor(private readonly clock: () => number = Date.now) {}

  /** Learn a poll's state (root push); a closed poll refuses answers from now on. */
  setPoll(p: ShardPoll): void {
    // A poll only goes from open to closed: an older push (or a forwarded copy) cannot reopen it.
    if (this.polls.get(p.id)?.state === "closed" && p.state === "open") return;
    this.polls.set(p.id, { ...p });
    this.log({ op: "poll", poll: { ...p } });
  }

  /** Forget a poll (pruned at the root; its rows are in D1). */
  dropPoll(pollId: string): void {
    this.polls.delete(pollId);
    this.held.delete(pollId);
    this.counts.delete(pollKey(pollId));
    this.dirty.delete(pollKey(pollId));
    this.log({ op: "pollGone", pollId });
  }

  private bump(key: string, width: number): ShardCounts {
    let c = this.counts.get(key);
    if (!c) {
      c = { counts: new Array<number>(width).fill(0), answered: 0, v: 0 };
      this.counts.set(key, c);
      this.log({ op: "key", key });
    }
    this.dirty.add(key);
    return c;
  }

  private add(a: HeldAnswer, sign: 1 | -1, width: number): void {
    const c = this.bump(pollKey(a.pollId), width);
    for (const i of a.choices) c.counts[i] = (c.counts[i] ?? 0) + sign;
    c.answered += sign;
  }

  /**
   * Where a command of `userId` must go instead of here: the shard their answers moved
   * to, unless the command was forwarded by a shard they left later (`viaGen`, its move
   * number) — then this shard is their newest home and its handover is still on the way.
   */
  private moveOf(userId: string, viaGen: number): { to: string; gen: number } | null {
    const m = this.movedTo.get(userId);
    return m && m.gen > viaGen ? m : null;
  }

  /**
   * A voter of this shard answers (`viaGen`: see `moveOf`). Idempotent: the same choices again change nothing; a
   * poll answer may change (the count moves); a quiz keeps the first answer.
   * `graceCapMs`: the most video delay believed now.
   */
  answer(
    user: { id: string; name: string },
    pollId: string,
    rawChoices: number[],
    at: number,
    delayMs = 0,
    graceCapMs = MAX_DEADLINE_GRACE_MS,
    viaGen = 0,
  ): TallyOutcome {
    const m = this.moveOf(user.id, viaGen);
    if (m) return { ok: false, code: "moved", ...m };
    const p = this.polls.get(pollId);
    if (!p) return { ok: false, code: "unknown_poll" };
    if (p.state !== "open") return { ok: false, code: "poll_closed" };
    const choices = normaliseChoices(
      { options: new Array<string>(p.options).fill(""), multiple: p.multiple },
      rawChoices,
    );
    if (!choices) return { ok: false, code: "bad_choice" };
    const grace = Math.min(Math.max(0, delayMs), graceCapMs, MAX_DEADLINE_GRACE_MS);
    if (p.closesAt !== null && at > p.closesAt + grace) return { ok: false, code: "too_late" };
    let voters = this.held.get(pollId);
    if (!voters) {
      voters = new Map();
      this.held.set(pollId, voters);
    }
    const prev = voters.get(user.id);
    if (prev) {
      if (sameChoices(prev.choices, choices)) return { ok: true, choices, changed: false };
      if (p.kind === "quiz") return { ok: false, code: "already_answered" };
      this.add(prev, -1, p.options);
    }
    const a: HeldAnswer = { pollId, userId: user.id, name: user.name, choices, at, delayMs: grace };
    if (!prev) a.first = true;
    voters.set(user.id, a);
    this.add(a, 1, p.options);
    this.rows.set(`${pollId} ${user.id}`, a);
    this.log({ op: "answer", answer: a, pending: true });
    return { ok: true, choices, changed: true };
  }

  /** A voter's current answers here (their view after reconnecting). */
  answersOf(userId: string): HeldAnswer[] {
    const out: HeldAnswer[] = [];
    for (const voters of this.held.values()) {
      const a = voters.get(userId);
      if (a) out.push(a);
    }
    return out;
  }

  /**
   * Carry a user's answers and upvotes to shard `to`, their new home as of move `gen`
   * (increasing per user: the admission time of the socket there). They stop counting
   * here and every later command of theirs here is forwarded (`moved`). Returns what the
   * new home must adopt.
   */
  release(userId: string, to: string, gen: number): Handover {
    const answers: HeldAnswer[] = [];
    for (const a of this.answersOf(userId)) {
      this.held.get(a.pollId)!.delete(userId);
      const p = this.polls.get(a.pollId);
      this.add(a, -1, p?.options ?? Math.max(0, ...a.choices) + 1);
      // A first answer whose row already left here is not "first" at the new home.
      const { first, ...rest } = a;
      answers.push(first && this.rows.has(`${a.pollId} ${userId}`) ? a : rest);
      this.rows.delete(`${a.pollId} ${userId}`);
      this.log({ op: "answerGone", pollId: a.pollId, userId });
    }
    const upvotes: HeldVote[] = [];
    for (const [questionId, byUser] of this.votes) {
      const v = byUser.get(userId);
      if (!v) continue;
      byUser.delete(userId);
      upvotes.push(v);
      if (v.up) this.setUp(questionId, -1);
      this.log({ op: "voteGone", questionId, userId });
    }
    const prev = this.movedTo.get(userId);
    if (!prev || prev.gen < gen) {
      this.movedTo.set(userId, { to, gen });
      this.log({ op: "moved", userId, to, gen });
    }
    return { userId, gen, answers, upvotes };
  }

  /**
   * Take over a user's answers and upvotes from their old home (move `h.gen`). An answer
   * given here in the meantime wins for a poll when newer; for a quiz the earlier one
   * counts. When the user has moved on from here since (a later move), nothing is kept:
   * the handover goes on to `forward` (with `viaGen` = the `gen` returned, see `moveOf`).
   */
  adopt(h: Handover, viaGen = 0): { forward: string; gen: number } | null {
    const m = this.moveOf(h.userId, Math.max(h.gen, viaGen));
    if (m) return { forward: m.to, gen: m.gen };
    if (this.movedTo.delete(h.userId)) this.log({ op: "movedGone", userId: h.userId });
    const userId = h.userId;
    for (const a of h.answers) {
      // A poll this shard has not learnt of yet still counts (its width from the choices).
      const p = this.polls.get(a.pollId);
      const width = p?.options ?? Math.max(0, ...a.choices) + 1;
      let voters = this.held.get(a.pollId);
      if (!voters) {
        voters = new Map();
        this.held.set(a.pollId, voters);
      }
      const mine = voters.get(userId);
      if (mine && (p?.kind === "quiz" ? mine.at <= a.at : mine.at >= a.at)) continue;
      if (mine) this.add(mine, -1, width);
      voters.set(userId, a);
      this.add(a, 1, width);
      this.rows.set(`${a.pollId} ${userId}`, a);
      this.log({ op: "answer", answer: a, pending: true });
    }
    for (const v of h.upvotes) {
      const mine = this.votes.get(v.questionId)?.get(userId);
      if (!mine || mine.at < v.at) this.setVote(v);
    }
    return null;
  }

  /** A voter of this shard upvotes (or withdraws) a question. Idempotent (`viaGen`: see `moveOf`). */
  upvote(
    userId: string,
    questionId: string,
    up: boolean,
    at: number,
    viaGen = 0,
  ): { changed: boolean } | { moved: string; gen: number } {
    const m = this.moveOf(userId, viaGen);
    if (m) return { moved: m.to, gen: m.gen };
    const was = this.votes.get(questionId)?.get(userId)?.up ?? false;
    this.setVote({ questionId, userId, up, at });
    return { changed: was !== up };
  }

  private setVote(v: HeldVote): void {
    let byUser = this.votes.get(v.questionId);
    if (!byUser) {
      byUser = new Map();
      this.votes.set(v.questionId, byUser);
    }
    const was = byUser.get(v.userId)?.up ?? false;
    byUser.set(v.userId, { ...v });
    this.log({ op: "vote", vote: { ...v } });
    if (was !== v.up) this.setUp(v.questionId, v.up ? 1 : -1);
  }

  private setUp(questionId: string, delta: number): void {
    const n = (this.upCount.get(questionId) ?? 0) + delta;
    this.upCount.set(questionId, n);
    const c = this.bump(questionKey(questionId), 1);
    c.counts[0] = c.answered = n;
  }

  /** This shard's counts for `key` now. */
  countsOf(key: string): ShardCounts | undefined {
    return this.counts.get(key);
  }

  /** Whether there is something to report. */
  get hasReport(): boolean {
    return this.dirty.size > 0 || this.rows.size > 0;
  }

  /** The window's report: counts of the keys that changed, and new or changed answers. */
  take(): TallyReport {
    // One stamp per report, wall-clock based: reports go at most every REPORT_MS, so a
    // restarted shard still stamps above anything the root has applied from it.
    if (this.dirty.size > 0) this.v = Math.max(this.clock(), this.v + 1);
    const counts: Record<string, ShardCounts> = {};
    for (const k of this.dirty) {
      const c = this.counts.get(k);
      if (!c) continue;
      c.v = this.v;
      counts[k] = { counts: [...c.counts], answered: c.answered, v: c.v };
    }
    this.dirty.clear();
    const rows = [...this.rows.values()];
    this.rows = new Map();
    this.log({ op: "sent", stamp: this.v });
    return { counts, rows };
  }

  /**
   * The root is closing polls `pollIds`: they refuse answers here from now on (as after
   * their `tally.poll` push), and this shard's counts of them, stamped now, go straight
   * back, so the close counts every answer acked here before it. The keys stay dirty:
   * the next report repeats them with a newer stamp (a no-op at the root).
   */
  settle(pollIds: readonly string[]): Record<string, ShardCounts> {
    const out: Record<string, ShardCounts> = {};
    const keys: string[] = [];
    for (const id of pollIds) {
      const p = this.polls.get(id);
      if (p && p.state === "open") this.setPoll({ ...p, state: "closed" });
      if (this.counts.has(pollKey(id))) keys.push(pollKey(id));
    }
    if (keys.length === 0) return out;
    this.v = Math.max(this.clock(), this.v + 1);
    for (const k of keys) {
      const c = this.counts.get(k)!;
      c.v = this.v;
      out[k] = { counts: [...c.counts], answered: c.answered, v: c.v };
      this.dirty.add(k);
    }
    this.log({ op: "sent", stamp: this.v });
    return out;
  }

  /**
   * A report failed: its counts are stale already (newer ones are sent, absolute) but its
   * rows go back, unless a newer version of the same answer is pending.
   */
  requeue(failed: TallyReport): void {
    for (const k of Object.keys(failed.counts)) if (this.counts.has(k)) this.dirty.add(k);
    for (const a of failed.rows) {
      const k = `${a.pollId} ${a.userId}`;
      if (!this.rows.has(k) && this.held.get(a.pollId)?.get(a.userId) === a) {
        this.rows.set(k, a);
        this.log({ op: "pending", pollId: a.pollId, userId: a.userId });
      }
    }
  }

  /** The last report stamp. */
  get stamp(): number {
    return this.v;
  }

  /** Every answer held here. */
  heldAnswers(): HeldAnswer[] {
    const out: HeldAnswer[] = [];
    for (const voters of this.held.values()) out.push(...voters.values());
    return out;
  }

  /** What the shell stores so a restart loses nothing (`restore` takes it back). */
  save(): SavedTally {
    const votes: HeldVote[] = [];
    for (const byUser of this.votes.values()) votes.push(...byUser.values());
    return {
      answers: this.heldAnswers(),
      votes,
      moved: [...this.movedTo].map(([userId, m]) => ({ userId, ...m })),
      stamp: this.v,
      pending: [...this.rows.keys()],
      keys: [...this.counts.keys()],
    };
  }

  /**
   * Rebuild after a restart (the polls are set first). Every count is reported once more,
   * zeros included (a shard whose voters all moved away must still say so); the root
   * ignores what it already has.
   */
  restore(saved: SavedTally): void {
    this.restoring = true;
    this.v = Math.max(this.v, saved.stamp);
    for (const key of saved.keys) {
      const p = key.startsWith("poll:") ? this.polls.get(key.slice(5)) : undefined;
      this.bump(key, key.startsWith("poll:") ? (p?.options ?? 0) : 1);
    }
    const due = new Set(saved.pending);
    for (const a of saved.answers) {
      const p = this.polls.get(a.pollId);
      const width = p?.options ?? Math.max(0, ...a.choices) + 1;
      let voters = this.held.get(a.pollId);
      if (!voters) {
        voters = new Map();
        this.held.set(a.pollId, voters);
      }
      voters.set(a.userId, a);
      this.add(a, 1, width);
      if (due.has(`${a.pollId} ${a.userId}`)) this.rows.set(`${a.pollId} ${a.userId}`, a);
    }
    for (const v of saved.votes) this.setVote(v);
    for (const m of saved.moved) this.movedTo.set(m.userId, { to: m.to, gen: m.gen });
    this.restoring = false;
  }
}

/** Storage work for the shard's shell, in order (drained from `ShardTally.ops`). */
export type TallyOp =
  | { op: "poll"; poll: ShardPoll }
  | { op: "pollGone"; pollId: string }
  | { op: "answer"; answer: HeldAnswer; pending: boolean }
  | { op: "answerGone"; pollId: string; userId: string }
  | { op: "vote"; vote: HeldVote }
  | { op: "voteGone"; questionId: string; userId: string }
  | { op: "moved"; userId: string; to: string; gen: number }
  | { op: "movedGone"; userId: string }
  | { op: "key"; key: string }
  /** A report left: no row is pending any more; the stamp it carried. */
  | { op: "sent"; stamp: number }
  /** A report failed: these answers' rows are pending again. */
  | { op: "pending"; pollId: string; userId: string };

/** A shard tally as stored (ShardTally.save / restore). */
export interface SavedTally {
  answers: HeldAnswer[];
  /** Votes, withdrawn ones too (they order handovers). */
  votes: HeldVote[];
  /** Users whose answers were carried away: to which shard, by which move. */
  moved: { userId: string; to: string; gen: number }[];
  /** The last report stamp (a restarted shard stamps above it). */
  stamp: number;
  /** `poll user` keys of answers whose D1 row has not left in a report yet. */
  pending: string[];
  /** Every key this shard has counts for (reported once more, zeros too). */
  keys: string[];
}

function sameChoices(a: number[], b: number[]): boolean {
  return a.length === b.length && a.every((c, i) => c === b[i]);
}
