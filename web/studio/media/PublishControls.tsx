/**
 * Publishing controls for the media studio: the live state badge, Go live / End stream
 * (with its confirmation), and the stream's statistics while it is sent.
 */
import { useState } from "preact/hooks";
import { Notice } from "../../components/Notice.tsx";
import { formatNumber } from "../../i18n/core.ts";
import { type StudioKey, t } from "../../i18n/studio.ts";
import { ConfirmDialog } from "../cockpit/ConfirmDialog.tsx";
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
          {t(live.kind === "stopping" ? "studio.media.stopping" : "studio.media.endStream")}
        </button>
      ) : (
        <button
          type="button"
          class="btn btn-primary btn-block"
          data-testid="go-live"
          onClick={goLive}
        >
          {t(
            live.kind === "ended" || live.kind === "failed"
              ? "studio.media.goLiveAgain"
              : "studio.media.goLive",
          )}
        </button>
      )}
      <ConfirmDialog
        open={confirmEnd && isLive}
        title={t("studio.media.endTitle")}
        confirmLabel={t("studio.media.endStream")}
        testId="end-stream-dialog"
        confirmTestId="confirm-end-stream"
        onCancel={() => setConfirmEnd(false)}
        onConfirm={() => {
          setConfirmEnd(false);
          void stopLive();
        }}
      >
        <p>{t("studio.media.endBody")}</p>
      </ConfirmDialog>
      {live.kind === "failed" ? (
        <Notice testId="live-error">
          <strong>{t("studio.media.failed")}</strong> {live.reason}
        </Notice>
      ) : null}
      {!props.hasAnyVideo && live.kind === "idle" ? (
        <p class="muted media-hint">{t("studio.media.slateHint")}</p>
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
        return [t("studio.media.state.idle"), ""];
      case "preparing":
        return [t("studio.media.state.preparing"), "badge-warn"];
      case "connecting":
        return [t("studio.media.state.connecting"), "badge-warn"];
      case "live":
        return [t("studio.media.state.live"), "badge-live"];
      case "reconnecting":
        return [
          live.attempt > 0
            ? t("studio.media.state.reconnectingAttempt", { n: live.attempt })
            : t("studio.media.state.reconnecting"),
          "badge-warn",
        ];
      case "stopping":
        return [t("studio.media.stopping"), "badge-warn"];
      case "ended":
        return [t("studio.media.state.ended"), ""];
      case "failed":
        return [t("studio.media.state.failed"), "badge-error"];
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
  if (at === null) return t("studio.media.noneYet");
  const s = Math.max(0, (Date.now() - at) / 1000);
  return t("studio.media.secondsAgo", {
    n: formatNumber(s, { minimumFractionDigits: 1, maximumFractionDigits: 1 }),
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
    <section class="media-stats" aria-label={t("studio.media.stats")}>
      <dl class="media-stat-list" data-testid="stream-stats">
        {item(
          "studio.media.stat.bitrate",
          stats
            ? t("studio.media.mbps", {
                n: formatNumber(stats.bitrateKbps / 1000, {
                  minimumFractionDigits: 2,
                  maximumFractionDigits: 2,
                }),
              })
            : "…",
          "stat-bitrate",
        )}
        {item(
          "studio.media.stat.fps",
          stats?.fps != null ? formatNumber(Math.round(stats.fps)) : "…",
          "stat-fps",
        )}
        {item(
          "studio.media.stat.compositeFps",
          props.composite
            ? t("studio.media.fpsDraw", {
                fps: formatNumber(props.composite.fps),
                ms: formatNumber(props.composite.drawMs),
              })
            : "…",
          "stat-composite-fps",
        )}
        {item(
          "studio.media.stat.resolution",
          stats?.width ? `${stats.width}×${stats.height}` : "…",
          "stat-resolution",
        )}
        {item(
          "studio.media.stat.rtt",
          stats?.rttMs != null ? t("studio.media.ms", { n: formatNumber(stats.rttMs) }) : "…",
          "stat-rtt",
        )}
        {item("studio.media.stat.codec", stats?.codec ?? "…", "stat-codec")}
      </dl>
      {stats?.limitation ? (
        <p class="media-limit" data-testid="stat-limitation">
          {t(
            stats.limitation === "cpu" ? "studio.media.limitedCpu" : "studio.media.limitedNetwork",
          )}
        </p>
      ) : null}
      <p class="media-health muted" data-testid="bridge-health">
        {health
          ? t("studio.media.bridgeHealth", {
              receiving: t(health.receiving ? "studio.yt.receiving" : "studio.media.notReceiving"),
              pushing: t(health.pushing ? "studio.media.pushingRtmp" : "studio.yt.notPushing"),
              keyframe: ageText(health.lastKeyframeAt),
              filler: health.fillerActive ? ` · ${t("studio.media.filler")}` : "",
            })
          : t(
              props.healthAvailable
                ? "studio.media.bridgeWaiting"
                : "studio.media.bridgeUnavailable",
            )}
      </p>
      {health?.lastError && !health.pushing ? (
        <p class="media-limit" role="status" data-testid="bridge-error">
          {health.lastError}
        </p>
      ) : null}
    </section>
  );
}
