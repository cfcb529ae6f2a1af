import { redactText } from "./redact.ts";

/**
 * Every event the bridge logs (one JSON line each, `event` field). Names are snake_case
 * `subject_past_participle` (docs/architecture.md), so a misspelt event fails typecheck.
 */
export type BridgeLogEvent =
  // process (main.ts, server.ts, warmup.ts)
  /** The HTTP server listens (`url`). */
  | "bridge_started"
  /** SIGINT/SIGTERM arrived (`signal`); sessions are being closed. */
  | "signal_received"
  /** The configuration cannot run (`message`); the process exits. */
  | "config_rejected"
  /** BRIDGE_SECRET unset on loopback: no authentication. */
  | "auth_disabled"
  | "ffmpeg_found"
  | "ffmpeg_not_found"
  /** The background loopback WebRTC handshake at start-up finished (`ok`, `ms`). */
  | "webrtc_warmed_up"
  /** A health callback POST failed (at most once a minute). */
  | "health_push_failed"
  // HTTP (http.ts)
  /** An unexpected error answered 500. */
  | "request_failed"
  | "session_created"
  | "session_deleted"
  /** `POST|PUT /sessions` with `prepare` (`warmed`, `warmUntil`). */
  | "session_prepared"
  | "whip_created"
  /** WHIP DELETE: the publisher is gone (a stop when it was the current one). */
  | "whip_deleted"
  /** A new WHIP publisher replaced a live one (`old`). */
  | "whip_taken_over"
  | "pull_created"
  | "pull_started"
  /** A WHIP or Calls-pull peer connection changed state (`kind`, `state`). */
  | "connection_changed"
  // a class session (session.ts)
  | "publisher_attached"
  | "publisher_detached"
  /** The teacher stopped (WHIP DELETE, pull deleted): the push ends now (`reason`). */
  | "session_stopped"
  /** A prepared session's warm ffmpeg went unused for its TTL. */
  | "warm_expired"
  /** Start-up milestones of a publisher, ms after attach (`StartupMark`s). */
  | "startup_measured"
  /** The slate covered a vanished teacher for `fillerMaxMs`: the push ended. */
  | "filler_limit_reached"
  /** The output's video switched between the teacher and the slate (`from`, `to`, `adjustMs`). */
  | "source_switched"
  /** The teacher's audio stopped: silence fills in (`backfillMs`). */
  | "silence_started"
  | "late_media_dropped"
  | "slate_encoded"
  | "slate_failed"
  /** The allowlist or DNS refused the RTMP destination (`category`, `detail`). */
  | "ingest_refused"
  | "rtmp_failed"
  | "relay_failed"
  | "ffmpeg_started"
  /** The output ffmpeg bound its RTP ports (`ms` after spawn). */
  | "ffmpeg_bound"
  /** The output ffmpeg wrote its first frames to RTMP (`msSinceStart`). */
  | "first_output_written"
  | "ffmpeg_exited"
  /** ffmpeg's stderr line (BRIDGE_TRACE_FFMPEG only). */
  | "ffmpeg_logged"
  /** Fed but no output for 15 s: the output ffmpeg is restarted. */
  | "watchdog_fired"
  | "restart_scheduled";

/** Structured log line sink; fields never contain a stream key (callers pass redacted URLs). */
export type Logger = (event: BridgeLogEvent, fields?: Record<string, unknown>) => void;

/** JSON lines on stderr, with every URL redacted as a last line of defence. */
export function createLogger(opts: { quiet?: boolean; secrets?: () => string[] } = {}): Logger {
  return (event, fields = {}) => {
    if (opts.quiet) return;
    const line = JSON.stringify({ t: new Date().toISOString(), event, ...fields });
    process.stderr.write(`${redactText(line, opts.secrets?.() ?? [])}\n`);
  };
}
