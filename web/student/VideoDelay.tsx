import type { ClassEvent } from "../../protocol/realtime.ts";
import { formatDelay, NUDGE_STEP_MS, type SyncView, type VideoSync } from "../lib/video-delay.ts";

const SOURCE_HINT = {
  fixed: "fixed for testing",
  reference: "measured from the player",
  position: "measured from the stream start",
  edge: "measured from the player's buffer",
  default: "typical for this class's latency setting",
} as const;

/**
 * "Video ≈ 4.2 s behind": how far this student's video is behind the live class, so
 * slides, whiteboard and polls appear with the picture. − / + nudge it when slides
 * come too early or too late; Reset drops the nudge. Shown only while aligning.
 */
export function VideoDelay(props: { sync: VideoSync<ClassEvent>; view: SyncView }) {
  const { sync, view } = props;
  if (!view.active) return null;
  const nudged = view.nudgeMs !== 0;
  return (
    <section
      class="video-delay"
      data-testid="video-delay"
      data-delay-ms={view.delayMs}
      aria-label="Video delay"
    >
      <p class="video-delay-text">
        <span aria-live="polite">
          Video ≈ <strong>{formatDelay(view.delayMs)}</strong> behind
        </span>
        <span class="video-delay-hint">
          {SOURCE_HINT[view.source]}
          {nudged
            ? ` · adjusted ${view.nudgeMs > 0 ? "+" : "−"}${formatDelay(Math.abs(view.nudgeMs))}`
            : ""}
        </span>
      </p>
      <div class="video-delay-controls">
        <button
          type="button"
          class="btn btn-secondary btn-small video-delay-btn"
          aria-label="Slides come too late: show them sooner"
          title="Show slides sooner"
          onClick={() => sync.nudge(-NUDGE_STEP_MS)}
        >
          −
        </button>
        <button
          type="button"
          class="btn btn-secondary btn-small video-delay-btn"
          aria-label="Slides come too early: show them later"
          title="Show slides later"
          onClick={() => sync.nudge(NUDGE_STEP_MS)}
        >
          +
        </button>
        {nudged ? (
          <button type="button" class="btn btn-quiet btn-small" onClick={() => sync.resetNudge()}>
            Reset
          </button>
        ) : null}
      </div>
    </section>
  );
}
