/**
 * Publishing controls for the media studio: the live state badge, Go live / End stream
 * (with its confirmation), and the stream's statistics while it is sent.
 */
import { useState } from "preact/hooks";
import { Notice } from "../../components/Notice.tsx";
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
          {live.kind === "stopping" ? "Stopping…" : "End stream"}
        </button>
      ) : (
        <button
          type="button"
          class="btn btn-primary btn-block"
          data-testid="go-live"
          onClick={goLive}
        >
          {live.kind === "ended" || live.kind === "failed" ? "Go live again" : "Go live"}
        </button>
      )}
      <ConfirmDialog
        open={confirmEnd && isLive}
        title="End the stream?"
        confirmLabel="End stream"
        testId="end-stream-dialog"
        confirmTestId="confirm-end-stream"
        onCancel={() => setConfirmEnd(false)}
        onConfirm={() => {
          setConfirmEnd(false);
          void stopLive();
        }}
      >
        <p>
          Students' video stops and the class page says the class has ended. You can go live again,
          but it starts a new stream.
        </p>
      </ConfirmDialog>
      {live.kind === "failed" ? (
        <Notice testId="live-error">
          <strong>Could not go live.</strong> {live.reason}
        </Notice>
      ) : null}
      {!props.hasAnyVideo && live.kind === "idle" ? (
        <p class="muted media-hint">Students see a "Starting soon" slate until you add a source.</p>
      ) : null}
    </div>
  );
}

/** Where going live stands, in a badge screen readers announce. */
export function LiveBadge(props: { live: LiveState }) {
  const { live } = props;
  const [text, cls] = (() => {
    switch (live.kind) {
      case "idle":
        return ["Not live", ""];
      case "preparing":
        return ["Preparing…", "badge-warn"];
      case "connecting":
        return ["Connecting…", "badge-warn"];
      case "live":
        return ["Live", "badge-live"];
      case "reconnecting":
        return [
          live.attempt > 0 ? `Reconnecting… (attempt ${live.attempt})` : "Reconnecting…",
          "badge-warn",
        ];
      case "stopping":
        return ["Stopping…", "badge-warn"];
      case "ended":
        return ["Stream ended", ""];
      case "failed":
        return ["Failed", "badge-error"];
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
  if (at === null) return "none yet";
  const s = Math.max(0, (Date.now() - at) / 1000);
  return `${s.toFixed(1)} s ago`;
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
  const item = (label: string, value: string, testId: string) => (
    <div class="media-stat">
      <dt>{label}</dt>
      <dd data-testid={testId}>{value}</dd>
    </div>
  );
  return (
    <section class="media-stats" aria-label="Stream statistics">
      <dl class="media-stat-list" data-testid="stream-stats">
        {item(
          "Bitrate",
          stats ? `${(stats.bitrateKbps / 1000).toFixed(2)} Mbps` : "…",
          "stat-bitrate",
        )}
        {item("Sent fps", stats?.fps != null ? String(Math.round(stats.fps)) : "…", "stat-fps")}
        {item(
          "Composite fps",
          props.composite ? `${props.composite.fps} (${props.composite.drawMs} ms)` : "…",
          "stat-composite-fps",
        )}
        {item(
          "Resolution",
          stats?.width ? `${stats.width}×${stats.height}` : "…",
          "stat-resolution",
        )}
        {item("RTT", stats?.rttMs != null ? `${stats.rttMs} ms` : "…", "stat-rtt")}
        {item("Codec", stats?.codec ?? "…", "stat-codec")}
      </dl>
      {stats?.limitation ? (
        <p class="media-limit" data-testid="stat-limitation">
          Quality limited by {stats.limitation === "cpu" ? "your computer's CPU" : "your network"}.
        </p>
      ) : null}
      <p class="media-health muted" data-testid="bridge-health">
        {health
          ? `Bridge: ${health.receiving ? "receiving" : "not receiving"} · ${
              health.pushing ? "pushing to RTMP" : "not pushing"
            } · last keyframe ${ageText(health.lastKeyframeAt)}${
              health.fillerActive ? " · filler slate on air" : ""
            }`
          : props.healthAvailable
            ? "Bridge: waiting for its first report…"
            : "Bridge health is not available yet; these numbers come from your browser."}
      </p>
      {health?.lastError && !health.pushing ? (
        <p class="media-limit" role="status" data-testid="bridge-error">
          {health.lastError}
        </p>
      ) : null}
    </section>
  );
}
