/**
 * The real-time classroom wire protocol, typed once (docs/architecture.md, rules).
 *
 * - Client→server messages are valibot schemas; their types are inferred.
 * - `parseClientMessage` is the only place socket bytes become a typed message.
 * - Server→client messages are plain discriminated unions (`ServerMessage`).
 * - Every frame is one JSON text frame; names read `domain.verb`.
 *
 * Runtime-neutral: no DOM, Workers or Node imports, so the Worker, the Durable Objects
 * and Node benchmark clients import this file; the web apps import its types, and its
 * values from ./realtime.constants.ts (re-exported here), which keeps valibot out of
 * their bundles.
 * docs/protocol.md is the prose companion (connect URL, auth, close codes, resume).
 */
import * as v from "valibot";
import {
  BOARD_MESSAGE_TYPES,
  type BoardErrorCode,
  type BoardEvent,
  BoardSchemas,
  type BoardView,
} from "./board.ts";
import type { StreamHealth } from "./bridge.ts";
import {
  INTERACTIVE_STAFF_ONLY,
  INTERACTIVE_TEACHER_ONLY,
  type InteractiveErrorCode,
  type InteractiveEvent,
  type InteractivePersonalFrame,
  InteractiveSchemas,
  type InteractiveSnapshot,
  type InteractiveStaffFrame,
} from "./interactive.ts";
import {
  ANNOUNCE_MAX_CHARS,
  isStaff,
  MAX_FRAME_BYTES,
  SLOW_MODE_MAX_S,
  TIMEOUT_MAX_S,
  TIMEOUT_MIN_S,
} from "./realtime.constants.ts";
import { SOCIAL_STAFF_ONLY, type SocialFrame, SocialSchemas } from "./social.ts";

export * from "./interactive.ts";
export * from "./realtime.constants.ts";
export * from "./social.ts";

// ---------------------------------------------------------------------------
// Shared shapes
// ---------------------------------------------------------------------------

/** A participant's role *in this class*. Staff = teacher + moderator. */
export type ClassRole = "teacher" | "moderator" | "student" | "guest";

/** Who sent something. */
export interface Author {
  id: string;
  name: string;
  role: ClassRole;
}

/**
 * One chat message. `id` is opaque to clients (use it for `chat.delete` / `chat.pin`).
 * `channel` is "global" (teacher/moderator channel, seen by everyone) or "section"
 * (the chat of one shard; `sectionId` says which).
 */
export interface ChatMessage {
  id: string;
  channel: "global" | "section";
  /** Section the message was posted in; absent for global messages. */
  sectionId?: string;
  from: Author;
  /** Plain text. Always render as text, never as HTML. */
  text: string;
  /** Server time (epoch ms) the message was accepted. */
  at: number;
  /** The sender's `rid` from `chat.send`, so the sender can match its own message. */
  rid?: string;
}

/**
 * Stream states reported by the media bridge / studio. `reconnecting`: the teacher's
 * media stopped without a Stop (network, crashed tab); the bridge keeps the stream up
 * with a "Teacher reconnecting…" slate for a grace period. `interrupted`: the bridge
 * lost the ingest (YouTube / the RTMP server) and is reconnecting to it. Both return
 * to `live`, or end.
 */
export type StreamStatus = "idle" | "live" | "reconnecting" | "interrupted" | "ended";
/** Whether students may post links. */
export type LinkPolicy = "allow" | "block";

/** Chat settings every participant sees. */
export interface PublicSettings {
  /** Minimum seconds between two messages of one student; 0 = off. */
  slowModeSec: number;
  linkPolicy: LinkPolicy;
}

/** Why a chat message was refused. Sent to the sender and recorded for staff. */
export type RejectReason =
  | "empty"
  | "too_long"
  | "rate_limited"
  | "duplicate"
  | "slow_mode"
  | "blocked_word"
  | "link_blocked"
  | "timed_out";

