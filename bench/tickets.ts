/**
 * Join tickets minted by the benchmark itself: it owns the stack and generated the JWT
 * secret, so it skips the `POST /api/classes/:id/ticket` round trip per socket. Same
 * claims as worker/auth/join-ticket.ts `signJoinTicket` (HS256 via hono/jwt, audience
 * `ws`, bound to one section: docs/decisions/014); that module is not imported because
 * its imports use non-erasable TypeScript syntax that Node's type stripping refuses.
 */
import { sign } from "hono/jwt";

/** Issuer the Worker checks (worker/auth/session.ts ISSUER). */
const ISSUER = "mass-class";

/**
 * A single-use `ws` join ticket for `user` in class `classId`, section `sectionId` (on
 * shard host `host`, "" for process 0), valid `ttlS` seconds.
 */
export function mintTicket(
  user: { id: string; name: string; role: "guest" | "teacher" | "student" },
  classId: string,
  secret: string,
  ttlS = 60,
  section: { sectionId: string; host?: string } = { sectionId: "staff" },
): Promise<string> {
  const now = Date.now();
  const iat = Math.floor(now / 1000);
  return sign(
    {
      sub: user.id,
      name: user.name,
      cr: user.role,
      cls: classId,
      sec: section.sectionId,
      ...(section.host ? { hst: section.host } : {}),
      aud: "ws",
      iss: ISSUER,
      iat,
      ims: now,
      exp: iat + ttlS,
      // Tickets are single-use (their shard spends each id once).
      jti: crypto.randomUUID(),
    },
    secret,
    "HS256",
  );
}

/**
 * The section the benchmark assigns socket `i` of `n` when it mints tickets itself:
 * sockets go to process `i % processes`, each process's students fill sections of
 * `capacity` in order, numbered apart per process (the root learns each section's host
 * from the shard's first state request).
 */
export function benchSection(
  i: number,
  processes: number,
  capacity: number,
): { sectionId: string; host?: string } {
  const p = i % processes;
  const k = Math.floor(i / processes);
  const sectionId = `s${p * 10_000 + 1 + Math.floor(k / capacity)}`;
  return p === 0 ? { sectionId } : { sectionId, host: String(p) };
}

/**
 * A guest pass (the `session` token `POST /api/classes/:id/guest` sets) for guest `id` in
 * class `classId`, valid `ttlS` seconds: what a joining browser presents to mint its
 * ticket. Same claims as worker/auth/session.ts `signToken` for a guest.
 */
export function signGuestPass(
  id: string,
  name: string,
  classId: string,
  secret: string,
  ttlS = 3600,
): Promise<string> {
  const iat = Math.floor(Date.now() / 1000);
  return sign(
    {
      sub: id,
      name,
      role: "guest",
      cls: classId,
      aud: "session",
      iss: ISSUER,
      iat,
      exp: iat + ttlS,
    },
    secret,
    "HS256",
  );
}
