import { useEffect, useRef, useState } from "preact/hooks";
import type { ClassPublic } from "../../protocol/api.ts";
import type { StreamStatus } from "../../protocol/realtime.ts";
import { t } from "../i18n/student.ts";
import { formatStart } from "../lib/format.ts";
import type { PlayerSample } from "../lib/video-delay.ts";
import {
  PlayerControls,
  type PlayerPhase,
  StallOverlay,
  StatusPill,
  UnmuteButton,
} from "./PlayerChrome.tsx";
import { YouTubePlayer } from "./YouTubePlayer.tsx";

export type { StreamStatus } from "../../protocol/realtime.ts";

/**
 * Where a player reports itself for video alignment (a `VideoSync`, video-delay.ts):
 * whether it is playing, and about once a second where it is.
 */
export interface PlayerReport {
  setPlayer(present: boolean): void;
  observePlayer(sample: PlayerSample): void;
}
const noReport: PlayerReport = { setPlayer() {}, observePlayer() {} };

/**
 * The class video. With a YouTube video id: the YouTube IFrame player. In local
 * development (no id, a local playback URL): the local RTMP server's HTTP-FLV stream
 * through mpegts.js. Both start muted (browsers only autoplay muted) with an Unmute
 * button. `stream` comes from the real-time layer; without it the status is "idle",
 * and local playback still tries, so a student sees the teacher as soon as the video
 * flows.
 */
export function VideoArea(props: {
  cls: ClassPublic;
  stream?: { status: StreamStatus };
  /** Video alignment: the player says when it plays and where it is. */
  report?: PlayerReport;
}) {
  const { cls } = props;
  const status = props.stream?.status ?? "idle";
  const report = props.report ?? noReport;
  return (
    <section class="video-area" aria-label={t("student.video.label")}>
      <div class="video-frame">
        {cls.youtubeVideoId ? (
          <YouTubePlayer videoId={cls.youtubeVideoId} status={status} report={report} />
        ) : cls.localPlaybackUrl ? (
          <LocalPlayer url={cls.localPlaybackUrl} status={status} cls={cls} report={report} />
        ) : (
          <Waiting cls={cls} status={status} />
        )}
      </div>
    </section>
  );
}

function Waiting(props: { cls: ClassPublic; status: StreamStatus; connecting?: boolean }) {
  const { cls } = props;
  const ended = props.status === "ended";
  return (
    <div class="video-waiting" data-testid="waiting-for-teacher" role="status">
      {ended ? null : <span class="pulse" aria-hidden="true" />}
      <p class="video-waiting-title">
        {ended
          ? t("student.video.ended")
          : props.connecting
            ? t("student.video.connecting")
            : t("student.video.waiting")}
      </p>
      <p class="video-waiting-sub">
        {ended
          ? t("student.video.thanks")
          : cls.scheduledStart
            ? t("student.video.scheduled", { time: formatStart(cls.scheduledStart) })
            : t("student.video.willStart")}
      </p>
    </div>
  );
}

type MpegtsModule = typeof import("mpegts.js").default;
type MpegtsPlayer = ReturnType<MpegtsModule["createPlayer"]>;

/** Retry delays while the stream is not up yet (the URL fails until the teacher is live). */
const RETRY_MS = [1000, 2000, 3000, 5000];
/** Recreate the player when the picture stops moving for this long… */
const STALL_MS = 8_000;
/** …or when a fresh connection shows no picture for this long (the local server starts a remuxer per viewer). */
const FIRST_FRAME_MS = 30_000;
/** Say "Buffering…" when the picture has not moved for this long. */
const BUFFERING_MS = 2_000;

