/**
 * One id per request, in every log line of that request and on its response as
 * `x-request-id`: Cloudflare's `cf-ray` when present (so a line in Workers Logs matches the
 * dashboard's trace), else a fresh random one. A client's own `x-request-id` is ignored: an
 * id the caller picks could collide with or impersonate another request's lines.
 */
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "./types.ts";

/** Shape of an id we accept from `cf-ray` (e.g. `8f1e2d3c4b5a6978-AMS`). */
const RAY = /^[A-Za-z0-9-]{8,64}$/;

/** The request id for a request's headers: its `cf-ray`, else a new random id. */
export function requestIdFor(headers: Headers): string {
  const ray = headers.get("cf-ray");
  if (ray && RAY.test(ray)) return ray;
  return crypto.randomUUID().replaceAll("-", "");
}

/** Header carrying the id on responses and on Worker→bridge calls. */
export const REQUEST_ID_HEADER = "x-request-id";

/** Sets `c.var.requestId` and the `x-request-id` response header. */
export const requestId = createMiddleware<AppEnv>(async (c, next) => {
  const id = requestIdFor(c.req.raw.headers);
  c.set("requestId", id);
  await next();
  // A WebSocket upgrade's response is the runtime's own; its headers cannot be changed.
  if (c.res.status === 101) return;
  try {
    c.res.headers.set(REQUEST_ID_HEADER, id);
  } catch {
    // Immutable headers (a response passed through from fetch()): copy it once.
    const res = new Response(c.res.body, c.res);
    res.headers.set(REQUEST_ID_HEADER, id);
    c.res = undefined;
    c.res = res;
  }
});
