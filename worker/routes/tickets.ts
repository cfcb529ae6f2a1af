/**
 * Socket access: who may join a class's real-time layer, with which class role,
 * and the short-lived join tickets (`POST /api/classes/:id/ticket`).
 */
import { and, eq } from "drizzle-orm";
import { Hono } from "hono";
import type { JoinTicket } from "../../protocol/api.ts";
import { type ClassRole, socketPath, socketSearch } from "../../protocol/realtime.ts";
import { checkAccount, signToken, type TokenUser } from "../auth/session.ts";
import { getDb, schema } from "../db/index.ts";
import type { ClassRow } from "../db/schema.ts";
import { ApiError } from "../errors.ts";
import type { AppEnv } from "../types.ts";

/** Join tickets live this long: enough to open a socket, too short to be worth stealing. */
export const TICKET_TTL_S = 60;

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
 */
export async function classAccess(
  env: Env,
  user: TokenUser | null,
  classId: string,
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
  // Every socket connect comes through here: one D1 round trip for all three look-ups.
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

/** `POST /api/classes/:id/ticket` — mounted under /api/classes. */
export const tickets = new Hono<AppEnv>().post("/:id/ticket", async (c) => {
  const classId = c.req.param("id");
  const { user } = await classAccess(c.env, c.get("user"), classId);
  const ticket = await signToken({ ...user, classId }, c.env.JWT_SECRET, "ws", TICKET_TTL_S);
  const body: JoinTicket = {
    ticket,
    expiresInS: TICKET_TTL_S,
    url: socketPath(classId) + socketSearch({ ticket }),
  };
  return c.json(body);
});
