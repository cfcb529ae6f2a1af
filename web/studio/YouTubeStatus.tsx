import { useEffect, useRef, useState } from "preact/hooks";
import type { YouTubeLiveStatus } from "../../protocol/youtube.ts";
import { t } from "../i18n/studio.ts";
import { call, client, errorMessage } from "../lib/api.ts";

/** Poll cadence while live (YouTube quota: 2 units a poll, docs/operations.md#youtube). */
const LIVE_POLL_MS = 12_000;
/** Otherwise: slow, just to notice going live from OBS or another tab. */
const IDLE_POLL_MS = 60_000;

/** A short two-tone beep (the alarm must be heard when the teacher looks at slides). */
function beep(ctx: AudioContext): void {
  const t = ctx.currentTime;
  for (const [i, f] of [880, 660].entries()) {
    const osc = ctx.createOscillator();
    const gain = ctx.createGain();
    osc.frequency.value = f;
    gain.gain.setValueAtTime(0.15, t + i * 0.2);
    gain.gain.exponentialRampToValueAtTime(0.001, t + i * 0.2 + 0.18);
    osc.connect(gain).connect(ctx.destination);
    osc.start(t + i * 0.2);
    osc.stop(t + i * 0.2 + 0.19);
  }
}

/**
 * Know that YouTube is receiving: while the class is live, YouTube's view of the stream
 * (status, health, configuration issues) and broadcast (life cycle) beside the bridge's
 * own health, and a loud alarm — a red banner, a beep each poll, a ⚠ in the tab title —
 * when YouTube is not receiving or the bridge is not pushing. It clears on recovery.
 */
export function YouTubeStatus(props: { classId: string }) {
  const [status, setStatus] = useState<YouTubeLiveStatus | null>(null);
  const [pollError, setPollError] = useState<string | null>(null);
  const audio = useRef<AudioContext | null>(null);

  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const tick = async () => {
      let next: YouTubeLiveStatus | null = null;
      try {
        next = await call(
          client.youtube.classes[":id"].status.$get({ param: { id: props.classId } }),
        );
        if (!stopped) {
          setStatus(next);
          setPollError(null);
        }
      } catch (err) {
        if (!stopped) setPollError(errorMessage(err));
      }
      if (!stopped) timer = setTimeout(tick, next?.stream === "live" ? LIVE_POLL_MS : IDLE_POLL_MS);
    };
    void tick();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [props.classId]);

  const alarm = status?.alarm.level === "alarm";
  useEffect(() => {
    const base = document.title.replace(/^⚠ /, "");
    document.title = alarm ? `⚠ ${base}` : base;
    if (!alarm) return;
    try {
      audio.current ??= new AudioContext();
      beep(audio.current);
    } catch {
      // no audio (autoplay policy before any click): the banner and the title still show it
    }
  }, [alarm, status?.at]);

  if (!status) return pollError ? <p class="muted yt-status">{pollError}</p> : null;
  const yt = status.youtube;
  const bridge = status.bridge;
  // Nothing live and nothing to report yet (a class before its first go-live): stay out of the way.
  if (status.stream !== "live" && !yt && !bridge && !status.youtubeError) return null;
  const issues = yt?.configurationIssues ?? [];
  return (
    <section
      class="card yt-status"
      data-testid="youtube-status"
      aria-label={t("studio.yt.statusLabel")}
    >
      {alarm ? (
        <div class="yt-alarm" role="alert" data-testid="youtube-alarm">
          <strong>{t("studio.yt.alarm")}</strong>
          <ul>
            {status.alarm.reasons.map((r) => (
              <li key={r}>{r}</li>
            ))}
          </ul>
        </div>
      ) : status.alarm.level === "starting" ? (
        <p class="notice notice-info" role="status" data-testid="youtube-starting">
          {t("studio.yt.starting")} {status.alarm.reasons.join(" ")}
        </p>
      ) : null}
      <dl class="yt-status-grid">
        <dt>{t("studio.yt.bridge")}</dt>
        <dd data-testid="status-bridge">
          {bridge
            ? `${t(bridge.pushing ? "studio.yt.pushing" : "studio.yt.notPushing")} · ${t(`studio.yt.bridgeState.${bridge.state}`)}${
                bridge.lastError ? ` · ${bridge.lastError}` : ""
              }`
            : t("studio.yt.noReport")}
        </dd>
        {yt ? (
          <>
            <dt>{t("studio.yt.stream")}</dt>
            <dd data-testid="status-youtube-stream">
              {yt.streamStatus === "active"
                ? t("studio.yt.receiving")
                : t("studio.yt.notReceiving", {
                    status: yt.streamStatus ?? t("studio.yt.unknown"),
                  })}
              {yt.healthStatus ? ` · ${t("studio.yt.health", { status: yt.healthStatus })}` : ""}
            </dd>
            <dt>{t("studio.yt.broadcast")}</dt>
            <dd data-testid="status-youtube-broadcast">
              {yt.lifeCycleStatus ?? t("studio.yt.unknown")} ·{" "}
              <a
                href={`https://studio.youtube.com/video/${yt.broadcastId}/livestreaming`}
                target="_blank"
                rel="noopener noreferrer"
              >
                {t("studio.yt.openStudio")}
              </a>
            </dd>
          </>
        ) : null}
        {status.youtubeError ? (
          <>
            <dt>{t("studio.ytc.label")}</dt>
            <dd>{status.youtubeError.message}</dd>
          </>
        ) : null}
      </dl>
      {issues.length > 0 ? (
        <ul class="yt-issues" aria-label={t("studio.yt.issues")}>
          {issues.map((i) => (
            <li key={i.type + i.reason}>
              <span class={`badge badge-${i.severity === "error" ? "error" : "warn"}`}>
                {t(
                  i.severity === "error" ? "studio.yt.severityError" : "studio.yt.severityWarning",
                )}
              </span>{" "}
              {i.description || i.reason}
            </li>
          ))}
        </ul>
      ) : null}
    </section>
  );
}
