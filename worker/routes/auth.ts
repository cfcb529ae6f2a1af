/** Sign-up, sign-in, sign-out, the current session, and guest join. */
import { eq } from "drizzle-orm";
import { type Context, Hono } from "hono";
import {
  type AuthConfig,
  GuestJoinBody,
  type SessionUser,
  SignInBody,
  SignUpBody,
} from "../../protocol/api.ts";
import { classroomRoot } from "../auth/access.ts";
import { ensureDevice } from "../auth/client.ts";
import { hashPassword, PBKDF2_ITERATIONS, randomId, timingSafeEqual } from "../auth/crypto.ts";
import { endSession, publicUser, refreshAccount, startSession } from "../auth/session.ts";
import { requireTurnstile, turnstileOn } from "../auth/turnstile.ts";
import { workerConfig } from "../config.ts";
import { getDb, schema } from "../db/index.ts";
import { ApiError } from "../errors.ts";
import type { AppEnv } from "../types.ts";
import { jsonBody } from "../validate.ts";

/** Why a password is too weak, or null when it is acceptable. */
export function passwordWeakness(password: string, email: string): string | null {
  if (password.length < 10) return "Use at least 10 characters.";
  const classes = [/[a-z]/, /[A-Z]/, /[0-9]/, /[^A-Za-z0-9]/].filter((r) =>
    r.test(password),
  ).length;
  if (classes < 2) return "Mix letters with digits or symbols.";
  if (password.toLowerCase().includes(email.split("@")[0]!.toLowerCase()))
    return "Do not use your email in the password.";
  return null;
}

/**
 * Refuse when the attempt is over an auth rate limit. Account attempts (sign-in) are
 * counted per (email, client address): a stranger guessing someone's password from their
 * own address uses up only their own budget, so the owner still signs in from theirs,
 * while one address still gets at most AUTH_LIMITER's tries per account a minute. Every
 * kind of attempt is also counted per client address (IP_LIMITER), bounding one address's
 * guesses over all accounts. Cloudflare always supplies the client address in production;
 * without it (local HTTP), account attempts count per email alone.
 */
async function limit(c: Context<AppEnv>, what: string, email?: string): Promise<void> {
  const checks: [RateLimit, string][] = [];
  const ip = c.req.header("cf-connecting-ip");
  if (email) checks.push([c.env.AUTH_LIMITER, `${what}:email:${email}:ip:${ip ?? "-"}`]);
  if (ip) checks.push([c.env.IP_LIMITER, `${what}:ip:${ip}`]);
  for (const [limiter, key] of checks) {
    const { success } = await limiter.limit({ key });
    if (!success)
      throw new ApiError(429, "rate_limited", "Too many attempts. Wait a minute and try again.");
  }
}

/** Mark teacher invite `inviteId` used by `userId`; false when unknown, used or expired. */
async function claimInvite(env: Env, inviteId: string, userId: string): Promise<boolean> {
  const now = Date.now();
  const row = await env.DB.prepare(
    "UPDATE teacher_invites SET used_by = ?, used_at = ? WHERE id = ? AND used_by IS NULL AND expires_at > ? RETURNING id",
  )
    .bind(userId, now, inviteId, now)
    .first();
  return row !== null;
}

/** Give a claimed invite back (the sign-up that claimed it failed). */
async function releaseInvite(env: Env, inviteId: string, userId: string): Promise<void> {
  await env.DB.prepare(
    "UPDATE teacher_invites SET used_by = NULL, used_at = NULL WHERE id = ? AND used_by = ?",
  )
    .bind(inviteId, userId)
    .run();
}

/** The same work for an unknown email as for a wrong password, so timing does not reveal accounts. */
const DUMMY_SALT = "AAAAAAAAAAAAAAAAAAAAAA";

