/**
 * Admin API shapes (`/api/admin/overview`, `/api/admin/classes`, `/api/admin/audit`),
 * shared by the Worker and the admin area. Runtime-neutral: no DOM, Workers or Node imports.
 */
import * as v from "valibot";
import { CLASS_STATUSES } from "./admin.constants.ts";

export * from "./admin.constants.ts";

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

/** A search text: trimmed, 1–100 characters (an empty one is the same as none). */
const text = v.optional(v.pipe(v.string(), v.trim(), v.maxLength(100)));

/** A search box's text (`q`): trimmed, at most 100 characters; absent: everything. */
const search = v.pipe(
  v.optional(v.string(), ""),
  v.transform((q) => q.trim().slice(0, 100)),
);

/** Query of `GET /api/admin/users`: a name or email substring. */
export const AdminUsersQuery = v.object({ q: search });

/** Query of `GET /api/admin/classes`: which classes (default all) and a title substring. */
export const AdminClassesQuery = v.object({
  status: v.optional(v.picklist(CLASS_STATUSES, "live, scheduled, past or all."), "all"),
  q: search,
});

/**
 * Query of `GET /api/admin/audit` (all optional). `classQuery` and `actorQuery` are
 * names, resolved server-side: class title, and actor display name or email, as
 * case-insensitive substrings. `classId` / `actorId` are exact ids (links, copy-paste).
 */
export const AdminAuditQuery = v.strictObject({
  classId: text,
  classQuery: text,
  actorId: text,
  actorQuery: text,
  /** An exact action name (`mod.ban`). */
  action: v.optional(v.pipe(v.string(), v.trim(), v.maxLength(64))),
  /** An entry id: older entries only. */
  before: v.optional(v.pipe(v.string(), v.regex(/^\d{1,15}$/), v.transform(Number))),
  limit: v.optional(
    v.pipe(v.string(), v.regex(/^\d{1,3}$/), v.transform(Number), v.minValue(1), v.maxValue(200)),
    "50",
  ),
});
export type AdminAuditQuery = v.InferOutput<typeof AdminAuditQuery>;

/** `GET /api/admin/overview`: the admin landing page's counts. */
export interface AdminOverview {
  /** Every account, and those with each platform role. */
  users: number;
  teachers: number;
  admins: number;
  /** Disabled accounts. */
  disabled: number;
  /** Every class, and those live now (the Classroom DO's lease, as in the class list). */
  classes: number;
  liveClasses: number;
}
