/**
 * The shard's half of polls, hands and Q&A: students' commands are rate-limited per
 * user and folded into the next report to the root, keyed so a batch holds at most one
 * answer per user per poll, one hand state and one vote per user per question (the
 * newest wins). Pure; the shell (classroom-shard.ts) owns the report and its timer.
 */
import type { Author, ClientMessageOf, ServerMessage } from "../protocol/realtime.ts";

/**
 * The `rid`s of the commands folded into one entry, oldest first (absent when none had
 * one). A newer command on the same key replaces the older one but inherits its rids, so
 * the root answers every one of them with the state the fold produced.
 */
export interface Rids {
  rids?: string[];
}

/** A student's poll answer on its way to the root. */
export interface ShardAnswer extends Rids {
  user: Author;
  pollId: string;
  choices: number[];
  /** Server time the shard received it. */
  at: number;
  delayMs?: number;
}

/** A student's question on its way to the root (never folded: each is its own entry). */
export interface ShardAsk {
  user: Author;
  text: string;
  at: number;
  rid?: string;
}

/** Student interactive input of one report (ShardReport.interactive). */
export interface InteractiveReport {
  /** `${pollId} ${userId}` → the newest answer. */
  answers: Record<string, ShardAnswer>;
  /** userId → the newest hand state. */
  hands: Record<string, { user: Author; up: boolean; at: number } & Rids>;
  /** New questions, in order. */
  asks: ShardAsk[];
  /** `${questionId} ${userId}` → the newest vote. */
  votes: Record<string, { user: Author; questionId: string; up: boolean; at: number } & Rids>;
  /** userId → student chat messages posted in this section since the last report (engagement). */
  chats: Record<string, { count: number; at: number }>;
}

/** An empty interactive report. */
export function emptyInteractive(): InteractiveReport {
  return { answers: {}, hands: {}, asks: [], votes: {}, chats: {} };
}

/** Whether a report part holds anything. */
export function hasInteractive(r: InteractiveReport): boolean {
  return (
    r.asks.length > 0 ||
    Object.keys(r.answers).length > 0 ||
    Object.keys(r.hands).length > 0 ||
    Object.keys(r.votes).length > 0 ||
    Object.keys(r.chats).length > 0
  );
}

/** The student commands that travel in reports. */
export type StudentCommand = ClientMessageOf<
  "poll.answer" | "hand.raise" | "hand.lower" | "qa.ask" | "qa.vote"
>;

/** The rids of `older` (an entry being replaced, if any) followed by those of `newer`. */
function foldRids(older: Rids | undefined, newer: Rids | undefined): Rids {
  const rids = [...(older?.rids ?? []), ...(newer?.rids ?? [])];
  return rids.length > 0 ? { rids } : {};
}

/** Fold one student command into `r` (the newest state per key wins; every rid is kept). */
export function addCommand(r: InteractiveReport, who: Author, m: StudentCommand, at: number): void {
  const own: Rids = m.rid !== undefined ? { rids: [m.rid] } : {};
  switch (m.type) {
    case "poll.answer": {
      const key = `${m.pollId} ${who.id}`;
      const a: ShardAnswer = {
        user: who,
        pollId: m.pollId,
        choices: m.choices,
        at,
        ...foldRids(r.answers[key], own),
      };
      if (m.delayMs !== undefined) a.delayMs = m.delayMs;
      r.answers[key] = a;
      break;
    }
    case "hand.raise":
    case "hand.lower":
      r.hands[who.id] = {
        user: who,
        up: m.type === "hand.raise",
        at,
        ...foldRids(r.hands[who.id], own),
      };
      break;
    case "qa.ask": {
      const q: ShardAsk = { user: who, text: m.text, at };
      if (m.rid !== undefined) q.rid = m.rid;
      r.asks.push(q);
      break;
    }
    case "qa.vote": {
      const key = `${m.questionId} ${who.id}`;
      r.votes[key] = {
        user: who,
        questionId: m.questionId,
        up: m.up,
        at,
        ...foldRids(r.votes[key], own),
      };
      break;
    }
    default:
      m satisfies never;
  }
}

/** Count one accepted student chat message for engagement records. */
export function countChat(r: InteractiveReport, userId: string, at: number): void {
  const c = r.chats[userId];
  if (c) {
    c.count++;
    c.at = at;
  } else r.chats[userId] = { count: 1, at };
}

/** Most questions a shard holds while the root is unreachable. */
const KEEP_ASKS = 500;

/** Merge keyed entries: `next`'s are newer and win, inheriting the rids of the ones they replace. */
function mergeKeyed<T extends Rids>(
  failed: Record<string, T>,
  next: Record<string, T>,
): Record<string, T> {
  const out: Record<string, T> = { ...failed };
  for (const [k, v] of Object.entries(next)) out[k] = { ...v, ...foldRids(failed[k], v) };
  return out;
}

/**
 * Put a failed report's interactive part in front of the next one (mutates `next`): keyed
 * entries already in `next` are newer and win (keeping the older rids); questions keep
 * their order; chat counts add. Nothing is double-counted at the root, which keys answers,
 * hands and votes by user id. Returns the oldest questions dropped for room (KEEP_ASKS),
 * so their senders can be told.
 */
export function requeueInteractive(failed: InteractiveReport, next: InteractiveReport): ShardAsk[] {
  next.answers = mergeKeyed(failed.answers, next.answers);
  next.hands = mergeKeyed(failed.hands, next.hands);
  next.votes = mergeKeyed(failed.votes, next.votes);
  next.asks.unshift(...failed.asks);
  const dropped =
    next.asks.length > KEEP_ASKS ? next.asks.splice(0, next.asks.length - KEEP_ASKS) : [];
  for (const [u, c] of Object.entries(failed.chats)) {
    const n = next.chats[u];
    if (n) n.count += c.count;
    else next.chats[u] = { ...c };
  }
  return dropped;
}

/** Per-user limit on interactive commands: a burst, then a steady rate. */
export const INTERACTIVE_LIMIT = { burst: 10, perSec: 1 } as const;

/** A user's interactive token bucket. */
export interface Bucket {
  tokens: number;
  at: number;
}

/** Charge one command to `b` (mutates it); returns whether it may pass. */
export function takeToken(b: Bucket, now: number): boolean {
  b.tokens = Math.min(
    INTERACTIVE_LIMIT.burst,
    b.tokens + (Math.max(0, now - b.at) / 1000) * INTERACTIVE_LIMIT.perSec,
  );
  b.at = now;
  if (b.tokens < 1) return false;
  b.tokens -= 1;
  return true;
}

/** The refusal a rate-limited student gets. */
export function rateLimited(m: StudentCommand): ServerMessage {
  const frame: ServerMessage = {
    type: "error",
    code: "rate_limited",
    message: "Too many poll, hand or question actions; wait a second.",
    ref: m.type,
  };
  if (m.rid !== undefined) frame.rid = m.rid;
  return frame;
}
