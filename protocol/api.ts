/**
 * REST API shapes shared by the Worker and the web apps. Request bodies are valibot
 * schemas (the Worker validates every one); responses are plain types.
 * Runtime-neutral: no DOM, Workers or Node imports.
 */
import * as v from "valibot";
import { ROLES, type Role } from "./api.constants.ts";
import { LATENCY_MODES, type LatencyMode } from "./latency.ts";

export * from "./api.constants.ts";

/** Stable error codes; the HTTP body is always `{ error: { code, message } }`. */
export type ApiErrorCode =
  | "bad_request"
  | "invalid_json"
  | "validation_failed"
  | "payload_too_large"
  /** A per-teacher storage quota (slides) would be exceeded. */
  | "quota_exceeded"
  | "unauthenticated"
  | "forbidden"
  | "csrf_origin_mismatch"
  | "not_found"
  | "email_taken"
  | "weak_password"
  | "invalid_credentials"
  | "account_disabled"
  | "guest_access_disabled"
  | "banned"
  | "turnstile_failed"
  | "invite_invalid"
  | "rate_limited"
  | "conflict"
  | "unsupported_version"
  | "unsupported_media_type"
  | "no_h264"
  | "publisher_exists"
  | "bridge_unavailable"
  | "bridge_error"
  | "calls_error"
  | "push_unavailable"
  | "youtube_not_configured"
  | "youtube_not_connected"
  | "youtube_oauth_failed"
  | "youtube_live_not_enabled"
  | "youtube_quota"
  | "youtube_rate_limited"
  | "youtube_invalid_transition"
  | "youtube_revoked"
  | "youtube_error"
  /** A join ticket used at a shard it was not minted for (decision 014). */
  | "wrong_shard"
  /** The join ticket's section is full: ask for a new ticket. */
  | "section_full"
  | "internal";

/** The JSON body of every error response. */
export interface ApiErrorBody {
  error: { code: ApiErrorCode; message: string; issues?: string[] };
}

/** Who the session belongs to. Guests hold a signed identity scoped to one class. */
export interface SessionUser {
  id: string;
  displayName: string;
  role: Role | "guest";
  email?: string;
  /** Guests only: the class the guest identity is valid for. */
  classId?: string;
}

const email = v.pipe(
  v.string(),
  v.trim(),
  v.toLowerCase(),
  v.maxLength(254),
  v.email("Enter a valid email address."),
);
const displayName = v.pipe(
  v.string(),
  v.trim(),
  v.minLength(1, "Enter a display name."),
  v.maxLength(60, "Display names are at most 60 characters."),
);
/** Passwords: 10–200 characters; strength is checked further by the Worker. */
const password = v.pipe(v.string(), v.maxLength(200, "Passwords are at most 200 characters."));

/** A Cloudflare Turnstile token; required by sign-up and guest join when the server has Turnstile on. */
const turnstileToken = v.optional(v.pipe(v.string(), v.maxLength(4096)));

/** `GET /api/auth/config`: what the sign-up and guest-join forms need to know. */
export interface AuthConfig {
  /** Turnstile site key when sign-up and guest join require a Turnstile token, else null. */
  turnstileSiteKey: string | null;
}

/**
 * Public sign-up always creates a student account. `role` may be omitted or sent as
 * `"student"`; anything else is refused: the teacher role is granted by an admin.
 */
export const SignUpBody = v.strictObject({
  email,
  password,
  displayName,
  role: v.optional(
    v.literal("student", "Sign-up creates student accounts; an admin grants the teacher role."),
  ),
  turnstileToken,
  /** A teacher invite link's id (`/signup?invite=…`): the account becomes a teacher. */
  invite: v.optional(v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{10,64}$/, "Invalid invite."))),
});
export type SignUpBody = v.InferOutput<typeof SignUpBody>;

export const SignInBody = v.strictObject({ email, password });
export type SignInBody = v.InferOutput<typeof SignInBody>;

export const GuestJoinBody = v.strictObject({ displayName, turnstileToken });
export type GuestJoinBody = v.InferOutput<typeof GuestJoinBody>;

const youtubeVideoId = v.nullable(
  v.pipe(
    v.string(),
    v.trim(),
    v.regex(/^[A-Za-z0-9_-]{11}$/, "A YouTube video id is 11 characters."),
  ),
);
const rtmpUrl = v.nullable(
  v.pipe(
    v.string(),
    v.trim(),
    v.maxLength(300),
    v.regex(/^rtmps?:\/\/[^\s]+$/, "Use an rtmp:// or rtmps:// URL."),
  ),
);

