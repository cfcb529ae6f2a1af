/**
 * The simulation's model of what should happen: plain data and rules copied from
 * docs/protocol.md, never from the server's code. The engine updates it as it sends
 * commands and reads it to predict each answer; checks compare the server against it.
 *
 * Time is real (epoch ms on this machine, which the local server shares). Near a rule's
 * boundary (a time-out ending, slow mode's interval passing, a setting just changed) the
 * server's clock and the sim's differ by a few ms of transit, so predictions within
 * `margin` of a boundary are `either`: nothing is asserted about them.
 */
import type { RejectReason } from "../protocol/realtime.ts";

/** What the model expects of one command. */
export type Expect =
  | { kind: "accept" }
  | { kind: "reject"; reason: string; retryAfterMs?: number }
  | { kind: "either"; why: string };

/** Three-valued answer of one rule at one moment. */
type Tri = "yes" | "no" | "maybe";

/** A window [from, to) (to = null: still open). */
export interface Window {
  from: number;
  to: number | null;
}

/** `t` against a window, with `margin` of doubt at both ends. */
export function inWindow(w: Window, t: number, margin: number): Tri {
  const to = w.to ?? Number.POSITIVE_INFINITY;
  if (t >= w.from + margin && t <= to - margin) return "yes";
  if (t < w.from - margin || t > to + margin) return "no";
  return "maybe";
}

function any(ws: readonly Window[] | undefined, t: number, margin: number): Tri {
  let out: Tri = "no";
  for (const w of ws ?? []) {
    const r = inWindow(w, t, margin);
    if (r === "yes") return "yes";
    if (r === "maybe") out = "maybe";
  }
  return out;
}

const URLISH = /\bexample\.(com|org)\b|https?:\/\//i;

/** Chat rules as docs/protocol.md states them (Rejections table), per user. */
export class ChatModel {
  slowModeSec = 0;
  /** When each setting last changed (send time of the teacher's `settings.update`). */
  slowChangedAt = 0;
  blockedWords: string[] = [];
  blockedChangedAt = 0;
  linkPolicy: "allow" | "block" = "allow";
  linkChangedAt = 0;
  /** userId → time-out windows (from the staff's send time to `until`). */
  readonly timeouts = new Map<string, Window[]>();
  /** userId → ban windows (ban sent → unban sent). */
  readonly bans = new Map<string, Window[]>();
  /** userId → server time (`message.at`) of their last accepted message. */
  readonly lastAccepted = new Map<string, number>();

  /** Predict the shard's verdict on a student's (or staff member's) `chat.send`. */
  predict(userId: string, staff: boolean, text: string, now: number, margin: number): Expect {
    const hedge: string[] = [];
    if (!staff) {
      const t = any(this.timeouts.get(userId), now, margin);
      if (t === "yes") {
        const w = this.timeouts.get(userId)!.find((w) => inWindow(w, now, margin) === "yes")!;
        return { kind: "reject", reason: "timed_out", retryAfterMs: (w.to ?? now) - now };
      }
      if (t === "maybe") hedge.push("time-out boundary");
      const slow = this.slowMode(userId, now, margin);
      if (slow.tri === "yes" && hedge.length === 0)
        return { kind: "reject", reason: "slow_mode", retryAfterMs: slow.wait };
      if (slow.tri !== "no") hedge.push("slow-mode boundary");
      if (this.blockedWords.some((w) => new RegExp(`\\b${w}\\b`, "i").test(text))) {
        if (now - this.blockedChangedAt < margin) hedge.push("blocked words just changed");
        else if (hedge.length === 0) return { kind: "reject", reason: "blocked_word" };
        else hedge.push("blocked word");
      } else if (now - this.blockedChangedAt < margin && /\bzebra\b/i.test(text))
        hedge.push("blocked words just changed");
      if (URLISH.test(text)) {
        if (now - this.linkChangedAt < margin) hedge.push("link policy just changed");
        else if (this.linkPolicy === "block") {
          if (hedge.length === 0) return { kind: "reject", reason: "link_blocked" };
          hedge.push("link blocked");
        }
      }
    }
    return hedge.length > 0 ? { kind: "either", why: hedge.join(", ") } : { kind: "accept" };
  }

  /** Whether slow mode holds `userId` back at `now`, and for how long. */
  slowMode(userId: string, now: number, margin: number): { tri: Tri; wait: number } {
    const last = this.lastAccepted.get(userId);
    if (now - this.slowChangedAt < margin) return { tri: "maybe", wait: 0 };
    if (this.slowModeSec === 0 || last === undefined) return { tri: "no", wait: 0 };
    const wait = last + this.slowModeSec * 1000 - now;
    if (wait > margin) return { tri: "yes", wait };
    if (wait < -margin) return { tri: "no", wait };
    return { tri: "maybe", wait };
  }

  /** Why a message from `userId` accepted at server time `at` should never have been: time-out or ban. */
  silenced(userId: string, at: number, margin: number): string | null {
    if (any(this.timeouts.get(userId), at, margin) === "yes") return "timed out";
    if (any(this.bans.get(userId), at, margin) === "yes") return "banned";
    return null;
  }

