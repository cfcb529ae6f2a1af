/**
 * A one-shot timer kept at the earliest time it was asked for: the Classroom's interactive
 * tick (quiz deadlines, bounded-rate frames) and its social tick (reaction bursts, the
 * moderation queue) each run from one.
 */
export class EarliestTimer {
  private timer: ReturnType<typeof setTimeout> | null = null;
  private at = Number.POSITIVE_INFINITY;

  constructor(private readonly run: () => void) {}

  /** Run at `at` (epoch ms) unless already due no later; returns whether the timer moved. */
  arm(at: number): boolean {
    if (this.timer && at >= this.at) return false;
    if (this.timer) clearTimeout(this.timer);
    this.at = at;
    this.timer = setTimeout(
      () => {
        this.timer = null;
        this.at = Number.POSITIVE_INFINITY;
        this.run();
      },
      Math.max(0, at - Date.now()),
    );
    return true;
  }
}
