/**
 * What both class players draw over their picture: the status pill (never "Live" while the
 * teacher is away or this player's own picture is stalled), the buffering/reconnecting
 * overlay, Unmute, and the volume and full-screen controls.
 */
import { useEffect, useState } from "preact/hooks";
import type { StreamStatus } from "../../protocol/realtime.ts";
import { t } from "../i18n/student.ts";

/** What the player itself is going through while the class is live. */
export type PlayerPhase = "ok" | "buffering" | "reconnecting";

/**
 * What the pill says: never "Live" while the slate covers for a vanished teacher, nor
 * while this player's own picture is stalled (`phase`).
 */
export function statusText(
  status: StreamStatus,
  playing = false,
  phase: PlayerPhase = "ok",
): string {
  if ((status === "live" || (status === "idle" && playing)) && phase !== "ok")
    return phase === "buffering" ? t("student.video.buffering") : t("student.video.reconnecting");
  switch (status) {
    case "live":
      return t("student.video.live");
    case "reconnecting":
      return t("student.video.teacherReconnecting");
    case "interrupted":
      return t("student.video.interrupted");
    case "ended":
      return t("student.video.streamEnded");
    case "idle":
      return playing ? t("student.video.live") : t("student.video.notLive");
    default:
      return status satisfies never;
  }
}

export function StatusPill(props: {
  status: StreamStatus;
  playing?: boolean;
  phase?: PlayerPhase;
}) {
  const text = statusText(props.status, props.playing, props.phase);
  const live = text === t("student.video.live");
  return (
    <span
      class={`video-status${live ? " is-live" : ""}`}
      data-testid="stream-status"
      data-status={props.status}
    >
      {text}
    </span>
  );
}

/**
 * Over a picture that stopped moving: "Buffering…" while the player waits for data,
 * "Reconnecting…" while it starts over. Without it a stall looks like a frozen class.
 */
export function StallOverlay(props: { phase: PlayerPhase }) {
  if (props.phase === "ok") return null;
  return (
    <div class="video-stall" role="status" data-testid="video-stall" data-phase={props.phase}>
      <span class="video-spinner" aria-hidden="true" />
      {props.phase === "buffering"
        ? t("student.video.buffering")
        : t("student.video.reconnectingVideo")}
    </div>
  );
}

/**
 * Our own player controls (the same for both players): mute, volume and full screen of
 * the video frame (the status pill and overlays come along). iPhones have no element
 * full screen: there the `<video>` itself goes full screen when the player has one.
 */
export function PlayerControls(props: {
  muted: boolean;
  volume: number;
  onMute: (muted: boolean) => void;
  onVolume: (volume: number) => void;
  video?: HTMLVideoElement | null;
}) {
  const [full, setFull] = useState(false);
  useEffect(() => {
    const on = () => setFull(document.fullscreenElement !== null);
    document.addEventListener("fullscreenchange", on);
    return () => document.removeEventListener("fullscreenchange", on);
  }, []);
  const fullscreen = (e: Event) => {
    if (document.fullscreenElement) {
      void document.exitFullscreen().catch(() => {});
      return;
    }
    const frame = (e.currentTarget as HTMLElement).closest<HTMLElement>(".video-frame");
    if (frame?.requestFullscreen) void frame.requestFullscreen().catch(() => {});
    else (props.video as { webkitEnterFullscreen?: () => void } | null)?.webkitEnterFullscreen?.();
  };
  const silent = props.muted || props.volume === 0;
  return (
    <div class="video-controls" data-testid="video-controls">
      <button
        type="button"
        class="video-ctl"
        data-testid="mute-toggle"
        aria-pressed={silent}
        aria-label={silent ? t("student.video.unmuteLabel") : t("student.video.muteLabel")}
        onClick={() => props.onMute(!silent)}
      >
        {silent ? <SpeakerIcon off /> : <SpeakerIcon />}
      </button>
      <input
        type="range"
        class="video-volume"
        data-testid="volume"
        min={0}
        max={100}
        step={5}
        value={props.muted ? 0 : props.volume}
        aria-label={t("student.video.volume")}
        aria-valuetext={t("student.video.percent", { n: props.muted ? 0 : props.volume })}
        onInput={(e) => props.onVolume(Number(e.currentTarget.value))}
      />
      <button
        type="button"
        class="video-ctl video-fullscreen"
        data-testid="video-fullscreen"
        aria-label={full ? t("student.video.exitFullscreen") : t("student.video.fullscreen")}
        onClick={fullscreen}
      >
        <svg
          viewBox="0 0 24 24"
          width="18"
          height="18"
          aria-hidden="true"
          fill="none"
          stroke="currentColor"
          stroke-width="2"
        >
          {full ? (
            <path d="M9 3v6H3M15 3v6h6M9 21v-6H3M15 21v-6h6" />
          ) : (
            <path d="M3 9V3h6M21 9V3h-6M3 15v6h6M21 15v6h-6" />
          )}
        </svg>
      </button>
    </div>
  );
}

export function SpeakerIcon(props: { off?: boolean }) {
  return (
    <svg
      viewBox="0 0 24 24"
      width="18"
      height="18"
      aria-hidden="true"
      fill="none"
      stroke="currentColor"
      stroke-width="2"
    >
      <path d="M11 5 6 9H2v6h4l5 4z" />
      {props.off ? (
        <path d="m23 9-6 6M17 9l6 6" />
      ) : (
        <path d="M15.5 8.5a5 5 0 0 1 0 7M19 5a10 10 0 0 1 0 14" />
      )}
    </svg>
  );
}

export function UnmuteButton(props: { onClick: () => void }) {
  return (
    <button
      type="button"
      class="video-unmute"
      data-testid="unmute"
      onClick={props.onClick}
      aria-label={t("student.video.unmuteLabel")}
    >
      {t("student.video.unmute")}
    </button>
  );
}

/* ---------- Local development: HTTP-FLV via mpegts.js ---------- */
