/**
 * Sending one Web Push message with WebCrypto: the payload is encrypted per RFC 8291
 * (aes128gcm, by @block65/webcrypto-web-push) and the request carries a VAPID
 * (RFC 8292) `Authorization: vapid t=<ES256 JWT>, k=<public key>` header.
 *
 * VAPID keys are base64url *raw* keys, the form browsers take as `applicationServerKey`:
 * VAPID_PUBLIC_KEY is the 65-byte uncompressed P-256 point, VAPID_PRIVATE_KEY the 32-byte
 * private scalar (JWK `d`). `scripts/stack.ts` generates a pair for local development.
 */
import { encryptNotification } from "@block65/webcrypto-web-push";
import { base64UrlBytes, type PushNotice } from "../../protocol/push.ts";

/** The VAPID keypair and contact (`sub`). */
export interface VapidKeys {
  publicKey: string;
  privateKey: string;
  subject: string;
}

/** A stored subscription, as the sender needs it. */
export interface PushTarget {
  endpoint: string;
  p256dh: string;
  auth: string;
}

/** What became of one push: delivered, gone for good (delete it), retry later, or dropped. */
export type PushOutcome =
  | { kind: "sent" }
  | { kind: "gone"; status: number }
  | { kind: "retry"; status: number | "timeout" | "network"; afterS?: number }
  | { kind: "failed"; status: number };

/** VAPID JWTs are valid this long (RFC 8292 §2: at most 24 h). */
export const VAPID_TTL_S = 12 * 60 * 60;

const enc = new TextEncoder();
const b64url = (bytes: ArrayBuffer | Uint8Array) =>
  btoa(String.fromCharCode(...new Uint8Array(bytes)))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");

/** The VAPID keys from the environment, or null when push is not configured. */
export function vapidKeys(env: {
  VAPID_PUBLIC_KEY?: string;
  VAPID_PRIVATE_KEY?: string;
  VAPID_SUBJECT?: string;
}): VapidKeys | null {
  if (!env.VAPID_PUBLIC_KEY || !env.VAPID_PRIVATE_KEY) return null;
  return {
    publicKey: env.VAPID_PUBLIC_KEY,
    privateKey: env.VAPID_PRIVATE_KEY,
    subject: env.VAPID_SUBJECT || "mailto:admin@mass-class.invalid",
  };
}

/** `vapid t=…, k=…` for a push service origin (the JWT's `aud`). */
export async function vapidAuthorization(
  endpoint: string,
  keys: VapidKeys,
  nowS = Math.floor(Date.now() / 1000),
): Promise<string> {
  const pub = base64UrlBytes(keys.publicKey);
  if (pub?.length !== 65 || pub[0] !== 0x04)
    throw new Error("VAPID_PUBLIC_KEY is not a base64url uncompressed P-256 point.");
  const key = await crypto.subtle.importKey(
    "jwk",
    {
      kty: "EC",
      crv: "P-256",
      x: b64url(pub.slice(1, 33)),
      y: b64url(pub.slice(33, 65)),
      d: keys.privateKey.replace(/=+$/, ""),
    },
    { name: "ECDSA", namedCurve: "P-256" },
    false,
    ["sign"],
  );
  const part = (o: object) => b64url(enc.encode(JSON.stringify(o)));
  const claims = { aud: new URL(endpoint).origin, exp: nowS + VAPID_TTL_S, sub: keys.subject };
  const data = `${part({ typ: "JWT", alg: "ES256" })}.${part(claims)}`;
  const sig = await crypto.subtle.sign({ name: "ECDSA", hash: "SHA-256" }, key, enc.encode(data));
  return `vapid t=${data}.${b64url(sig)}, k=${keys.publicKey.replace(/=+$/, "")}`;
}

/**
 * `vapid …` headers memoised per push service origin: most subscribers share a handful
 * of services (FCM, Mozilla, Apple), and the JWT names only the origin. Use one per job,
 * well inside the JWT's lifetime.
 */
export function vapidSigner(keys: VapidKeys): (endpoint: string) => Promise<string> {
  const byOrigin = new Map<string, Promise<string>>();
  return (endpoint) => {
    const origin = new URL(endpoint).origin;
    let header = byOrigin.get(origin);
    if (!header) {
      header = vapidAuthorization(endpoint, keys);
      byOrigin.set(origin, header);
    }
    return header;
  };
}

/** The push request for one subscription: encrypted body and RFC 8030/8292 headers. */
export async function buildPushRequest(
  target: PushTarget,
  notice: PushNotice,
  keys: VapidKeys,
  ttlS: number,
  topic?: string,
  sign: (endpoint: string) => Promise<string> = (e) => vapidAuthorization(e, keys),
): Promise<{ headers: Record<string, string>; body: Uint8Array<ArrayBuffer> }> {
  const body = await encryptNotification(
    { endpoint: target.endpoint, expirationTime: null, keys: target },
    enc.encode(JSON.stringify(notice)),
  );
  const headers: Record<string, string> = {
    authorization: await sign(target.endpoint),
    "content-encoding": "aes128gcm",
    "content-type": "application/octet-stream",
    ttl: String(Math.max(0, Math.round(ttlS))),
    urgency: notice.kind === "live" ? "high" : "normal",
  };
  // A newer message with the same topic replaces an undelivered older one (RFC 8030 §5.4).
  if (topic && /^[A-Za-z0-9_-]{1,32}$/.test(topic)) headers.topic = topic;
  return { headers, body };
}

/** Send one push and classify the answer (RFC 8030 §5, §6.2). Never throws. */
export async function sendPush(
  target: PushTarget,
  notice: PushNotice,
  keys: VapidKeys,
  opts: {
    ttlS: number;
    timeoutMs: number;
    topic?: string;
    sign?: (endpoint: string) => Promise<string>;
  },
): Promise<PushOutcome> {
  let res: Response;
  try {
    const req = await buildPushRequest(target, notice, keys, opts.ttlS, opts.topic, opts.sign);
    res = await fetch(target.endpoint, {
      method: "POST",
      headers: req.headers,
      body: req.body,
      signal: AbortSignal.timeout(opts.timeoutMs),
    });
  } catch (err) {
    const timeout = err instanceof Error && err.name === "TimeoutError";
    return { kind: "retry", status: timeout ? "timeout" : "network" };
  }
  // Nobody reads push service bodies; drop them so the connection is freed.
  await res.body?.cancel().catch(() => {});
  if (res.ok) return { kind: "sent" };
  if (res.status === 404 || res.status === 410) return { kind: "gone", status: res.status };
  if (res.status === 429 || res.status >= 500) {
    const after = Number(res.headers.get("retry-after"));
    return {
      kind: "retry",
      status: res.status,
      ...(Number.isFinite(after) && after > 0 ? { afterS: after } : {}),
    };
  }
  // 400/403/413…: our request or key is wrong; retrying cannot help, deleting would lose a subscriber.
  return { kind: "failed", status: res.status };
}
