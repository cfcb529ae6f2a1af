import { useEffect, useRef, useState } from "preact/hooks";
import type { ClassPublic } from "../../protocol/api.ts";
import { formatStart } from "../lib/format.ts";
import type { PlayerSample } from "../lib/video-delay.ts";

/** The live stream's status as the real-time layer reports it. */
export type { StreamStatus } from "../../protocol/realtime.ts";

import type { StreamStatus } from "../../protocol/realtime.ts";
import { locale } from "../i18n/core.ts";
import { t } from "../i18n/student.ts";

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

function StatusPill(props: { status: StreamStatus; playing?: boolean; phase?: PlayerPhase }) {
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
function StallOverlay(props: { phase: PlayerPhase }) {
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
function PlayerControls(props: {
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

function SpeakerIcon(props: { off?: boolean }) {
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

function UnmuteButton(props: { onClick: () => void }) {
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

/* ---------- Production: YouTube IFrame player ---------- */

/** The slice of the YouTube IFrame API used here. */
/** The parts of the IFrame API's player this app uses. */
export interface YTPlayer {
  mute(): void;
  unMute(): void;
  setVolume(v: number): void;
  isMuted(): boolean;
  playVideo(): void;
  destroy(): void;
  /** Seconds since the live stream started (live) or the position (VOD). */
  getCurrentTime(): number;
  /** 1 playing, 2 paused, 3 buffering (-1 unstarted, 0 ended, 5 cued). */
  getPlayerState(): number;
  /** Jump to `seconds` (the replay's own position control). */
  seekTo?(seconds: number, allowSeekAhead: boolean): void;
  pauseVideo?(): void;
  /**
   * Not in every player build: the wall-clock time (epoch seconds) of the frame on
   * screen for live streams. Used when present; implausible values are ignored.
   */
  getMediaReferenceTime?: () => number;
  /** The captions module: load it to show captions, unload to hide them. */
  loadModule?(module: "captions"): void;
  unloadModule?(module: "captions"): void;
  setOption?(module: "captions", option: "track", value: { languageCode: string }): void;
}
/** `window.YT` once the IFrame API loaded. */
export interface YTNamespace {
  Player: new (
    el: HTMLElement,
    opts: {
      videoId: string;
      width?: string;
      height?: string;
      playerVars?: Record<string, string | number>;
      events?: {
        onReady?: (e: { target: YTPlayer }) => void;
        onStateChange?: (e: { data: number; target: YTPlayer }) => void;
      };
    },
  ) => YTPlayer;
}

const YT_API = "https://www.youtube.com/iframe_api";
const YT_LOAD_TIMEOUT_MS = 15_000;
let ytLoading: Promise<YTNamespace> | null = null;

/** Load the IFrame API once; rejects when offline or blocked, so the page can say so. */
export function loadYouTubeApi(): Promise<YTNamespace> {
  const w = window as unknown as {
    YT?: YTNamespace & { loaded?: number };
    onYouTubeIframeAPIReady?: () => void;
  };
  if (w.YT?.Player) return Promise.resolve(w.YT);
  ytLoading ??= new Promise<YTNamespace>((resolve, reject) => {
    const timer = setTimeout(() => fail(), YT_LOAD_TIMEOUT_MS);
    const fail = () => {
      clearTimeout(timer);
      ytLoading = null;
      script.remove();
      reject(new Error("youtube-api-unavailable"));
    };
    const prev = w.onYouTubeIframeAPIReady;
    w.onYouTubeIframeAPIReady = () => {
      prev?.();
      clearTimeout(timer);
      if (w.YT) resolve(w.YT);
      else fail();
    };
    const script = document.createElement("script");
    script.src = YT_API;
    script.async = true;
    script.onerror = fail;
    document.head.append(script);
  });
  return ytLoading;
}

/** How often the YouTube player is asked where it is. */
const YT_SAMPLE_MS = 1000;

function YouTubePlayer(props: { videoId: string; status: StreamStatus; report: PlayerReport }) {
  const { report } = props;
  const host = useRef<HTMLDivElement>(null);
  const player = useRef<YTPlayer | null>(null);
  const [state, setState] = useState<"loading" | "ready" | "failed">("loading");
  const [muted, setMuted] = useState(true);
  const [volume, setVolume] = useState(100);
  /** The IFrame player's own state: 3 is buffering. */
  const [ytState, setYtState] = useState(-1);
  const [captions, setCaptions] = useState(false);

  useEffect(() => {
    if (state !== "ready") return;
    const timer = setInterval(() => {
      const p = player.current;
      if (!p) return;
      try {
        const st = p.getPlayerState();
        // Playing, paused or buffering: the student is on the (delayed) picture, so keep
        // aligning; a rebuffer must not flush held slides early. Samples only while playing.
        report.setPlayer(st === 1 || st === 2 || st === 3);
        if (st !== 1) return;
        const ref = p.getMediaReferenceTime?.();
        if (typeof ref === "number" && ref > 1e9)
          report.observePlayer({ kind: "reference", mediaTimeMs: ref * 1000 });
        else report.observePlayer({ kind: "position", currentTimeS: p.getCurrentTime() });
      } catch {
        // The player is being torn down.
      }
    }, YT_SAMPLE_MS);
    return () => {
      clearInterval(timer);
      report.setPlayer(false);
    };
  }, [state, report]);

  useEffect(() => {
    let cancelled = false;
    setState("loading");
    loadYouTubeApi().then(
      (YT) => {
        if (cancelled || !host.current) return;
        const target = document.createElement("div");
        host.current.replaceChildren(target);
        player.current = new YT.Player(target, {
          videoId: props.videoId,
          width: "100%",
          height: "100%",
          playerVars: { autoplay: 1, mute: 1, playsinline: 1, rel: 0, modestbranding: 1 },
          events: {
            onReady: (e) => {
              if (cancelled) return;
              e.target.mute();
              e.target.playVideo();
              setState("ready");
            },
            onStateChange: (e) => {
              if (!cancelled) setYtState(e.data);
            },
          },
        });
      },
      () => {
        if (!cancelled) setState("failed");
      },
    );
    return () => {
      cancelled = true;
      player.current?.destroy();
      player.current = null;
    };
  }, [props.videoId]);

  const unmute = () => {
    const v = volume > 0 ? volume : 100;
    player.current?.unMute();
    player.current?.setVolume(v);
    setVolume(v);
    setMuted(false);
  };
  const mute = (on: boolean) => {
    if (!on) return unmute();
    player.current?.mute();
    setMuted(true);
  };
  const changeVolume = (v: number) => {
    const p = player.current;
    if (!p) return;
    p.setVolume(v);
    if (v === 0) p.mute();
    else p.unMute();
    setVolume(v);
    setMuted(v === 0);
  };
  const phase: PlayerPhase = state === "ready" && ytState === 3 ? "buffering" : "ok";

  // Captions from our own control (YouTube's are inside the frame, out of reach of the
  // page's keyboard order): the IFrame API's captions module, in the browser's language.
  const toggleCaptions = () => {
    const p = player.current;
    if (!p) return;
    const on = !captions;
    try {
      if (on) {
        p.loadModule?.("captions");
        p.setOption?.("captions", "track", { languageCode: captionLanguage() });
      } else p.unloadModule?.("captions");
    } catch {
      return; // the player is being torn down
    }
    setCaptions(on);
  };

  return (
    <>
      <div class="video-yt" ref={host} data-testid="youtube-player" />
      {state === "failed" ? (
        <div class="video-waiting" role="alert" data-testid="youtube-unavailable">
          <p class="video-waiting-title">{t("student.video.ytFailed")}</p>
          <p class="video-waiting-sub">{t("student.video.ytFailedText")}</p>
        </div>
      ) : state === "loading" ? (
        <div class="video-waiting" role="status">
          <span class="pulse" aria-hidden="true" />
          <p class="video-waiting-title">{t("student.video.loading")}</p>
        </div>
      ) : null}
      <StallOverlay phase={phase} />
      <StatusPill status={props.status} phase={phase} />
      {state === "ready" && muted ? <UnmuteButton onClick={unmute} /> : null}
      {state === "ready" ? (
        <PlayerControls muted={muted} volume={volume} onMute={mute} onVolume={changeVolume} />
      ) : null}
      {state === "ready" ? (
        <button
          type="button"
          class="video-cc"
          data-testid="captions-toggle"
          aria-pressed={captions}
          onClick={toggleCaptions}
        >
          {t("student.video.captions")}
        </button>
      ) : null}
    </>
  );
}

/** The caption language asked of YouTube: the page's language. */
function captionLanguage(): string {
  return locale();
}
