/**
 * The contract between the Worker and the media bridge (bridge/README.md): the bridge's
 * HTTP requests (`PUT /sessions/:classId`, `POST /pull/:classId`), its error bodies, the
 * health it serves at `GET /health` and pushes to the Worker (`POST /api/bridge/health`),
 * and the subset of that health the classroom keeps and shows to staff and, through
 * `streamStartedAt`, to students.
 *
 * One schema per message, the type inferred from it: the bridge parses its requests
 * with these schemas and the Worker parses the health push with them, so both sides
 * change together. Runtime-neutral (valibot only): the bridge image ships this file.
 */
import * as v from "valibot";
import type { StreamErrorCategory } from "./ingest.ts";

/**
 * A class id in the bridge's paths and health reports. One pattern for both sides: the
 * Worker's health route used to take 32 characters where the bridge took 64.
 */
export const BRIDGE_CLASS_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** A class session's state on the bridge, in the order a publish goes through them. */
export const BRIDGE_SESSION_STATES = [
  "waiting-for-publisher",
  "waiting-for-keyframe",
  "starting",
  "live",
  "filler",
  "restarting",
  "ended",
] as const;

/** A class session's state on the bridge (see {@link BRIDGE_SESSION_STATES}). */
export type BridgeSessionState = (typeof BRIDGE_SESSION_STATES)[number];

const epoch = v.pipe(v.number(), v.integer(), v.minValue(0));
const classId = v.pipe(v.string(), v.regex(BRIDGE_CLASS_ID));

/**
 * What the classroom keeps of a bridge report (the bridge sends more; the rest is
 * ignored): the studio's status line, the staff `stream.health` frame, and the stream's
 * start time students use for their delay estimate.
 */
export const StreamHealthSchema = v.object({
  /** Where the class's publish is (waiting-for-publisher … ended). */
  state: v.picklist(BRIDGE_SESSION_STATES),
  /** Teacher media arrived within the last second. */
  receiving: v.boolean(),
  /** ffmpeg is pushing frames to the RTMP server. */
  pushing: v.boolean(),
  /** Epoch ms of the last keyframe from the teacher, or null. */
  lastKeyframeAt: v.nullable(epoch),
  /** Inbound teacher bitrate, kbit/s. */
  bitrateKbps: v.pipe(v.number(), v.minValue(0)),
  /** The "teacher reconnecting" slate is on air. */
  fillerActive: v.boolean(),
  /** ffmpeg restarts so far. */
  restarts: v.pipe(v.number(), v.integer(), v.minValue(0)),
  /** Epoch ms the RTMP publish started, or null. */
  streamStartedAt: v.nullable(epoch),
  /** Why the stream last failed: a `STREAM_ERRORS` text (protocol/ingest.ts), or null. */
  lastError: v.nullable(v.pipe(v.string(), v.maxLength(500))),
  /** When the bridge measured this (epoch ms). */
  at: epoch,
});

/** The media bridge's report on a class's livestream (staff only: it names the RTMP host). */
export type StreamHealth = v.InferOutput<typeof StreamHealthSchema>;

/** Health of one class session on the bridge (GET /health, GET /sessions/:classId). */
export interface SessionHealth extends Omit<StreamHealth, "at"> {
  classId: string;
  /** RTMP target with the key redacted. */
  rtmp: string;
  publisherId: string | null;
  /** Epoch ms the last teacher video arrived. */
  lastMediaAt: number | null;
  ffmpegRunning: boolean;
  fillerSince: number | null;
  video: { width: number; height: number; profileLevelId: string } | null;
}

/** The bridge's `GET /health` body for a caller with the bridge secret (anyone else: `{ ok }`). */
export interface BridgeHealth {
  ok: boolean;
  state: "ok" | "ffmpeg-missing";
  ffmpeg: { path: string; source: string; version: string } | null;
  sessions: SessionHealth[];
}

/** The bridge's push to `POST /api/bridge/health`: one session's health, stamped. */
export type BridgeHealthReport = { type: "bridge.health"; at: number } & SessionHealth;

