/**
 * Publishing, for the media studio: going live over WHIP (whip-client.ts), getting the
 * stream back by itself after a lost connection (the policy is reconnect-core.ts), the
 * browser's send statistics once a second, and the bridge's health report.
 *
 * A lost connection never DELETEs the WHIP resource (that would end the stream): the
 * studio closes the old peer connection, keeps the old resource as an orphan, and
 * publishes anew; the bridge shows its slate meanwhile. Stop, or closing the studio,
 * DELETEs both.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import type { StreamHealth as BridgeStreamHealth } from "../../../protocol/bridge.ts";
import { t } from "../../i18n/studio.ts";
import { errorMessage } from "../../lib/api.ts";
import {
  DEFAULT_RECONNECT,
  type FrameRateWatch,
  initialFrameRateWatch,
  nextReconnectDelay,
  retryable,
  watchFrameRate,
} from "./reconnect-core.ts";
import type { MediaEngine } from "./use-layout.ts";
import { type PublishStats, prepareWhip, WhipClient, WhipError } from "./whip-client.ts";

/** The bridge's report (protocol/bridge.ts); the panel shows the fields below. */
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

const CONNECT_TIMEOUT_MS = 20_000;
/** How often the studio repeats its prepare while it waits (the bridge keeps it 2 min). */
const PREPARE_EVERY_MS = 60_000;

export interface Publishing {
  live: LiveState;
  /** Connecting, live or reconnecting: a stream is (being) sent. */
  isLive: boolean;
  stats: PublishStats | null;
  health: StreamHealth | null;
  goLive(): Promise<void>;
  stopLive(): Promise<void>;
}

/**
 * @param engine the compositor and mixer whose tracks are published (use-layout.ts).
 * @param ready a picture source is on: warm the bridge (it spawns its ffmpeg) before Go
 *   live is pressed, so going live does not wait for that process to start.
 * @param drawnFps the compositor's own frame rate now, to tell a stall-starved encoder
 *   from a slow computer.
 */
export function usePublishing(opts: {
  classId: string;
  engine: { current: MediaEngine | null };
  ready: boolean;
  drawnFps: { current: number | null };
  onBridgeHealth?: OnBridgeHealth;
}): Publishing {
  const { classId, engine, drawnFps } = opts;
  const endpoint = `/whip/${encodeURIComponent(classId)}`;
  const whip = useRef<WhipClient | null>(null);
  /** The resource of a lost publish, DELETEd on Stop unless a new publish replaced it. */
  const orphan = useRef<WhipClient | null>(null);
  /** The running reconnect loop's token; a loop whose token is gone stops. */
  const reconnecting = useRef<object | null>(null);
  /** Starts (or restarts, after a lost connection) the reconnect loop; see below. */
  const reconnect = useRef<((from: WhipClient, reason: string) => void) | null>(null);
  const fpsWatch = useRef<FrameRateWatch>(initialFrameRateWatch());

  const [live, setLive] = useState<LiveState>({ kind: "idle" });
  const [stats, setStats] = useState<PublishStats | null>(null);
  const [health, setHealth] = useState<StreamHealth | null>(null);

  // Closing the tab or leaving the studio ends the stream (DELETE with keepalive).
  useEffect(() => {
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
    };
  }, []);

  const isLive = live.kind === "connecting" || live.kind === "live" || live.kind === "reconnecting";
  const gettingReady =
    opts.ready && (live.kind === "idle" || live.kind === "ended" || live.kind === "failed");
  useEffect(() => {
    if (!gettingReady) return;
    void prepareWhip(endpoint);
    const timer = setInterval(() => void prepareWhip(endpoint), PREPARE_EVERY_MS);
    return () => clearInterval(timer);
  }, [gettingReady, endpoint]);
  // Warn before closing the tab mid-class.
  useEffect(() => {
    if (!isLive) return;
    const warn = (e: BeforeUnloadEvent) => e.preventDefault();
    window.addEventListener("beforeunload", warn);
    return () => window.removeEventListener("beforeunload", warn);
  }, [isLive]);

  // Stats once a second while publishing; a frame rate the network estimate keeps
  // low long after a stall gets a fresh publish (reconnect-core.ts).
  useEffect(() => {
    if (!isLive) return;
    const timer = setInterval(() => {
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
        if (r.republish) reconnect.current?.(client, t("studio.publish.lowFps"));
      });
    }, 1000);
    return () => clearInterval(timer);
  }, [isLive]);

  useEffect(() => opts.onBridgeHealth?.(setHealth), [opts.onBridgeHealth]);

  /**
   * One WHIP publish. Resolves "connected", or a failure saying whether another attempt
   * may help. A publish that connects and later loses its connection hands over to
   * {@link reconnect}: a new WHIP session (the bridge answers WHIP PATCH / ICE restart
   * with 405), never a DELETE, which would end the stream.
   */
  const publishOnce = (
    m: MediaEngine,
    onPosting: () => void,
  ): Promise<{ ok: true; client: WhipClient } | { ok: false; code: string; reason: string }> =>
    new Promise((resolve) => {
      const client = new WhipClient({ endpoint });
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
          lost(t("studio.publish.lost"));
        } else if (state === "disconnected") {
          // Say so at once; a new publish only if it does not come back by itself.
          if (connected && whip.current === client)
            setLive({
              kind: "reconnecting",
              attempt: 0,
              lostAt: Date.now(),
              reason: t("studio.publish.stalled"),
            });
          graceTimer = setTimeout(
            () => lost(t("studio.publish.stalled")),
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
                reason: t("studio.publish.noPath"),
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
    const m = engine.current;
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

  const goLive = async () => {
    const m = engine.current;
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

  return { live, isLive, stats, health, goLive, stopLive };
}
