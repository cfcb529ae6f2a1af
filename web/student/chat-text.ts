/**
 * Words the chat UI shows for protocol values (rejection reasons, connection states,
 * counts), in the user's language (common catalog: the studio shows them too).
 */

import { CHAT_MAX_CHARS } from "../../protocol/realtime.constants.ts";
import type { RejectReason } from "../../protocol/realtime.ts";
import { t } from "../i18n/common.ts";
import { formatNumber, formatTime } from "../i18n/core.ts";
import type { ChatRejection, ConnState, EndReason } from "../lib/classroom-state.ts";

/** `HH:MM` in the viewer's language and time zone. */
export function clockTime(localMs: number): string {
  return formatTime(localMs);
}

/** Whole seconds left until `until` (local ms). */
export function secondsLeft(until: number, now: number): number {
  return Math.max(0, Math.ceil((until - now) / 1000));
}

/** The short label of a rejection reason, for the staff feed. */
export function reasonLabel(reason: RejectReason): string {
  return t(`common.reason.${reason}`);
}

/** Short labels of rejection reasons, for the staff feed, read in the current language. */
export const REASON_LABEL: Readonly<Record<RejectReason, string>> = new Proxy(
  {} as Record<RejectReason, string>,
  { get: (_, reason) => reasonLabel(reason as RejectReason) },
);

/** What a student reads when their message was refused. */
export function rejectionText(r: ChatRejection, now: number): string {
  const wait = r.until === undefined ? null : secondsLeft(r.until, now);
  switch (r.reason) {
    case "empty":
      return t("common.reject.empty");
    case "too_long":
      return t("common.reject.too_long", { max: CHAT_MAX_CHARS });
    case "rate_limited":
      return wait
        ? t("common.reject.rate_limited_wait", { wait })
        : t("common.reject.rate_limited");
    case "duplicate":
      return t("common.reject.duplicate");
    case "slow_mode":
      return wait ? t("common.reject.slow_mode_wait", { wait }) : t("common.reject.slow_mode");
    case "blocked_word":
      return t("common.reject.blocked_word");
    case "link_blocked":
      return t("common.reject.link_blocked");
    case "timed_out":
      return r.until === undefined
        ? t("common.reject.timed_out")
        : t("common.reject.timed_out_until", { time: clockTime(r.until) });
    case "not_sent":
      return t("common.reject.not_sent");
    default:
      return r.reason satisfies never;
  }
}

/** The connection indicator's words. */
export function connLabel(conn: ConnState, ended: EndReason | null): string {
  if (ended === "banned") return t("common.conn.removed");
  return t(`common.conn.${conn}`);
}

/** An approximate count in the user's language: 980, 1.2K, 104K (1,2 mil, ١٠٤ ألف). */
export function approxCount(n: number): string {
  return formatNumber(n, { notation: "compact" });
}
