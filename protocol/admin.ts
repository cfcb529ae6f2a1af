/**
 * Admin API response shapes (`/api/admin/classes`, `/api/admin/audit`), shared by the
 * Worker and the admin area. Runtime-neutral: no DOM, Workers or Node imports.
 */

/** Filters of the admin class list. */
export const CLASS_STATUSES = ["all", "live", "scheduled", "past"] as const;
export type ClassStatus = (typeof CLASS_STATUSES)[number];

/** A row of the admin class list. */
export interface AdminClass {
  id: string;
  title: string;
  teacherId: string;
  teacherName: string;
  /** Epoch ms, or null when unscheduled. */
  scheduledStart: number | null;
  /** A class session is running (started and not ended). */
  live: boolean;
  /** The newest session (for its dashboard), or null if the class never ran. */
  lastSessionId: string | null;
}

/** One audit log entry: who did what, when, to whom, in which class. */
export interface AdminAuditEntry {
  id: number;
  at: number;
  actorId: string;
  actorName: string | null;
  classId: string | null;
  classTitle: string | null;
  /** e.g. `user.role`, `user.disable`, `moderator.grant`, `mod.timeout`, `mod.ban`, `chat.delete`. */
  action: string;
  target: string | null;
  targetName: string | null;
  /** JSON text with action details, or null. */
  detail: string | null;
}

/** `GET /api/admin/audit`: newest first; pass `next` as `before` for the next page. */
export interface AdminAuditPage {
  entries: AdminAuditEntry[];
  next: number | null;
}
