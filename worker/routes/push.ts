/**
 * Web Push opt-in, mounted under /api: the VAPID public key, and per class subscribe,
 * unsubscribe and status. Whoever may join a class (classAccess, as for join tickets:
 * signed-in users and that class's guests) may ask to be told when it goes live.
 */
import { Hono } from "hono";
import {
  base64UrlBytes,
  MAX_SUBSCRIPTIONS_PER_USER,
  type PushKey,
  type PushStatus,
  PushStatusQuery,
  PushUnsubscribeBody,
  pushEndpointPolicy,
  pushSubscriptionBody,
} from "../../protocol/push.ts";
import { requireClassAccess } from "../auth/access.ts";
import { workerConfig } from "../config.ts";
import { ApiError } from "../errors.ts";
import { vapidKeys } from "../push/send.ts";
import type { AppEnv } from "../types.ts";
import { jsonBody, query } from "../validate.ts";

function requireKeys(env: Env) {
  const keys = vapidKeys(workerConfig(env));
  if (!keys)
    throw new ApiError(
      503,
      "push_unavailable",
      "Push notifications are not set up on this server.",
    );
  return keys;
}

/**
 * A keyed hash of the client's address (Cloudflare's CF-Connecting-IP), so the per-address
 * cap works without storing addresses. Null where the runtime gives no address (local dev).
 */
async function clientKey(env: Env, ip: string | undefined): Promise<string | null> {
  if (!ip) return null;
  const digest = await crypto.subtle.digest(
    "SHA-256",
    new TextEncoder().encode(`push-client:${workerConfig(env).JWT_SECRET}:${ip}`),
  );
  return [...new Uint8Array(digest).slice(0, 16)]
    .map((b) => b.toString(16).padStart(2, "0"))
    .join("");
}

/** Valid base64url on the wire can still be a point off the curve; only an import tells. */
async function isCurvePoint(p256dh: string): Promise<boolean> {
  const bytes = base64UrlBytes(p256dh);
  if (!bytes) return false;
  try {
    await crypto.subtle.importKey("raw", bytes, { name: "ECDH", namedCurve: "P-256" }, false, []);
    return true;
  } catch {
    return false;
  }
}

export const push = new Hono<AppEnv>()
  /** `GET /api/push/key` — the applicationServerKey for `pushManager.subscribe`. */
  .get("/push/key", (c) => c.json({ publicKey: requireKeys(c.env).publicKey } satisfies PushKey))
  /** `GET /api/classes/:id/push?endpoint=` — is this browser (and how many of mine) subscribed. */
  .get("/classes/:id/push", requireClassAccess(), query(PushStatusQuery), async (c) => {
    const classId = c.req.param("id");
    const { user } = c.get("access");
    const endpoint = c.req.valid("query").endpoint ?? "";
    const row = await c.env.DB.prepare(
      `SELECT count(*) AS devices, coalesce(max(endpoint = ?), 0) AS mine
       FROM push_subscriptions WHERE class_id = ? AND user_id = ?`,
    )
      .bind(endpoint, classId, user.id)
      .first<{ devices: number; mine: number }>();
    return c.json({
      subscribed: (row?.mine ?? 0) === 1,
      devices: row?.devices ?? 0,
    } satisfies PushStatus);
  })
  /** `POST /api/classes/:id/push` — store this browser's PushSubscription for the class. */
  .post(
    "/classes/:id/push",
    async (c, next) => {
      requireKeys(c.env);
      await next();
    },
    requireClassAccess(),
    jsonBody(pushSubscriptionBody(pushEndpointPolicy({})), (env) =>
      pushSubscriptionBody(pushEndpointPolicy(workerConfig(env))),
    ),
    async (c) => {
      const classId = c.req.param("id");
      const { user } = c.get("access");
      const sub = c.req.valid("json");
      if (!(await isCurvePoint(sub.keys.p256dh)))
        throw new ApiError(
          400,
          "validation_failed",
          "keys.p256dh: not a point on the P-256 curve.",
          ["keys.p256dh: not a point on the P-256 curve."],
        );
      const { PUSH_MAX_PER_CLASS: perClass, PUSH_MAX_PER_ADDRESS: perAddress } = workerConfig(
        c.env,
      );
      const client = await clientKey(c.env, c.req.header("cf-connecting-ip"));
      // One row per (class, browser); re-subscribing refreshes keys. New rows count against
      // three caps, so nobody fills a class's fan-out with junk: a user's browsers, one
      // client address's subscriptions (guest accounts are free), and the class's total.
      const [, inserted] = await c.env.DB.batch([
        c.env.DB.prepare(
          "DELETE FROM push_subscriptions WHERE class_id = ? AND endpoint = ? AND user_id = ?",
        ).bind(classId, sub.endpoint, user.id),
        c.env.DB.prepare(
          `INSERT INTO push_subscriptions (class_id, user_id, endpoint, p256dh, auth, client_key)
         SELECT ?1, ?2, ?3, ?4, ?5, ?7
         WHERE (SELECT count(*) FROM push_subscriptions WHERE class_id = ?1 AND user_id = ?2) < ?6
           AND (?7 IS NULL OR (SELECT count(*) FROM push_subscriptions
                               WHERE class_id = ?1 AND client_key = ?7) < ?8)
           AND (SELECT count(*) FROM push_subscriptions WHERE class_id = ?1) < ?9
         ON CONFLICT (class_id, endpoint) DO UPDATE SET user_id = excluded.user_id,
           p256dh = excluded.p256dh, auth = excluded.auth, client_key = excluded.client_key
         RETURNING id`,
        ).bind(
          classId,
          user.id,
          sub.endpoint,
          sub.keys.p256dh,
          sub.keys.auth,
          MAX_SUBSCRIPTIONS_PER_USER,
          client,
          perAddress,
          perClass,
        ),
      ]);
      if (!inserted?.results.length) {
        const mine = await c.env.DB.prepare(
          "SELECT count(*) AS n FROM push_subscriptions WHERE class_id = ? AND user_id = ?",
        )
          .bind(classId, user.id)
          .first<{ n: number }>();
        throw new ApiError(
          409,
          "conflict",
          (mine?.n ?? 0) >= MAX_SUBSCRIPTIONS_PER_USER
            ? `At most ${MAX_SUBSCRIPTIONS_PER_USER} browsers per class can be notified; turn one off first.`
            : "This class cannot take more notification sign-ups from here right now.",
        );
      }
      return c.json({ subscribed: true } satisfies Pick<PushStatus, "subscribed">, 201);
    },
  )
  /** `DELETE /api/classes/:id/push` `{ endpoint }` — stop notifying this browser. */
  .delete("/classes/:id/push", requireClassAccess(), jsonBody(PushUnsubscribeBody), async (c) => {
    const classId = c.req.param("id");
    const { user } = c.get("access");
    const { endpoint } = c.req.valid("json");
    await c.env.DB.prepare(
      "DELETE FROM push_subscriptions WHERE class_id = ? AND endpoint = ? AND user_id = ?",
    )
      .bind(classId, endpoint, user.id)
      .run();
    return c.json({ subscribed: false } satisfies Pick<PushStatus, "subscribed">);
  });
