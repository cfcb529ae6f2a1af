/**
 * `GET /ws/classes/:classId` — the WebSocket entry. Verifies the join ticket's signature
 * BEFORE any Durable Object sees the request and forwards the upgrade to the section shard
 * the ticket names, with headers it sets itself (client-supplied headers never pass). The
 * shard admits alone (ban, time-out, spent-ticket and capacity checks): no D1 query and no
 * request to the class root per upgrade (docs/decisions/014-admission-at-the-shard.md).
 */
import { type Context, Hono } from "hono";
import type { JoinClaims } from "../../durable-objects/admission-core.ts";
import { shardName, shardNamespace, TRUSTED } from "../../durable-objects/rpc.ts";
import { PROTOCOL_VERSION } from "../../protocol/realtime.ts";
import { clientMarks } from "../auth/client.ts";
import { verifyJoinTicket } from "../auth/join-ticket.ts";
import { workerConfig } from "../config.ts";
import { ApiError } from "../errors.ts";
import { countMetric } from "../metrics.ts";
import type { AppEnv } from "../types.ts";
import { forgetDirectory } from "./class-directory.ts";
import { mintJoinTicket } from "./tickets.ts";

export const ws = new Hono<AppEnv>().get("/classes/:classId", async (c) => {
  const classId = c.req.param("classId");
  if (c.req.header("upgrade")?.toLowerCase() !== "websocket") {
    throw new ApiError(426, "bad_request", "Expected a WebSocket upgrade.");
  }
  if (c.req.query("v") !== String(PROTOCOL_VERSION)) {
    throw new ApiError(
      400,
      "unsupported_version",
      `This server speaks protocol v${PROTOCOL_VERSION}.`,
    );
  }
  const raw = c.req.query("ticket");
  if (raw !== undefined) {
    // No D1 and no root here: the signed ticket carries what the shard needs (decision 014).
    const claims = await verifyJoinTicket(raw, workerConfig(c.env).JWT_SECRET);
    if (!claims)
      throw new ApiError(401, "unauthenticated", "The join ticket is invalid or expired.");
    if (claims.classId !== classId)
      throw new ApiError(403, "forbidden", "This join ticket is for another class.");
    return forward(c, raw, claims);
  }
  // Cookie auth (tests, tools): refuse cross-site WebSocket hijacking (browsers always
  // send Origin on upgrades), then mint a ticket here — the ticket route's D1 query.
  const origin = c.req.header("origin");
  const expected = workerConfig(c.env).PUBLIC_ORIGIN || new URL(c.req.url).origin;
  if (origin && origin !== expected)
    throw new ApiError(403, "forbidden", "Cross-origin socket refused.");
  const section = c.req.query("section");
  const hint = section && /^s\d{1,6}$/.test(section) ? section : undefined;
  let res: Response | null = null;
  // A section another isolate filled meanwhile: one more ticket, from a fresh directory.
  for (let attempt = 0; attempt < 2 && (!res || res.status === 503); attempt++) {
    const { ticket, claims } = await mintJoinTicket(c.env, c.get("user"), classId, hint);
    res = await forward(c, ticket, claims);
  }
  return res!;
});

/** Forward the upgrade to the shard the ticket names, with headers set here only. */
async function forward(c: Context<AppEnv>, ticket: string, claims: JoinClaims): Promise<Response> {
  // A fresh header set: nothing the client sent (x-mc-*, cookies, …) reaches the shard.
  // The shard verifies the ticket again and takes identity, role and section from it.
  const headers = new Headers({ upgrade: "websocket", [TRUSTED.ticket]: ticket });
  const marks = await clientMarks(c);
  if (marks.ip) headers.set(TRUSTED.ip, marks.ip);
  if (marks.device) headers.set(TRUSTED.device, marks.device);
  const resume = c.req.query("resume");
  if (resume && /^\d{1,15}$/.test(resume)) headers.set(TRUSTED.resume, resume);
  const ns = shardNamespace(c.env, claims.host);
  const shard = ns.get(ns.idFromName(shardName(claims.classId, claims.sectionId)));
  const res = await shard.fetch(new Request("https://shard.internal/ws", { headers }));
  // A full section: the next ticket minted in this isolate asks the root for the directory.
  if (res.status === 503) forgetDirectory(claims.classId, claims.host);
  // 101 also covers a socket the shard accepts only to close with a reason (a ban).
  if (res.status === 101)
    countMetric(c.env, {
      name: "socket_opened",
      classId: claims.classId,
      kind: claims.role === "student" || claims.role === "guest" ? "student" : "staff",
    });
  else
    countMetric(c.env, {
      name: "socket_rejected",
      classId: claims.classId,
      kind: String(res.status),
    });
  return res;
}
