/**
 * Video-delay bounds per YouTube latency mode, shared by the root (which credits a quiz
 * answer's claimed delay no further than this) and the student page (whose quiz countdown
 * must end when the root stops taking answers). Values only: no valibot, so the web
 * bundle imports this file directly.
 */

/**
 * Largest video delay (ms) a viewer's answer may claim to extend a quiz deadline, in any
 * latency mode; larger `delayMs` values are accepted on the wire and capped.
 */
export const MAX_DEADLINE_GRACE_MS = 30_000;

/** A class's YouTube latency modes (`ClassPublic.latencyMode`), lowest delay first. */
export const LATENCY_MODES = ["ultraLow", "low", "normal"] as const;
/** A class's YouTube latency mode. */
export type LatencyMode = (typeof LATENCY_MODES)[number];

/** The mode assumed until the root learns the class's own (it is sent with every admission). */
export const DEFAULT_LATENCY_MODE: LatencyMode = "normal";

/**
 * The most video delay (ms) the root credits a viewer in each mode: the quiz deadline
 * stretches by `min(delayMs, this)` while the stream is live (not at all otherwise).
 * Above YouTube's typical delays (≈2–5 s, 7–12 s, 15–30 s) with room for a slow player;
 * a claim beyond them is not believed.
 */
export const MODE_MAX_DELAY_MS: Readonly<Record<LatencyMode, number>> = {
  ultraLow: 8_000,
  low: 15_000,
  normal: MAX_DEADLINE_GRACE_MS,
};

/** The deadline grace a viewer claiming `delayMs` gets: 0 without a live stream, else capped by the mode. */
export function deadlineGraceMs(delayMs: number, mode: LatencyMode, live: boolean): number {
  if (!live) return 0;
  return Math.min(Math.max(0, delayMs), MODE_MAX_DELAY_MS[mode]);
}
