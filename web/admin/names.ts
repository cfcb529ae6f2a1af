/**
 * How the admin area names what the server stores as ids: people (accounts and `g_…`
 * guests), sections (`s3`), chat messages (`s1.31` in a section, `g12` in the global
 * channel), audit actions and their JSON detail. Pure, so it is unit-tested in Node.
 */

/** A signed guest id (`g_` + random): guests have no account, only a name per class. */
export function isGuestId(id: string): boolean {
  return /^g_[A-Za-z0-9_-]+$/.test(id);
}

/** `s3` → "Section 3"; anything else unchanged. */
export function sectionName(id: string): string {
  return /^s\d+$/.test(id) ? `Section ${id.slice(1)}` : id;
}

/** `s1.31` → "Section 1, message 31"; `g12` → "Global chat, message 12"; else null. */
export function messageName(id: string): string | null {
  const section = /^s(\d+)\.(\d+)$/.exec(id);
  if (section) return `Section ${section[1]}, message ${section[2]}`;
  const global = /^g(\d+)$/.exec(id);
  if (global) return `Global chat, message ${global[1]}`;
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
export const ACTION_LABELS: Record<string, string> = {
  "user.role": "Role changed",
  "user.disable": "Account disabled",
  "user.enable": "Account enabled",
  "invite.teacher": "Teacher invite created",
  "moderator.grant": "Moderator granted",
  "moderator.revoke": "Moderator removed",
  "chat.delete": "Message deleted",
  "chat.pin": "Message pinned",
  "mod.timeout": "Timed out",
  "mod.ban": "Banned",
  "mod.unban": "Unbanned",
  "settings.update": "Chat rules changed",
  announce: "Announcement",
};

export function actionLabel(action: string): string {
  return ACTION_LABELS[action] ?? action;
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
    if (k === "seconds" && typeof v === "number") parts.push(`${v} s`);
    else if (v === true) parts.push(k);
    else if (/At$/.test(k) && typeof v === "number")
      parts.push(
        `${k.replace(/At$/, "")}: ${new Date(v).toLocaleString(undefined, { dateStyle: "short", timeStyle: "short" })}`,
      );
    else parts.push(`${k}: ${typeof v === "string" ? v : JSON.stringify(v)}`);
  }
  return parts.join(" · ");
}
