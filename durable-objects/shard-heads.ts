/**
 * Per-shard heads merged at the root (docs/decisions/013-fan-in-at-the-shards.md): the
 * hand queue's head from each shard's first hands (the order stays exact), and the quiz
 * leaderboard from each shard's top K. Built and tested; not wired into the shells yet
 * (decision 013, "Left"). Pure: no runtime imports.
 */

// ---- hand queue: per-shard heads, merged at the root --------------------------------

/** A raised hand as a shard reports it. Order: `raisedAt`, then `userId` (the rule). */
export interface HandEntry {
  userId: string;
  name: string;
  /** Server time the hand was raised (at its shard). */
  raisedAt: number;
}

/** The queue order: earlier raise first; the same millisecond goes by user id. */
export function handOrder(a: HandEntry, b: HandEntry): number {
  return a.raisedAt - b.raisedAt || (a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0);
}

/** What one shard reports about its hands: how many are raised, and its first `HEAD` in order. */
export interface ShardHands {
  count: number;
  head: HandEntry[];
  v: number;
}

/**
 * The root's view of the hand queue: the per-shard counts and heads, merged. The first
 * `head` hands of the class are exact (each of them is within the first `head` of its own
 * shard, so the k-way merge of the shard heads contains them); the count is the sum.
 */
export class HandHeads {
  private readonly shards = new Map<string, ShardHands>();

  constructor(readonly head: number) {}

  /** Apply one shard's hands (ignored when older than the last applied). Returns whether it changed. */
  apply(sectionId: string, h: ShardHands): boolean {
    const last = this.shards.get(sectionId);
    if (last && last.v >= h.v) return false;
    this.shards.set(sectionId, { count: h.count, head: h.head.slice(0, this.head), v: h.v });
    return true;
  }

  /** Raised hands in the class. */
  get count(): number {
    let n = 0;
    for (const s of this.shards.values()) n += s.count;
    return n;
  }

  /** The class's first `limit` (≤ head) hands with their 1-based positions. O(shards × head). */
  top(limit = this.head): (HandEntry & { position: number })[] {
    const all: HandEntry[] = [];
    for (const s of this.shards.values()) all.push(...s.head);
    return all
      .sort(handOrder)
      .slice(0, Math.min(limit, this.head))
      .map((h, i) => ({ ...h, position: i + 1 }));
  }
}

// ---- quiz leaderboard: per-shard top-K, merged at the root --------------------------

/** A leaderboard row (a user's running quiz total at the shard that holds their answers). */
export interface ScoreRow {
  userId: string;
  name: string;
  score: number;
  correct: number;
  /** Sum of answer times: ties go to the faster player. */
  time: number;
}

/** Leaderboard order: score, then time, then user id. */
export function scoreOrder(a: ScoreRow, b: ScoreRow): number {
  return (
    b.score - a.score || a.time - b.time || (a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0)
  );
}

/**
 * The class's top `k` from each shard's top `k` (exact: a user in the class's top `k` is
 * in the top `k` of the one shard that holds their total). O(shards × k).
 */
export function mergeTopK(perShard: ScoreRow[][], k: number): ScoreRow[] {
  return perShard.flat().sort(scoreOrder).slice(0, k);
}

/** A shard's top `k` of its totals. */
export function topK(rows: Iterable<ScoreRow>, k: number): ScoreRow[] {
  return [...rows].sort(scoreOrder).slice(0, k);
}