  /** Whether a verdict's reason is one this model can produce (the rest never should happen). */
  static explains(reason: RejectReason): boolean {
    return ["timed_out", "slow_mode", "blocked_word", "link_blocked"].includes(reason);
  }
}

/** One poll or quiz as the model sees it. */
export interface PollModel {
  /** Local key (creation order), stable across runs of one seed. */
  key: number;
  /** Server id, from `poll.created`. */
  id: string | null;
  kind: "poll" | "quiz";
  options: number;
  multiple: boolean;
  correct: number[] | null;
  state: "draft" | "open" | "closed" | "revealed";
  /** Quiz deadline (server time), from `poll.opened`. */
  closesAt: number | null;
  /** When the close was observed (server `at`). */
  closedAt: number | null;
  /** userId → the choices that count (polls: the latest; quizzes: the first). */
  readonly answers: Map<string, number[]>;
}

/** The answer docs/protocol.md promises for `poll.answer`. */
export function predictAnswer(
  p: PollModel,
  userId: string,
  choices: readonly number[],
  now: number,
  margin: number,
): Expect {
  if (p.state === "draft") return { kind: "reject", reason: "unknown_poll" };
  if (p.state !== "open") return { kind: "reject", reason: "poll_closed" };
  if (p.kind === "quiz") {
    // Auto-close: closesAt + 1 s off-air (+ 30 s live); a late answer is too_late or poll_closed.
    if (p.closesAt !== null && now > p.closesAt - margin)
      return { kind: "either", why: "quiz deadline" };
    const prev = p.answers.get(userId);
    // The same answer again is a retry (benchmarks rely on it): acked, nothing changes.
    if (prev && JSON.stringify(prev) !== JSON.stringify(choices))
      return { kind: "reject", reason: "already_answered" };
  }
  return { kind: "accept" };
}

/** Votes per option over the answers that count. */
export function tally(p: PollModel): number[] {
  const t = Array.from({ length: p.options }, () => 0);
  for (const choices of p.answers.values()) for (const c of choices) t[c]!++;
  return t;
}

/**
 * The hand queue: user ids in line by when their shard received the raise, ties by user
 * id (docs/protocol.md `hand.raise`, decision 016). The sim's send time stands for the
 * shard's stamp: steps wait for their answers, so send order is receive order.
 */
export class HandModel {
  readonly queue: string[] = [];
  /** userId → the stamp of their raise. */
  private readonly raisedAt = new Map<string, number>();
  /** Last change (send time of the command that changed it). */
  changedAt = 0;

  raise(userId: string, now: number): void {
    if (!this.queue.includes(userId)) {
      this.raisedAt.set(userId, now);
      let i = this.queue.length;
      while (i > 0 && this.after(this.queue[i - 1]!, now, userId)) i--;
      this.queue.splice(i, 0, userId);
    }
    this.changedAt = now;
  }

  /** Whether `other`'s raise sorts after a raise by `userId` at `at`. */
  private after(other: string, at: number, userId: string): boolean {
    const o = this.raisedAt.get(other) ?? 0;
    return o > at || (o === at && other > userId);
  }

  lower(userId: string, now: number): void {
    const i = this.queue.indexOf(userId);
    if (i >= 0) this.queue.splice(i, 1);
    this.raisedAt.delete(userId);
    this.changedAt = now;
  }

  clear(now: number): void {
    this.queue.length = 0;
    this.raisedAt.clear();
    this.changedAt = now;
  }
}

/** One Q&A question as the model sees it. */
export interface QuestionModel {
  id: string;
  author: string;
  state: "pending" | "visible" | "answered" | "hidden";
  readonly voters: Set<string>;
}

/** The answer docs/protocol.md promises for `qa.vote`. */
export function predictVote(q: QuestionModel, userId: string): Expect {
  // docs/protocol.md lists both for a question students cannot see: `not_votable` in the
  // command table, `unknown_question` ("or hidden from you") among the errors.
  if (q.state === "pending" || q.state === "hidden")
    return { kind: "reject", reason: "not_votable|unknown_question" };
  if (q.state !== "visible") return { kind: "reject", reason: "not_votable" };
  if (q.author === userId) return { kind: "reject", reason: "own_question" };
  return { kind: "accept" };
}

/** Questions a student may have waiting at once (docs/protocol.md, `qa.ask`). */
export const MAX_WAITING_QUESTIONS = 3;

/** Total length of the union of intervals, ms (overlapping sockets of one user count once). */
export function unionMs(intervals: readonly [number, number][]): number {
  const sorted = [...intervals].sort((a, b) => a[0] - b[0]);
  let total = 0;
  let cur: [number, number] | null = null;
  for (const [a, b] of sorted) {
    if (!cur || a > cur[1]) {
      if (cur) total += cur[1] - cur[0];
      cur = [a, b];
    } else cur[1] = Math.max(cur[1], b);
  }
  if (cur) total += cur[1] - cur[0];
  return total;
}
