/**
 * Sessions are HS256 JWTs in an HttpOnly cookie (or an `Authorization: Bearer`
 * header for non-browser clients such as OBS). The algorithm is pinned on verify,
 * so `alg: none` or an RS/HS confusion is rejected by construction.
 */
import type { Context, MiddlewareHandler } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { sign, verify } from "hono/jwt";
import type { Role, SessionUser } from "../../protocol/api.ts";
import { workerConfig } from "../config.ts";
import { ApiError } from "../errors.ts";
import type { AppEnv } from "../types.ts";
import { DEVICE_ID } from "./client.ts";

export const SESSION_COOKIE = "mc_session";
export const ISSUER = "mass-class";
/** Session lifetime for accounts; guests get the same, scoped to one class. */
export const SESSION_TTL_S = 7 * 24 * 3600;

/** Token audiences: a browser session, or a short-lived socket join ticket. */
export type Audience = "session" | "ws" | "whip";

/**
 * A verified identity as the Worker holds it: the session user plus the account's token
 * version the token was minted under (accounts only; `users.token_version`). Never sent
 * to clients as is (`publicUser`).
 */
export type TokenUser = SessionUser & {
  tokenVersion?: number;
  /** Guests: the device id the pass was issued to (worker/auth/client.ts; bans follow it). */
  device?: string;
};

interface Claims {
  sub: string;
  name: string;
  role: SessionUser["role"];
  email?: string;
  cls?: string;
  /** Token version of the account (absent in guest tokens and tokens minted before it existed: 0). */
  tv?: number;
  /** Guest passes: the (verified) device id the pass was issued to. */
  dev?: string;
  /** Unique id: join tickets are single-use (the section shard spends each id once, admission-core.ts). */
  jti?: string;
  aud: Audience;
  iss: string;
  iat: number;
  exp: number;
}

/** A verified token's user with its id and expiry (join tickets are spent by id). */
export interface VerifiedToken {
  user: TokenUser;
  jti: string | null;
  /** Expiry, epoch ms. */
  expiresAt: number;
}

/** Sign a token for `user`, valid for `ttlS` seconds; "ws" tickets get a unique `jti`. */
export async function signToken(
  user: TokenUser,
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
  if (user.role !== "guest") claims.tv = user.tokenVersion ?? 0;
  if (user.role === "guest" && user.device) claims.dev = user.device;
  if (aud === "ws") claims.jti = crypto.randomUUID();
  return sign({ ...claims }, secret, "HS256");
}

/** Verify a token with its id and expiry; null for anything forged, expired, of another audience or algorithm. */
export async function verifyTokenClaims(
  token: string,
  secret: string,
  aud: Audience,
): Promise<VerifiedToken | null> {
  try {
    const p = (await verify(token, secret, {
      alg: "HS256",
      iss: ISSUER,
      aud,
    })) as unknown as Claims;
    if (typeof p.sub !== "string" || typeof p.name !== "string") return null;
    const roles: SessionUser["role"][] = ["admin", "teacher", "student", "guest"];
    if (!roles.includes(p.role)) return null;
    const user: TokenUser = { id: p.sub, displayName: p.name, role: p.role };
    if (p.email) user.email = p.email;
    if (p.cls) user.classId = p.cls;
    if (p.role !== "guest") user.tokenVersion = typeof p.tv === "number" ? p.tv : 0;
    if (p.role === "guest" && typeof p.dev === "string" && DEVICE_ID.test(p.dev))
      user.device = p.dev;
    return {
      user,
      jti: typeof p.jti === "string" ? p.jti : null,
      expiresAt: p.exp * 1000,
    };
  } catch {
    return null;
  }
}

/** Verify a token; returns null for anything forged, expired, of another audience or algorithm. */
export async function verifyToken(
  token: string,
  secret: string,
  aud: Audience,
): Promise<TokenUser | null> {
  return (await verifyTokenClaims(token, secret, aud))?.user ?? null;
}

/** The client's view of a verified user (without the token version and device). */
export function publicUser(user: TokenUser): SessionUser {
  const { tokenVersion: _, device: __, ...rest } = user;
  return rest;
}

/** Secure cookies everywhere except plain-HTTP localhost development. */
function isLocalHttp(c: Context): boolean {
  const url = new URL(c.req.url);
  return url.protocol === "http:" && ["localhost", "127.0.0.1", "[::1]"].includes(url.hostname);
}

/** Set the session cookie for `user` (accounts: with their current token version). */
export async function startSession(c: Context<AppEnv>, user: TokenUser): Promise<void> {
  const token = await signToken(user, workerConfig(c.env).JWT_SECRET, "session", SESSION_TTL_S);
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
  c.set("user", token ? await verifyToken(token, workerConfig(c.env).JWT_SECRET, "session") : null);
  c.set("bearer", Boolean(bearer));
  await next();
};

/** The account columns every token check reads. */
export interface AccountState {
  role: Role;
  disabled: boolean | number;
  tokenVersion: number;
}

/**
 * Refuse a token whose account is gone or disabled, or that was minted before the account
 * last lost power (its token version is older than the account's). Throws 401.
 */
export function checkAccount(user: TokenUser, row: AccountState | undefined | null): void {
  if (!row || row.disabled)
    throw new ApiError(401, "account_disabled", "This account is disabled.");
  if ((user.tokenVersion ?? 0) !== row.tokenVersion)
    throw new ApiError(401, "unauthenticated", "This session has ended. Sign in again.");
}

/**
 * Re-read an account's role, disabled flag and token version from D1: session tokens live
 * for days, so a disabled or demoted account must not keep acting on what its token says,
 * and tokens minted before a demotion or disabling are refused (`checkAccount`).
 * Guests have no account row and are returned as they are.
 */
export async function refreshAccount(env: Env, user: TokenUser): Promise<TokenUser> {
  if (user.role === "guest") return user;
  const row = await env.DB.prepare(
    "SELECT role, disabled, token_version AS tokenVersion FROM users WHERE id = ?",
  )
    .bind(user.id)
    .first<AccountState>();
  checkAccount(user, row);
  return { ...user, role: row!.role };
}
