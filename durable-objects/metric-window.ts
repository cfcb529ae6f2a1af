/**
 * Counters a Durable Object sums in memory and writes to Analytics Engine once per window
 * (worker/metrics.ts): one data point per label per window, however many frames or
 * requests it saw, and none while idle. Pure; the shell does the writes when its
 * `WindowClock` says the window is due (no timer: a pending timer keeps a Durable Object
 * from hibernating and holds it through an eviction).
 *
 * Why windows and not a data point per event: a shard fans one frame out to 2,000 sockets
 * and Analytics Engine takes at most 250 `writeDataPoint` calls per invocation (and bills
 * per point). What is lost: a window's counts when the object is evicted before its flush.
 */

/** How long a Durable Object sums counters before writing them (one point per label). */
export const METRICS_WINDOW_MS = 10_000;

/** One label's sums over a window. */
export interface WindowSum<K extends string> {
  label: K;
  count: number;
  value: number;
}

/** Sums per label, taken (and emptied) once per window. */
export class MetricWindow<K extends string> {
  private readonly sums = new Map<K, WindowSum<K>>();

  /**
   * Add `count` events worth `value` (e.g. frames and their bytes) under `label`. True when
   * the window was empty.
   */
  add(label: K, count = 1, value = 0): boolean {
    if (count <= 0) return false;
    const first = this.sums.size === 0;
    const s = this.sums.get(label);
    if (s) {
      s.count += count;
      s.value += value;
    } else this.sums.set(label, { label, count, value });
    return first;
  }

  /** The window's sums, one per label, and a new empty window. */
  take(): WindowSum<K>[] {
    const out = [...this.sums.values()];
    this.sums.clear();
    return out;
  }
}

/**
 * When a window is due: it starts at its first count, and the first count
 * METRICS_WINDOW_MS or more later closes it (the shell then writes and `reset`s). An idle
 * object's last window waits for its next count.
 */
export class WindowClock {
  private since = 0;

  /** A count at `now`: true when the window it belongs to is due to be written. */
  due(now: number): boolean {
    if (this.since === 0) {
      this.since = now;
      return false;
    }
    return now - this.since >= METRICS_WINDOW_MS;
  }

  /** The window was written: the next count starts a new one. */
  reset(): void {
    this.since = 0;
  }
}

/** Bytes of `s` as UTF-8 (what a WebSocket text frame carries), without encoding it. */
export function utf8Length(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) n += 1;
    // A surrogate pair is 2 code units and 4 bytes; a lone BMP character is 3 bytes.
    else if (c >= 0xd800 && c <= 0xdbff) n += 1;
    else if (c >= 0xdc00 && c <= 0xdfff) n += 1;
    else n += 2;
  }
  return n;
}
