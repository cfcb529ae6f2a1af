/**
 * Admin API values (the class list filters). No valibot: the admin app imports this file
 * directly; protocol/admin.ts (the schemas) imports and re-exports it.
 */

/** Filters of the admin class list. */
export const CLASS_STATUSES = ["all", "live", "scheduled", "past"] as const;
export type ClassStatus = (typeof CLASS_STATUSES)[number];
