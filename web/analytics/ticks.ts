/**
 * Axis ticks for counts (students, votes, messages): whole numbers only. uPlot's default
 * increments include 0.1, 0.2, 0.5…, so a chart whose highest value is 2 showed 0.3, 0.5
 * students. Pure, so it is unit-tested without a browser.
 */

/**
 * The step between count ticks: the smallest of 1, 2, 5, 10, 20, 50… that keeps at most
 * `maxTicks` intervals between `min` and `max`. Never below 1.
 */
export function countStep(min: number, max: number, maxTicks: number): number {
  const span = Math.max(0, max - min);
  const intervals = Math.max(1, Math.floor(maxTicks));
  if (!Number.isFinite(span) || span === 0) return 1;
  for (let mag = 1; ; mag *= 10) {
    for (const m of [1, 2, 5]) {
      const step = m * mag;
      if (span / step <= intervals) return step;
    }
  }
}

/** Whole-number tick values from `min` up to `max`, `countStep` apart. */
export function countTicks(min: number, max: number, maxTicks: number): number[] {
  const step = countStep(min, max, maxTicks);
  const ticks: number[] = [];
  for (let t = Math.ceil(Math.max(0, min) / step) * step; t <= max + 1e-9; t += step) ticks.push(t);
  return ticks;
}

/** Upper end of a count axis: room above the top value, but a whole number (1 when empty). */
export function countMax(max: number): number {
  return max > 0 ? Math.ceil(max * 1.08) : 1;
}
