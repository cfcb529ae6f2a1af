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
 * "Your video is ≈ 4.2 s behind live": how far this student's video is behind the live
 * class, so slides, whiteboard and polls appear with the picture. − / + shift the slides
 * and polls (never the video) when they come too early or too late; Reset drops the
 * nudge. The labels say so: people took the buttons for video controls. Shown only
 * while aligning.
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
      aria-label="Slides and polls timing"
    >
      <p class="video-delay-text">
        <span aria-live="polite">
          Your video is ≈ <strong>{formatDelay(view.delayMs)}</strong> behind live; slides and polls
          wait to match it
        </span>
        <span class="video-delay-hint">
          {SOURCE_HINT[view.source]}
          {nudged
            ? ` · adjusted ${view.nudgeMs > 0 ? "+" : "−"}${formatDelay(Math.abs(view.nudgeMs))}`
            : ""}
        </span>
      </p>
      <div class="video-delay-controls">
        <span class="video-delay-label" aria-hidden="true">
          Slides &amp; polls
        </span>
        <button
          type="button"
          class="btn btn-secondary btn-small video-delay-btn"
          aria-label="Show slides and polls sooner (they lag the video). The video is not changed."
          title="Show slides and polls sooner"
          onClick={() => sync.nudge(-NUDGE_STEP_MS)}
        >
          −
        </button>
        <button
          type="button"
          class="btn btn-secondary btn-small video-delay-btn"
          aria-label="Show slides and polls later (they come before the video). The video is not changed."
          title="Show slides and polls later"
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
