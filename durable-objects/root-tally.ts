/**
 * The root's half of fan-in at the shards (docs/decisions/013-fan-in-at-the-shards.md):
 * per poll (or question) the last counts each shard reported, and their sum. Applying a
 * report costs O(keys × options), whatever the number of students; a repeated or late
 * report changes nothing. The shard's half is shard-tally.ts. Pure: no runtime imports.
 */
import type { ShardCounts } from "./shard-tally.ts";

/** The root's sums: per key, the last counts each shard reported and their sum. */
export class RootTally {
  /** key → sectionId → last counts. */
  private readonly bySection = new Map<string, Map<string, ShardCounts>>();
  private readonly sums = new Map<string, { counts: number[]; answered: number }>();

  /**
   * Apply one shard's report: for each key, sum += counts − last. O(keys × options).
   * Returns the keys whose sum changed. A report older than the last one applied (`v`)
   * changes nothing, so a repeated or late report cannot double-count.
   */
  apply(sectionId: string, counts: Record<string, ShardCounts>): string[] {
    const changed: string[] = [];
    for (const [key, c] of Object.entries(counts)) {
      let per = this.bySection.get(key);
      if (!per) {
        per = new Map();
        this.bySection.set(key, per);
      }
      const last = per.get(sectionId);
      if (last && last.v >= c.v) continue;
      let sum = this.sums.get(key);
      if (!sum) {
        sum = { counts: [], answered: 0 };
        this.sums.set(key, sum);
      }
      const width = Math.max(c.counts.length, last?.counts.length ?? 0, sum.counts.length);
      for (let i = 0; i < width; i++)
        sum.counts[i] = (sum.counts[i] ?? 0) + (c.counts[i] ?? 0) - (last?.counts[i] ?? 0);
      sum.answered += c.answered - (last?.answered ?? 0);
      per.set(sectionId, { counts: [...c.counts], answered: c.answered, v: c.v });
      changed.push(key);
    }
    return changed;
  }

  /** The class-wide counts of `key` (`width` options), and how many answered. */
  sum(key: string, width: number): { counts: number[]; answered: number } {
    const s = this.sums.get(key);
    const counts = new Array<number>(width).fill(0);
    if (s) for (let i = 0; i < width; i++) counts[i] = s.counts[i] ?? 0;
    return { counts, answered: s?.answered ?? 0 };
  }

  /** The sections that reported counts for `key`. */
  sectionsOf(key: string): string[] {
    return [...(this.bySection.get(key)?.keys() ?? [])];
  }

  /** Forget a key (a pruned poll). */
  drop(key: string): void {
    this.bySection.delete(key);
    this.sums.delete(key);
  }

  /** One row per (key, section): what the root stores so a restart loses no tally. */
  rows(): { key: string; sectionId: string; counts: ShardCounts }[] {
    const out: { key: string; sectionId: string; counts: ShardCounts }[] = [];
    for (const [key, per] of this.bySection)
      for (const [sectionId, counts] of per) out.push({ key, sectionId, counts });
    return out;
  }

  /** Rebuild from `rows()`. */
  static from(rows: { key: string; sectionId: string; counts: ShardCounts }[]): RootTally {
    const t = new RootTally();
    for (const r of rows) t.apply(r.sectionId, { [r.key]: r.counts });
    return t;
  }
}
