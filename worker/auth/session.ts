/**
 * Sessions are HS256 JWTs in an HttpOnly cookie (or an `Authorization: Bearer`
 * header for non-browser clients such as OBS). The algorithm is pinned on verify,
 * so `alg: none` or an RS/HS confusion is rejected by construction.
 */
import type { Context, MiddlewareHandler } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { sign, verify } from "hono/jwt";
import type { Role, SessionUser } from "../../protocol/api.ts";
import { ApiError } from "../errors.ts";
import type { AppEnv } from "../types.ts";

export const SESSION_COOKIE = "mc_session";
export const ISSUER = "mass-class";
/** Session lifetime for accounts; guests get the same, scoped to one class. */
export const SESSION_TTL_S = 7 * 24 * 3600;

/** Token audiences: a browser session, or a short-lived socket join ticket. */
export type Audience = "session" | "ws" | "whip";

interface Claims {
  sub: string;
  name: string;
  role: SessionUser["role"];
  email?: string;
  cls?: string;
  aud: Audience;
  iss: string;
  iat: number;
  exp: number;
}

/** Sign a token for `user`, valid for `ttlS` seconds. */
export async function signToken(
  user: SessionUser,
  secret: string,
  aud: Audience,
  ttlS: number,
): Promise<string> {
  const iat = Math.floor(Date.now() / 1000);
  const claims: Claims = {
    sub: user.id,
    name: user.displayName,
    role: user.role,
    aud,
    iss: ISSUER,
    iat,
    exp: iat + ttlS,
  };
  if (user.email) claims.email = user.email;
  if (user.classId) claims.cls = user.classId;
  return sign({ ...claims }, secret, "HS256");
}

/** Verify a token; returns null for anything forged, expired, of another audience or algorithm. */
export async function verifyToken(
  token: string,
  secret: string,
  aud: Audience,
): Promise<SessionUser | null> {
  try {
    const p = (await verify(token, secret, {
      alg: "HS256",
      iss: ISSUER,
      aud,
    })) as unknown as Claims;
    if (typeof p.sub !== "string" || typeof p.name !== "string") return null;
    const roles: SessionUser["role"][] = ["admin", "teacher", "student", "guest"];
    if (!roles.includes(p.role)) return null;
    const user: SessionUser = { id: p.sub, displayName: p.name, role: p.role };
    if (p.email) user.email = p.email;
    if (p.cls) user.classId = p.cls;
    return user;
  } catch {
    return null;
  }
}

/** Secure cookies everywhere except plain-HTTP localhost development. */
function isLocalHttp(c: Context): boolean {
  const url = new URL(c.req.url);
  return url.protocol === "http:" && ["localhost", "127.0.0.1", "[::1]"].includes(url.hostname);
}

export async function startSession(c: Context<AppEnv>, user: SessionUser): Promise<void> {
  const token = await signToken(user, c.env.JWT_SECRET, "session", SESSION_TTL_S);
  setCookie(c, SESSION_COOKIE, token, {
    httpOnly: true,
    secure: !isLocalHttp(c),
    sameSite: "Lax",
    path: "/",
    maxAge: SESSION_TTL_S,
  });
}

export function endSession(c: Context<AppEnv>): void {
  deleteCookie(c, SESSION_COOKIE, { path: "/", secure: !isLocalHttp(c) });
}

/** Reads the session (cookie or Bearer) into `c.var.user`; never rejects by itself. */
export const loadSession: MiddlewareHandler<AppEnv> = async (c, next) => {
  const bearer = c.req.header("authorization")?.match(/^Bearer\s+(.+)$/i)?.[1];
  const token = bearer ?? getCookie(c, SESSION_COOKIE);
  c.set("user", token ? await verifyToken(token, c.env.JWT_SECRET, "session") : null);
  c.set("bearer", Boolean(bearer));
  await next();
};

/**
 * Re-read an account's role and disabled flag from D1: session tokens live for days,
 * so a disabled or demoted account must not keep acting on what its token says.
 * Guests have no account row and are returned as they are.
 */
export async function refreshAccount(env: Env, user: SessionUser): Promise<SessionUser> {
  if (user.role === "guest") return user;
  const row = await env.DB.prepare("SELECT role, disabled FROM users WHERE id = ?")
    .bind(user.id)
    .first<{ role: Role; disabled: number }>();
  if (!row || row.disabled)
    throw new ApiError(401, "account_disabled", "This account is disabled.");
  return { ...user, role: row.role };
}

/** Require a signed-in user with one of `roles` (admins pass every check), checked against D1. */
export function requireRole(...roles: (Role | "guest")[]): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const token = c.get("user");
    if (!token) throw new ApiError(401, "unauthenticated", "Sign in first.");
    const user = await refreshAccount(c.env, token);
    c.set("user", user);
    if (user.role !== "admin" && !roles.includes(user.role)) {
      throw new ApiError(403, "forbidden", "You do not have access to this.");
    }
    await next();
  };
}
