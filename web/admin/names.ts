/**
 * How the admin area names what the server stores as ids: people (accounts and `g_…`
 * guests), sections (`s3`), chat messages (`s1.31` in a section, `g12` in the global
 * channel), audit actions and their JSON detail, in the reader's language (the admin
 * catalog, web/i18n/admin.ts). Pure, so it is unit-tested in Node.
 */

import { type AdminKey, t } from "../i18n/admin.ts";
import { formatDate, formatNumber } from "../i18n/core.ts";

/** A signed guest id (`g_` + random): guests have no account, only a name per class. */
export function isGuestId(id: string): boolean {
  return /^g_[A-Za-z0-9_-]+$/.test(id);
}

/** `s3` → "Section 3"; anything else unchanged. */
export function sectionName(id: string): string {
  return /^s\d+$/.test(id) ? t("admin.names.section", { n: id.slice(1) }) : id;
}

/** `s1.31` → "Section 1, message 31"; `g12` → "Global chat, message 12"; else null. */
export function messageName(id: string): string | null {
  const section = /^s(\d+)\.(\d+)$/.exec(id);
  if (section) return t("admin.names.sectionMessage", { section: section[1]!, n: section[2]! });
  const global = /^g(\d+)$/.exec(id);
  if (global) return t("admin.names.globalMessage", { n: global[1]! });
  return null;
}

/** What an audit entry's `target` refers to, by action. */
export type TargetKind = "person" | "message" | "none";

/** Actions whose target is a person (account or guest); message actions name a message. */
export function targetKind(action: string, target: string | null): TargetKind {
  if (target === null || target === "") return "none";
  if (action === "chat.delete" || action === "chat.pin") return "message";
  return "person";
}

/** Readable names of audit actions (the filter and the log); unknown ones show as stored. */
export const ACTION_LABELS: Record<string, AdminKey> = {
  "user.role": "admin.action.userRole",
  "user.disable": "admin.action.userDisable",
  "user.enable": "admin.action.userEnable",
  "invite.teacher": "admin.action.inviteTeacher",
  "moderator.grant": "admin.action.moderatorGrant",
  "moderator.revoke": "admin.action.moderatorRevoke",
  "chat.delete": "admin.action.chatDelete",
  "chat.pin": "admin.action.chatPin",
  "mod.timeout": "admin.action.modTimeout",
  "mod.ban": "admin.action.modBan",
  "mod.unban": "admin.action.modUnban",
  "settings.update": "admin.action.settingsUpdate",
  announce: "admin.action.announce",
};

export function actionLabel(action: string): string {
  const key = ACTION_LABELS[action];
  return key ? t(key) : action;
}

/**
 * An audit entry's JSON detail as one line for people: `{"seconds":600,"reason":"spam"}`
 * → "600 s · reason: spam". Nulls are left out; text that is not a JSON object is shown
 * as it is.
 */
export function detailText(detail: string | null): string {
  if (!detail) return "";
  let value: unknown;
  try {
    value = JSON.parse(detail);
  } catch {
    return detail;
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) return detail;
  const parts: string[] = [];
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "seconds" && typeof v === "number")
      parts.push(t("admin.names.seconds", { n: formatNumber(v) }));
    else if (v === true) parts.push(k);
    else if (/At$/.test(k) && typeof v === "number")
      parts.push(
        `${k.replace(/At$/, "")}: ${formatDate(v, { dateStyle: "short", timeStyle: "short" })}`,
      );
    else parts.push(`${k}: ${typeof v === "string" ? v : JSON.stringify(v)}`);
  }
  return parts.join(" · ");
}
