/**
 * The root's half of reactions: sums the per-shard counts of each report and emits
 * `reaction.burst` frames at a bounded rate — to staff every REACTION_BURST_MS, to
 * everyone at an interval that grows with the class so the bursts never cost more than
 * BURST_FRAMES_PER_SEC frames per second in all. Pure; the shell owns the timer.
 */
import {
  REACTION_BURST_MS,
  REACTIONS,
  type ReactionCounts,
  type ServerMessage,
} from "../protocol/realtime.ts";

/**
 * Burst frames per second the whole class may receive: the presence budget. Why so low:
 * at 10,000 students a burst every 500 ms (20,000 frames/s) kept the shards so busy sending
 * that their own reports to the root slowed to seconds on a loaded machine (docs/benchmarks.md).
 */
export const BURST_FRAMES_PER_SEC = 10_000;
/** The longest interval between two bursts to everyone. */
export const BURST_MAX_MS = 5000;

/** How often everyone gets a burst in a class of `students`: 500 ms up to 5,000, 1 s at 10,000, 5 s from 50,000. */
export function burstInterval(students: number): number {
  return Math.min(
    BURST_MAX_MS,
    Math.max(REACTION_BURST_MS, Math.ceil((students / BURST_FRAMES_PER_SEC) * 1000)),
  );
}

function add(into: ReactionCounts, c: ReactionCounts): void {
  for (const e of REACTIONS) {
    const n = c[e];
    // Counts come from our shards, but a bad one must not poison the totals.
    if (typeof n === "number" && Number.isInteger(n) && n > 0) into[e] = (into[e] ?? 0) + n;
  }
}

/** What one tick sends. */
export interface BurstOut {
  staff: ServerMessage | null;
  all: ServerMessage | null;
}

/** Reaction sums of one class. */
export class ReactionTally {
  /** Since the class session began (the shell resets it with a new session). */
  totals: ReactionCounts = {};
  private forStaff: ReactionCounts = {};
  private forAll: ReactionCounts = {};
  private lastAllAt = Number.NEGATIVE_INFINITY;
  private lastStaffAt = Number.NEGATIVE_INFINITY;

  /** Add one shard's counts. */
  add(c: ReactionCounts): void {
    add(this.totals, c);
    add(this.forStaff, c);
    add(this.forAll, c);
  }

  /** When `tick` next has something to send, or null. */
  nextDue(students: number): number | null {
    const at: number[] = [];
    if (Object.keys(this.forStaff).length > 0) at.push(this.lastStaffAt + REACTION_BURST_MS);
    if (Object.keys(this.forAll).length > 0) at.push(this.lastAllAt + burstInterval(students));
    return at.length ? Math.max(0, Math.min(...at)) : null;
  }

  /** The bursts due at `now`. */
  tick(now: number, students: number): BurstOut {
    const out: BurstOut = { staff: null, all: null };
    if (Object.keys(this.forAll).length > 0 && now - this.lastAllAt >= burstInterval(students)) {
      out.all = {
        type: "reaction.burst",
        counts: this.forAll,
        totals: { ...this.totals },
        at: now,
      };
      this.forAll = {};
      this.lastAllAt = now;
      // Staff are in the class too: this burst is theirs (with the same counts since theirs).
      if (Object.keys(this.forStaff).length > 0) {
        this.forStaff = {};
        this.lastStaffAt = now;
      }
      return out;
    }
    if (Object.keys(this.forStaff).length > 0 && now - this.lastStaffAt >= REACTION_BURST_MS) {
      out.staff = {
        type: "reaction.burst",
        counts: this.forStaff,
        totals: { ...this.totals },
        at: now,
      };
      this.forStaff = {};
      this.lastStaffAt = now;
    }
    return out;
  }
}