function LocalPlayer(props: {
  url: string;
  status: StreamStatus;
  cls: ClassPublic;
  report: PlayerReport;
}) {
  const { report } = props;
  const video = useRef<HTMLVideoElement>(null);
  const [playing, setPlaying] = useState(false);
  const [muted, setMuted] = useState(true);
  const [volume, setVolume] = useState(100);
  const [phase, setPhase] = useState<PlayerPhase>("ok");
  const [error, setError] = useState<string | null>(null);
  const ended = props.status === "ended";

  useEffect(() => {
    const el = video.current;
    if (!el || ended) return;
    let cancelled = false;
    let player: MpegtsPlayer | null = null;
    let retryTimer: ReturnType<typeof setTimeout> | null = null;
    let attempt = 0;
    let lastTime = -1;
    let lastMove = Date.now();
    let started = false;
    let everPlayed = false;
    let endTimer: ReturnType<typeof setTimeout> | null = null;
    /** mpegts.js's event names, once the module is loaded. */
    let events: MpegtsModule["Events"] | null = null;
    const teardown = () => {
      if (endTimer) clearTimeout(endTimer);
      endTimer = null;
      const p = player;
      if (!p) return;
      player = null;
      // No events from a player on its way out reach us.
      if (events) {
        p.off(events.ERROR, onEnd);
        p.off(events.LOADING_COMPLETE, onEnd);
      }
      try {
        p.pause();
        p.unload();
        p.detachMediaElement();
        p.destroy();
      } catch {
        // already torn down
      }
    };
    /**
     * The player reports an error or the end of the stream. mpegts.js emits these from
     * inside its own handlers (an append refused after a decode error is reported while
     * the segment handler still runs, and uses the player right after), so destroying it
     * there throws in mpegts.js ("reading 'notifyBufferedPositionChanged'"): start over on
     * the next task, once mpegts.js has returned.
     */
    const onEnd = () => {
      if (endTimer) return;
      endTimer = setTimeout(() => {
        endTimer = null;
        retry();
      }, 0);
    };
    const retry = () => {
      teardown();
      // A player that had a picture is reconnecting; one that never had one is connecting.
      if (everPlayed) setPhase("reconnecting");
      setPlaying(false);
      report.setPlayer(false);
      if (cancelled || retryTimer) return;
      const delay = RETRY_MS[Math.min(attempt, RETRY_MS.length - 1)]!;
      attempt++;
      retryTimer = setTimeout(() => {
        retryTimer = null;
        void start();
      }, delay);
    };
    const start = async () => {
      let mpegts: MpegtsModule;
      try {
        // Loaded on demand: mpegts.js is ~60 kB gzipped, more than the whole student page.
        mpegts = (await import("mpegts.js")).default;
      } catch {
        if (!cancelled) setError(t("student.video.playerFailed"));
        return;
      }
      if (cancelled) return;
      events = mpegts.Events;
      if (!mpegts.isSupported()) {
        setError(t("student.video.unsupported"));
        return;
      }
      player = mpegts.createPlayer(
        { type: "flv", isLive: true, url: props.url, hasAudio: true, hasVideo: true },
        {
          enableStashBuffer: false,
          lazyLoad: false,
          liveBufferLatencyChasing: true,
          liveBufferLatencyMaxLatency: 1.5,
          liveBufferLatencyMinRemain: 0.3,
        },
      );
      player.on(mpegts.Events.ERROR, onEnd);
      player.on(mpegts.Events.LOADING_COMPLETE, onEnd);
      player.attachMediaElement(el);
      player.load();
      lastMove = Date.now();
      lastTime = -1;
      started = false;
      el.play().catch(() => {
        // Autoplay refused even muted (rare): the native controls let the student start it.
      });
    };
    const watchdog = setInterval(() => {
      if (!player) return;
      if (el.currentTime !== lastTime) {
        if (lastTime >= 0 && el.currentTime > lastTime) {
          attempt = 0;
          started = true;
          everPlayed = true;
          setPhase("ok");
          setPlaying(true);
          report.setPlayer(true);
          // mpegts.js starts its timeline at 0 on join, so only the lag behind the newest
          // buffered frame says where this viewer is (video-delay.ts adds the pipeline).
          const b = el.buffered;
          if (b.length > 0)
            report.observePlayer({
              kind: "edge",
              lagMs: Math.max(0, (b.end(b.length - 1) - el.currentTime) * 1000),
            });
        }
        lastTime = el.currentTime;
        lastMove = Date.now();
      } else if (Date.now() - lastMove > (started ? STALL_MS : FIRST_FRAME_MS)) {
        retry();
      } else if (started && Date.now() - lastMove > BUFFERING_MS) {
        // The picture froze: say so at once, well before the watchdog starts over.
        setPhase("buffering");
      }
    }, 1000);
    void start();
    return () => {
      cancelled = true;
      clearInterval(watchdog);
      if (retryTimer) clearTimeout(retryTimer);
      teardown();
      setPlaying(false);
      setPhase("ok");
      report.setPlayer(false);
    };
  }, [props.url, ended, report]);

  const unmute = () => {
    const el = video.current;
    if (!el) return;
    el.muted = false;
    el.volume = volume > 0 ? volume / 100 : 1;
    if (volume === 0) setVolume(100);
    setMuted(false);
    void el.play().catch(() => {});
  };
  const mute = (on: boolean) => {
    const el = video.current;
    if (!el) return;
    if (!on) return unmute();
    el.muted = true;
    setMuted(true);
  };
  const changeVolume = (v: number) => {
    const el = video.current;
    if (!el) return;
    el.volume = v / 100;
    el.muted = v === 0;
    setVolume(v);
    setMuted(v === 0);
    if (v > 0) void el.play().catch(() => {});
  };

  return (
    <>
      <video
        ref={video}
        class="video-el"
        muted
        autoplay
        playsInline
        data-testid="local-video"
        aria-label={t("student.video.label")}
        onVolumeChange={(e) => setMuted((e.target as HTMLVideoElement).muted)}
        onWaiting={() => {
          if (playing) setPhase((p) => (p === "ok" ? "buffering" : p));
        }}
        onPlaying={() => setPhase("ok")}
      />
      {!playing ? (
        error ? (
          <div class="video-waiting" role="alert">
            <p class="video-waiting-title">{error}</p>
          </div>
        ) : phase === "reconnecting" && props.status === "live" ? (
          <StallOverlay phase={phase} />
        ) : (
          <Waiting cls={props.cls} status={props.status} connecting={props.status === "live"} />
        )
      ) : (
        <StallOverlay phase={phase} />
      )}
      <StatusPill status={props.status} playing={playing} phase={phase} />
      {playing && muted ? <UnmuteButton onClick={unmute} /> : null}
      {playing || (phase !== "ok" && props.status === "live") ? (
        <PlayerControls
          muted={muted}
          volume={volume}
          onMute={mute}
          onVolume={changeVolume}
          video={video.current}
        />
      ) : null}
    </>
  );
}
