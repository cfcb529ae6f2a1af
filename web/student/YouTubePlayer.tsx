/**
 * The class video on YouTube: the IFrame API loaded once (also by the replay page), the
 * player muted until the student unmutes, its position reported for the delay estimate,
 * and captions switched from our own control.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import type { StreamStatus } from "../../protocol/realtime.ts";
import { locale } from "../i18n/core.ts";
import { t } from "../i18n/student.ts";
import {
  PlayerControls,
  type PlayerPhase,
  StallOverlay,
  StatusPill,
  UnmuteButton,
} from "./PlayerChrome.tsx";
import type { PlayerReport } from "./VideoArea.tsx";

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

export function YouTubePlayer(props: {
  videoId: string;
  status: StreamStatus;
  report: PlayerReport;
}) {
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
