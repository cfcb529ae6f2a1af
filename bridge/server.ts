import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createAdaptorServer } from "@hono/node-server";
import { RTCDtlsTransport } from "werift";
import { CallsClient } from "../common/calls-client.ts";
import { type BridgeHealth, type BridgeHealthReport, snakeCase } from "../protocol/bridge.ts";
import { type IngestPolicy, ingestPolicy, STREAM_ERRORS } from "../protocol/ingest.ts";
import type { CallsPull } from "./calls-pull.ts";
import type { FfmpegInfo } from "./ffmpeg.ts";
import { bridgeRoutes, HttpError } from "./http.ts";
import { checkIngest, type LookupAll } from "./ingest.ts";
import type { Logger } from "./log.ts";
import { allocateFreeBlock, PortAllocator } from "./ports.ts";
import { redactUrl } from "./redact.ts";
import type { BitrateHints } from "./sdp.ts";
import { ClassSession } from "./session.ts";
import { warmUpWebrtc } from "./warmup.ts";
import type { IceOptions, WhipPublisher } from "./whip.ts";

/** Bridge configuration (see main.ts for the env variables). */
export interface BridgeConfig {
  host: string;
  port: number;
  /** Shared bearer secret with the Worker; empty disables auth (loopback dev only). */
  secret: string;
  ffmpeg: FfmpegInfo | null;
  rtpPortMin: number;
  rtpPortMax: number;
  ice: IceOptions;
  hints?: BitrateHints;
  healthCallbackUrl?: string;
  healthCallbackSecret?: string;
  healthIntervalMs?: number;
  /** Dev mode: permissive CORS, `?secret=` accepted, `/dev/blank` page for browser tests. */
  dev?: boolean;
  /** Dev convenience: RTMP URL template (`{classId}` substituted) used when no session was PUT. */
  defaultRtmpUrl?: string;
  stallMs?: number;
  fillerMaxMs?: number;
  /** ffmpeg restart backoff cap (default 10 s). */
  backoffMaxMs?: number;
  /**
   * A prepared session (`PUT /sessions/:id` with `prepare: true`) whose warm ffmpeg
   * sees no publisher for this long is dropped, ffmpeg stopped (default 2 min).
   */
  warmTtlMs?: number;
  /**
   * Where streams may go (`BRIDGE_INGEST_HOSTS`, `BRIDGE_LOCAL_INGEST`); default: YouTube's
   * ingest hosts only. Checked at `PUT /sessions` and again before every RTMP connect.
   */
  ingest?: IngestPolicy;
  /** DNS lookup (all addresses) for the ingest check; tests inject one. */
  lookup?: LookupAll;
  /** Cloudflare Calls app (production ingest: `POST /pull/:classId`). */
  calls?: { appId: string; appSecret: string; baseUrl?: string; stunUrl?: string };
  log: Logger;
}

/** A running bridge. */
export interface Bridge {
  url: string;
  server: Server;
  sessions: Map<string, ClassSession>;
  health: () => BridgeHealth;
  close: () => Promise<void>;
}

/** GET /health body (protocol/bridge.ts). */
export type { BridgeHealth };

