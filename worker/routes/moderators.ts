/**
 * Per-class moderators (teacher-only): `GET/POST/DELETE /api/classes/:id/moderators`.
 * Grants take effect on the moderator's next socket connect; a revocation closes the
 * user's open sockets in the class at once (close 4001).
 */
import { and, eq } from "drizzle-orm";
import type { Context } from "hono";
import { Hono } from "hono";
import { type ClassModerator, ModeratorBody } from "../../protocol/api.ts";
import { requireRole } from "../auth/session.ts";
import { getDb, schema } from "../db/index.ts";
import { ApiError, readJson } from "../errors.ts";
import type { AppEnv } from "../types.ts";
import { canManage } from "./classes.ts";

async function managedClass(c: Context<AppEnv>) {
  const cls = await getDb(c.env).query.classes.findFirst({
    where: eq(schema.classes.id, c.req.param("id") ?? ""),
  });
  if (!cls) throw new ApiError(404, "not_found", "No such class.");
  if (!canManage(c.get("user"), cls))
    throw new ApiError(403, "forbidden", "Only this class's teacher can manage moderators.");
  return cls;
}

async function userByEmail(c: Context<AppEnv>, email: string) {
  const u = await getDb(c.env).query.users.findFirst({ where: eq(schema.users.email, email) });
  if (!u) throw new ApiError(404, "not_found", "No account with that email.");
  return u;
}

/**
 * Close `userId`'s open sockets in each class (close 4001, via the class root), so revoked
 * powers end now rather than at the next reconnect. Best effort: a root that cannot be
 * reached is logged, not fatal — the D1 change already took effect for new connections.
 */
export async function kickFromClasses(
  env: Env,
  classIds: string[],
  userId: string,
  reason: string,
): Promise<void> {
  const results = await Promise.allSettled(
    classIds.map((id) =>
      env.CLASSROOM.get(env.CLASSROOM.idFromName(id)).kickUser(id, userId, reason),
    ),
  );
  for (const r of results)
    if (r.status === "rejected")
      console.error(JSON.stringify({ event: "kick_failed", userId, message: String(r.reason) }));
}

async function audit(c: Context<AppEnv>, classId: string, action: string, target: string) {
  await getDb(c.env)
    .insert(schema.auditLog)
    .values({ at: Date.now(), actorId: c.get("user")!.id, classId, action, target });
}

export const moderators = new Hono<AppEnv>()
  .get("/:id/moderators", requireRole("teacher"), async (c) => {
    const cls = await managedClass(c);
    const rows = await getDb(c.env)
      .select({
        userId: schema.users.id,
        email: schema.users.email,
        displayName: schema.users.displayName,
      })
      .from(schema.classModerators)
      .innerJoin(schema.users, eq(schema.users.id, schema.classModerators.userId))
      .where(eq(schema.classModerators.classId, cls.id));
    return c.json({ moderators: rows satisfies ClassModerator[] });
  })
  .post("/:id/moderators", requireRole("teacher"), async (c) => {
    const { email } = await readJson(c, ModeratorBody);
    const cls = await managedClass(c);
    const u = await userByEmail(c, email);
    await getDb(c.env)
      .insert(schema.classModerators)
      .values({ classId: cls.id, userId: u.id })
      .onConflictDoNothing();
    await audit(c, cls.id, "moderator.grant", u.id);
    const moderator: ClassModerator = { userId: u.id, email: u.email, displayName: u.displayName };
    return c.json({ moderator }, 201);
  })
  .delete("/:id/moderators", requireRole("teacher"), async (c) => {
    const { email } = await readJson(c, ModeratorBody);
    const cls = await managedClass(c);
    const u = await userByEmail(c, email);
    const gone = await getDb(c.env)
      .delete(schema.classModerators)
      .where(
        and(eq(schema.classModerators.classId, cls.id), eq(schema.classModerators.userId, u.id)),
      )
      .returning();
    if (gone.length === 0)
      throw new ApiError(404, "not_found", "That user is not a moderator of this class.");
    await audit(c, cls.id, "moderator.revoke", u.id);
    await kickFromClasses(c.env, [cls.id], u.id, "moderator access revoked");
    return c.body(null, 204);
  });
