/**
 * Socket access: who may join a class's real-time layer, with which class role,
 * and the short-lived join tickets (`POST /api/classes/:id/ticket`).
 */
import { and, eq } from "drizzle-orm";
import { Hono } from "hono";
import { type JoinClaims, pickSection } from "../../durable-objects/admission-core.ts";
import { STAFF_SECTION } from "../../durable-objects/rpc.ts";
import type { JoinTicket } from "../../protocol/api.ts";
import { type ClassRole, isStaff, socketPath, socketSearch } from "../../protocol/realtime.ts";
import { signJoinTicket } from "../auth/join-ticket.ts";
import { checkAccount, type TokenUser } from "../auth/session.ts";
import { workerConfig } from "../config.ts";
import { getDb, schema } from "../db/index.ts";
import type { ClassRow } from "../db/schema.ts";
import { ApiError, rateLimited } from "../errors.ts";
import type { AppEnv } from "../types.ts";
import { classDirectory, takeSeat, withMint } from "./class-directory.ts";

/** Join tickets live this long: enough to open a socket, too short to be worth stealing. */
export const TICKET_TTL_S = 60;
/** The window of TICKET_LIMITER (wrangler.toml): a refused minter may try again after it. */
export const TICKET_LIMIT_PERIOD_S = 60;

/**
 * Refuse a user minting more join tickets than TICKET_LIMITER allows (per user id, account
 * or guest): 429 `rate_limited` with `Retry-After`. It bounds the work one account can put
 * on D1 and the directory, and the classes a demotion must reach (decision 014).
 */
async function limitMints(env: Env, userId: string): Promise<void> {
  const { success } = await env.TICKET_LIMITER.limit({ key: `ticket:${userId}` });
  if (!success)
    throw rateLimited("Too many join tickets. Wait a minute and try again.", TICKET_LIMIT_PERIOD_S);
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

/**
 * Mint a join ticket for `user` in `classId`: the access check against D1 (one batched
 * query; guests one), then the section from the root's directory as this isolate last saw
 * it (classDirectory: at most one root request per isolate per second; staff: the staff
 * section, no root request). The ticket carries everything the shard needs to admit alone.
 */
/** Fresh directory requests one mint makes before it answers 503 `section_full`. */
const DIRECTORY_RETRIES = 5;

export async function mintJoinTicket(
  env: Env,
  user: TokenUser | null,
  classId: string,
  hint?: string,
): Promise<{ ticket: string; claims: JoinClaims }> {
  if (user) await limitMints(env, user.id);
  // Issued before the access read: a revocation that commits after that read is later than
  // the ticket by the shards' clock too (admitAtShard compares the two).
  const issuedAt = Date.now();
  const access = await classAccess(env, user, classId, issuedAt + TICKET_TTL_S * 1000);
  const host = workerConfig(env).SHARD_HOST || undefined;
  let sectionId = STAFF_SECTION;
  let sectionHost = host;
  if (!isStaff(access.role)) {
    const mode = access.cls.latencyMode;
    const pick = await withMint(classId, host, async () => {
      let dir = await classDirectory(env, classId, host, false, mode);
      let p = pickSection(dir, access.user.id, hint);
      // This isolate spent the room it knew of: the root lends more (a seat for every mint
      // waiting here) or opens a section. Mints racing in this isolate share one answer,
      // so one that loses the last seat asks again.
      for (let i = 0; !p && i < DIRECTORY_RETRIES; i++) {
        dir = await classDirectory(env, classId, host, true, mode);
        p = pickSection(dir, access.user.id, hint);
      }
      if (p) takeSeat(dir, p.sectionId);
      return p;
    });
    if (!pick) throw new ApiError(503, "section_full", "The class is filling up; try again.");
    sectionId = pick.sectionId;
    sectionHost = pick.host;
  }
  const t: Parameters<typeof signJoinTicket>[0] = {
    classId,
    sectionId,
    user: { id: access.user.id, name: access.user.displayName },
    role: access.role,
  };
  if (sectionHost) t.host = sectionHost;
  if (access.user.tokenVersion !== undefined) t.tokenVersion = access.user.tokenVersion;
  if (access.user.device) t.device = access.user.device;
  return signJoinTicket(t, workerConfig(env).JWT_SECRET, TICKET_TTL_S, issuedAt);
}

/** `POST /api/classes/:id/ticket[?section=sN]` — mounted under /api/classes. */
export const tickets = new Hono<AppEnv>().post("/:id/ticket", async (c) => {
  const classId = c.req.param("id");
  const hint = c.req.query("section");
  const { ticket } = await mintJoinTicket(
    c.env,
    c.get("user"),
    classId,
    hint && /^s\d{1,6}$/.test(hint) ? hint : undefined,
  );
  const body: JoinTicket = {
    ticket,
    expiresInS: TICKET_TTL_S,
    url: socketPath(classId) + socketSearch({ ticket }),
  };
  return c.json(body);
});
