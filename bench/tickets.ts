/**
 * Join tickets minted by the benchmark itself: it owns the stack and generated the JWT
 * secret, so it skips the `POST /api/classes/:id/ticket` round trip per socket. Same
 * claims as worker/auth/session.ts `signToken` (HS256 via hono/jwt, audience `ws`);
 * that module is not imported because its error classes use non-erasable TypeScript
 * syntax that Node's type stripping refuses.
 */
import { sign } from "hono/jwt";

/** Issuer the Worker checks (worker/auth/session.ts ISSUER). */
const ISSUER = "mass-class";

/** A single-use `ws` join ticket for `user` in class `classId`, valid `ttlS` seconds. */
export function mintTicket(
  user: { id: string; name: string; role: "guest" | "teacher" | "student" },
  classId: string,
  secret: string,
  ttlS = 60,
): Promise<string> {
  const iat = Math.floor(Date.now() / 1000);
  return sign(
    {
      sub: user.id,
      name: user.name,
      role: user.role,
      cls: classId,
      aud: "ws",
      iss: ISSUER,
      iat,
      exp: iat + ttlS,
      // Tickets are single-use (the class root spends each id once).
      jti: crypto.randomUUID(),
    },
    secret,
    "HS256",
  );
}
