/**
 * Admin-only routes: user directory (search, change role, disable — each change
 * audited), teacher invite links, every class filtered by live now / scheduled / past, and the audit log
 * (admin and moderator actions) with filters and paging.
 */
import { and, desc, eq, gt, lt, type SQL, sql } from "drizzle-orm";
import { Hono } from "hono";
import {
  type AdminAuditEntry,
  type AdminAuditPage,
  AdminAuditQuery,
  type AdminClass,
  AdminClassesQuery,
  type AdminOverview,
  AdminUsersQuery,
} from "../../protocol/admin.ts";
import { AdminUpdateUserBody, type AdminUser, type TeacherInvite } from "../../protocol/api.ts";
import { MINT_SLACK_MS, requireRole } from "../auth/access.ts";
import { randomId } from "../auth/crypto.ts";
import { workerConfig } from "../config.ts";
import { getDb, schema } from "../db/index.ts";
import { ApiError } from "../errors.ts";
import { logEvent } from "../log.ts";
import type { AppEnv } from "../types.ts";
import { jsonBody, query } from "../validate.ts";
import { kickFromClasses } from "./moderators.ts";

/**
 * Most classes whose sockets a demotion or disable closes: one root RPC each, and a Worker
 * request may make at most 1,000 subrequests (the D1 batch and audit insert are two more).
 */
const KICK_CLASSES_MAX = 900;
/** Classes whose last session ended this recently may still hold sockets (waiting rooms). */
const RECENT_SESSION_MS = 6 * 3600_000;

/** Teacher invite links are valid this long. */
const INVITE_TTL_MS = 7 * 24 * 3600_000;

/** Platform roles by power, to tell a demotion from a promotion. */
const RANK = { student: 0, teacher: 1, admin: 2 } as const;

/**
 * Every class where `userId` may hold a socket now: the classes they teach or moderate,
 * and every class with a session open or ended in the last hours (a class session starts
 * at its first join, so any class with sockets has one). No per-user index of sockets
 * exists (admission stays D1-free per socket), so a kick reaches all of them; a root
 * without the user's sockets does nothing.
 */
async function classesWithSocketsOf(env: Env, userId: string): Promise<string[]> {
  const db = getDb(env);
  const since = Date.now() - RECENT_SESSION_MS;
  const [taught, moderated, active] = await db.batch([
    db
      .select({ id: schema.classes.id })
      .from(schema.classes)
      .where(eq(schema.classes.teacherId, userId))
      .orderBy(desc(schema.classes.createdAt))
      .limit(KICK_CLASSES_MAX),
    db
      .select({ id: schema.classModerators.classId })
      .from(schema.classModerators)
      .where(eq(schema.classModerators.userId, userId))
      .limit(KICK_CLASSES_MAX),
    db
      .selectDistinct({ id: schema.classSessions.classId })
      .from(schema.classSessions)
      .where(
        sql`${schema.classSessions.endedAt} IS NULL OR ${schema.classSessions.endedAt} > ${since}`,
      )
      .limit(KICK_CLASSES_MAX),
  ]);
  const ids = [...new Set([...taught, ...moderated, ...active].map((r) => r.id))];
  if (ids.length > KICK_CLASSES_MAX)
    logEvent({ event: "kick_truncated", userId, classes: ids.length });
  return ids.slice(0, KICK_CLASSES_MAX);
}

/**
 * Every class where `userId` may hold an unspent join ticket (or a socket it opened a
 * moment ago): the classes of `ticket_mints` whose ticket expires after now − slack. Read
 * after the token version bump commits, and every mint records its class in the same
 * transaction as its read of the version, so a ticket of the old version has its row here
 * (decision 014). Bounded by TICKET_LIMITER (per-user mints a minute).
 */