/** A refused message as staff see it in the `mod.rejections` feed. */
export interface Rejection {
  at: number;
  sectionId: string;
  user: Author;
  reason: RejectReason;
  /** The refused text, truncated to 200 characters. */
  text: string;
}

/** Error codes of `error` frames. Stable: clients switch on them. */
export type ErrorCode =
  | "invalid_json"
  | "invalid_message"
  | "unknown_type"
  | "frame_too_large"
  | "binary_not_supported"
  | "unsupported_version"
  | "forbidden"
  | "rate_limited"
  | "not_found"
  | "unavailable"
  /** Slides and whiteboard (protocol/board.ts). */
  | BoardErrorCode
  /** Polls, quizzes, hands, Q&A (protocol/interactive.ts). */
  | InteractiveErrorCode;

// ---------------------------------------------------------------------------
// Client → server (valibot schemas; types inferred)
// ---------------------------------------------------------------------------

const id = v.pipe(v.string(), v.minLength(1), v.maxLength(64));
const rid = v.optional(v.pipe(v.string(), v.maxLength(64)));
/** Text fields accept anything up to the frame limit; length rules are chat policy (typed rejections). */
const text = v.pipe(v.string(), v.maxLength(MAX_FRAME_BYTES));
const seq = v.pipe(v.number(), v.integer(), v.minValue(0));

/** Every client→server message schema, keyed by `type`. */
export const ClientSchemas = {
  /**
   * Optional handshake / resync request. Send `resume` = the last `seq` you applied
   * to get exactly the missed events (or a `snapshot` if the gap is too old).
   * Also the way to recover after you detect a gap in `seq`.
   */
  hello: v.strictObject({ type: v.literal("hello"), v: v.number(), resume: v.optional(seq) }),
  /** Post a chat message: students post to their section, staff to the global channel. */
  "chat.send": v.strictObject({ type: v.literal("chat.send"), text, rid }),
  /** Staff: delete a message (global or any section) for everyone. */
  "chat.delete": v.strictObject({ type: v.literal("chat.delete"), messageId: id }),
  /** Staff: pin a global-channel message, or unpin with `null`. */
  "chat.pin": v.strictObject({ type: v.literal("chat.pin"), messageId: v.nullable(id) }),
  /** Staff: post an announcement (shown prominently to everyone). */
  "announce.send": v.strictObject({
    type: v.literal("announce.send"),
    text: v.pipe(v.string(), v.trim(), v.minLength(1), v.maxLength(ANNOUNCE_MAX_CHARS)),
  }),
  /** Staff: receive one section's chat (`null` stops watching). */
  "section.watch": v.strictObject({ type: v.literal("section.watch"), sectionId: v.nullable(id) }),
  /** Staff: stop a user from chatting for `seconds` (10 s … 24 h). */
  "mod.timeout": v.strictObject({
    type: v.literal("mod.timeout"),
    userId: id,
    seconds: v.pipe(v.number(), v.integer(), v.minValue(TIMEOUT_MIN_S), v.maxValue(TIMEOUT_MAX_S)),
    reason: v.optional(v.pipe(v.string(), v.maxLength(200))),
  }),
  /**
   * Staff: kick a user now and refuse their rejoin (close code 4003). With `purge`, also
   * remove every earlier message of theirs, for everyone (event `chat.purged`).
   */
  "mod.ban": v.strictObject({
    type: v.literal("mod.ban"),
    userId: id,
    reason: v.optional(v.pipe(v.string(), v.maxLength(200))),
    purge: v.optional(v.boolean()),
  }),
  /** Staff: lift a ban. */
  "mod.unban": v.strictObject({ type: v.literal("mod.unban"), userId: id }),
  /** Teacher only: change chat settings. Omitted fields keep their value. */
  "settings.update": v.strictObject({
    type: v.literal("settings.update"),
    slowModeSec: v.optional(
      v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(SLOW_MODE_MAX_S)),
    ),
    linkPolicy: v.optional(v.picklist(["allow", "block"])),
    /** Replaces the blocked-word list (case-insensitive whole words). */
    blockedWords: v.optional(
      v.pipe(
        v.array(v.pipe(v.string(), v.trim(), v.minLength(1), v.maxLength(40))),
        v.maxLength(200),
      ),
    ),
  }),
  /** Staff: slides and whiteboard (protocol/board.ts). */
  ...BoardSchemas,
  /** Polls, quizzes, hands and Q&A: see protocol/interactive.ts. */
  ...InteractiveSchemas,
  /** Reactions, reports, the moderation queue and section peeks: see protocol/social.ts. */
  ...SocialSchemas,
} as const;