/** How the Worker parses a {@link BridgeHealthReport}: the fields it keeps, the rest ignored. */
export const BridgeHealthReportSchema = v.object({
  type: v.literal("bridge.health"),
  at: epoch,
  classId,
  ...v.omit(StreamHealthSchema, ["at"]).entries,
});

/** `PUT /sessions/:classId` body: where the class streams, and whether to warm up now. */
export const SessionPutSchema = v.object({
  /** rtmp:// or rtmps:// with an app path; the stream key may be in it or apart. Secret. */
  rtmpUrl: v.pipe(
    v.string("rtmpUrl must be rtmp:// or rtmps:// with an app path"),
    v.regex(/^rtmps?:\/\/[^/\s]+\/\S+$/, "rtmpUrl must be rtmp:// or rtmps:// with an app path"),
    v.maxLength(2000, "rtmpUrl must be rtmp:// or rtmps:// with an app path"),
  ),
  streamKey: v.optional(
    v.pipe(
      v.string("streamKey must be a non-empty token"),
      v.regex(/^[\w.\-?=&]{1,500}$/, "streamKey must be a non-empty token"),
    ),
  ),
  /** Spawn the output ffmpeg now (the studio getting ready); it expires unused. */
  prepare: v.optional(v.boolean("prepare must be a boolean")),
});

/** A parsed `PUT /sessions/:classId` body. */
export type SessionPut = v.InferOutput<typeof SessionPutSchema>;

/** The full RTMP URL a {@link SessionPut} names (the key appended when given apart). */
export function sessionRtmpUrl(put: SessionPut): string {
  if (put.streamKey === undefined) return put.rtmpUrl;
  return `${put.rtmpUrl.replace(/\/+$/, "")}/${put.streamKey}`;
}

/** `POST /pull/:classId` body: the teacher's Calls session and the tracks to pull. */
export const PullSchema = v.object({
  sessionId: v.pipe(v.string(), v.regex(/^[\w-]{1,128}$/)),
  trackNames: v.pipe(
    v.array(v.pipe(v.string(), v.regex(/^[\w-]{1,64}$/))),
    v.minLength(1),
    v.maxLength(4),
  ),
});

/** A parsed `POST /pull/:classId` body. */
export type PullRequest = v.InferOutput<typeof PullSchema>;

/** `POST /pull/:classId` answer. */
export interface PullCreated {
  classId: string;
  pullId: string;
}

/**
 * Stable error codes of the bridge's HTTP API, snake_case like the Worker's `ApiError`
 * codes. A refused RTMP destination answers its protocol/ingest.ts category the same way
 * (`ingest-not-allowed` → `ingest_not_allowed`).
 */
export type BridgeErrorCode =
  | "unauthorized"
  | "not_found"
  | "method_not_allowed"
  | "bad_class_id"
  | "bad_json"
  | "bad_rtmp_url"
  | "bad_stream_key"
  | "bad_prepare"
  | "bad_pull"
  | "bad_content_type"
  | "bad_sdp"
  | "no_video"
  | "no_opus"
  | "no_h264"
  | "no_h264_pm1"
  | "too_large"
  | "no_session"
  | "no_resource"
  | "no_pull"
  | "no_ports"
  | "ffmpeg_missing"
  | "publisher_exists"
  | "calls_not_configured"
  | "calls_pull_failed"
  | "internal"
  | SnakeCase<StreamErrorCategory>;

/** `a-b-c` → `a_b_c`. */
export type SnakeCase<S extends string> = S extends `${infer A}-${infer B}`
  ? `${A}_${SnakeCase<B>}`
  : S;

/** A kebab-case name as an error code (`ingest-not-allowed` → `ingest_not_allowed`). */
export function snakeCase<S extends string>(s: S): SnakeCase<S> {
  return s.replaceAll("-", "_") as SnakeCase<S>;
}

/** Every bridge error body. */
export interface BridgeErrorBody {
  error: BridgeErrorCode;
  message: string;
}
