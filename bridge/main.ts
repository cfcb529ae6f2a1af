/**
 * Mass Class bridge: WHIP in (werift), RTMP(S) out (ffmpeg). Run with
 * `node bridge/main.ts` on Node 22. Configuration: see bridge/README.md.
 */
import { ingestPolicy } from "../protocol/ingest.ts";
import { resolveFfmpeg } from "./ffmpeg.ts";
import { createLogger } from "./log.ts";
import { startBridge } from "./server.ts";

function intEnv(name: string, def: number): number {
  const v = process.env[name];
  if (v === undefined || v === "") return def;
  const n = Number(v);
  if (!Number.isInteger(n)) throw new Error(`${name} must be an integer`);
  return n;
}

const env = process.env;
const log = createLogger({ secrets: () => [env.BRIDGE_SECRET ?? ""] });
const host = env.BRIDGE_HOST || "127.0.0.1";
const secret = env.BRIDGE_SECRET ?? "";
const loopback = host === "127.0.0.1" || host === "::1" || host === "localhost";
if (!secret && !loopback) {
  log("config_rejected", { message: "BRIDGE_SECRET is required when BRIDGE_HOST is not loopback" });
  process.exit(1);
}
if (!secret)
  log("auth_disabled", {
    message: "BRIDGE_SECRET unset: authentication disabled (loopback only)",
  });
const ffmpeg = resolveFfmpeg();
if (!ffmpeg)
  log("ffmpeg_not_found", { message: "no ffmpeg found (system, FFMPEG_PATH, @ffmpeg-installer)" });
else log("ffmpeg_found", { path: ffmpeg.path, source: ffmpeg.source, version: ffmpeg.version });

const icePortMin = intEnv("BRIDGE_ICE_PORT_MIN", 0);
const icePortMax = intEnv("BRIDGE_ICE_PORT_MAX", 0);
const bridge = await startBridge({
  host,
  port: intEnv("BRIDGE_PORT", 8790),
  secret,
  ffmpeg,
  rtpPortMin: intEnv("BRIDGE_RTP_PORT_MIN", 40000),
  rtpPortMax: intEnv("BRIDGE_RTP_PORT_MAX", 40999),
  ice: {
    portRange: icePortMin && icePortMax ? [icePortMin, icePortMax] : undefined,
    additionalHostAddresses: env.BRIDGE_ICE_HOST_ADDRESSES
      ? env.BRIDGE_ICE_HOST_ADDRESSES.split(",")
      : undefined,
  },
  healthCallbackUrl: env.HEALTH_CALLBACK_URL || undefined,
  healthCallbackSecret: env.HEALTH_CALLBACK_SECRET || secret || undefined,
  healthIntervalMs: intEnv("HEALTH_INTERVAL_MS", 5000),
  dev: env.BRIDGE_DEV === "1",
  defaultRtmpUrl: env.BRIDGE_DEFAULT_RTMP_URL || undefined,
  // YouTube's ingest hosts, plus BRIDGE_INGEST_HOSTS; the local RTMP server (development)
  // only when BRIDGE_LOCAL_INGEST names it (host:port).
  ingest: ingestPolicy(env.BRIDGE_INGEST_HOSTS ?? "", env.BRIDGE_LOCAL_INGEST || null),
  stallMs: intEnv("BRIDGE_STALL_MS", 1000),
  fillerMaxMs: intEnv("BRIDGE_FILLER_MAX_MS", 120_000),
  warmTtlMs: intEnv("BRIDGE_WARM_TTL_MS", 120_000),
  calls:
    env.CALLS_APP_ID && env.CALLS_APP_SECRET
      ? {
          appId: env.CALLS_APP_ID,
          appSecret: env.CALLS_APP_SECRET,
          baseUrl: env.CALLS_API_BASE || undefined,
          // Calls is reached over the internet; STUN gives the container its public address.
          stunUrl: env.BRIDGE_STUN_URL || "stun:stun.cloudflare.com:3478",
        }
      : undefined,
  log,
});
log("bridge_started", { url: bridge.url });

let stopping = false;
for (const sig of ["SIGINT", "SIGTERM"] as const) {
  process.on(sig, () => {
    if (stopping) return;
    stopping = true;
    log("signal_received", { signal: sig });
    void bridge.close().then(() => process.exit(0));
  });
}