/** The union schema of every client message. */
export const ClientMessageSchema = v.variant("type", Object.values(ClientSchemas));
/** Any client→server message. */
export type ClientMessage = v.InferOutput<typeof ClientMessageSchema>;
/** The `type` of a client message. */
export type ClientMessageType = ClientMessage["type"];
/** A client message of one `type`. */
export type ClientMessageOf<T extends ClientMessageType> = Extract<ClientMessage, { type: T }>;

/** Client message types only staff may send. */
export const STAFF_ONLY: ReadonlySet<ClientMessageType> = new Set<ClientMessageType>([
  "chat.delete",
  "chat.pin",
  "announce.send",
  "section.watch",
  "mod.timeout",
  "mod.ban",
  "mod.unban",
  "settings.update",
  ...BOARD_MESSAGE_TYPES,
  ...INTERACTIVE_STAFF_ONLY,
  ...SOCIAL_STAFF_ONLY,
]);
/** Client message types only the teacher may send. */
export const TEACHER_ONLY: ReadonlySet<ClientMessageType> = new Set<ClientMessageType>([
  "settings.update",
  ...INTERACTIVE_TEACHER_ONLY,
]);

/** Whether `role` may send a message of `type`. */
export function maySend(role: ClassRole, type: ClientMessageType): boolean {
  if (TEACHER_ONLY.has(type)) return role === "teacher";
  if (STAFF_ONLY.has(type)) return isStaff(role);
  return true;
}

/**
 * What an `error` frame echoes of the frame it refuses: `ref` = its `type`, `rid` = its
 * `rid`, each only when present and well-formed (a string of at most 64 characters),
 * whatever else is wrong with the frame.
 */
export interface FrameRefs {
  ref?: string;
  rid?: string;
}

/** Result of `parseClientMessage`: a typed message, or a typed error to send back (with the frame's `ref`/`rid`). */
export type ParseResult =
  | { ok: true; message: ClientMessage }
  | ({ ok: false; code: ErrorCode; message: string } & FrameRefs);

/** Longest `ref` / `rid` echoed back (the schemas' bound for `rid`). */
const ECHO_MAX_CHARS = 64;

/** The well-formed `type` and `rid` of a decoded frame, for an error that refuses it. */
function refsOf(raw: unknown): FrameRefs {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return {};
  const out: FrameRefs = {};
  const { type, rid } = raw as { type?: unknown; rid?: unknown };
  if (typeof type === "string" && type.length > 0 && type.length <= ECHO_MAX_CHARS) out.ref = type;
  if (typeof rid === "string" && rid.length <= ECHO_MAX_CHARS) out.rid = rid;
  return out;
}

/**
 * The `ref` and `rid` of a frame refused before parsing (the connection's frame guard),
 * so even that refusal answers the command's `rid`. Never throws; `{}` for frames that
 * are not JSON objects or are over MAX_FRAME_BYTES.
 */
export function frameRefs(data: string | ArrayBuffer | ArrayBufferView): FrameRefs {
  if (typeof data !== "string" || data.length > MAX_FRAME_BYTES) return {};
  try {
    return refsOf(JSON.parse(data));
  } catch {
    return {};
  }
}

const utf8 = new TextEncoder();

/**
 * Turn raw socket data into a typed client message. The only place this happens.
 * Never throws: bad input yields `{ ok: false, code }` for an `error` frame.
 */
