/**
 * Web Push shapes shared by the Worker and the student app: the PushSubscription a
 * browser hands us (validated here, once), the subscription status, and the notification
 * payload the service worker (web/sw.js) shows. Runtime-neutral.
 */
import * as v from "valibot";
import { DEFAULT_PUSH_HOSTS, MAX_ENDPOINT_LENGTH } from "./push.constants.ts";

export * from "./push.constants.ts";

/** Decode base64url (padding optional); null when it is not base64url. */
export function base64UrlBytes(s: string): Uint8Array | null {
  if (!/^[A-Za-z0-9_-]*={0,2}$/.test(s)) return null;
  const b64 = s.replace(/=+$/, "").replace(/-/g, "+").replace(/_/g, "/");
  if (b64.length % 4 === 1) return null;
  try {
    return Uint8Array.from(atob(b64 + "=".repeat((4 - (b64.length % 4)) % 4)), (c) =>
      c.charCodeAt(0),
    );
  } catch {
    return null;
  }
}

/** Which push endpoints the Worker may send to. */
export interface PushEndpointPolicy {
  /** Host names (`*.suffix` for any subdomain). */
  hosts: readonly string[];
  /**
   * Tests only: one exact origin (scheme, host and port) also accepted, e.g. the loopback
   * push service stand-in's `http://127.0.0.1:port`. Empty in every deployment.
   */
  testOrigin?: string;
}

/** The policy from PUSH_HOSTS (comma or space separated; empty: the defaults) and PUSH_TEST_ORIGIN. */
export function pushEndpointPolicy(env: {
  PUSH_HOSTS?: string;
  PUSH_TEST_ORIGIN?: string;
}): PushEndpointPolicy {
  const hosts = (env.PUSH_HOSTS ?? "")
    .split(/[\s,]+/)
    .map((h) => h.trim().toLowerCase())
    .filter(Boolean);
  return {
    hosts: hosts.length > 0 ? hosts : DEFAULT_PUSH_HOSTS,
    ...(env.PUSH_TEST_ORIGIN ? { testOrigin: env.PUSH_TEST_ORIGIN } : {}),
  };
}

/** Whether a (URL-normalised) host name is an IP address in any spelling. */
function isIpLiteral(hostname: string): boolean {
  // The URL parser turns every IPv4 spelling (2130706434, 0x7f.1, 127.1) into dotted
  // quads and keeps IPv6 in brackets; anything all digits, dots and hex is refused too.
  return (
    hostname.startsWith("[") || /^[0-9.]+$/.test(hostname) || /^0x[0-9a-f.x]*$/i.test(hostname)
  );
}

function hostAllowed(hostname: string, hosts: readonly string[]): boolean {
  return hosts.some((h) =>
    h.startsWith("*.")
      ? hostname.endsWith(h.slice(1)) && hostname.length > h.length - 1
      : hostname === h,
  );
}

/**
 * Whether the Worker may send to `raw`: `https` on the default port, no credentials, a
 * host name (never an IP literal, never a trailing dot) on the policy's list; or exactly
 * the policy's test origin. Checked when a browser subscribes and again before each send.
 */
export function pushEndpointAllowed(raw: string, policy: PushEndpointPolicy): boolean {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return false;
  }
  if (url.username || url.password) return false;
  if (policy.testOrigin && url.origin === policy.testOrigin) return true;
  if (url.protocol !== "https:" || url.port !== "") return false;
  const host = url.hostname;
  if (!host || host.endsWith(".") || isIpLiteral(host)) return false;
  return hostAllowed(host, policy.hosts);
}

/** The browser's `PushSubscription.toJSON()`; unknown fields are dropped. */
export function pushSubscriptionBody(policy: PushEndpointPolicy) {
  return v.object({
    endpoint: v.pipe(
      v.string(),
      v.maxLength(
        MAX_ENDPOINT_LENGTH,
        `Push endpoints are at most ${MAX_ENDPOINT_LENGTH} characters.`,
      ),
      v.check(
        (s) => pushEndpointAllowed(s, policy),
        "The push endpoint must be an https URL of a known Web Push service.",
      ),
    ),
    expirationTime: v.optional(v.nullable(v.number())),
    keys: v.object({
      p256dh: v.pipe(
        v.string(),
        v.maxLength(100),
        v.check((s) => {
          const b = base64UrlBytes(s);
          return b?.length === 65 && b[0] === 0x04;
        }, "p256dh must be an uncompressed P-256 public key (65 bytes, base64url)."),
      ),
      auth: v.pipe(
        v.string(),
        v.maxLength(32),
        v.check(
          (s) => base64UrlBytes(s)?.length === 16,
          "auth must be a 16-byte secret (base64url).",
        ),
      ),
    }),
  });
}
export type PushSubscriptionBody = v.InferOutput<ReturnType<typeof pushSubscriptionBody>>;

/** `DELETE /api/classes/:id/push` body: which browser's subscription to drop. */
export const PushUnsubscribeBody = v.object({
  endpoint: v.pipe(v.string(), v.maxLength(MAX_ENDPOINT_LENGTH)),
});

/** Query of `GET /api/classes/:id/push`: the browser's endpoint, to say whether it is the one subscribed. */
export const PushStatusQuery = v.object({ endpoint: v.optional(v.string()) });

/** `GET /api/push/key`: the VAPID public key (base64url, 65-byte uncompressed point). */
export interface PushKey {
  publicKey: string;
}

/** `GET /api/classes/:id/push[?endpoint=…]`: this user's subscriptions for the class. */
export interface PushStatus {
  /** Whether `endpoint` (this browser) is subscribed. */
  subscribed: boolean;
  /** How many of this user's browsers are subscribed. */
  devices: number;
}

/** What a push message carries; the service worker shows it and opens `url` on click. */
export interface PushNotice {
  kind: "live" | "reminder";
  title: string;
  body: string;
  /** Same-origin path of the class page, `/c/:classId`. */
  url: string;
  /** One notification per class: a newer one replaces the older. */
  tag: string;
}
