/**
 * REST API values (platform roles). No valibot: the web apps import this file directly;
 * protocol/api.ts (the schemas) imports and re-exports it.
 */

/** Platform roles, lowest first. Per-class `moderator` is a separate grant (see ClassDetail). */
export const ROLES = ["student", "teacher", "admin"] as const;
/** A platform role. */
export type Role = (typeof ROLES)[number];
