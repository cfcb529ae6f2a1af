/**
 * Browser side of Web Push opt-in: register the service worker (/sw.js), subscribe
 * this browser with the server's VAPID key, and tell the Worker which class to notify
 * it about. One browser subscription serves every class; the Worker keeps one row
 * per (class, browser), so turning one class off keeps the others.
 */
import { call, client } from "./api.ts";

/**
 * What this browser can do: no Push API at all, notifications blocked, ready, or iOS
 * Safari in a tab, where push exists only once the site is added to the Home Screen.
 */
export type PushSupport = "unsupported" | "denied" | "ready" | "ios-install";

/**
 * iOS and iPadOS (16.4+) give web push only to a site opened from the Home Screen, not to a
 * Safari tab. iPadOS reports itself as a Mac, so a Mac with a touch screen counts as iOS.
 */
export function needsHomeScreen(ua: string, maxTouchPoints: number, standalone: boolean): boolean {
  const ios = /\b(iPhone|iPad|iPod)\b/.test(ua) || (/\bMacintosh\b/.test(ua) && maxTouchPoints > 1);
  return ios && !standalone;
}

export function pushSupport(): PushSupport {
  if (
    typeof navigator !== "undefined" &&
    needsHomeScreen(
      navigator.userAgent,
      navigator.maxTouchPoints ?? 0,
      (navigator as Navigator & { standalone?: boolean }).standalone === true ||
        (typeof matchMedia === "function" && matchMedia("(display-mode: standalone)").matches),
    )
  )
    return "ios-install";
  if (
    typeof navigator === "undefined" ||
    !("serviceWorker" in navigator) ||
    typeof PushManager === "undefined" ||
    typeof Notification === "undefined"
  )
    return "unsupported";
  return Notification.permission === "denied" ? "denied" : "ready";
}

/** Thrown by {@link enablePush} when the person (or the browser) refuses notifications. */
export class PushDeniedError extends Error {}

function keyBytes(b64url: string): Uint8Array<ArrayBuffer> {
  const b64 = b64url.replace(/-/g, "+").replace(/_/g, "/");
  const bin = atob(b64 + "=".repeat((4 - (b64.length % 4)) % 4));
  const out = new Uint8Array(new ArrayBuffer(bin.length));
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

const sameKey = (a: ArrayBuffer | null, b: Uint8Array) =>
  a !== null && a.byteLength === b.length && new Uint8Array(a).every((x, i) => x === b[i]);

async function existing(): Promise<PushSubscription | null> {
  const reg = await navigator.serviceWorker.getRegistration("/");
  return reg ? reg.pushManager.getSubscription() : null;
}

/** Whether this browser is subscribed to `classId` (false when it has no subscription). */
export async function pushEnabled(classId: string): Promise<boolean> {
  const sub = await existing();
  if (!sub || Notification.permission !== "granted") return false;
  const status = await call(
    client.classes[":id"].push.$get({ param: { id: classId }, query: { endpoint: sub.endpoint } }),
  );
  return status.subscribed;
}

/**
 * Ask for permission (call from a click: browsers refuse prompts without one), subscribe
 * this browser and register it for `classId`. Throws PushDeniedError or an API error.
 */
export async function enablePush(classId: string): Promise<void> {
  if ((await Notification.requestPermission()) !== "granted") throw new PushDeniedError();
  const { publicKey } = await call(client.push.key.$get());
  await navigator.serviceWorker.register("/sw.js", { scope: "/" });
  const reg = await navigator.serviceWorker.ready;
  const key = keyBytes(publicKey);
  let sub = await reg.pushManager.getSubscription();
  // A subscription made for an older server key is useless: replace it.
  if (sub && !sameKey(sub.options.applicationServerKey, key)) {
    await sub.unsubscribe();
    sub = null;
  }
  sub ??= await reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key });
  const { expirationTime, keys } = sub.toJSON();
  await call(
    client.classes[":id"].push.$post({
      param: { id: classId },
      json: {
        endpoint: sub.endpoint,
        expirationTime,
        keys: { p256dh: keys?.p256dh ?? "", auth: keys?.auth ?? "" },
      },
    }),
  );
}

/** Stop notifying this browser about `classId` (other classes stay on). */
export async function disablePush(classId: string): Promise<void> {
  const sub = await existing();
  if (sub)
    await call(
      client.classes[":id"].push.$delete({
        param: { id: classId },
        json: { endpoint: sub.endpoint },
      }),
    );
}