export function parseClientMessage(data: string | ArrayBuffer | ArrayBufferView): ParseResult {
  if (typeof data !== "string") {
    return {
      ok: false,
      code: "binary_not_supported",
      message: "Send JSON text frames, not binary.",
    };
  }
  // Cheap bound first: a UTF-16 length over the limit may still be small in UTF-8 only if ASCII.
  if (
    data.length > MAX_FRAME_BYTES ||
    (data.length * 3 > MAX_FRAME_BYTES && utf8.encode(data).length > MAX_FRAME_BYTES)
  ) {
    return {
      ok: false,
      code: "frame_too_large",
      message: `Frames are at most ${MAX_FRAME_BYTES} bytes.`,
    };
  }
  let raw: unknown;
  try {
    raw = JSON.parse(data);
  } catch {
    return { ok: false, code: "invalid_json", message: "Frame is not valid JSON." };
  }
  if (
    typeof raw !== "object" ||
    raw === null ||
    Array.isArray(raw) ||
    typeof (raw as { type?: unknown }).type !== "string"
  ) {
    return {
      ok: false,
      code: "invalid_message",
      message: "A message is a JSON object with a string `type`.",
      ...refsOf(raw),
    };
  }
  const type = (raw as { type: string }).type;
  if (!Object.hasOwn(ClientSchemas, type)) {
    return {
      ok: false,
      code: "unknown_type",
      message: `Unknown message type "${type.slice(0, 40)}".`,
      ...refsOf(raw),
    };
  }
  const result = v.safeParse(ClientSchemas[type as ClientMessageType], raw);
  if (!result.success) {
    const issue = result.issues[0];
    const path = issue ? v.getDotPath(issue) : null;
    return {
      ok: false,
      code: "invalid_message",
      message: `${type}: ${path ? `${path}: ` : ""}${issue?.message ?? "invalid"}`,
      // A refused command is still answered by its `rid` (when that part is well-formed).
      ...refsOf(raw),
    };
  }
  return { ok: true, message: result.output as ClientMessage };
}

// ---------------------------------------------------------------------------
// Server → client (plain union types)
// ---------------------------------------------------------------------------

/** Class state a client needs to render from scratch (see `snapshot`). */
export interface ClassSnapshot {
  stream: StreamStatus;
  /**
   * Server time (epoch ms) the current live stream's first frame left the bridge, or
   * null when unknown. Clients use it with the player's time to estimate video delay.
   */
  streamStartedAt: number | null;
  settings: PublicSettings;
  pinned: ChatMessage | null;
  /** The last (up to 50) global-channel messages, oldest first. */
  global: ChatMessage[];
  /** Announcements, oldest first (last 10). */
  announcements: Announcement[];
  presence: { students: number; sections: number };
  /** The current slide and its whiteboard strokes (protocol/board.ts); absent before any. */
  board?: BoardView;
  /** Polls, Q&A top list, hand count (protocol/interactive.ts); always sent by this server. */
  interactive?: InteractiveSnapshot;
}

/** A teacher/moderator announcement. */
export interface Announcement {
  id: string;
  from: Author;
  text: string;
  at: number;
}

/**
 * Sequenced class events. Every one carries `seq` (strictly increasing per class,
 * gapless) and `at` (server epoch ms, used to sync with the video). They are kept
 * in the root's bounded log and replayed on resume. New domains (polls, slides…)
 * add members here.
 */