async function classesWithTicketsOf(env: Env, userId: string): Promise<string[]> {
  const rows = await getDb(env)
    .select({ id: schema.ticketMints.classId })
    .from(schema.ticketMints)
    .where(
      and(
        eq(schema.ticketMints.userId, userId),
        gt(schema.ticketMints.expiresAt, Date.now() - MINT_SLACK_MS),
      ),
    );
  return rows.map((r) => r.id);
}

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
  .get("/users", query(AdminUsersQuery), async (c) => {
    const { q } = c.req.valid("query");
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
  .patch("/users/:id", jsonBody(AdminUpdateUserBody), async (c) => {
    const body = c.req.valid("json");
    if (body.role === undefined && body.disabled === undefined)
      throw new ApiError(400, "validation_failed", "Send `role` and/or `disabled`.");
    const id = c.req.param("id");
    if (id === c.get("user").id && (body.disabled || (body.role && body.role !== "admin"))) {
      throw new ApiError(400, "bad_request", "You cannot disable or demote yourself.");
    }
    const db = getDb(c.env);
    const before = await db.query.users.findFirst({ where: eq(schema.users.id, id) });
    if (!before) throw new ApiError(404, "not_found", "No such user.");
    // Losing power (a lower role, or disabled) revokes every session, join ticket and stream
    // token minted before, and closes the account's sockets everywhere below.
    const losesPower =
      (body.disabled === true && !before.disabled) ||
      (body.role !== undefined && RANK[body.role] < RANK[before.role]);
    const [row] = await db
      .update(schema.users)
      .set(losesPower ? { ...body, tokenVersion: sql`${schema.users.tokenVersion} + 1` } : body)
      .where(eq(schema.users.id, id))
      .returning();
    if (!row) throw new ApiError(404, "not_found", "No such user.");
    await db.insert(schema.auditLog).values(
      (["role", "disabled"] as const)
        .filter((k) => body[k] !== undefined)
        .map((k) => ({
          at: Date.now(),
          actorId: c.get("user").id,
          classId: null,
          action: k === "role" ? "user.role" : body.disabled ? "user.disable" : "user.enable",
          target: id,
          detail: k === "role" ? JSON.stringify({ role: body.role }) : null,
        })),
    );
    if (losesPower) {
      // Classes with a live ticket first: never cut by KICK_CLASSES_MAX.
      const ticketed = await classesWithTicketsOf(c.env, id);
      const others = (await classesWithSocketsOf(c.env, id)).filter((x) => !ticketed.includes(x));
      const targets = [
        ...ticketed,
        ...others.slice(0, Math.max(0, KICK_CLASSES_MAX - ticketed.length)),
      ];
      await kickFromClasses(c.env, targets, id, "account changed", row.tokenVersion);
    }
    return c.json({ user: toAdminUser(row) });
  })
  /** A single-use invite link that signs up a teacher (valid 7 days). */
  .post("/invites", async (c) => {
    const id = randomId(18);
    const now = Date.now();
    const expiresAt = now + INVITE_TTL_MS;
    const actorId = c.get("user").id;
    const db = getDb(c.env);
    await db.batch([
      db
        .insert(schema.teacherInvites)
        .values({ id, createdBy: actorId, createdAt: now, expiresAt }),
      db.insert(schema.auditLog).values({
        at: now,
        actorId,
        classId: null,
        action: "invite.teacher",
        target: null,
        detail: JSON.stringify({ expiresAt }),
      }),
    ]);
    const origin = workerConfig(c.env).PUBLIC_ORIGIN || new URL(c.req.url).origin;
    const invite: TeacherInvite = {
      url: `${origin}/signup?invite=${id}`,
      expiresAt: new Date(expiresAt).toISOString(),
    };
    return c.json(invite, 201);
  })
  .get("/classes", query(AdminClassesQuery), async (c) => {
    const { status, q } = c.req.valid("query");
    const db = getDb(c.env);
    const k = schema.classes;
    const now = Date.now();
    // Live = a lease the Classroom DO renews while its publisher reports and clears when the
    // stream ends: a class whose root or bridge died lapses by itself (not an open session row).
    const live = sql<number>`coalesce(${k.liveUntil} > ${now}, 0)`;
    const filters: (SQL | undefined)[] = [];
    if (q)
      filters.push(
        sql`(${k.title} LIKE ${like(q)} ESCAPE '\\' OR ${schema.users.displayName} LIKE ${like(q)} ESCAPE '\\')`,
      );
    if (status === "live") filters.push(sql`${live}`);
    if (status === "scheduled") filters.push(and(gt(k.scheduledStart, now), sql`NOT ${live}`));
    if (status === "past")
      filters.push(
        and(sql`NOT ${live}`, sql`(${k.scheduledStart} IS NULL OR ${k.scheduledStart} <= ${now})`),
      );
    const rows = await db
      .select({
        id: k.id,
        title: k.title,
        teacherId: k.teacherId,
        teacherName: schema.users.displayName,
        scheduledStart: k.scheduledStart,
        live,
        lastSessionId: sql<
          string | null
        >`(SELECT s.id FROM class_sessions s WHERE s.class_id = ${k.id} ORDER BY s.started_at DESC LIMIT 1)`,
      })
      .from(k)
      .innerJoin(schema.users, eq(schema.users.id, k.teacherId))
      .where(and(...filters))
      .orderBy(desc(k.createdAt))
      .limit(200);
    const classes: AdminClass[] = rows.map((r) => ({ ...r, live: !!r.live }));
    return c.json({ classes });
  })
  /** Counts for the admin landing page (`/admin`). */
  .get("/overview", async (c) => {
    const db = getDb(c.env);
    const now = Date.now();
    const u = schema.users;
    const k = schema.classes;
    const [[users], [classes]] = await db.batch([
      db
        .select({
          users: sql<number>`count(*)`,
          teachers: sql<number>`coalesce(sum(${u.role} = 'teacher'), 0)`,
          admins: sql<number>`coalesce(sum(${u.role} = 'admin'), 0)`,
          disabled: sql<number>`coalesce(sum(${u.disabled}), 0)`,
        })
        .from(u),
      db
        .select({
          classes: sql<number>`count(*)`,
          liveClasses: sql<number>`coalesce(sum(coalesce(${k.liveUntil} > ${now}, 0)), 0)`,
        })
        .from(k),
    ]);
    const overview: AdminOverview = {
      users: users?.users ?? 0,
      teachers: users?.teachers ?? 0,
      admins: users?.admins ?? 0,
      disabled: users?.disabled ?? 0,
      classes: classes?.classes ?? 0,
      liveClasses: classes?.liveClasses ?? 0,
    };
    return c.json(overview);
  })
  .get("/audit", query(AdminAuditQuery), async (c) => {
    const { classId, classQuery, actorId, actorQuery, action, before, limit } =
      c.req.valid("query");
    const a = schema.auditLog;
    const actor = schema.users;
    const rows = await getDb(c.env)
      .select({
        id: a.id,
        at: a.at,
        actorId: a.actorId,
        actorName: actor.displayName,
        classId: a.classId,
        classTitle: schema.classes.title,
        action: a.action,
        target: a.target,
        // An account's name, else (a guest, `g_…`) the name it last attended this class
        // under: guests have no account row, only attendance.
        targetName: sql<string | null>`coalesce(
          (SELECT display_name FROM users t WHERE t.id = ${a.target}),
          (SELECT att.display_name FROM class_sessions s JOIN attendance att ON att.session_id = s.id
            WHERE s.class_id = ${a.classId} AND att.user_id = ${a.target}
            ORDER BY s.started_at DESC LIMIT 1))`,
        detail: a.detail,
      })
      .from(a)
      .leftJoin(actor, eq(actor.id, a.actorId))
      .leftJoin(schema.classes, eq(schema.classes.id, a.classId))
      .where(
        and(
          classId ? eq(a.classId, classId) : undefined,
          classQuery
            ? sql`${a.classId} IN (SELECT id FROM classes WHERE title LIKE ${like(classQuery)} ESCAPE '\\')`
            : undefined,
          actorId ? eq(a.actorId, actorId) : undefined,
          actorQuery
            ? sql`${a.actorId} IN (SELECT id FROM users WHERE display_name LIKE ${like(actorQuery)} ESCAPE '\\' OR email LIKE ${like(actorQuery)} ESCAPE '\\')`
            : undefined,
          action ? eq(a.action, action) : undefined,
          before ? lt(a.id, before) : undefined,
        ),
      )
      .orderBy(desc(a.id))
      .limit(limit + 1);
    const more = rows.length > limit;
    const entries: AdminAuditEntry[] = rows.slice(0, limit);
    const page: AdminAuditPage = {
      entries,
      next: more ? (entries[entries.length - 1]?.id ?? null) : null,
    };
    return c.json(page);
  });

function like(q: string): string {
  return `%${q.replace(/[\\%_]/g, (m) => `\\${m}`)}%`;
}
