/**
 * CSRF defence: every state-changing request authenticated by cookie must carry an
 * Origin (or, failing that, Sec-Fetch-Site) that matches our own origin.
 * Requests authenticated by a Bearer header are not forgeable by a browser and skip it.
 */
import type { MiddlewareHandler } from "hono";
import { workerConfig } from "./config.ts";
import { ApiError } from "./errors.ts";
import type { AppEnv } from "./types.ts";

const SAFE = new Set(["GET", "HEAD", "OPTIONS"]);

export const originCheck: MiddlewareHandler<AppEnv> = async (c, next) => {
  if (SAFE.has(c.req.method) || /^Bearer\s/i.test(c.req.header("authorization") ?? ""))
    return next();
  const expected = workerConfig(c.env).PUBLIC_ORIGIN || new URL(c.req.url).origin;
  const origin = c.req.header("origin");
  if (origin) {
    if (origin !== expected)
      throw new ApiError(403, "csrf_origin_mismatch", "Cross-origin request refused.");
  } else if (c.req.header("sec-fetch-site") !== "same-origin") {
    throw new ApiError(
      403,
      "csrf_origin_mismatch",
      "Missing Origin header on a state-changing request.",
    );
  }
  return next();
};
