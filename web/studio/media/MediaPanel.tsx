import { useEffect, useRef, useState } from "preact/hooks";
import type { ClassDetail } from "../../../protocol/api.ts";
import type { StreamHealth as BridgeStreamHealth } from "../../../protocol/bridge.ts";
import { CopyButton } from "../../components/CopyButton.tsx";
import { Notice } from "../../components/Notice.tsx";
import { api, errorMessage } from "../../lib/api.ts";
import { ConfirmDialog } from "../cockpit/ConfirmDialog.tsx";
import { AudioMixer, type AudioSourceId } from "./audio-mixer.ts";
import {
  captureCamera,
  captureErrorMessage,
  captureMic,
  captureScreen,
  type Device,
  listDevices,
} from "./capture.ts";
import { Compositor, compositorSupported } from "./compositor.ts";
import type { Corner, Layout } from "./layout.ts";
import {
  DEFAULT_RECONNECT,
  type FrameRateWatch,
  initialFrameRateWatch,
  nextReconnectDelay,
  retryable,
  watchFrameRate,
} from "./reconnect-core.ts";
import { type PublishStats, prepareWhip, WhipClient, WhipError } from "./whip-client.ts";

/** The bridge's report (protocol/bridge.ts); the panel needs the fields picked below. */
export type StreamHealth = Pick<
  BridgeStreamHealth,
  "receiving" | "pushing" | "lastKeyframeAt" | "fillerActive"
> &
  Partial<BridgeStreamHealth>;

/**
 * Subscribe to bridge health for this class; returns an unsubscribe function.
 * LiveStudio polls `GET /api/classes/:id/stream-health`; without a subscriber the
 * studio shows browser stats only.
 */
export type OnBridgeHealth = (listener: (health: StreamHealth) => void) => () => void;

/** Where going live stands, as the teacher sees it. */
export type LiveState =
  | { kind: "idle" }
  | { kind: "preparing" }
  | { kind: "connecting" }
  | { kind: "live"; since: number }
  /** The connection to the media server was lost; the studio is getting it back. */
  | { kind: "reconnecting"; attempt: number; lostAt: number; reason: string }
  | { kind: "stopping" }
  | { kind: "ended" }
  | { kind: "failed"; reason: string; code: string };

/**
 * What the studio cockpit's keyboard shortcuts can ask of the media panel. The panel
 * fills it in on every render, so it always acts on the current sources.
 */
export interface MediaActions {
  /** Mute or unmute the microphone; returns whether it is muted now, or null with no microphone on. */
  toggleMic(): boolean | null;
}

const CONNECT_TIMEOUT_MS = 20_000;
/** How often the studio repeats its prepare while it waits (the bridge keeps it 2 min). */
const PREPARE_EVERY_MS = 60_000;

const CORNERS: { corner: Corner; label: string }[] = [
  { corner: "top-left", label: "Top left" },
  { corner: "top-right", label: "Top right" },
  { corner: "bottom-left", label: "Bottom left" },
  { corner: "bottom-right", label: "Bottom right" },
];

/**
 * The teacher's media studio: pick a screen, camera and microphone, arrange them,
 * go live over WHIP, watch the stream's health, or get a token to stream from OBS.
 */
