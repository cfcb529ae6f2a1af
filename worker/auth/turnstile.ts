/**
 * Cloudflare Turnstile for guest join and sign-up: when TURNSTILE_SECRET_KEY is set, those
 * requests must carry a Turnstile token (`turnstileToken`), verified against siteverify
 * with the client's address. Without the secret (local development, tests) it is off.
 */
import type { Context } from "hono";
import { workerConfig } from "../config.ts";
import { ApiError } from "../errors.ts";
import type { AppEnv } from "../types.ts";

const VERIFY_TIMEOUT_MS = 5000;

/** Whether Turnstile is required (the secret is configured). */
export function turnstileOn(env: Env): boolean {
  return Boolean(workerConfig(env).TURNSTILE_SECRET_KEY);
}

/** Refuse the request unless Turnstile is off or `token` verifies (403 `turnstile_failed`). */
export async function requireTurnstile(
  c: Context<AppEnv>,
  token: string | undefined,
): Promise<void> {
  if (!turnstileOn(c.env)) return;
  if (!token)
    throw new ApiError(403, "turnstile_failed", "Confirm you are human (the check did not run).");
  const form = new URLSearchParams({
    secret: workerConfig(c.env).TURNSTILE_SECRET_KEY,
    response: token,
  });
  const ip = c.req.header("cf-connecting-ip");
  if (ip) form.set("remoteip", ip);
  let ok = false;
  try {
    const res = await fetch(workerConfig(c.env).TURNSTILE_VERIFY_URL, {
      method: "POST",
      body: form,
      signal: AbortSignal.timeout(VERIFY_TIMEOUT_MS),
    });
    const body = (await res.json()) as { success?: unknown };
    ok = res.ok && body.success === true;
  } catch {
    // Unreachable or malformed: fail closed, never let an unverified request through.
    ok = false;
  }
  if (!ok) throw new ApiError(403, "turnstile_failed", "The human check failed. Try again.");
}
