/**
 * Messages every app shows: the header, the language picker, shared components
 * (web/components), errors from the API and the classroom (web/lib), chat words the
 * studio shares with the class page. Usage: web/i18n/core.ts.
 */
import type { ApiErrorCode } from "../../protocol/api.ts";
import { type LazyCatalogs, lazyCatalogs, locale, type SourceCatalog, translator } from "./core.ts";

const en = {
  "common.brand": "Mass Class",
  "common.brandMark": "M",
  "common.skipToMain": "Skip to main content",
  "common.signOut": "Sign out",
  "common.language": "Language",
  "common.loading": "Loading…",
  "common.cancel": "Cancel",
  "common.notScheduled": "Not scheduled",
  "common.goToAccount": "Go to your account",
  "common.sessionFailed": "Could not load your session",
  "common.titleSuffix": "{title} · Mass Class",
  "common.kb": "{n} KB",
  "common.seconds": "{n} s",

  "common.copy.link": "Copy link",
  "common.copy.done": "Copied",
  "common.copy.failed": "Copy failed — select the link",
  "common.named.copyId": "Copy id",
  "common.named.copyIdOf": "Copy id of {name}",
  "common.named.guest": "{name} (guest)",
  "common.named.guestSuffix": "(guest)",
  "common.named.idTitle": "{name} · id {id}",
  "common.named.unknownGuest": "Unknown guest",
  "common.named.unknown.user": "Unknown user",
  "common.named.unknown.class": "Unknown class",
  "common.named.unknown.section": "Unknown section",

  "common.poll.correct": "correct answer:",
  "common.poll.yours": "your answer",
  "common.poll.answers": { one: "{count} answer", other: "{count} answers" },
  "common.poll.share": "{votes} · {pct}%",

  "common.react.legend": "React",
  "common.react.with": "React with {name}",
  "common.react.soFar": "Reactions so far:",
  "common.react.easy": "Easy — one reaction a second.",
  "common.react.total": "{name}: {count}",
  "common.react.thumbs": "thumbs up",
  "common.react.heart": "heart",
  "common.react.laughing": "laughing",
  "common.react.surprised": "surprised",
  "common.react.applause": "applause",
  "common.react.celebrate": "celebrate",

  "common.slide.label": "Slide {page} of {count}: {deck}",
  "common.slide.whiteboard": "Whiteboard",
  "common.slide.ink": {
    one: "{base}, with {count} drawn stroke",
    other: "{base}, with {count} drawn strokes",
  },

  "common.turnstile.failed": "The anti-robot check did not load. Reload the page and try again.",

  "common.conn.connected": "Connected",
  "common.conn.connecting": "Connecting…",
  "common.conn.reconnecting": "Reconnecting…",
  "common.conn.offline": "Offline",
  "common.conn.removed": "Removed",
  "common.live.title": {
    one: "About {count} student in class",
    other: "About {count} students in class",
  },
  "common.live.count": "≈ {n} in class",
  "common.live.students": "students",

  "common.role.teacher": "Teacher",
  "common.role.moderator": "Moderator",
  "common.role.admin": "Administrator",
  "common.role.student": "Student",
  "common.role.guest": "Guest",

  "common.chat.you": "you",
  "common.chat.edited": "edited",
  "common.reason.empty": "Empty",
  "common.reason.too_long": "Too long",
  "common.reason.rate_limited": "Rate limited",
  "common.reason.duplicate": "Duplicate",
  "common.reason.slow_mode": "Slow mode",
  "common.reason.blocked_word": "Blocked word",
  "common.reason.link_blocked": "Link not allowed",
  "common.reason.timed_out": "Timed out",
  "common.reject.empty": "Type a message first.",
  "common.reject.too_long": "Not sent: messages are at most {max} characters.",
  "common.reject.rate_limited": "Not sent: you're sending messages too fast.",
  "common.reject.rate_limited_wait":
    "Not sent: you're sending messages too fast. Try again in {wait} s.",
  "common.reject.duplicate": "Not sent: you already sent that message.",
  "common.reject.slow_mode": "Not sent: slow mode is on.",
  "common.reject.slow_mode_wait": "Not sent: slow mode is on. You can send again in {wait} s.",
  "common.reject.blocked_word": "Not sent: your message contains a word the teacher has blocked.",
  "common.reject.link_blocked": "Not sent: links aren't allowed in this class.",
  "common.reject.timed_out": "Not sent: you're timed out.",
  "common.reject.timed_out_until": "Not sent: you're timed out until {time}.",
  "common.reject.not_sent":
    "Not sent: the class didn't take this message. Check your connection and send it again.",

  "common.error.network": "Could not reach the server. Check your connection and try again.",
  "common.error.status": "Request failed ({status}).",
  "common.error.generic": "Something went wrong. Please try again.",
  "common.error.bad_request": "The request was not understood. Reload the page and try again.",
  "common.error.validation_failed":
    "Some of what you entered is not valid. Check it and try again.",
  "common.error.payload_too_large": "That is too large to upload.",
  "common.error.quota_exceeded": "Your storage is full. Delete something and try again.",
  "common.error.unauthenticated": "Please sign in again.",
  "common.error.forbidden": "You are not allowed to do that.",
  "common.error.not_found": "It is no longer there.",
  "common.error.email_taken": "An account with this email already exists.",
  "common.error.weak_password": "Choose a longer, harder to guess password.",
  "common.error.invalid_credentials": "Wrong email or password.",
  "common.error.account_disabled": "This account has been disabled.",
  "common.error.guest_access_disabled": "This class does not take guests. Sign in to join.",
  "common.error.banned": "You have been banned from this class.",
  "common.error.turnstile_failed": "The anti-robot check failed. Try again.",
  "common.error.invite_invalid": "This invitation is not valid any more.",
  "common.error.rate_limited": "Too many tries. Wait a moment and try again.",
  "common.error.conflict": "Someone changed this at the same time. Reload and try again.",
  "common.error.unsupported_media_type": "That kind of file is not supported.",
  "common.error.push_unavailable": "Class notifications are not available on this server.",
  "common.error.unavailable": "The service is not available right now. Try again later.",
  "common.socket.poll_closed": "The poll is closed.",
  "common.socket.too_late": "Too late: time was up.",
  "common.socket.already_answered": "You already answered; your first answer counts.",
  "common.socket.bad_choice": "That choice is not valid.",
  "common.socket.unknown_poll": "That poll is gone.",
  "common.socket.unknown_question": "That question is gone.",
  "common.socket.not_votable": "That question cannot be upvoted now.",
  "common.socket.own_question": "You cannot upvote your own question.",
  "common.socket.too_many_questions": "You have questions waiting for approval already.",
  "common.socket.rate_limited": "Too fast. Wait a moment and try again.",
  "common.socket.forbidden": "You are not allowed to do that.",
  "common.socket.other": "The class did not take that. Try again.",
} as const satisfies SourceCatalog;

