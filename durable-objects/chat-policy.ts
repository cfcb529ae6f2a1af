/**
 * Chat rules enforced at the shard before anything travels upstream: length,
 * per-user token bucket, duplicate suppression, slow mode, timeouts, blocked
 * words and links. Pure: state and time in, verdict and new state out.
 */
import {
  CHAT_MAX_CHARS,
  type ClassRole,
  isStaff,
  type LinkPolicy,
  type RejectReason,
} from "../protocol/realtime.ts";

/** The class-wide rules a shard enforces; pushed by the root. */
export interface ChatRules {
  slowModeSec: number;
  linkPolicy: LinkPolicy;
  blockedWords: string[];
  /** userId → epoch ms the timeout ends. */
  timeouts: Record<string, number>;
  /**
   * The root's version of these rules (one more with every settings change and time-out:
   * a time-out push of version v builds on v − 1, so a shard sees a lost push as a gap).
   * Rules reach a shard by two paths — a control delivery and a sync answer — that can
   * arrive in either order; a shard keeps the newest, so a late sync answer cannot undo a
   * time-out. Absent = 0 (rules saved before versions existed).
   */
  version?: number;
  /**
   * Admission rules the shard enforces alone (docs/decisions/014): banned user ids and the
   * device ids they connected from; userId → epoch ms their access was revoked (tickets
   * minted up to then are refused; kept past the ticket lifetime); `guests: false` when the
   * class admits signed-in accounts only. Absent = none.
   */
  banned?: { users: string[]; devices: string[] };
  revoked?: Record<string, number>;
  /**
   * userId → the account's token version after a demotion or disabling: a ticket of an
   * older version is refused, a socket opened with one closed (no clock involved).
   */
  revokedTv?: Record<string, number>;
  guests?: boolean;
}

/** Defaults of a new class. */
export const DEFAULT_RULES: ChatRules = {
  slowModeSec: 0,
  linkPolicy: "allow",
  blockedWords: [],
  timeouts: {},
};

/** One user's chat history as the limiter needs it. Small, so it fits a socket attachment. */
export interface ChatUserState {
  /** Token bucket level and when it was last refilled. */
  tokens: number;
  refilledAt: number;
  /** When the user's last accepted message was sent. */
  lastAt: number;
  /** Normalised text of the last accepted message. */
  lastText: string;
}

/** Token bucket shape per role. */
export const BUCKETS = {
  student: { burst: 5, perSec: 0.5 },
  staff: { burst: 10, perSec: 1 },
} as const;
/** Identical messages within this window are refused as duplicates. */
export const DUPLICATE_WINDOW_MS = 30_000;

/** The verdict on one message. */
export type ChatVerdict =
  | { ok: true; text: string; user: ChatUserState }
  | {
      ok: false;
      reason: RejectReason;
      message: string;
      retryAfterMs?: number;
      user: ChatUserState;
    };

/** A fresh limiter state for a user who has not chatted yet. */
export function freshUser(role: ClassRole, now: number): ChatUserState {
  return {
    tokens: isStaff(role) ? BUCKETS.staff.burst : BUCKETS.student.burst,
    refilledAt: now,
    lastAt: 0,
    lastText: "",
  };
}

function normalise(text: string): string {
  return text.toLowerCase().replace(/\s+/g, " ").trim();
}

const URL_LIKE =
  /(\bhttps?:\/\/|\bwww\.|\b[a-z0-9-]+(\.[a-z0-9-]+)*\.(com|net|org|io|co|me|ly|gg|app|dev|xyz|info|biz|ru|cn|tk|link|site|online|top|edu|gov|uk|de|fr|tv|to)\b)/i;

/** Whether `text` contains something that looks like a link. */
export function containsLink(text: string): boolean {
  return URL_LIKE.test(text);
}

/** The first blocked word `text` contains as a whole word (case-insensitive), or null. */
export function findBlockedWord(text: string, words: readonly string[]): string | null {
  if (words.length === 0) return null;
  const lower = ` ${text.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, " ")} `;
  for (const w of words) {
    const needle = w
      .toLowerCase()
      .replace(/[^\p{L}\p{N}]+/gu, " ")
      .trim();
    if (needle && lower.includes(` ${needle} `)) return w;
  }
  return null;
}

/**
 * Decide whether `role` may post `raw` now. Order matters: cheap, user-fixable
 * reasons first; the bucket is only charged for messages that would otherwise pass,
 * so a refused message never costs a token.
 */
export function evaluateChat(
  rules: ChatRules,
  role: ClassRole,
  userId: string,
  prev: ChatUserState,
  raw: string,
  now: number,
): ChatVerdict {
  const staff = isStaff(role);
  const bucket = staff ? BUCKETS.staff : BUCKETS.student;
  const tokens = Math.min(
    bucket.burst,
    prev.tokens + ((now - prev.refilledAt) / 1000) * bucket.perSec,
  );
  const user: ChatUserState = { ...prev, tokens, refilledAt: now };
  const no = (reason: RejectReason, message: string, retryAfterMs?: number): ChatVerdict =>
    retryAfterMs === undefined
      ? { ok: false, reason, message, user }
      : { ok: false, reason, message, retryAfterMs: Math.ceil(retryAfterMs), user };

  const text = raw.trim();
  if (!text) return no("empty", "Type a message first.");
  if ([...text].length > CHAT_MAX_CHARS)
    return no("too_long", `Messages are at most ${CHAT_MAX_CHARS} characters.`);
  // A timeout never mutes the teacher (a moderator must not silence the class owner).
  const until = role === "teacher" ? undefined : rules.timeouts[userId];
  if (until !== undefined && until > now) return no("timed_out", "You are timed out.", until - now);
  if (!staff && rules.slowModeSec > 0 && prev.lastAt > 0) {
    const wait = prev.lastAt + rules.slowModeSec * 1000 - now;
    if (wait > 0)
      return no("slow_mode", `Slow mode: one message every ${rules.slowModeSec} s.`, wait);
  }
  const norm = normalise(text);
  if (norm === prev.lastText && now - prev.lastAt < DUPLICATE_WINDOW_MS) {
    return no("duplicate", "You just sent that.");
  }
  if (!staff) {
    if (findBlockedWord(text, rules.blockedWords))
      return no("blocked_word", "That message contains a blocked word.");
    if (rules.linkPolicy === "block" && containsLink(text))
      return no("link_blocked", "Links are not allowed here.");
  }
  if (tokens < 1)
    return no(
      "rate_limited",
      "You are sending messages too fast.",
      ((1 - tokens) / bucket.perSec) * 1000,
    );
  return {
    ok: true,
    text,
    user: { tokens: tokens - 1, refilledAt: now, lastAt: now, lastText: norm },
  };
}