export function MediaPanel(props: {
  cls: ClassDetail;
  onBridgeHealth?: OnBridgeHealth;
  /** Filled in for the cockpit's shortcuts (mute). */
  actions?: { current: MediaActions | null };
}) {
  const { cls } = props;
  const supported = compositorSupported();
  const media = useRef<{ compositor: Compositor; mixer: AudioMixer } | null>(null);
  const whip = useRef<WhipClient | null>(null);
  const preview = useRef<HTMLVideoElement>(null);

  const [screen, setScreen] = useState<MediaStream | null>(null);
  const [camera, setCamera] = useState<MediaStreamTrack | null>(null);
  const [mic, setMic] = useState<MediaStreamTrack | null>(null);
  const [devices, setDevices] = useState<{ cameras: Device[]; mics: Device[] }>({
    cameras: [],
    mics: [],
  });
  const [layout, setLayout] = useState<Layout>({ kind: "pip", corner: "bottom-right" });
  const [muted, setMuted] = useState<Record<AudioSourceId, boolean>>({ mic: false, screen: false });
  const [captureError, setCaptureError] = useState<string | null>(null);
  const [live, setLive] = useState<LiveState>({ kind: "idle" });
  const [stats, setStats] = useState<PublishStats | null>(null);
  const [composite, setComposite] = useState<{ fps: number; drawMs: number } | null>(null);
  const [health, setHealth] = useState<StreamHealth | null>(null);
  const [confirmEnd, setConfirmEnd] = useState(false);

  // Media objects live for the panel's lifetime; tracks they hold are stopped on unmount.
  useEffect(() => {
    if (!supported) return;
    const compositor = new Compositor(layout);
    const mixer = new AudioMixer();
    compositor.onFps = (fps, drawMs) => setComposite({ fps, drawMs });
    media.current = { compositor, mixer };
    if (preview.current) preview.current.srcObject = new MediaStream([compositor.track]);
    const onPageHide = () => {
      whip.current?.stopOnUnload();
      orphan.current?.stopOnUnload();
    };
    window.addEventListener("pagehide", onPageHide);
    return () => {
      window.removeEventListener("pagehide", onPageHide);
      onPageHide();
      whip.current = null;
      orphan.current = null;
      reconnecting.current = null;
      compositor.stop();
      mixer.close();
      media.current = null;
    };
  }, [supported]);

  // Source tracks: stop the ones that are replaced or left behind.
  useEffect(() => () => camera?.stop(), [camera]);
  useEffect(() => () => mic?.stop(), [mic]);
  useEffect(
    () => () => {
      for (const t of screen?.getTracks() ?? []) t.stop();
    },
    [screen],
  );

  useEffect(() => {
    media.current?.compositor.setSource("screen", screen?.getVideoTracks()[0] ?? null);
    media.current?.mixer.setSource("screen", screen?.getAudioTracks()[0] ?? null);
  }, [screen]);
  useEffect(() => media.current?.compositor.setSource("camera", camera), [camera]);
  useEffect(() => media.current?.mixer.setSource("mic", mic), [mic]);
  useEffect(() => media.current?.compositor.setLayout(layout), [layout]);

  const isLive = live.kind === "connecting" || live.kind === "live" || live.kind === "reconnecting";
  // Getting ready: a picture source is on and Go live not pressed. Warm the bridge now
  // (it spawns its ffmpeg), so going live does not wait for that process to start.
  const gettingReady =
    supported &&
    (!!screen || !!camera) &&
    (live.kind === "idle" || live.kind === "ended" || live.kind === "failed");
  useEffect(() => {
    if (!gettingReady) return;
    const endpoint = `/whip/${encodeURIComponent(cls.id)}`;
    void prepareWhip(endpoint);
    const t = setInterval(() => void prepareWhip(endpoint), PREPARE_EVERY_MS);
    return () => clearInterval(t);
  }, [gettingReady, cls.id]);
  // Warn before closing the tab mid-class.
  useEffect(() => {
    if (!isLive) return;
    const warn = (e: BeforeUnloadEvent) => e.preventDefault();
    window.addEventListener("beforeunload", warn);
    return () => window.removeEventListener("beforeunload", warn);
  }, [isLive]);

  // Stats once a second while publishing; a frame rate the network estimate keeps
  // low long after a stall gets a fresh publish (reconnect-core.ts).
  const fpsWatch = useRef<FrameRateWatch>(initialFrameRateWatch());
  const drawnFps = useRef<number | null>(null);
  drawnFps.current = composite?.fps ?? null;
  useEffect(() => {
    if (!isLive) return;
    const t = setInterval(() => {
      const client = whip.current;
      void client?.stats().then((s) => {
        if (!s) return;
        setStats(s);
        if (whip.current !== client || !client) return;
        const r = watchFrameRate(
          fpsWatch.current,
          { sentFps: s.fps, drawnFps: drawnFps.current, limitation: s.limitation },
          Date.now(),
        );
        fpsWatch.current = r.watch;
        if (r.republish) reconnect.current?.(client, "The frame rate stayed low after a stall.");
      });
    }, 1000);
    return () => clearInterval(t);
  }, [isLive]);

  useEffect(() => props.onBridgeHealth?.(setHealth), [props.onBridgeHealth]);

  const shareScreen = async () => {
    media.current?.mixer.resume();
    setCaptureError(null);
    try {
      const s = await captureScreen();
      // The browser's own "Stop sharing" bar ends the track; drop the source when it does.
      s.getVideoTracks()[0]?.addEventListener("ended", () =>
        setScreen((cur) => (cur === s ? null : cur)),
      );
      setScreen(s);
    } catch (err) {
      setCaptureError(captureErrorMessage(err, "screen"));
    }
  };

  const startCamera = async (deviceId?: string) => {
    media.current?.mixer.resume();
    setCaptureError(null);
    try {
      setCamera(await captureCamera(deviceId));
    } catch (err) {
      setCaptureError(captureErrorMessage(err, "camera"));
    }
    setDevices(await listDevices().catch(() => devices));
  };

  const startMic = async (deviceId?: string) => {
    media.current?.mixer.resume();
    setCaptureError(null);
    try {
      setMic(await captureMic(deviceId));
    } catch (err) {
      setCaptureError(captureErrorMessage(err, "microphone"));
    }
    setDevices(await listDevices().catch(() => devices));
  };

  const toggleMute = (id: AudioSourceId) => {
    const next = { ...muted, [id]: !muted[id] };
    setMuted(next);
    media.current?.mixer.setMuted(id, next[id]);
    return next[id];
  };
  if (props.actions) props.actions.current = { toggleMic: () => (mic ? toggleMute("mic") : null) };

  /** Starts (or restarts, after a lost connection) the reconnect loop; see below. */
  const reconnect = useRef<((from: WhipClient, reason: string) => void) | null>(null);

  /**
   * One WHIP publish. Resolves "connected", or a failure saying whether another attempt
   * may help. A publish that connects and later loses its connection hands over to
   * {@link reconnect}: a new WHIP session (the bridge answers WHIP PATCH / ICE restart
   * with 405), never a DELETE, which would end the stream.
   */
  const publishOnce = (
    m: { compositor: Compositor; mixer: AudioMixer },
    onPosting: () => void,
  ): Promise<{ ok: true; client: WhipClient } | { ok: false; code: string; reason: string }> =>
    new Promise((resolve) => {
      const client = new WhipClient({ endpoint: `/whip/${encodeURIComponent(cls.id)}` });
      whip.current = client;
      let connected = false;
      let settled = false;
      let graceTimer: ReturnType<typeof setTimeout> | null = null;
      const settle = (r: Parameters<typeof resolve>[0]) => {
        if (settled) return;
        settled = true;
        resolve(r);
      };
      const lost = (reason: string) => {
        if (whip.current !== client) return;
        if (!connected) {
          client.close();
          settle({ ok: false, code: "connection_failed", reason });
        } else reconnect.current?.(client, reason);
      };
      client.onConnectionState = (state) => {
        if (graceTimer) clearTimeout(graceTimer);
        graceTimer = null;
        if (state === "connected") {
          // Back by itself after a short stall: live again, same publish.
          if (connected && whip.current === client) setLive({ kind: "live", since: Date.now() });
          connected = true;
          settle({ ok: true, client });
        } else if (state === "failed") {
          lost("Lost the connection to the media server.");
        } else if (state === "disconnected") {
          // Say so at once; a new publish only if it does not come back by itself.
          if (connected && whip.current === client)
            setLive({
              kind: "reconnecting",
              attempt: 0,
              lostAt: Date.now(),
              reason: "The connection to the media server stalled.",
            });
          graceTimer = setTimeout(
            () => lost("The connection to the media server stalled."),
            DEFAULT_RECONNECT.disconnectedGraceMs,
          );
        }
      };
      client.publish(m.compositor.track, m.mixer.track, onPosting).then(
        () =>
          setTimeout(() => {
            if (!connected && whip.current === client) {
              client.close();
              settle({
                ok: false,
                code: "ice_failed",
                reason: "Could not connect to the media server (no media path).",
              });
            }
          }, CONNECT_TIMEOUT_MS),
        (err: unknown) => {
          client.close();
          settle(
            err instanceof WhipError
              ? { ok: false, code: err.code, reason: err.message }
              : { ok: false, code: "internal", reason: errorMessage(err) },
          );
        },
      );
    });

  reconnect.current = (from: WhipClient, reason: string) => {
    if (whip.current !== from) return;
    const m = media.current;
    // Close without a DELETE: the bridge keeps the stream up (the slate) meanwhile. The
    // lost resource is kept: Stop (or closing the studio) while reconnecting DELETEs it,
    // which ends the stream at once.
    from.close();
    whip.current = null;
    orphan.current = from;
    if (!m) return;
    const lostAt = Date.now();
    let attempt = 0;
    const token = {};
    reconnecting.current = token;
    const step = async (): Promise<void> => {
      if (reconnecting.current !== token) return;
      const delay = nextReconnectDelay(attempt, Date.now() - lostAt);
      if (delay === null) {
        reconnecting.current = null;
        setLive({
          kind: "failed",
          code: "connection_failed",
          reason: `${reason} Could not get it back within two minutes; the stream has ended. Go live again.`,
        });
        return;
      }
      setLive({ kind: "reconnecting", attempt: attempt + 1, lostAt, reason });
      await new Promise((r) => setTimeout(r, delay));
      if (reconnecting.current !== token) return;
      attempt++;
      const r = await publishOnce(m, () => {});
      if (reconnecting.current !== token) {
        if (r.ok) await r.client.stop();
        return;
      }
      if (r.ok) {
        reconnecting.current = null;
        orphan.current = null; // the new publish took the old one's place on the bridge
        fpsWatch.current = initialFrameRateWatch();
        setLive({ kind: "live", since: Date.now() });
        return;
      }
      if (!retryable(r.code)) {
        reconnecting.current = null;
        whip.current = null;
        setLive({ kind: "failed", code: r.code, reason: r.reason });
        return;
      }
      void step();
    };
    void step();
  };
  const reconnecting = useRef<object | null>(null);
  const orphan = useRef<WhipClient | null>(null);

  const goLive = async () => {
    const m = media.current;
    if (!m) return;
    m.mixer.resume();
    setStats(null);
    reconnecting.current = null;
    fpsWatch.current = initialFrameRateWatch();
    setLive({ kind: "preparing" });
    const r = await publishOnce(m, () => setLive({ kind: "connecting" }));
    if (r.ok) {
      if (whip.current === r.client) setLive({ kind: "live", since: Date.now() });
      return;
    }
    whip.current = null;
    setLive({ kind: "failed", code: r.code, reason: r.reason });
  };

  const stopLive = async () => {
    const client = whip.current;
    const lost = orphan.current;
    whip.current = null;
    orphan.current = null;
    reconnecting.current = null;
    setLive({ kind: "stopping" });
    await Promise.all([client?.stop(), lost?.stop()]);
    setLive({ kind: "ended" });
  };

  if (!supported) {
    return (
      <section class="card media-panel" aria-labelledby="media-title" data-testid="media-panel">
        <h2 id="media-title">Go live</h2>
        <Notice kind="info">
          Going live from the browser needs Chrome or Edge (they can composite your screen and
          camera in the background). In other browsers, stream from OBS with the details below.
        </Notice>
        <ObsInstructions cls={cls} />
      </section>
    );
  }

  const screenAudio = !!screen && screen.getAudioTracks().length > 0;
  const hasAnyVideo = !!screen || !!camera;
  return (
    <section class="card media-panel" aria-labelledby="media-title" data-testid="media-panel">
      <div class="media-head">
        <h2 id="media-title">Go live</h2>
        <LiveBadge live={live} />
      </div>
      <div class="media-grid">
        <div class="media-preview">
          <div class="media-preview-frame">
            <video
              ref={preview}
              autoplay
              muted
              playsInline
              data-testid="studio-preview"
              aria-label="What students will see"
            />
            {!hasAnyVideo ? (
              <p class="media-preview-empty">Share your screen or turn on your camera.</p>
            ) : null}
          </div>
          <fieldset class="media-layout">
            <legend>Layout</legend>
            <div class="media-choices">
              {(
                [
                  ["pip", "Screen + camera"],
                  ["screen", "Screen only"],
                  ["camera", "Camera only"],
                ] as const
              ).map(([kind, label]) => (
                <label class="media-choice" key={kind}>
                  <input
                    type="radio"
                    name="layout"
                    checked={layout.kind === kind}
                    data-testid={`layout-${kind}`}
                    onChange={() =>
                      setLayout(
                        kind === "pip"
                          ? { kind, corner: layout.kind === "pip" ? layout.corner : "bottom-right" }
                          : { kind },
                      )
                    }
                  />
                  {label}
                </label>
              ))}
            </div>
            {layout.kind === "pip" ? (
              <fieldset class="media-corners">
                <legend class="visually-hidden">Camera corner</legend>
                {CORNERS.map(({ corner, label }) => (
                  <button
                    key={corner}
                    type="button"
                    class={`media-corner media-corner-${corner}`}
                    aria-pressed={layout.corner === corner}
                    aria-label={`Camera ${label.toLowerCase()}`}
                    title={label}
                    data-testid={`corner-${corner}`}
                    onClick={() => setLayout({ kind: "pip", corner })}
                  />
                ))}
              </fieldset>
            ) : null}
          </fieldset>
        </div>

        <div class="media-controls">
          <h3>Sources</h3>
          {captureError ? <Notice>{captureError}</Notice> : null}
          <div class="media-source">
            <span class="media-source-name">Screen</span>
            <button
              type="button"
              class="btn btn-secondary btn-small"
              data-testid="share-screen"
              onClick={shareScreen}
            >
              {screen ? "Share another" : "Share screen"}
            </button>
            {screen ? (
              <button
                type="button"
                class="btn btn-quiet btn-small"
                data-testid="stop-screen"
                onClick={() => setScreen(null)}
              >
                Stop
              </button>
            ) : null}
          </div>
          <DevicePicker
            label="Camera"
            testId="camera"
            devices={devices.cameras}
            active={camera}
            onStart={startCamera}
            onStop={() => setCamera(null)}
          />
          <DevicePicker
            label="Microphone"
            testId="mic"
            devices={devices.mics}
            active={mic}
            onStart={startMic}
            onStop={() => setMic(null)}
          />

          <h3>Sound</h3>
          <AudioRow
            label="Microphone"
            id="mic"
            present={!!mic}
            muted={muted.mic}
            mixer={media.current?.mixer ?? null}
            onToggle={() => toggleMute("mic")}
          />
          <AudioRow
            label="Screen audio"
            id="screen"
            present={screenAudio}
            muted={muted.screen}
            mixer={media.current?.mixer ?? null}
            onToggle={() => toggleMute("screen")}
          />

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
                Students' video stops and the class page says the class has ended. You can go live
                again, but it starts a new stream.
              </p>
            </ConfirmDialog>
            {live.kind === "failed" ? (
              <Notice testId="live-error">
                <strong>Could not go live.</strong> {live.reason}
              </Notice>
            ) : null}
            {!hasAnyVideo && live.kind === "idle" ? (
              <p class="muted media-hint">
                Students see a "Starting soon" slate until you add a source.
              </p>
            ) : null}
          </div>
        </div>
      </div>

      <StreamStats
        live={live}
        stats={stats}
        composite={composite}
        health={health}
        healthAvailable={!!props.onBridgeHealth}
      />
      <ObsInstructions cls={cls} />
    </section>
  );
}

