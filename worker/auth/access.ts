/**
 * Who may do what, decided from D1 as it is now (never from a token's claims alone): the
 * `requireRole` middleware for platform roles, `classAccess` for a class (as teacher,
 * moderator, student or guest), and the class's root Durable Object they lead to.
 */
import { and, eq, lt, sql } from "drizzle-orm";
import type { MiddlewareHandler } from "hono";
import type { Role } from "../../protocol/api.ts";
import type { ClassRole } from "../../protocol/realtime.ts";
import { getDb, schema } from "../db/index.ts";
import type { ClassRow } from "../db/schema.ts";
import { ApiError } from "../errors.ts";
import type { AppEnv } from "../types.ts";
import { checkAccount, refreshAccount, type TokenUser } from "./session.ts";

/** The roles each `requireRole` middleware lets through, for the OpenAPI document. */
export const roleRequirements = new WeakMap<object, string[]>();

/** What a route behind `requireRole` sees: a signed-in user, re-read from D1. */
export interface SignedInEnv extends AppEnv {
  Variables: AppEnv["Variables"] & { user: TokenUser };
}

/** What a route behind `requireClassAccess` sees: the caller's verified access to the class. */
export interface ClassMemberEnv extends AppEnv {
  Variables: AppEnv["Variables"] & { access: ClassAccess };
}

/**
 * Require access to the class named by the route's `:id` (`classAccess`: 401 / 403 / 404);
 * the handler reads it as `c.get("access")`.
 */
export function requireClassAccess(): MiddlewareHandler<ClassMemberEnv> {
  return async (c, next) => {
    c.set("access", await classAccess(c.env, c.get("user"), c.req.param("id") ?? ""));
    await next();
  };
}

/**
 * Require a signed-in user with one of `roles` (admins pass every check), checked against D1
 * (`refreshAccount`): 401 `unauthenticated` / `account_disabled`, 403 `forbidden`. The
 * handlers after it see `c.get("user")` as a `TokenUser`, never null.
 */
export function requireRole(...roles: (Role | "guest")[]): MiddlewareHandler<SignedInEnv> {
  const mw: MiddlewareHandler<SignedInEnv> = async (c, next) => {
    const token = c.get("user");
    if (!token) throw new ApiError(401, "unauthenticated", "Sign in first.");
    const user = await refreshAccount(c.env, token);
    c.set("user", user);
    if (user.role !== "admin" && !roles.includes(user.role)) {
      throw new ApiError(403, "forbidden", "You do not have access to this.");
    }
    await next();
  };
  roleRequirements.set(mw, ["admin", ...roles]);
  return mw;
}

/** The verified outcome of an access check. */
export interface ClassAccess {
  cls: ClassRow;
  /** The user as D1 has them now (role, name, token version). */
  user: TokenUser;
  role: ClassRole;
}

/**
 * Decide whether `user` may join class `classId`, and as what, from D1 as it is now (never
 * from the token's claims): the class's teacher role needs the platform role teacher (or
 * admin) today, so a demoted teacher joins their old class as a student. Throws ApiError:
 * 401 unauthenticated (incl. a token older than the account's token version) /
 * account_disabled, 403 forbidden / guest_access_disabled, 404 not_found.
 *
 * `mintExpiresAt` (ticket mints): also record, in the same D1 transaction, that this account
 * holds a ticket for the class until then (`ticket_mints`), so a demotion that commits
 * after this read finds the class (admin.ts revokeEverywhere, decision 014).
 */
export async function classAccess(
  env: Env,
  user: TokenUser | null,
  classId: string,
  mintExpiresAt?: number,
): Promise<ClassAccess> {
  if (!user) throw new ApiError(401, "unauthenticated", "Sign in or join as a guest first.");
  const db = getDb(env);
  const classQuery = db
    .select()
    .from(schema.classes)
    .where(eq(schema.classes.id, classId))
    .limit(1);
  if (user.role === "guest") {
    const cls = (await classQuery)[0];
    if (!cls) throw new ApiError(404, "not_found", "No such class.");
    if (user.classId !== classId)
      throw new ApiError(403, "forbidden", "This guest pass is for another class.");
    if (!cls.guestAccess)
      throw new ApiError(403, "guest_access_disabled", "This class does not allow guests.");
    return { cls, user, role: "guest" };
  }
  // Every join ticket comes through here: one D1 round trip for all three look-ups (and
  // the mint record: one transaction, so it commits before any demotion that follows).
  const mint = db
    .insert(schema.ticketMints)
    .values({ userId: user.id, classId, expiresAt: mintExpiresAt ?? 0 })
    .onConflictDoUpdate({
      target: [schema.ticketMints.userId, schema.ticketMints.classId],
      set: { expiresAt: mintExpiresAt ?? 0 },
    });
  const [classes, accounts, grants] = await db.batch([
    classQuery,
    db
      .select({
        role: schema.users.role,
        disabled: schema.users.disabled,
        tokenVersion: schema.users.tokenVersion,
        displayName: schema.users.displayName,
      })
      .from(schema.users)
      .where(eq(schema.users.id, user.id))
      .limit(1),
    db
      .select({ userId: schema.classModerators.userId })
      .from(schema.classModerators)
      .where(
        and(
          eq(schema.classModerators.classId, classId),
          eq(schema.classModerators.userId, user.id),
        ),
      )
      .limit(1),
    ...(mintExpiresAt === undefined ? [] : [mint]),
  ]);
  const cls = classes[0];
  if (!cls) throw new ApiError(404, "not_found", "No such class.");
  const row = accounts[0];
  checkAccount(user, row);
  const fresh: TokenUser = {
    ...user,
    role: row!.role,
    displayName: row!.displayName,
    tokenVersion: row!.tokenVersion,
  };
  if (row!.role === "admin" || (row!.role === "teacher" && cls.teacherId === user.id))
    return { cls, user: fresh, role: "teacher" };
  return { cls, user: fresh, role: grants.length > 0 ? "moderator" : "student" };
}

/** The root Durable Object of a class. */
export function classroomRoot(env: Env, classId: string) {
  return env.CLASSROOM.get(env.CLASSROOM.idFromName(classId));
}

/**
 * A class where a ticket was minted up to this long before its expiry may hold a socket
 * whose class session is not in D1 yet (a root flushes it within seconds).
 */
export const MINT_SLACK_MS = 60_000;

/** Most `ticket_mints` rows one cron run deletes (one statement; the next minute takes the rest). */
export const MINT_PRUNE_BATCH = 5_000;

/**
 * Cron: forget mint records whose ticket expired more than MINT_SLACK_MS ago. Nothing reads
 * them any more (a revocation looks only at tickets that may still be spent), and without
 * this the table keeps one row per user and class for ever. Returns the rows deleted.
 */
export async function pruneTicketMints(env: Env, now = Date.now()): Promise<number> {
  const t = schema.ticketMints;
  const db = getDb(env);
  const stale = db
    .select({ rowid: sql`rowid` })
    .from(t)
    .where(lt(t.expiresAt, now - MINT_SLACK_MS))
    .limit(MINT_PRUNE_BATCH);
  const r = await db.delete(t).where(sql`rowid IN ${stale}`);
  return r.meta.changes ?? 0;
}
