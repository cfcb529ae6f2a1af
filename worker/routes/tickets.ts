/**
 * Socket access: who may join a class's real-time layer, with which class role,
 * and the short-lived join tickets (`POST /api/classes/:id/ticket`).
 */
import { Hono } from "hono";
import { type JoinClaims, pickSection } from "../../durable-objects/admission-core.ts";
import { STAFF_SECTION } from "../../durable-objects/rpc.ts";
import { type JoinTicket, TicketQuery } from "../../protocol/api.ts";
import { isStaff, socketPath, socketSearch } from "../../protocol/realtime.ts";
import { classAccess } from "../auth/access.ts";
import { signJoinTicket } from "../auth/join-ticket.ts";
import type { TokenUser } from "../auth/session.ts";
import { workerConfig } from "../config.ts";
import { ApiError, rateLimited } from "../errors.ts";
import type { AppEnv } from "../types.ts";
import { query } from "../validate.ts";
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
export const tickets = new Hono<AppEnv>().post("/:id/ticket", query(TicketQuery), async (c) => {
  const classId = c.req.param("id");
  const hint = c.req.valid("query").section;
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
