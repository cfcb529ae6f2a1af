import type { ClassEvent } from "../../protocol/realtime.ts";
import { rich, t } from "../i18n/student.ts";
import { formatDelay, NUDGE_STEP_MS, type SyncView, type VideoSync } from "../lib/video-delay.ts";

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
      aria-label={t("student.delay.label")}
    >
      <p class="video-delay-text">
        <span aria-live="polite">
          {rich("student.delay.text", { delay: <strong>{formatDelay(view.delayMs)}</strong> })}
        </span>
        <span class="video-delay-hint">
          {t(`student.delay.src.${view.source}`)}
          {nudged
            ? t("student.delay.adjusted", {
                by: `${view.nudgeMs > 0 ? "+" : "−"}${formatDelay(Math.abs(view.nudgeMs))}`,
              })
            : null}
        </span>
      </p>
      <div class="video-delay-controls">
        <span class="video-delay-label" aria-hidden="true">
          {t("student.delay.controls")}
        </span>
        <button
          type="button"
          class="btn btn-secondary btn-small video-delay-btn"
          aria-label={t("student.delay.sooner")}
          title={t("student.delay.soonerShort")}
          onClick={() => sync.nudge(-NUDGE_STEP_MS)}
        >
          −
        </button>
        <button
          type="button"
          class="btn btn-secondary btn-small video-delay-btn"
          aria-label={t("student.delay.later")}
          title={t("student.delay.laterShort")}
          onClick={() => sync.nudge(NUDGE_STEP_MS)}
        >
          +
        </button>
        {nudged ? (
          <button type="button" class="btn btn-quiet btn-small" onClick={() => sync.resetNudge()}>
            {t("student.delay.reset")}
          </button>
        ) : null}
      </div>
    </section>
  );
}
