/**
 * When the studio reconnects its WHIP publish, and when it gives up. Pure: time is
 * passed in. The bridge covers a lost teacher with the "Teacher reconnecting…" slate
 * for BRIDGE_FILLER_MAX_MS (2 min by default), so the studio keeps trying about that
 * long; after that the stream has ended and only Go live starts a new one.
 */

/** Reconnect timing. */
export interface ReconnectPolicy {
  /** Delay before each attempt; the last one repeats. */
  delaysMs: number[];
  /** Stop trying this long after the connection was lost. */
  giveUpAfterMs: number;
  /** A "disconnected" peer connection often comes back by itself: wait this long first. */
  disconnectedGraceMs: number;
}

/** Defaults: at once, then 1, 2, 4, 8 s, then every 10 s, for 2 minutes. */
export const DEFAULT_RECONNECT: ReconnectPolicy = {
  delaysMs: [0, 1000, 2000, 4000, 8000, 10_000],
  giveUpAfterMs: 120_000,
  disconnectedGraceMs: 2500,
};

/**
 * Delay before reconnect attempt `attempt` (0-based), or null to give up. `lostForMs`
 * is how long the connection has been lost at the time of asking.
 */
export function nextReconnectDelay(
  attempt: number,
  lostForMs: number,
  p: ReconnectPolicy = DEFAULT_RECONNECT,
): number | null {
  const delay = p.delaysMs[Math.min(attempt, p.delaysMs.length - 1)] ?? 0;
  if (lostForMs + delay > p.giveUpAfterMs) return null;
  return delay;
}

/** Errors a new attempt cannot fix: the teacher must act (sign in, permissions, setup). */
export function retryable(code: string): boolean {
  return !["unauthenticated", "forbidden", "not_found", "browser_no_h264", "no_h264"].includes(
    code,
  );
}

/**
 * Watches the frame rate actually sent. After a network stall Chrome's bandwidth
 * estimate can stay low for minutes (issue 14: 1–10 fps while the compositor made 30);
 * a fresh publish starts the estimate over. `republish` says when.
 */
export interface FrameRateWatch {
  lowSince: number | null;
  lastRepublishAt: number | null;
}

/** Thresholds for {@link watchFrameRate}. */
export const FRAME_RATE_WATCH = {
  /** Sent fps below this fraction of what the compositor draws counts as low… */
  lowFraction: 0.5,
  /** …for this long → republish… */
  lowForMs: 15_000,
  /** …at most this often. */
  minGapMs: 60_000,
};

/** Initial watch state. */
export function initialFrameRateWatch(): FrameRateWatch {
  return { lowSince: null, lastRepublishAt: null };
}

/** One stats sample: sent fps and the compositor's fps (null: unknown). */
export function watchFrameRate(
  w: FrameRateWatch,
  sample: { sentFps: number | null; drawnFps: number | null; limitation: string | null },
  now: number,
  t = FRAME_RATE_WATCH,
): { watch: FrameRateWatch; republish: boolean } {
  const { sentFps, drawnFps } = sample;
  // Only a bandwidth limit is the estimate's fault; a busy CPU is not cured by a republish.
  const low =
    sentFps !== null &&
    drawnFps !== null &&
    drawnFps >= 10 &&
    sentFps < drawnFps * t.lowFraction &&
    sample.limitation !== "cpu";
  if (!low) return { watch: { ...w, lowSince: null }, republish: false };
  const lowSince = w.lowSince ?? now;
  const due =
    now - lowSince >= t.lowForMs &&
    (w.lastRepublishAt === null || now - w.lastRepublishAt >= t.minGapMs);
  if (!due) return { watch: { ...w, lowSince }, republish: false };
  return { watch: { lowSince: null, lastRepublishAt: now }, republish: true };
}
