/**
 * The Worker's plain settings (wrangler.toml `[vars]`, `.dev.vars`, secrets), parsed once
 * per environment object into one typed, validated config with every default here.
 * Bindings (DB, CLASSROOM, SLIDES, PUSH_QUEUE …) stay on `env`; every plain variable is
 * read through `workerConfig(env)`. A bad value throws a `ConfigError` naming the variable
 * (never its value: secrets are read here too), which the app logs and answers with 500.
 *
 * Production values live in wrangler.toml; local ones come from `.dev.vars` and the start
 * scripts (scripts/stack.ts), test ones from vitest.config.ts (docs/operations.md).
 */
import * as v from "valibot";
import {
  DEFAULT_MAX_SUBSCRIPTIONS_PER_ADDRESS,
  DEFAULT_MAX_SUBSCRIPTIONS_PER_CLASS,
} from "../protocol/push.ts";
import { DEFAULT_SLIDES_MAX_DECKS, DEFAULT_SLIDES_QUOTA_MB } from "../protocol/slides.ts";

/** Sockets per ClassroomShard before the root opens another (docs/decisions/001-shard-size.md). */
export const DEFAULT_SHARD_CAPACITY = 2000;

/** Public endpoints; only tests and local development point them elsewhere. */
export const ENDPOINT_DEFAULTS = {
  CALLS_API_BASE: "https://rtc.live.cloudflare.com/v1",
  TURNSTILE_VERIFY_URL: "https://challenges.cloudflare.com/turnstile/v0/siteverify",
  GOOGLE_AUTH_URL: "https://accounts.google.com/o/oauth2/v2/auth",
  GOOGLE_TOKEN_URL: "https://oauth2.googleapis.com/token",
  GOOGLE_REVOKE_URL: "https://oauth2.googleapis.com/revoke",
  YOUTUBE_API_BASE: "https://www.googleapis.com/youtube/v3",
} as const;

/** A trimmed string; unset or empty gives `fallback`. */
const text = (fallback = "") =>
  v.pipe(
    v.optional(v.string("expected a string"), ""),
    v.trim(),
    v.transform((s) => s || fallback),
  );

/** An http(s) URL (trailing slashes dropped), or empty when `fallback` is empty. */
const url = (fallback = "") =>
  v.pipe(
    text(fallback),
    v.check((s) => s === "" || isHttpUrl(s), "expected an http(s) URL"),
    v.transform((s) => s.replace(/\/+$/, "")),
  );

/** An origin (`https://host[:port]`, no path), or empty. */
const origin = () =>
  v.pipe(
    url(),
    v.check(
      (s) => s === "" || new URL(s).origin === s,
      "expected an origin (scheme://host[:port], no path)",
    ),
  );

/** A whole number ≥ `min`; unset or empty gives `fallback`. */
const int = (fallback: number, min: number) =>
  v.pipe(
    text(String(fallback)),
    v.regex(/^\d+$/, `expected a whole number ≥ ${min}`),
    v.transform(Number),
    v.minValue(min, `expected a whole number ≥ ${min}`),
  );

/** One of `values`; unset or empty gives the first. */
const oneOf = <const T extends readonly [string, ...string[]]>(values: T) =>
  v.pipe(
    text(values[0]),
    v.toLowerCase(),
    v.picklist(values, `expected one of ${values.join(", ")}`),
  );

function isHttpUrl(s: string): boolean {
  try {
    const u = new URL(s);
    return u.protocol === "https:" || u.protocol === "http:";
  } catch {
    return false;
  }
}

