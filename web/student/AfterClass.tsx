import { useEffect, useState } from "preact/hooks";
import type { ReplayInfo } from "../../protocol/replay.ts";
import { UserText } from "../components/UserText.tsx";
import { rich, t } from "../i18n/student.ts";
import { call, client } from "../lib/api.ts";

/** "Watch the recording" / "Replay" wording and whether the recording is there, from the server's offer. */
function recordingLine(info: ReplayInfo): string {
  const r = info.recording;
  if (r.kind === "none")
    return r.reason === "local" ? t("student.after.none.local") : t("student.after.none");
  if (r.available === false) return t("student.after.processing");
  if (r.available === null) return t("student.after.unknown");
  return t("student.after.ready");
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
      <h2 id="after-class-title">{t("student.after.title")}</h2>
      <p>{recordingLine(info)}</p>
      <p class="after-class-actions">
        <a class="btn btn-primary" href={`/c/${props.classId}/replay`} data-testid="replay-link">
          {video ? t("student.after.watch") : t("student.after.replay")}
        </a>
      </p>
      {info.slides.length > 0 ? (
        <ul class="after-class-files" aria-label={t("student.after.slides")}>
          {info.slides.map((d) => (
            <li key={d.deckId}>
              <a href={d.url} download data-testid="slides-pdf">
                {rich("student.after.download", { name: <UserText text={d.name} /> })}
              </a>{" "}
              <span class="muted">
                {t("common.kb", { n: Math.max(1, Math.round(d.bytes / 1024)) })}
              </span>
            </li>
          ))}
        </ul>
      ) : null}
    </section>
  );
}