/** Starts the bridge's HTTP server (WHIP + control + health). */
export async function startBridge(cfg: BridgeConfig): Promise<Bridge> {
  const log = cfg.log;
  const warmTtlMs = cfg.warmTtlMs ?? 120_000;
  // werift makes its DTLS certificate on the first peer connection (~0.1–0.3 s,
  // part of the first teacher's WHIP answer): make it now, and run one loopback
  // handshake in the background so the first teacher's ICE/DTLS runs warm code.
  await RTCDtlsTransport.SetupCertificate();
  const warmedUp = warmUpWebrtc(log);
  const ports = new PortAllocator(cfg.rtpPortMin, cfg.rtpPortMax);
  const sessions = new Map<string, ClassSession>();
  const creating = new Map<string, Promise<ClassSession>>();
  const publishers = new Map<string, WhipPublisher>();
  /** Production ingest: one pull from Calls per class (classId → pull). */
  const pulls = new Map<string, CallsPull>();
  const calls = cfg.calls ? new CallsClient(cfg.calls) : null;
  const lastPushedState = new Map<string, string>();
  const policy = cfg.ingest ?? ingestPolicy();
  const ingestVerdict = (rtmpUrl: string) => checkIngest(rtmpUrl, policy, cfg.lookup);

  /** Refuses a destination that is not allowed (400) or cannot be resolved (502). */
  async function assertIngest(classId: string, rtmpUrl: string, log: Logger): Promise<void> {
    const v = await ingestVerdict(rtmpUrl);
    if (v.ok) return;
    log("ingest_refused", {
      classId,
      rtmp: redactUrl(rtmpUrl),
      category: v.category,
      detail: v.detail,
    });
    throw new HttpError(
      v.category === "ingest-not-allowed" ? 400 : 502,
      snakeCase(v.category),
      STREAM_ERRORS[v.category],
    );
  }

  const health = (): BridgeHealth => ({
    ok: cfg.ffmpeg !== null,
    state: cfg.ffmpeg ? "ok" : "ffmpeg-missing",
    ffmpeg: cfg.ffmpeg
      ? { path: cfg.ffmpeg.path, source: cfg.ffmpeg.source, version: cfg.ffmpeg.version }
      : null,
    sessions: [...sessions.values()].map((s) => s.health()),
  });

  async function getOrCreateSession(
    classId: string,
    rtmpUrl: string,
    log: Logger = cfg.log,
  ): Promise<{ s: ClassSession; created: boolean }> {
    if (!cfg.ffmpeg)
      throw new HttpError(503, "ffmpeg_missing", "ffmpeg is not installed on the bridge");
    const ffmpeg = cfg.ffmpeg;
    await assertIngest(classId, rtmpUrl, log);
    const existing = sessions.get(classId) ?? (await creating.get(classId));
    if (existing) {
      existing.setRtmpUrl(rtmpUrl);
      return { s: existing, created: false };
    }
    const p = (async () => {
      const base = await allocateFreeBlock(ports);
      if (base === null) throw new HttpError(503, "no_ports", "RTP port range exhausted");
      const s = new ClassSession({
        classId,
        rtmpUrl,
        ffmpeg,
        portBase: base,
        log,
        stallMs: cfg.stallMs,
        fillerMaxMs: cfg.fillerMaxMs,
        backoffMaxMs: cfg.backoffMaxMs,
        checkIngest: ingestVerdict,
      });
      try {
        await s.open();
      } catch (err) {
        ports.release(base);
        await s.close();
        throw err;
      }
      sessions.set(classId, s);
      s.onWarmExpired = () => {
        if (sessions.get(classId) === s && !s.publisher) void deleteSession(classId);
      };
      log("session_created", { classId, rtmp: redactUrl(rtmpUrl), portBase: base });
      return s;
    })();
    creating.set(classId, p);
    try {
      return { s: await p, created: true };
    } finally {
      creating.delete(classId);
    }
  }

  async function deleteSession(classId: string): Promise<boolean> {
    const s = sessions.get(classId);
    if (!s) return false;
    sessions.delete(classId);
    for (const [id, p] of publishers) {
      if (p.classId === classId) {
        publishers.delete(id);
        await p.close();
      }
    }
    await pulls.get(classId)?.close();
    pulls.delete(classId);
    await s.close();
    ports.release(s.portBase);
    lastPushedState.delete(classId);
    log("session_deleted", { classId });
    return true;
  }

  const app = bridgeRoutes({
    secret: cfg.secret,
    dev: cfg.dev,
    ffmpeg: cfg.ffmpeg,
    ice: cfg.ice,
    hints: cfg.hints,
    defaultRtmpUrl: cfg.defaultRtmpUrl,
    warmTtlMs,
    calls,
    stunUrl: cfg.calls?.stunUrl,
    log,
    sessions,
    publishers,
    pulls,
    health,
    getOrCreateSession,
    deleteSession,
  });
  const server = createAdaptorServer({ fetch: app.fetch }) as Server;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(cfg.port, cfg.host, () => resolve());
  });
  const addr = server.address() as AddressInfo;
  const url = `http://${addr.address.includes(":") ? `[${addr.address}]` : addr.address}:${addr.port}`;

  let pushTimer: NodeJS.Timeout | null = null;
  let lastPushError = 0;
  async function pushHealth(force: boolean): Promise<void> {
    if (!cfg.healthCallbackUrl) return;
    for (const s of sessions.values()) {
      const h = s.health();
      const changed = lastPushedState.get(s.classId) !== h.state;
      if (!force && !changed) continue;
      lastPushedState.set(s.classId, h.state);
      try {
        const r = await fetch(cfg.healthCallbackUrl, {
          method: "POST",
          headers: {
            "Content-Type": "application/json",
            ...(cfg.healthCallbackSecret
              ? { Authorization: `Bearer ${cfg.healthCallbackSecret}` }
              : {}),
          },
          body: JSON.stringify({
            type: "bridge.health",
            at: Date.now(),
            ...h,
          } satisfies BridgeHealthReport),
          signal: AbortSignal.timeout(3000),
        });
        await r.body?.cancel();
      } catch (err) {
        if (Date.now() - lastPushError > 60_000) {
          lastPushError = Date.now();
          log("health_push_failed", { message: err instanceof Error ? err.message : String(err) });
        }
      }
    }
  }
  if (cfg.healthCallbackUrl) {
    let n = 0;
    const every = cfg.healthIntervalMs ?? 5000;
    // Poll state every second (push on change), full push every `every` ms.
    pushTimer = setInterval(() => {
      n++;
      const full = n * 1000 >= every;
      if (full) n = 0;
      void pushHealth(full);
    }, 1000);
  }

  return {
    url,
    server,
    sessions,
    health,
    close: async () => {
      if (pushTimer) clearInterval(pushTimer);
      await warmedUp; // its peer connections close within its timeout
      for (const id of [...sessions.keys()]) await deleteSession(id);
      await new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      });
    },
  };
}