/** Fields a teacher sets on a class. `streamKey` is write-only: it is never returned. */
const classFields = {
  title: v.pipe(v.string(), v.trim(), v.minLength(1, "Give the class a title."), v.maxLength(120)),
  description: v.pipe(v.string(), v.trim(), v.maxLength(2000)),
  /** ISO 8601 date-time, or null when unscheduled. */
  scheduledStart: v.nullable(v.pipe(v.string(), v.isoTimestamp("Use an ISO 8601 date-time."))),
  guestAccess: v.boolean(),
  youtubeVideoId,
  latencyMode: v.picklist(LATENCY_MODES),
  /** RTMP stream key; null clears it, absent keeps it. */
  streamKey: v.optional(v.nullable(v.pipe(v.string(), v.trim(), v.minLength(1), v.maxLength(200)))),
  rtmpUrl,
};

export const CreateClassBody = v.strictObject({
  ...classFields,
  description: v.optional(classFields.description, ""),
  scheduledStart: v.optional(classFields.scheduledStart, null),
  guestAccess: v.optional(classFields.guestAccess, false),
  youtubeVideoId: v.optional(youtubeVideoId, null),
  latencyMode: v.optional(classFields.latencyMode, "ultraLow"),
  rtmpUrl: v.optional(rtmpUrl, null),
});
export type CreateClassBody = v.InferOutput<typeof CreateClassBody>;

export const UpdateClassBody = v.partial(v.strictObject(classFields));
export type UpdateClassBody = v.InferOutput<typeof UpdateClassBody>;

export const AdminUpdateUserBody = v.partial(
  v.strictObject({ role: v.picklist(ROLES), disabled: v.boolean() }),
);
export type AdminUpdateUserBody = v.InferOutput<typeof AdminUpdateUserBody>;

/** What anyone allowed into a class sees. Never includes the stream key. */
export interface ClassPublic {
  id: string;
  title: string;
  description: string;
  scheduledStart: string | null;
  guestAccess: boolean;
  teacherName: string;
  youtubeVideoId: string | null;
  latencyMode: LatencyMode;
  /**
   * Local development only: an HTTP-FLV URL of this class's stream on the local RTMP
   * server, for classes without a YouTube video id. Null in production.
   */
  localPlaybackUrl: string | null;
}

/** What the class's teacher (and admins) see. */
export interface ClassDetail extends ClassPublic {
  teacherId: string;
  /** Whether a stream key is stored; the key itself is never returned. */
  hasStreamKey: boolean;
  rtmpUrl: string | null;
  joinUrl: string;
  createdAt: string;
  updatedAt: string;
}

/** `POST /api/admin/invites` response: a single-use link that signs up a teacher. */
export interface TeacherInvite {
  url: string;
  /** ISO 8601. */
  expiresAt: string;
}

/** A row of the admin user list. */
export interface AdminUser {
  id: string;
  email: string;
  displayName: string;
  role: Role;
  disabled: boolean;
  createdAt: string;
}

/** `POST /api/classes/:id/ticket` response: a short-lived socket join ticket (see docs/protocol.md). */
/**
 * Query of `POST /api/classes/:id/ticket`: the section the client was in (`sN`); the
 * ticket names it while it has room. Anything else is ignored, never refused.
 */
export const TicketQuery = v.object({ section: v.optional(v.string()) });

export interface JoinTicket {
  /** Signed token, audience "ws", valid for `expiresInS` seconds. Pass as `?ticket=`. */
  ticket: string;
  expiresInS: number;
  /** Socket URL path with query, relative to the app origin (use ws:// or wss://). */
  url: string;
}

/** `POST` / `DELETE /api/classes/:id/moderators`: grant or revoke the per-class moderator role by email. */
export const ModeratorBody = v.strictObject({ email });
export type ModeratorBody = v.InferOutput<typeof ModeratorBody>;

/**
 * A moderator grant, as the teacher sees it: the email it was made for, nothing more. A
 * grant is an invitation that applies to the account with that email now or when it signs
 * up, so it never tells whether such an account exists.
 */
export interface ClassModerator {
  email: string;
}

/** `GET /healthz`: 200 with `ok: true`; 503 with `ok: false` and which checks failed. */
export interface HealthzBody {
  ok: boolean;
  /** The deployed Worker version (tag, else id; "dev" locally). */
  version: string;
  failing?: "d1"[];
}
