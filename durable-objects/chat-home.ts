/**
 * Which shard decides a student's chat (docs/decisions/015). Slow mode is class-wide per
 * student, but each shard keeps its own limiter memory; a student who reloads onto another
 * section must not start afresh there. The memory follows the student with their answers
 * (the tally handover of decision 013), and a shard decides a newly joined student's
 * message only once it knows it holds their newest memory: the root's answer to the report
 * that carried the join says whether the student's home moved here (then the old home's
 * handover must arrive first) or not. Pure: the shell (shard-chat.ts) holds the messages and
 * runs the timer.
 */
import type { ChatUserState } from "./chat-policy.ts";

/** Longest hold before a shard decides without the old home's memory (conservatively). */
export const HOME_WAIT_MS = 10_000;

/** The root's word on one join of a report (`ReportAnswer.homes`, in join order). */
export interface HomeAnswer {
  userId: string;
  /** The root's move number of the student's home (the handover carries the same). */
  gen: number;
  /** The home moved here with this join: the old home's handover is on its way. */
  moved: boolean;
}

interface Wait {
  /** When the first unanswered join of the student reached this shard. */
  since: number;
  /** Joins of the student the root has not answered yet. */
  joins: number;
  /** The handover move number this shard must have before it decides. */
  needGen: number;
  /** The newest handover move number received while waiting. */
  adoptedGen: number;
}

/** The students a shard may not yet decide chat for, and what each waits on. */
export class ChatHomes {
  private readonly waits = new Map<string, Wait>();

  /** A student's socket joined this shard: their chat waits for the root's answer to it. */
  joined(userId: string, now: number): void {
    const w = this.waits.get(userId);
    if (w) w.joins++;
    else this.waits.set(userId, { since: now, joins: 1, needGen: 0, adoptedGen: 0 });
  }

  /** Whether `userId`'s chat must be held now. */
  holds(userId: string): boolean {
    return this.waits.has(userId);
  }

  /**
   * The root answered a report's joins (`undefined`: a root that does not answer — every
   * join of that report counts as answered, home unchanged). Returns the students settled.
   */
  answered(answers: HomeAnswer[] | undefined, joined: string[]): string[] {
    const list = answers ?? joined.map((userId) => ({ userId, gen: 0, moved: false }));
    const touched = new Set<string>();
    for (const a of list) {
      const w = this.waits.get(a.userId);
      if (!w) continue;
      w.joins--;
      if (a.moved) w.needGen = Math.max(w.needGen, a.gen);
      touched.add(a.userId);
    }
    return [...touched].filter((u) => this.settle(u));
  }

  /** The old home's handover (move `gen`) arrived. Returns whether this settles the student. */
  adopted(userId: string, gen: number): boolean {
    const w = this.waits.get(userId);
    if (!w) return false;
    w.adoptedGen = Math.max(w.adoptedGen, gen);
    return this.settle(userId);
  }

  /**
   * Students held longer than HOME_WAIT_MS (the root or the old home is unreachable), with
   * when their wait began; the shell decides them with `lastAt ≥ since` (conservative).
   */
  expired(now: number): { userId: string; since: number }[] {
    const out: { userId: string; since: number }[] = [];
    for (const [userId, w] of this.waits)
      if (now - w.since >= HOME_WAIT_MS) {
        this.waits.delete(userId);
        out.push({ userId, since: w.since });
      }
    return out;
  }

  /** When the oldest wait expires, or null when nobody waits. */
  nextExpiry(): number | null {
    let min: number | null = null;
    for (const w of this.waits.values()) if (min === null || w.since < min) min = w.since;
    return min === null ? null : min + HOME_WAIT_MS;
  }

  private settle(userId: string): boolean {
    const w = this.waits.get(userId);
    if (!w || w.joins > 0 || w.adoptedGen < w.needGen) return false;
    this.waits.delete(userId);
    return true;
  }
}

/**
 * One student's limiter memory from two shards: the later message wins (slow mode and
 * duplicates), the emptier bucket wins (never more tokens than either shard had left).
 */
export function mergeChatUser(a: ChatUserState, b: ChatUserState): ChatUserState {
  const last = b.lastAt > a.lastAt ? b : a;
  const fresher = b.refilledAt > a.refilledAt ? b : a;
  return {
    tokens: Math.min(a.tokens, b.tokens),
    refilledAt: fresher.refilledAt,
    lastAt: last.lastAt,
    lastText: last.lastText,
  };
}