export type ClassEvent =
  /** A new global-channel message. */
  | { type: "chat.message"; seq: number; at: number; message: ChatMessage }
  /** A global message was deleted; remove it from view (and from the pin, if pinned). */
  | { type: "chat.deleted"; seq: number; at: number; messageId: string }
  /**
   * Every message of `userId` was removed (a ban with `purge`): drop theirs from the global
   * channel, the pin and any section view. Later section snapshots no longer hold them.
   */
  | { type: "chat.purged"; seq: number; at: number; userId: string }
  /** The pinned message changed (`null` = nothing pinned). */
  | { type: "chat.pinned"; seq: number; at: number; message: ChatMessage | null }
  /** A new announcement. */
  | { type: "announce"; seq: number; at: number; announcement: Announcement }
  /** Chat settings changed (slow mode, link policy). */
  | { type: "settings.changed"; seq: number; at: number; settings: PublicSettings }
  /** The livestream's status changed. */
  | {
      type: "stream.status";
      seq: number;
      at: number;
      status: StreamStatus;
      /** See `ClassSnapshot.streamStartedAt`. */
      startedAt: number | null;
    }
  /** Slides and whiteboard: `slide.changed`, `board.stroke`, `board.undone`, `board.cleared`. */
  | BoardEvent
  /** Polls, quizzes, Q&A top list, hand count (protocol/interactive.ts). */
  | InteractiveEvent;

/** The `type` of a sequenced event. */
export type ClassEventType = ClassEvent["type"];

/**
 * Section (per-shard) chat frames. Ordered by `sseq`, a counter per section,
 * independent of the class `seq`. Not replayed on resume: a `section.snapshot`
 * follows every (re)connect instead.
 */
export type SectionFrame =
  /** The section's recent messages (last 50, oldest first). Replace your section view. */
  | { type: "section.snapshot"; sectionId: string; sseq: number; messages: ChatMessage[] }
  /** A new message in a section. */
  | { type: "section.message"; sectionId: string; sseq: number; message: ChatMessage }
  /** A section message was deleted by staff. */
  | { type: "section.deleted"; sectionId: string; sseq: number; messageId: string };

/** Staff-only frames (teacher and moderators). */
export type StaffFrame =
  /** Moderation state: sent on connect and whenever it changes. */
  | {
      type: "mod.state";
      blockedWords: string[];
      bans: { userId: string; name?: string; at: number }[];
      timeouts: { userId: string; until: number }[];
      sections: { sectionId: string; students: number }[];
    }
  /** New rejected messages (incremental; the first one after connect holds the recent backlog). */
  | { type: "mod.rejections"; items: Rejection[] }
  /** The media bridge's view of the livestream (every few seconds while live). */
  | { type: "stream.health"; health: StreamHealth }
  /** Poll list and live tallies, hand queue, pending questions (protocol/interactive.ts). */
  | InteractiveStaffFrame;

/** The media bridge's report on a class's livestream (protocol/bridge.ts). */
export type { StreamHealth };

/** Every server→client message. */
export type ServerMessage =
  /** First frame on every connection. */
  | {
      type: "welcome";
      v: number;
      you: Author;
      /** Your section (shard); staff are in the "staff" section. */
      sectionId: string;
      serverTime: number;
    }
  /** Full class state at `seq`; drop anything you had and continue from `seq`. */
  | { type: "snapshot"; seq: number; state: ClassSnapshot }
  | ClassEvent
  | SectionFrame
  | StaffFrame
  /**
   * Approximate live student count (every few seconds while it changes). Not sequenced;
   * `seq` is the class's latest event seq: if it is above yours, an event was lost — resync.
   */
  | { type: "presence"; students: number; sections: number; seq: number }
  /** Your chat message was refused; nothing was posted. */
  | {
      type: "chat.rejected";
      rid?: string;
      reason: RejectReason;
      message: string;
      retryAfterMs?: number;
    }
  /** A sanction now applies to you. */
  | { type: "sanction.applied"; kind: "timeout"; until: number; reason?: string }
  /** Acks and personal state of polls, hands and Q&A (protocol/interactive.ts). */
  | InteractivePersonalFrame
  /** Reaction bursts, the staff moderation queue and peeks, report acks (protocol/social.ts). */
  | SocialFrame
  /**
   * A frame you sent was refused. `ref` echoes its `type` when it had one, `rid` its `rid`
   * (interactive commands) so you can match the retry.
   */
  | { type: "error"; code: ErrorCode; message: string; ref?: string; rid?: string };

/** The `type` of a server message. */
export type ServerMessageType = ServerMessage["type"];
