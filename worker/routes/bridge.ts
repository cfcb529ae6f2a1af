/**
 * The media bridge reports each class's stream health here (bridge/README.md); the
 * Worker validates it and hands it to the class's root Durable Object, which tells
 * staff sockets and keeps the last report for the studio's status line.
 */
import { Hono, type MiddlewareHandler } from "hono";
import { BridgeHealthReportSchema } from "../../protocol/bridge.ts";
import { teacherStreamError } from "../../protocol/ingest.ts";
import { classroomRoot } from "../auth/access.ts";
import { timingSafeEqual } from "../auth/crypto.ts";
import { workerConfig } from "../config.ts";
import { ApiError } from "../errors.ts";
import { countMetric } from "../metrics.ts";
import type { AppEnv } from "../types.ts";
import { jsonBody } from "../validate.ts";
import { endClassBroadcast } from "../youtube/live.ts";

/** Only the bridge (BRIDGE_SECRET as a Bearer token) reports; checked before the body is read. */
const bridgeOnly: MiddlewareHandler<AppEnv> = async (c, next) => {
  const token = c.req.header("authorization")?.match(/^Bearer\s+(.+)$/i)?.[1] ?? "";
  if (
    !workerConfig(c.env).BRIDGE_SECRET ||
    !timingSafeEqual(token, workerConfig(c.env).BRIDGE_SECRET)
  ) {
    throw new ApiError(401, "unauthenticated", "Bridge secret required.");
  }
  await next();
};

export const bridgeRoutes = new Hono<AppEnv>().post(
  "/health",
  bridgeOnly,
  jsonBody(BridgeHealthReportSchema),
  async (c) => {
    const { classId, type: _type, ...health } = c.req.valid("json");
    // Teachers see error categories only: a raw connection error ("refused" vs "timed
    // out") would turn the stream settings into a port scanner's oracle.
    health.lastError = teacherStreamError(health.lastError);
    await classroomRoot(c.env, classId).reportStreamHealth(classId, health);
    countMetric(c.env, {
      name: "bridge_health",
      classId,
      kind: health.state,
      bitrateKbps: health.bitrateKbps,
      restarts: health.restarts,
    });
    // The bridge ended the session (the studio vanished past its grace period): the
    // class's YouTube broadcast ends with it. Not awaited: the bridge must not wait on YouTube.
    if (health.state === "ended") c.executionCtx.waitUntil(endClassBroadcast(c.env, classId));
    return c.body(null, 204);
  },
);
