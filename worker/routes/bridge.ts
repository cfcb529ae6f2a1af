/**
 * The media bridge reports each class's stream health here (bridge/README.md); the
 * Worker validates it and hands it to the class's root Durable Object, which tells
 * staff sockets and keeps the last report for the studio's status line.
 */
import { Hono, type MiddlewareHandler } from "hono";
import * as v from "valibot";
import { teacherStreamError } from "../../protocol/ingest.ts";
import { classroomRoot } from "../auth/access.ts";
import { timingSafeEqual } from "../auth/crypto.ts";
import { workerConfig } from "../config.ts";
import { ApiError } from "../errors.ts";
import { countMetric } from "../metrics.ts";
import type { AppEnv } from "../types.ts";
import { jsonBody } from "../validate.ts";
import { endClassBroadcast } from "../youtube/live.ts";

const epoch = v.nullable(v.pipe(v.number(), v.integer(), v.minValue(0)));

/** The fields of the bridge's health report the classroom uses; others are ignored. */
export const BridgeHealthBody = v.object({
  type: v.literal("bridge.health"),
  at: v.pipe(v.number(), v.integer(), v.minValue(0)),
  classId: v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{1,32}$/)),
  state: v.picklist([
    "waiting-for-publisher",
    "waiting-for-keyframe",
    "starting",
    "live",
    "filler",
    "restarting",
    "ended",
  ]),
  receiving: v.boolean(),
  pushing: v.boolean(),
  lastKeyframeAt: epoch,
  bitrateKbps: v.pipe(v.number(), v.minValue(0)),
  fillerActive: v.boolean(),
  restarts: v.pipe(v.number(), v.integer(), v.minValue(0)),
  streamStartedAt: epoch,
  lastError: v.nullable(v.pipe(v.string(), v.maxLength(500))),
});

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
  jsonBody(BridgeHealthBody),
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
