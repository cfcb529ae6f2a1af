/**
 * Join tickets: the signed pass a socket upgrade carries (docs/decisions/014). Minted by
 * `POST /api/classes/:id/ticket` after the access check against D1; verified by the
 * Worker's upgrade path and again by the section shard it names, which admits it alone.
 * HS256 via hono/jwt with the session secret, audience `ws`, algorithm pinned on verify.
 */
import { sign, verify } from "hono/jwt";
import type { JoinClaims } from "../../durable-objects/admission-core.ts";
import type { ClassRole } from "../../protocol/realtime.ts";
import { DEVICE_ID } from "./client.ts";
import { ISSUER } from "./session.ts";

interface TicketClaims {
  sub: string;
  name: string;
  /** Class role at mint time. */
  cr: ClassRole;
  cls: string;
  /** Section (and shard host) the ticket is bound to. */
  sec: string;
  hst?: string;
  /** Account token version at mint time (absent for guests). */
  tv?: number;
  /** Guests: the device id their guest pass was issued to. */
  dev?: string;
  jti: string;
  /** Issue time in ms (`iat` is in seconds; a revocation in the same second must tell them apart). */
  ims?: number;
  aud: "ws";
  iss: string;
  iat: number;
  exp: number;
}

const ROLES: ClassRole[] = ["teacher", "moderator", "student", "guest"];
const SECTION = /^(staff|s\d{1,6})$/;
const HOST = /^[A-Za-z0-9_]{1,32}$/;

/** Sign a join ticket for `claims` (its id and expiry are set here), valid `ttlS` seconds from `now`. */
export async function signJoinTicket(
  t: Omit<JoinClaims, "ticketId" | "issuedAt" | "expiresAt">,
  secret: string,
  ttlS: number,
  now = Date.now(),
): Promise<{ ticket: string; claims: JoinClaims }> {
  const iat = Math.floor(now / 1000);
  const claims: TicketClaims = {
    sub: t.user.id,
    name: t.user.name,
    cr: t.role,
    cls: t.classId,
    sec: t.sectionId,
    jti: crypto.randomUUID(),
    ims: now,
    aud: "ws",
    iss: ISSUER,
    iat,
    exp: iat + ttlS,
  };
  if (t.host) claims.hst = t.host;
  if (t.tokenVersion !== undefined) claims.tv = t.tokenVersion;
  if (t.device) claims.dev = t.device;
  const ticket = await sign({ ...claims }, secret, "HS256");
  return { ticket, claims: fromClaims(claims)! };
}

function fromClaims(p: TicketClaims): JoinClaims | null {
  if (typeof p.sub !== "string" || typeof p.name !== "string" || typeof p.cls !== "string")
    return null;
  if (!ROLES.includes(p.cr) || typeof p.sec !== "string" || !SECTION.test(p.sec)) return null;
  if (p.hst !== undefined && (typeof p.hst !== "string" || !HOST.test(p.hst))) return null;
  if (typeof p.jti !== "string" || typeof p.iat !== "number" || typeof p.exp !== "number")
    return null;
  const c: JoinClaims = {
    classId: p.cls,
    sectionId: p.sec,
    user: { id: p.sub, name: p.name },
    role: p.cr,
    ticketId: p.jti,
    issuedAt: typeof p.ims === "number" ? p.ims : p.iat * 1000,
    expiresAt: p.exp * 1000,
  };
  if (p.hst) c.host = p.hst;
  if (typeof p.tv === "number") c.tokenVersion = p.tv;
  if (typeof p.dev === "string" && DEVICE_ID.test(p.dev)) c.device = p.dev;
  return c;
}

/** Verify a join ticket; null for anything forged, expired, of another audience or shape. */
export async function verifyJoinTicket(token: string, secret: string): Promise<JoinClaims | null> {
  try {
    const p = (await verify(token, secret, {
      alg: "HS256",
      iss: ISSUER,
      aud: "ws",
    })) as unknown as TicketClaims;
    return fromClaims(p);
  } catch {
    return null;
  }
}