export const auth = new Hono<AppEnv>()
  /** What the sign-up and guest-join forms need: the Turnstile site key when it is on. */
  .get("/config", (c) => {
    const config: AuthConfig = {
      turnstileSiteKey: turnstileOn(c.env) ? workerConfig(c.env).TURNSTILE_SITE_KEY || null : null,
    };
    return c.json(config);
  })
  .post("/signup", jsonBody(SignUpBody), async (c) => {
    const body = c.req.valid("json");
    await limit(c, "signup");
    await requireTurnstile(c, body.turnstileToken);
    const weakness = passwordWeakness(body.password, body.email);
    if (weakness) throw new ApiError(400, "weak_password", weakness);
    const db = getDb(c.env);
    const salt = randomId(16);
    const id = randomId(12);
    // An admin's invite link makes a teacher: claim it for this account first (single use).
    const invited = body.invite ? await claimInvite(c.env, body.invite, id) : false;
    if (body.invite && !invited)
      throw new ApiError(
        400,
        "invite_invalid",
        "This invite link was used or has expired. Ask your admin for a new one.",
      );
    const user = {
      id,
      email: body.email,
      displayName: body.displayName,
      role: invited ? ("teacher" as const) : ("student" as const),
      passwordSalt: salt,
      passwordIterations: PBKDF2_ITERATIONS,
      passwordHash: await hashPassword(body.password, salt),
    };
    const inserted = await db
      .insert(schema.users)
      .values(user)
      .onConflictDoNothing()
      .returning({ id: schema.users.id });
    if (inserted.length === 0) {
      if (body.invite) await releaseInvite(c.env, body.invite, id);
      throw new ApiError(409, "email_taken", "An account with this email already exists.");
    }
    const session: SessionUser = {
      id: user.id,
      displayName: user.displayName,
      role: user.role,
      email: user.email,
    };
    await startSession(c, session);
    return c.json({ user: session }, 201);
  })
  .post("/signin", jsonBody(SignInBody), async (c) => {
    const body = c.req.valid("json");
    await limit(c, "signin", body.email);
    const row = await getDb(c.env).query.users.findFirst({
      where: eq(schema.users.email, body.email),
    });
    const hash = await hashPassword(
      body.password,
      row?.passwordSalt ?? DUMMY_SALT,
      row?.passwordIterations,
    );
    if (!row || !timingSafeEqual(hash, row.passwordHash)) {
      throw new ApiError(401, "invalid_credentials", "Wrong email or password.");
    }
    if (row.disabled) throw new ApiError(403, "account_disabled", "This account is disabled.");
    const session: SessionUser = {
      id: row.id,
      displayName: row.displayName,
      role: row.role,
      email: row.email,
    };
    await startSession(c, { ...session, tokenVersion: row.tokenVersion });
    return c.json({ user: session });
  })
  .post("/signout", (c) => {
    endSession(c);
    return c.body(null, 204);
  })
  /** The current user, with the account's role as it is now (a revoked session is 401). */
  .get("/me", async (c) => {
    const user = c.get("user");
    if (!user) throw new ApiError(401, "unauthenticated", "Not signed in.");
    return c.json({ user: publicUser(await refreshAccount(c.env, user)) });
  })
  /** Guest join: a display name becomes a signed guest identity valid for one class. */
  .post("/guest/:classId", jsonBody(GuestJoinBody), async (c) => {
    const body = c.req.valid("json");
    await limit(c, "guest");
    const classId = c.req.param("classId");
    const row = await getDb(c.env).query.classes.findFirst({
      where: eq(schema.classes.id, classId),
    });
    if (!row) throw new ApiError(404, "not_found", "No such class.");
    if (!row.guestAccess)
      throw new ApiError(
        403,
        "guest_access_disabled",
        "This class does not allow guests. Sign in to join.",
      );
    await requireTurnstile(c, body.turnstileToken);
    const current = c.get("user");
    const mine = current?.role === "guest" && current.classId === classId ? current : null;
    const known = mine?.id ?? null;
    // A ban also covers fresh guest ids from the banned user's address or device: the
    // signed cookie's, and the one the guest pass presented was issued to.
    const marks = await ensureDevice(c);
    const root = classroomRoot(c.env, classId);
    if (await root.guestRefused(classId, marks, known))
      throw new ApiError(403, "banned", "You are banned from this class.");
    if (
      mine?.device &&
      mine.device !== marks.device &&
      (await root.guestRefused(classId, { device: mine.device }, known))
    )
      throw new ApiError(403, "banned", "You are banned from this class.");
    const id = known ?? `g_${randomId(12)}`;
    const guest: SessionUser = { id, displayName: body.displayName, role: "guest", classId };
    // The pass keeps the device it was first issued to (a new cookie does not launder it).
    await startSession(c, { ...guest, device: mine?.device ?? marks.device });
    return c.json({ user: guest }, 201);
  });
