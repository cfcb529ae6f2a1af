/**
 * Web Push shapes shared by the Worker and the student app: the PushSubscription a
 * browser hands us (validated here, once), the subscription status, and the notification
 * payload the service worker (web/public/sw.js) shows. Runtime-neutral.
 */
import * as v from "valibot";

/** Longest push endpoint we store (real ones are 150–500 characters). */
export const MAX_ENDPOINT_LENGTH = 1024;
/** Subscriptions one user may hold for one class (one per browser/device). */
export const MAX_SUBSCRIPTIONS_PER_USER = 5;

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

const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]"]);

/**
 * Push endpoints are https (RFC 8030 §2). `allowLoopback` (the PUSH_ALLOW_LOOPBACK dev flag)
 * also accepts http://127.0.0.1 and http://localhost, for the tests' loopback push service.
 */
function endpointOk(raw: string, allowLoopback: boolean): boolean {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return false;
  }
  if (url.username || url.password) return false;
  if (url.protocol === "https:") return allowLoopback || !LOOPBACK.has(url.hostname);
  return allowLoopback && url.protocol === "http:" && LOOPBACK.has(url.hostname);
}

/** The browser's `PushSubscription.toJSON()`; unknown fields are dropped. */
export function pushSubscriptionBody(allowLoopback: boolean) {
  return v.object({
    endpoint: v.pipe(
      v.string(),
      v.maxLength(
        MAX_ENDPOINT_LENGTH,
        `Push endpoints are at most ${MAX_ENDPOINT_LENGTH} characters.`,
      ),
      v.check((s) => endpointOk(s, allowLoopback), "The push endpoint must be an https URL."),
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
