/**
 * Reconnect policy for real-time clients: full-jitter exponential backoff
 * (AWS Architecture Blog, "Exponential Backoff And Jitter"). A deploy disconnects
 * every socket at once, so jitter is what keeps 100,000 clients from reconnecting
 * in the same millisecond. Runtime-neutral; pass your own `random` in tests.
 *
 * Modelled on livekit's ReconnectPolicy: the policy only answers "how long until
 * the next try, or give up (`null`)"; the socket client owns timers and I/O.
 */

/** Tuning for `ReconnectPolicy`. */
export interface ReconnectOptions {
  /** First delay ceiling, ms. */
  baseMs: number;
  /** Largest delay ceiling, ms. */
  capMs: number;
  /** Give up after this many consecutive failed attempts (Infinity = never). */
  maxAttempts: number;
  /** Uniform random in [0, 1). */
  random: () => number;
}

/** Defaults: base 500 ms, cap 30 s, never give up. */
export const DEFAULT_RECONNECT: ReconnectOptions = {
  baseMs: 500,
  capMs: 30_000,
  maxAttempts: Number.POSITIVE_INFINITY,
  random: Math.random,
};

/** Full-jitter backoff: attempt n waits uniform [0, min(cap, base·2ⁿ)). */
export class ReconnectPolicy {
  private readonly opts: ReconnectOptions;
  private attempts = 0;

  constructor(opts: Partial<ReconnectOptions> = {}) {
    this.opts = { ...DEFAULT_RECONNECT, ...opts };
  }

  /** Consecutive failed attempts so far. */
  get attempt(): number {
    return this.attempts;
  }

  /**
   * Delay before the next attempt in ms, or `null` to give up. Call once per
   * failure (or close); each call counts one attempt.
   */
  nextDelay(): number | null {
    if (this.attempts >= this.opts.maxAttempts) return null;
    const ceiling = Math.min(this.opts.capMs, this.opts.baseMs * 2 ** Math.min(this.attempts, 30));
    this.attempts++;
    return Math.floor(this.opts.random() * ceiling);
  }

  /** Call when a connection has been healthy (e.g. received `welcome`): the next failure starts from `baseMs` again. */
  reset(): void {
    this.attempts = 0;
  }
}
