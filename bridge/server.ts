import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createAdaptorServer } from "@hono/node-server";
import { RTCDtlsTransport } from "werift";
import { CallsClient } from "../common/calls-client.ts";
import type { BridgeHealth } from "../protocol/bridge.ts";
import { type IngestPolicy, ingestPolicy } from "../protocol/ingest.ts";
import type { FfmpegInfo } from "./ffmpeg.ts";
import { startHealthPush } from "./health-push.ts";
import { bridgeRoutes } from "./http.ts";
import type { LookupAll } from "./ingest.ts";
import type { Logger } from "./log.ts";
import type { BitrateHints } from "./sdp.ts";
import type { ClassSession } from "./session.ts";
import { SessionRegistry } from "./sessions.ts";
import { warmUpWebrtc } from "./warmup.ts";
import type { IceOptions } from "./whip.ts";

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
  // werift makes its DTLS certificate on the first peer connection (~0.1–0.3 s,
  // part of the first teacher's WHIP answer): make it now, and run one loopback
  // handshake in the background so the first teacher's ICE/DTLS runs warm code.
  await RTCDtlsTransport.SetupCertificate();
  const warmedUp = warmUpWebrtc(log);
  const registry = new SessionRegistry({ ...cfg, ingest: cfg.ingest ?? ingestPolicy() });
  const health = () => registry.health();
  const app = bridgeRoutes({
    secret: cfg.secret,
    dev: cfg.dev,
    ffmpeg: cfg.ffmpeg,
    ice: cfg.ice,
    hints: cfg.hints,
    defaultRtmpUrl: cfg.defaultRtmpUrl,
    warmTtlMs: cfg.warmTtlMs ?? 120_000,
    calls: cfg.calls ? new CallsClient(cfg.calls) : null,
    stunUrl: cfg.calls?.stunUrl,
    log,
    sessions: registry.sessions,
    publishers: registry.publishers,
    pulls: registry.pulls,
    health,
    getOrCreateSession: (classId, rtmpUrl, log) => registry.getOrCreate(classId, rtmpUrl, log),
    deleteSession: (classId) => registry.delete(classId),
  });
  const server = createAdaptorServer({ fetch: app.fetch }) as Server;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(cfg.port, cfg.host, () => resolve());
  });
  const addr = server.address() as AddressInfo;
  const url = `http://${addr.address.includes(":") ? `[${addr.address}]` : addr.address}:${addr.port}`;
  const push = cfg.healthCallbackUrl
    ? startHealthPush({
        url: cfg.healthCallbackUrl,
        secret: cfg.healthCallbackSecret,
        intervalMs: cfg.healthIntervalMs,
        sessions: () => registry.sessions.values(),
        log,
      })
    : null;
  registry.onDeleted = (classId) => push?.forget(classId);
  return {
    url,
    server,
    sessions: registry.sessions,
    health,
    close: async () => {
      push?.stop();
      await warmedUp; // its peer connections close within its timeout
      await registry.closeAll();
      await new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      });
    },
  };
}