/** Every plain variable the Worker reads, with its type and default. */
export const ConfigSchema = v.object({
  // Public origin (join links, CSRF Origin check, the bridge's health callback). Empty:
  // the request's own origin (local development).
  PUBLIC_ORIGIN: origin(),
  SHARD_CAPACITY: int(DEFAULT_SHARD_CAPACITY, 1),
  // The local multi-process benchmark only (docs/decisions/003-local-multiprocess-shards.md).
  SHARD_HOST: text(),
  // Media bridge: empty in production (one container per class through MEDIA_BRIDGE);
  // `npm start` sets the local bridge process's URL.
  BRIDGE_URL: url(),
  LOCAL_RTMP_URL: text(),
  LOCAL_PLAYBACK_URL: text(),
  RTMP_INGEST_HOSTS: text(),
  CALLS_APP_ID: text(),
  CALLS_API_BASE: url(ENDPOINT_DEFAULTS.CALLS_API_BASE),
  VAPID_SUBJECT: v.pipe(
    text("mailto:admin@mass-class.invalid"),
    v.check((s) => /^(mailto:|https:)/.test(s), "expected a mailto: or https: contact"),
  ),
  // 0 turns reminders off.
  PUSH_REMINDER_MINUTES: int(10, 0),
  PUSH_TIMEOUT_MS: int(10_000, 1),
  PUSH_RETRY_DELAY_S: int(10, 1),
  PUSH_HOSTS: text(),
  PUSH_TEST_ORIGIN: origin(),
  PUSH_MAX_PER_CLASS: int(DEFAULT_MAX_SUBSCRIPTIONS_PER_CLASS, 1),
  PUSH_MAX_PER_ADDRESS: int(DEFAULT_MAX_SUBSCRIPTIONS_PER_ADDRESS, 1),
  SLIDES_QUOTA_MB: int(DEFAULT_SLIDES_QUOTA_MB, 1),
  SLIDES_MAX_DECKS: int(DEFAULT_SLIDES_MAX_DECKS, 1),
  TURNSTILE_SITE_KEY: text(),
  TURNSTILE_VERIFY_URL: url(ENDPOINT_DEFAULTS.TURNSTILE_VERIFY_URL),
  GOOGLE_CLIENT_ID: text(),
  GOOGLE_AUTH_URL: url(ENDPOINT_DEFAULTS.GOOGLE_AUTH_URL),
  GOOGLE_TOKEN_URL: url(ENDPOINT_DEFAULTS.GOOGLE_TOKEN_URL),
  GOOGLE_REVOKE_URL: url(ENDPOINT_DEFAULTS.GOOGLE_REVOKE_URL),
  YOUTUBE_API_BASE: url(ENDPOINT_DEFAULTS.YOUTUBE_API_BASE),
  YOUTUBE_PRIVACY: oneOf(["unlisted", "public", "private"] as const),
  YOUTUBE_MADE_FOR_KIDS: oneOf(["false", "true"] as const),
  // Secrets (`wrangler secret put`; locally .dev.vars).
  JWT_SECRET: v.pipe(
    v.string("is not set (wrangler secret put JWT_SECRET)"),
    v.minLength(32, "must be at least 32 characters (openssl rand -base64 32)"),
  ),
  BRIDGE_SECRET: text(),
  CALLS_APP_SECRET: text(),
  VAPID_PUBLIC_KEY: text(),
  VAPID_PRIVATE_KEY: text(),
  TURNSTILE_SECRET_KEY: text(),
  GOOGLE_CLIENT_SECRET: text(),
});

export type Config = v.InferOutput<typeof ConfigSchema>;

/** Every variable name the config reads (docs/operations.md is checked against it). */
export const CONFIG_VARS = Object.keys(ConfigSchema.entries) as (keyof Config)[];

/** Those that are secrets: set with `wrangler secret put`, never in wrangler.toml. */
export const SECRET_VARS = [
  "JWT_SECRET",
  "BRIDGE_SECRET",
  "CALLS_APP_SECRET",
  "VAPID_PUBLIC_KEY",
  "VAPID_PRIVATE_KEY",
  "TURNSTILE_SECRET_KEY",
  "GOOGLE_CLIENT_SECRET",
] as const satisfies readonly (keyof Config)[];

/** The environment is invalid; `message` names each bad variable (never its value). */
export class ConfigError extends Error {
  override name = "ConfigError";
}

/** Parse an environment (pure; throws ConfigError). */
export function parseConfig(env: object): Config {
  const result = v.safeParse(ConfigSchema, env);
  if (result.success) return result.output;
  const problems = result.issues.map(
    (i) => `${v.getDotPath(i) ?? "env"}: ${i.input === undefined ? "is not set" : i.message}`,
  );
  throw new ConfigError(`Invalid Worker configuration: ${problems.join("; ")}`);
}

const parsed = new WeakMap<object, Config>();

/** The typed config of `env`, parsed on first use and kept for that environment object. */
export function workerConfig(env: object): Config {
  let cfg = parsed.get(env);
  if (!cfg) {
    cfg = parseConfig(env);
    parsed.set(env, cfg);
  }
  return cfg;
}
