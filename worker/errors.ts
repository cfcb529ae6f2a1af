/**
 * Errors are values at the edge: every failure leaves the Worker as
 * `{ error: { code, message } }` with a stable code, never a stack trace.
 */
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { ApiErrorBody, ApiErrorCode } from "../protocol/api.ts";
import { logEvent } from "./log.ts";
import { countMetric } from "./metrics.ts";

/** Throw from any handler; `onError` turns it into the JSON error body. */
export class ApiError extends HTTPException {
  constructor(
    status: ContentfulStatusCode,
    readonly code: ApiErrorCode,
    message: string,
    readonly issues?: string[],
  ) {
    super(status, { message });
  }

  /** Seconds a refused client should wait (sent as `Retry-After`; 429 answers). */
  retryAfterS?: number;
}

/** A 429 `rate_limited` answer with `Retry-After: retryAfterS`. */
export function rateLimited(message: string, retryAfterS: number): ApiError {
  const err = new ApiError(429, "rate_limited", message);
  err.retryAfterS = retryAfterS;
  return err;
}

/** The single `onError` for the app. */
export function handleError(err: Error, c: Context): Response {
  if (err instanceof ApiError) {
    countMetric(c.env ?? {}, { name: "rejection", kind: err.code, status: err.status });
    const body: ApiErrorBody = { error: { code: err.code, message: err.message } };
    if (err.issues) body.error.issues = err.issues;
    if (err.retryAfterS !== undefined) c.header("Retry-After", String(err.retryAfterS));
    return c.json(body, err.status);
  }
  if (err instanceof HTTPException) {
    const code: ApiErrorCode = err.status === 413 ? "payload_too_large" : "bad_request";
    countMetric(c.env ?? {}, { name: "rejection", kind: code, status: err.status });
    return c.json(
      { error: { code, message: err.message || "Bad request." } } satisfies ApiErrorBody,
      err.status,
    );
  }
  countMetric(c.env ?? {}, { name: "error", kind: "unhandled" });
  logEvent({
    event: "unhandled_error",
    message: err.message,
    path: new URL(c.req.url).pathname,
    requestId: c.get("requestId"),
  });
  return c.json(
    { error: { code: "internal", message: "Something went wrong." } } satisfies ApiErrorBody,
    500,
  );
}

/** Largest JSON body the API accepts. */
export const MAX_JSON_BYTES = 16 * 1024;
