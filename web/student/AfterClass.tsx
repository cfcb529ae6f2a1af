import { useEffect, useState } from "preact/hooks";
import type { ReplayInfo } from "../../protocol/replay.ts";
import { UserText } from "../components/UserText.tsx";
import { call, client } from "../lib/api.ts";

/** "Watch the recording" / "Replay" wording and whether the recording is there, from the server's offer. */
function recordingLine(info: ReplayInfo): string {
  const r = info.recording;
  if (r.kind === "none")
    return r.reason === "local"
      ? "This class was not recorded: the local stack keeps no copy of the stream. The replay shows the slides, ink, polls and questions without video."
      : "There is no recording of this class. The replay shows the slides, ink, polls and questions without video.";
  if (r.available === false)
    return "YouTube is still processing the recording; it appears here once YouTube has it. The replay of slides, polls and questions works now.";
  if (r.available === null)
    return "The recording is the class's YouTube video (YouTube shows it once it has processed the broadcast); the replay keeps the slides, ink, polls and answered questions in step with it.";
  return "The recording plays with the class's slides, ink, polls and answered questions in step.";
}

/**
 * After the stream ended, under the video: the recording and its replay, and the slides
 * as PDF. Loads the after-class offer (`GET /api/classes/:id/replay`) once the class ends.
 */
export function AfterClass(props: { classId: string }) {
  const [info, setInfo] = useState<ReplayInfo | null>(null);
  useEffect(() => {
    call(client.classes[":id"].replay.$get({ param: { id: props.classId } })).then(setInfo, () =>
      setInfo(null),
    );
  }, [props.classId]);
  if (!info) return null;
  const video = info.recording.kind === "youtube" && info.recording.available !== false;
  return (
    <section class="card after-class" aria-labelledby="after-class-title" data-testid="after-class">
      <h2 id="after-class-title">After class</h2>
      <p>{recordingLine(info)}</p>
      <p class="after-class-actions">
        <a class="btn btn-primary" href={`/c/${props.classId}/replay`} data-testid="replay-link">
          {video ? "Watch the recording" : "Open the replay"}
        </a>
      </p>
      {info.slides.length > 0 ? (
        <ul class="after-class-files" aria-label="Slides">
          {info.slides.map((d) => (
            <li key={d.deckId}>
              <a href={d.url} download data-testid="slides-pdf">
                Download slides (PDF): <UserText text={d.name} />
              </a>{" "}
              <span class="muted">{Math.max(1, Math.round(d.bytes / 1024))} KB</span>
            </li>
          ))}
        </ul>
      ) : null}
    </section>
  );
}
