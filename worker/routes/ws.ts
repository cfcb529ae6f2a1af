/**
 * `GET /ws/classes/:classId` — the WebSocket entry. Authenticates and authorises
 * BEFORE any Durable Object sees the request, asks the class root to admit the
 * user (ban check, spending a join ticket, shard pick), and forwards the upgrade to that shard with
 * trusted identity headers it sets itself (client-supplied headers never pass).
 */
import { Hono } from "hono";
import { type Admission, shardName, shardNamespace, TRUSTED } from "../../durable-objects/rpc.ts";
import { CloseCode, PROTOCOL_VERSION } from "../../protocol/realtime.ts";
import { clientMarks } from "../auth/client.ts";
import { verifyTokenClaims } from "../auth/session.ts";
import { ApiError } from "../errors.ts";
import { countMetric } from "../metrics.ts";
import type { AppEnv } from "../types.ts";
import { classAccess } from "./tickets.ts";

/** Accept and immediately close with `code`, so a browser can read why (an HTTP error shows only 1006). */
function closedSocket(code: number, reason: string): Response {
  const { 0: client, 1: server } = new WebSocketPair();
  server.accept();
  server.close(code, reason);
  return new Response(null, { status: 101, webSocket: client });
}

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
  const ticket = c.req.query("ticket");
  let user = c.get("user");
  let spend: Admission["ticket"];
  if (ticket !== undefined) {
    const verified = await verifyTokenClaims(ticket, c.env.JWT_SECRET, "ws");
    if (!verified?.jti)
      throw new ApiError(401, "unauthenticated", "The join ticket is invalid or expired.");
    user = verified.user;
    if (user.classId !== classId)
      throw new ApiError(403, "forbidden", "This join ticket is for another class.");
    spend = { id: verified.jti, expiresAt: verified.expiresAt };
  } else if (user) {
    // Cookie auth: refuse cross-site WebSocket hijacking (browsers always send Origin on upgrades).
    const origin = c.req.header("origin");
    const expected = c.env.PUBLIC_ORIGIN || new URL(c.req.url).origin;
    if (origin && origin !== expected)
      throw new ApiError(403, "forbidden", "Cross-origin socket refused.");
  }
  const access = await classAccess(c.env, user, classId);

  const root = c.env.CLASSROOM.get(c.env.CLASSROOM.idFromName(classId));
  const section = c.req.query("section");
  const admitted = await root.admit({
    classId,
    user: { id: access.user.id, name: access.user.displayName },
    role: access.role,
    latencyMode: access.cls.latencyMode,
    ...(section && /^s\d{1,6}$/.test(section) ? { hint: section } : {}),
    ...(spend ? { ticket: spend } : {}),
    client: clientMarks(c),
    ...(c.env.SHARD_HOST ? { host: c.env.SHARD_HOST } : {}),
  });
  if (!admitted.ok && admitted.code === "ticket_used")
    throw new ApiError(401, "unauthenticated", "This join ticket was already used.");
  if (!admitted.ok) {
    countMetric(c.env, { name: "socket_rejected", classId, kind: admitted.code });
    return admitted.code === "banned"
      ? closedSocket(CloseCode.banned, "banned")
      : closedSocket(CloseCode.tooManySockets, "too many sockets");
  }

  // A fresh header set: nothing the client sent (x-mc-*, cookies, …) reaches the shard.
  const headers = new Headers({
    upgrade: "websocket",
    [TRUSTED.classId]: classId,
    [TRUSTED.sectionId]: admitted.sectionId,
    [TRUSTED.userId]: access.user.id,
    [TRUSTED.userName]: encodeURIComponent(access.user.displayName),
    [TRUSTED.role]: access.role,
  });
  const resume = c.req.query("resume");
  if (resume && /^\d{1,15}$/.test(resume)) headers.set(TRUSTED.resume, resume);
  const ns = shardNamespace(c.env, admitted.host);
  const shard = ns.get(ns.idFromName(shardName(classId, admitted.sectionId)));
  const res = await shard.fetch(new Request("https://shard.internal/ws", { headers }));
  if (res.status === 101)
    countMetric(c.env, {
      name: "socket_opened",
      classId,
      kind: access.role === "student" ? "student" : "staff",
    });
  return res;
});