/** The English source messages' type (the translations are typed against it). */
export type CommonSource = typeof en;

/**
 * The common catalogs, for an area's translator: `translator(merge(common, area))`. Spanish
 * and Arabic load on demand, so a page's first bundle carries English only.
 */
export const common: LazyCatalogs<CommonSource> = lazyCatalogs(
  en,
  () => import("./common.es.ts"),
  () => import("./common.ar.ts"),
);

/** web/components and web/lib translate with this. */
export const { t, rich } = translator(common);

type ErrorKey = Extract<keyof typeof en, `common.error.${string}`>;
type SocketKey = Extract<keyof typeof en, `common.socket.${string}`>;

/**
 * What to show for a classroom `error` frame: in English the server's own message, in
 * other languages the catalog's for its code (the server speaks English only).
 */
export function socketErrorText(err: { code: string; message: string }): string {
  if (locale() === "en") return err.message;
  const key = `common.socket.${err.code}`;
  return key in en ? t(key as SocketKey) : t("common.socket.other");
}

/** The message for an API error code in this language (codes without their own share one). */
export function apiErrorText(code: ApiErrorCode | "network"): string {
  const key = `common.error.${code}`;
  if (key in en) return t(key as ErrorKey);
  if (code === "invalid_json" || code === "csrf_origin_mismatch")
    return t("common.error.bad_request");
  if (code === "internal") return t("common.error.generic");
  return t("common.error.unavailable");
}
