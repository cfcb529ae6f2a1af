import type { ClassPublic } from "../../protocol/api.ts";
import { formatStart } from "../lib/format.ts";

/**
 * Where the YouTube player goes once the class is live. Until the realtime layer
 * reports a live stream, it honestly says the class has not started.
 */
export function VideoArea(props: { cls: ClassPublic }) {
  const { cls } = props;
  return (
    <section class="video-area" aria-label="Class video">
      <div class="video-frame">
        <div class="video-waiting" data-testid="waiting-for-teacher" role="status">
          <span class="pulse" aria-hidden="true" />
          <p class="video-waiting-title">Waiting for the teacher to go live</p>
          <p class="video-waiting-sub">
            {cls.scheduledStart
              ? `Scheduled for ${formatStart(cls.scheduledStart)}`
              : "The video will start here."}
          </p>
        </div>
      </div>
    </section>
  );
}
