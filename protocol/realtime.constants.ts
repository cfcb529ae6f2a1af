/**
 * The real-time protocol's values and value-only helpers (docs/architecture.md, rules):
 * limits, close codes, keep-alive frames, the socket URL and the sequenced-event test.
 * No valibot: the web apps import this file directly and their bundles stay free of the
 * schema library; protocol/realtime.ts (the schemas) imports and re-exports it, so the
 * Worker and the Durable Objects keep importing from there.
 *
 * Only `import type` from ./realtime.ts: realtime.ts imports values from here.
 */
import type { ClassEvent, ClassRole, ServerMessage } from "./realtime.ts";

/** Bumped on any incompatible change. Clients send it as `?v=` and in `hello`. */
export const PROTOCOL_VERSION = 1;

/** Largest client frame the server reads, in UTF-8 bytes. Larger frames get `frame_too_large`. */
export const MAX_FRAME_BYTES = 4096;
/** Longest chat message, in characters (after trimming). */
export const CHAT_MAX_CHARS = 500;
/** Longest announcement, in characters. */
export const ANNOUNCE_MAX_CHARS = 1000;
/** Timeout bounds for `mod.timeout`, in seconds (10 s … 24 h). */
export const TIMEOUT_MIN_S = 10;
export const TIMEOUT_MAX_S = 24 * 3600;
/** Slow mode upper bound, in seconds. */
export const SLOW_MODE_MAX_S = 3600;
/** Raw text frame answered with `PONG_FRAME` by the runtime itself, without waking a shard. */
export const PING_FRAME = "ping";
/** The answer to `PING_FRAME`. */
export const PONG_FRAME = "pong";

/** Close codes the server uses. 1000–1015 are standard; 4xxx are ours. */
export const CloseCode = {
  /** Normal closure (either side). */
  normal: 1000,
  /** Server going away (deploy, shard shutting down): reconnect with backoff. */
  goingAway: 1001,
  /** Kicked for sending too many invalid frames. Reconnect allowed, with backoff. */
  policyViolation: 4008,
  /** Access revoked (moderator grant removed, account disabled). Do not reconnect. */
  revoked: 4001,
  /** Banned from this class. Do not reconnect. */
  banned: 4003,
  /** Refused at connect: this user already holds 5 sockets in the class. Reconnect with backoff. */
  tooManySockets: 4009,
  /** Protocol version not supported (`?v=` mismatch). Reload the app. */
  unsupportedVersion: 4010,
  /** Kicked for flooding (far beyond the rate limit). Reconnect allowed, with backoff. */
  flood: 4029,
} as const;
/** A close code from `CloseCode`. */
export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode];

/** Whether a client should reconnect after a close with `code` (bans, revocations and version mismatches are final). */
export function shouldReconnect(code: number): boolean {
  return (
    code !== CloseCode.banned &&
    code !== CloseCode.revoked &&
    code !== CloseCode.unsupportedVersion &&
    code !== CloseCode.normal
  );
}

/** Roles allowed to moderate. */
export const STAFF_ROLES: readonly ClassRole[] = ["teacher", "moderator"];
/** Whether `role` is teacher or moderator. */
export function isStaff(role: ClassRole): boolean {
  return role === "teacher" || role === "moderator";
}

/**
 * Whether a server message is a sequenced class event: it carries a numeric `seq` and `at`.
 * Every `ClassEvent` does and no other `ServerMessage` does (protocol/realtime.test.ts holds
 * both at the type level), so the test needs no list of types, and a client still counts
 * the `seq` of an event type a newer server added.
 */
export function isClassEvent(m: ServerMessage): m is ClassEvent {
  const x = m as { seq?: unknown; at?: unknown };
  return typeof x.seq === "number" && typeof x.at === "number";
}

/** Build the socket URL path for a class: `/ws/classes/<classId>`. Add `?v=`, `ticket`, `resume`. */
export function socketPath(classId: string): string {
  return `/ws/classes/${encodeURIComponent(classId)}`;
}

/** Query parameters of the socket URL. */
export interface SocketQuery {
  /** Join ticket from `POST /api/classes/:id/ticket` (else the session cookie is used). */
  ticket?: string;
  /** The last `seq` you applied, to resume. */
  resume?: number;
  /** Preferred section (the one you were in) — honoured when it has room. */
  section?: string;
}

/** Build the socket URL search string (`?v=1&ticket=…&resume=…`). */
export function socketSearch(q: SocketQuery): string {
  const p = new URLSearchParams({ v: String(PROTOCOL_VERSION) });
  if (q.ticket) p.set("ticket", q.ticket);
  if (q.resume !== undefined) p.set("resume", String(q.resume));
  if (q.section) p.set("section", q.section);
  return `?${p}`;
}
