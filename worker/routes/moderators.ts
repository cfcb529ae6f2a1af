/**
 * Per-class moderators (teacher-only): `GET/POST/DELETE /api/classes/:id/moderators`.
 * Grants are invitations by email that never reveal whether an account exists: they
 * apply to the account with that email now or when it signs up, from its next socket
 * connect; a revocation closes the user's open sockets in the class at once (close 4001).
 * Grants and revocations are rate-limited per teacher.
 */
import { eq } from "drizzle-orm";
import type { Context } from "hono";
import { Hono } from "hono";
import { type ClassModerator, ModeratorBody } from "../../protocol/api.ts";
import { requireRole, type SignedInEnv } from "../auth/access.ts";
import { getDb, schema } from "../db/index.ts";
import { ApiError } from "../errors.ts";
import { errorMessage, logEvent } from "../log.ts";
import type { AppEnv } from "../types.ts";
import { jsonBody } from "../validate.ts";
import { canManage } from "./classes.ts";

async function managedClass<E extends AppEnv>(c: Context<E>) {
  const cls = await getDb(c.env).query.classes.findFirst({
    where: eq(schema.classes.id, c.req.param("id") ?? ""),
  });
  if (!cls) throw new ApiError(404, "not_found", "No such class.");
  if (!canManage(c.get("user"), cls))
    throw new ApiError(403, "forbidden", "Only this class's teacher can manage moderators.");
  return cls;
}

/** Moderator grants one teacher may make or revoke a minute (AUTH_LIMITER: 10/min). */
async function limitGrants<E extends SignedInEnv>(c: Context<E>): Promise<void> {
  const { success } = await c.env.AUTH_LIMITER.limit({ key: `moderators:${c.get("user").id}` });
  if (!success)
    throw new ApiError(429, "rate_limited", "Too many moderator changes. Wait a minute.");
}

/**
 * Close `userId`'s open sockets in each class (close 4001, via the class root), so revoked
 * powers end now rather than at the next reconnect; `tokenVersion` (demotion, disabling):
 * the account's new version, so the shards refuse its older tickets too. Best effort: a root that cannot be
 * reached is logged, not fatal — the D1 change already took effect for new connections.
 */
export async function kickFromClasses(
  env: Env,
  classIds: string[],
  userId: string,
  reason: string,
  tokenVersion?: number,
): Promise<void> {
  const kick = (id: string) =>
    env.CLASSROOM.get(env.CLASSROOM.idFromName(id)).kickUser(id, userId, reason, tokenVersion);
  // One retry: a revocation that does not reach a root leaves that class's tickets good.
  const results = await Promise.allSettled(classIds.map((id) => kick(id).catch(() => kick(id))));
  for (const r of results)
    if (r.status === "rejected")
      logEvent({ event: "kick_failed", userId, message: errorMessage(r.reason) });
}

/** Audit a grant or revocation; `target` is the account with that email, if any (admins see it). */
function audit<E extends SignedInEnv>(
  c: Context<E>,
  classId: string,
  action: string,
  email: string,
) {
  return c.env.DB.prepare(
    "INSERT INTO audit_log (at, actor_id, class_id, action, target, detail) VALUES (?, ?, ?, ?, (SELECT id FROM users WHERE email = ?), ?)",
  ).bind(Date.now(), c.get("user").id, classId, action, email, JSON.stringify({ email }));
}

export const moderators = new Hono<AppEnv>()
  .get("/:id/moderators", requireRole("teacher"), async (c) => {
    const cls = await managedClass(c);
    const rows = await getDb(c.env)
      .select({ email: schema.moderatorInvites.email })
      .from(schema.moderatorInvites)
      .where(eq(schema.moderatorInvites.classId, cls.id))
      .orderBy(schema.moderatorInvites.at);
    return c.json({ moderators: rows satisfies ClassModerator[] });
  })
  /**
   * Grant by email: the same answer whether or not an account has that email (no account
   * discovery). The grant applies to the account that has the email now; it is never
   * applied later at sign-up, because sign-up does not prove who owns an email (whoever
   * signed up first with a pending invite's address would become a moderator). A teacher
   * whose moderator signs up afterwards grants again (idempotent).
   */
  .post("/:id/moderators", requireRole("teacher"), jsonBody(ModeratorBody), async (c) => {
    const { email } = c.req.valid("json");
    const cls = await managedClass(c);
    await limitGrants(c);
    // One batch whatever the email: the work (and so the timing) does not depend on it.
    await c.env.DB.batch([
      c.env.DB.prepare(
        "INSERT OR IGNORE INTO moderator_invites (class_id, email, invited_by, at) VALUES (?, ?, ?, ?)",
      ).bind(cls.id, email, c.get("user").id, Date.now()),
      c.env.DB.prepare(
        "INSERT OR IGNORE INTO class_moderators (class_id, user_id) SELECT ?, id FROM users WHERE email = ?",
      ).bind(cls.id, email),
      audit(c, cls.id, "moderator.grant", email),
    ]);
    const moderator: ClassModerator = { email };
    return c.json({ moderator }, 201);
  })
  /** Revoke by email: 204 either way; an account holding the grant loses its sockets' powers now. */
  .delete("/:id/moderators", requireRole("teacher"), jsonBody(ModeratorBody), async (c) => {
    const { email } = c.req.valid("json");
    const cls = await managedClass(c);
    await limitGrants(c);
    const [, gone] = await c.env.DB.batch<{ user_id: string }>([
      c.env.DB.prepare("DELETE FROM moderator_invites WHERE class_id = ? AND email = ?").bind(
        cls.id,
        email,
      ),
      c.env.DB.prepare(
        "DELETE FROM class_moderators WHERE class_id = ? AND user_id IN (SELECT id FROM users WHERE email = ?) RETURNING user_id",
      ).bind(cls.id, email),
      audit(c, cls.id, "moderator.revoke", email),
    ]);
    for (const { user_id } of gone?.results ?? [])
      await kickFromClasses(c.env, [cls.id], user_id, "moderator access revoked");
    return c.body(null, 204);
  });