function LiveBadge(props: { live: LiveState }) {
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

function DevicePicker(props: {
  label: string;
  testId: string;
  devices: Device[];
  active: MediaStreamTrack | null;
  onStart: (deviceId?: string) => void;
  onStop: () => void;
}) {
  const { active } = props;
  const current = active?.getSettings().deviceId ?? "";
  return (
    <div class="media-source">
      <span class="media-source-name">{props.label}</span>
      {active && props.devices.length > 0 ? (
        <select
          class="media-device"
          aria-label={`${props.label} device`}
          data-testid={`${props.testId}-device`}
          value={current}
          onChange={(e) => props.onStart((e.target as HTMLSelectElement).value)}
        >
          {props.devices.map((d) => (
            <option key={d.id} value={d.id}>
              {d.label}
            </option>
          ))}
        </select>
      ) : null}
      {active ? (
        <button
          type="button"
          class="btn btn-quiet btn-small"
          data-testid={`stop-${props.testId}`}
          onClick={props.onStop}
        >
          Turn off
        </button>
      ) : (
        <button
          type="button"
          class="btn btn-secondary btn-small"
          data-testid={`start-${props.testId}`}
          onClick={() => props.onStart()}
        >
          Turn on
        </button>
      )}
    </div>
  );
}

/** A source's level meter and mute toggle. The meter paints from rAF, outside Preact renders. */
function AudioRow(props: {
  label: string;
  id: AudioSourceId;
  present: boolean;
  muted: boolean;
  mixer: AudioMixer | null;
  onToggle: () => void;
}) {
  const bar = useRef<HTMLSpanElement>(null);
  useEffect(() => {
    if (!props.present || !props.mixer) return;
    const mixer = props.mixer;
    let raf = 0;
    const paint = () => {
      if (bar.current) bar.current.style.transform = `scaleX(${mixer.level(props.id).toFixed(3)})`;
      raf = requestAnimationFrame(paint);
    };
    raf = requestAnimationFrame(paint);
    return () => cancelAnimationFrame(raf);
  }, [props.present, props.mixer, props.id]);
  return (
    <div class={`media-audio${props.muted ? " is-muted" : ""}`} data-testid={`audio-${props.id}`}>
      <span class="media-source-name">{props.label}</span>
      <span class="media-meter" aria-hidden="true">
        <span class="media-meter-bar" ref={bar} />
      </span>
      {props.present ? (
        <button
          type="button"
          class="btn btn-quiet btn-small"
          aria-pressed={props.muted}
          data-testid={`mute-${props.id}`}
          onClick={props.onToggle}
        >
          {props.muted ? "Unmute" : "Mute"}
        </button>
      ) : (
        <span class="muted media-absent">{props.id === "mic" ? "Off" : "None shared"}</span>
      )}
    </div>
  );
}

function ageText(at: number | null): string {
  if (at === null) return "none yet";
  const s = Math.max(0, (Date.now() - at) / 1000);
  return `${s.toFixed(1)} s ago`;
}

function StreamStats(props: {
  live: LiveState;
  stats: PublishStats | null;
  composite: { fps: number; drawMs: number } | null;
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

/** OBS (or any WHIP encoder) instructions: the WHIP URL and a one-time stream token. */
function ObsInstructions(props: { cls: ClassDetail }) {
  const whipUrl = `${location.origin}/whip/${props.cls.id}`;
  const [token, setToken] = useState<{ token: string; whipUrl: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const getToken = async () => {
    setBusy(true);
    setError(null);
    try {
      setToken(
        await api<{ token: string; whipUrl: string }>(
          "POST",
          `/classes/${encodeURIComponent(props.cls.id)}/stream-token`,
        ),
      );
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <details class="media-obs" data-testid="obs-instructions">
      <summary>Stream from OBS instead</summary>
      <ol>
        <li>
          In OBS, open Settings → Stream and choose the service <strong>WHIP</strong>.
        </li>
        <li>
          Server:{" "}
          <code class="media-code" data-testid="whip-url">
            {token?.whipUrl ?? whipUrl}
          </code>{" "}
          <CopyButton text={token?.whipUrl ?? whipUrl} label="Copy URL" testId="copy-whip-url" />
        </li>
        <li>
          Bearer token: a stream token for this class, valid 24 hours. It is shown only once; keep
          it private.
        </li>
        <li>In Output settings use H.264 (x264 or hardware), keyframe interval 2 s.</li>
      </ol>
      {error ? <Notice>{error}</Notice> : null}
      {token ? (
        <div class="media-token">
          <input
            type="text"
            readOnly
            value={token.token}
            aria-label="Stream token"
            data-testid="stream-token"
            onFocus={(e) => (e.target as HTMLInputElement).select()}
          />
          <CopyButton text={token.token} label="Copy token" testId="copy-stream-token" />
          <button type="button" class="btn btn-quiet btn-small" onClick={() => setToken(null)}>
            Hide
          </button>
        </div>
      ) : (
        <button
          type="button"
          class="btn btn-secondary btn-small"
          disabled={busy}
          data-testid="get-stream-token"
          onClick={getToken}
        >
          {busy ? "Getting a token…" : "Get a stream token"}
        </button>
      )}
    </details>
  );
}
