/** Words the chat UI shows for protocol values (rejection reasons, connection states, counts). */

import { CHAT_MAX_CHARS } from "../../protocol/realtime.constants.ts";
import type { RejectReason } from "../../protocol/realtime.ts";
import type { ChatRejection, ConnState, EndReason } from "../lib/classroom-state.ts";

/** `HH:MM` in the viewer's time zone. */
export function clockTime(localMs: number): string {
  return new Date(localMs).toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit" });
}

/** Whole seconds left until `until` (local ms). */
export function secondsLeft(until: number, now: number): number {
  return Math.max(0, Math.ceil((until - now) / 1000));
}

/** Short labels of rejection reasons, for the staff feed. */
export const REASON_LABEL: Record<RejectReason, string> = {
  empty: "Empty",
  too_long: "Too long",
  rate_limited: "Rate limited",
  duplicate: "Duplicate",
  slow_mode: "Slow mode",
  blocked_word: "Blocked word",
  link_blocked: "Link not allowed",
  timed_out: "Timed out",
};

/** What a student reads when their message was refused. */
export function rejectionText(r: ChatRejection, now: number): string {
  const wait = r.until === undefined ? null : secondsLeft(r.until, now);
  switch (r.reason) {
    case "empty":
      return "Type a message first.";
    case "too_long":
      return `Not sent: messages are at most ${CHAT_MAX_CHARS} characters.`;
    case "rate_limited":
      return wait
        ? `Not sent: you're sending messages too fast. Try again in ${wait} s.`
        : "Not sent: you're sending messages too fast.";
    case "duplicate":
      return "Not sent: you already sent that message.";
    case "slow_mode":
      return wait
        ? `Not sent: slow mode is on. You can send again in ${wait} s.`
        : "Not sent: slow mode is on.";
    case "blocked_word":
      return "Not sent: your message contains a word the teacher has blocked.";
    case "link_blocked":
      return "Not sent: links aren't allowed in this class.";
    case "timed_out":
      return r.until === undefined
        ? "Not sent: you're timed out."
        : `Not sent: you're timed out until ${clockTime(r.until)}.`;
    case "not_sent":
      return "Not sent: the class didn't take this message. Check your connection and send it again.";
    default:
      return r.reason satisfies never;
  }
}

/** The connection indicator's words. */
export function connLabel(conn: ConnState, ended: EndReason | null): string {
  if (ended === "banned") return "Removed";
  switch (conn) {
    case "connected":
      return "Connected";
    case "connecting":
      return "Connecting…";
    case "reconnecting":
      return "Reconnecting…";
    case "offline":
      return "Offline";
    default:
      return conn satisfies never;
  }
}

const compact =
  typeof Intl !== "undefined" ? new Intl.NumberFormat(undefined, { notation: "compact" }) : null;

/** An approximate count: 980, 1.2K, 104K. */
export function approxCount(n: number): string {
  return compact ? compact.format(n) : String(n);
}
