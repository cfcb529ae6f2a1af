/**
 * Publishing controls for the media studio: the live state badge, Go live / End stream
 * (with its confirmation), and the stream's statistics while it is sent.
 */
import { useState } from "preact/hooks";
import { Notice } from "../../components/Notice.tsx";
import { ConfirmDialog } from "../cockpit/ConfirmDialog.tsx";
import { num, type StudioKey, t } from "../i18n.ts";
import type { CompositeRate } from "./use-layout.ts";
import type { LiveState, Publishing, StreamHealth } from "./use-publishing.ts";
import type { PublishStats } from "./whip-client.ts";

/** Go live, or End stream after a confirmation; why going live failed; the slate hint. */
export function GoLiveControls(props: { publishing: Publishing; hasAnyVideo: boolean }) {
  const { live, isLive, goLive, stopLive } = props.publishing;
  const [confirmEnd, setConfirmEnd] = useState(false);
  return (
    <div class="media-go">
      {isLive || live.kind === "preparing" || live.kind === "stopping" ? (
        <button
          type="button"
          class="btn btn-danger btn-block"
          data-testid="stop-live"
          disabled={live.kind === "stopping" || live.kind === "preparing"}
          aria-haspopup="dialog"
          onClick={() => setConfirmEnd(true)}
        >
          {t(live.kind === "stopping" ? "media.stopping" : "media.endStream")}
        </button>
      ) : (
        <button
          type="button"
          class="btn btn-primary btn-block"
          data-testid="go-live"
          onClick={goLive}
        >
          {t(live.kind === "ended" || live.kind === "failed" ? "media.goLiveAgain" : "media.goLive")}
        </button>
      )}
      <ConfirmDialog
        open={confirmEnd && isLive}
        title={t("media.endTitle")}
        confirmLabel={t("media.endStream")}
        testId="end-stream-dialog"
        confirmTestId="confirm-end-stream"
        onCancel={() => setConfirmEnd(false)}
        onConfirm={() => {
          setConfirmEnd(false);
          void stopLive();
        }}
      >
        <p>{t("media.endBody")}</p>
      </ConfirmDialog>
      {live.kind === "failed" ? (
        <Notice testId="live-error">
          <strong>{t("media.failed")}</strong> {live.reason}
        </Notice>
      ) : null}
      {!props.hasAnyVideo && live.kind === "idle" ? (
        <p class="muted media-hint">{t("media.slateHint")}</p>
      ) : null}
    </div>
  );
}

/** Where going live stands, in a badge screen readers announce. */
export function LiveBadge(props: { live: LiveState }) {
  const { live } = props;
  const [text, cls] = ((): [string, string] => {
    switch (live.kind) {
      case "idle":
        return [t("media.state.idle"), ""];
      case "preparing":
        return [t("media.state.preparing"), "badge-warn"];
      case "connecting":
        return [t("media.state.connecting"), "badge-warn"];
      case "live":
        return [t("media.state.live"), "badge-live"];
      case "reconnecting":
        return [
          live.attempt > 0
            ? t("media.state.reconnectingAttempt", { n: live.attempt })
            : t("media.state.reconnecting"),
          "badge-warn",
        ];
      case "stopping":
        return [t("media.stopping"), "badge-warn"];
      case "ended":
        return [t("media.state.ended"), ""];
      case "failed":
        return [t("media.state.failed"), "badge-error"];
    }
  })();
  return (
    <span
      class={`badge media-state ${cls}`}
      role="status"
      data-testid="live-state"
      data-state={live.kind}
    >
      {text}
    </span>
  );
}

function ageText(at: number | null): string {
  if (at === null) return t("media.noneYet");
  const s = Math.max(0, (Date.now() - at) / 1000);
  return t("media.secondsAgo", {
    n: num(s, { minimumFractionDigits: 1, maximumFractionDigits: 1 }),
  });
}

/** Bitrate, frame rates, resolution, RTT and codec while sending; the bridge's own report. */
export function StreamStats(props: {
  live: LiveState;
  stats: PublishStats | null;
  composite: CompositeRate | null;
  health: StreamHealth | null;
  healthAvailable: boolean;
}) {
  const { stats, health } = props;
  if (props.live.kind !== "live" && props.live.kind !== "connecting") {
    return null;
  }
  const item = (label: StudioKey, value: string, testId: string) => (
    <div class="media-stat">
      <dt>{t(label)}</dt>
      <dd data-testid={testId}>{value}</dd>
    </div>
  );
  return (
    <section class="media-stats" aria-label={t("media.stats")}>
      <dl class="media-stat-list" data-testid="stream-stats">
        {item(
          "media.stat.bitrate",
          stats
            ? t("media.mbps", {
                n: num(stats.bitrateKbps / 1000, {
                  minimumFractionDigits: 2,
                  maximumFractionDigits: 2,
                }),
              })
            : "…",
          "stat-bitrate",
        )}
        {item("media.stat.fps", stats?.fps != null ? num(Math.round(stats.fps)) : "…", "stat-fps")}
        {item(
          "media.stat.compositeFps",
          props.composite
            ? t("media.fpsDraw", { fps: num(props.composite.fps), ms: num(props.composite.drawMs) })
            : "…",
          "stat-composite-fps",
        )}
        {item(
          "media.stat.resolution",
          stats?.width ? `${stats.width}×${stats.height}` : "…",
          "stat-resolution",
        )}
        {item(
          "media.stat.rtt",
          stats?.rttMs != null ? t("media.ms", { n: num(stats.rttMs) }) : "…",
          "stat-rtt",
        )}
        {item("media.stat.codec", stats?.codec ?? "…", "stat-codec")}
      </dl>
      {stats?.limitation ? (
        <p class="media-limit" data-testid="stat-limitation">
          {t(stats.limitation === "cpu" ? "media.limitedCpu" : "media.limitedNetwork")}
        </p>
      ) : null}
      <p class="media-health muted" data-testid="bridge-health">
        {health
          ? t("media.bridgeHealth", {
              receiving: t(health.receiving ? "yt.receiving" : "media.notReceiving"),
              pushing: t(health.pushing ? "media.pushingRtmp" : "yt.notPushing"),
              keyframe: ageText(health.lastKeyframeAt),
              filler: health.fillerActive ? ` · ${t("media.filler")}` : "",
            })
          : t(props.healthAvailable ? "media.bridgeWaiting" : "media.bridgeUnavailable")}
      </p>
      {health?.lastError && !health.pushing ? (
        <p class="media-limit" role="status" data-testid="bridge-error">
          {health.lastError}
        </p>
      ) : null}
    </section>
  );
}
