/** Admin-only routes: user directory (search, change role, disable). */
import { desc, eq, sql } from "drizzle-orm";
import { Hono } from "hono";
import { AdminUpdateUserBody, type AdminUser } from "../../protocol/api.ts";
import { requireRole } from "../auth/session.ts";
import { getDb, schema } from "../db/index.ts";
import { ApiError, readJson } from "../errors.ts";
import type { AppEnv } from "../types.ts";
import { kickFromClasses } from "./moderators.ts";

/** Most classes whose live sockets a disable closes (taught + moderated, each). */
const KICK_CLASSES_MAX = 100;

function toAdminUser(u: typeof schema.users.$inferSelect): AdminUser {
  return {
    id: u.id,
    email: u.email,
    displayName: u.displayName,
    role: u.role,
    disabled: u.disabled,
    createdAt: new Date(u.createdAt).toISOString(),
  };
}

export const admin = new Hono<AppEnv>()
  .use(requireRole("admin"))
  .get("/users", async (c) => {
    const q = (c.req.query("q") ?? "").trim().slice(0, 100);
    const db = getDb(c.env);
    const pattern = `%${q.replace(/[\\%_]/g, (m) => `\\${m}`)}%`;
    const rows = await db
      .select()
      .from(schema.users)
      .where(
        q
          ? sql`(${schema.users.email} LIKE ${pattern} ESCAPE '\\' OR ${schema.users.displayName} LIKE ${pattern} ESCAPE '\\')`
          : undefined,
      )
      .orderBy(desc(schema.users.createdAt))
      .limit(200);
    return c.json({ users: rows.map(toAdminUser) });
  })
  .patch("/users/:id", async (c) => {
    const body = await readJson(c, AdminUpdateUserBody);
    if (body.role === undefined && body.disabled === undefined)
      throw new ApiError(400, "validation_failed", "Send `role` and/or `disabled`.");
    const id = c.req.param("id");
    if (id === c.get("user")!.id && (body.disabled || (body.role && body.role !== "admin"))) {
      throw new ApiError(400, "bad_request", "You cannot disable or demote yourself.");
    }
    const [row] = await getDb(c.env)
      .update(schema.users)
      .set(body)
      .where(eq(schema.users.id, id))
      .returning();
    if (!row) throw new ApiError(404, "not_found", "No such user.");
    if (body.disabled) {
      // Sockets outlive the session check: close the ones where the account holds powers.
      const db = getDb(c.env);
      const [taught, moderated] = await Promise.all([
        db
          .select({ id: schema.classes.id })
          .from(schema.classes)
          .where(eq(schema.classes.teacherId, id))
          .orderBy(desc(schema.classes.createdAt))
          .limit(KICK_CLASSES_MAX),
        db
          .select({ id: schema.classModerators.classId })
          .from(schema.classModerators)
          .where(eq(schema.classModerators.userId, id))
          .limit(KICK_CLASSES_MAX),
      ]);
      const classIds = [...new Set([...taught, ...moderated].map((r) => r.id))];
      await kickFromClasses(c.env, classIds, id, "account disabled");
    }
    return c.json({ user: toAdminUser(row) });
  });
