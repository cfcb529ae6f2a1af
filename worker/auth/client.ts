/**
 * Client marks for class bans: the client address (Cloudflare's `cf-connecting-ip`) and a
 * server-issued device id kept in an HttpOnly cookie. The cookie is `<id>.<mac>` with an
 * HMAC-SHA256 of the id under the Worker's signing secret: a cookie the server did not
 * issue (edited, invented, copied from the old unsigned format) is ignored and replaced. A
 * guest pass carries the device it was issued to (`dev`), so a pass hoarded before a ban
 * brings its device along without the cookie. A ban in a class also refuses new guest
 * identities from the banned user's address or device (Classroom.guestRefused).
 */
import type { Context } from "hono";
import { getCookie, setCookie } from "hono/cookie";
import type { ClientMarks } from "../../durable-objects/rpc.ts";
import { workerConfig } from "../config.ts";
import type { AppEnv } from "../types.ts";
import { fromBase64Url, randomId, toBase64Url } from "./crypto.ts";

export const DEVICE_COOKIE = "mc_device";
/** The device id cookie lives a year. */
const DEVICE_TTL_S = 365 * 24 * 3600;
/** What a device id looks like (16 random bytes, base64url), wherever it travels. */
export const DEVICE_ID = /^[A-Za-z0-9_-]{16,64}$/;

const enc = new TextEncoder();
/** Domain separation: no JWT signing input (`base64url.base64url`) contains a colon. */
const deviceMessage = (id: string) => enc.encode(`mass-class device:v1:${id}`);

function deviceKey(secret: string): Promise<CryptoKey> {
  return crypto.subtle.importKey(
    "raw",
    enc.encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign", "verify"],
  );
}

/** The signed cookie value for device id `id`. */
export async function signDevice(id: string, secret: string): Promise<string> {
  const mac = await crypto.subtle.sign("HMAC", await deviceKey(secret), deviceMessage(id));
  return `${id}.${toBase64Url(new Uint8Array(mac))}`;
}

/** The device id of a signed cookie value, or null when the server did not issue it. */
export async function verifyDevice(value: string, secret: string): Promise<string | null> {
  const [id, mac, extra] = value.split(".");
  if (!id || !mac || extra !== undefined || !DEVICE_ID.test(id) || !/^[A-Za-z0-9_-]{43}$/.test(mac))
    return null;
  try {
    const ok = await crypto.subtle.verify(
      "HMAC",
      await deviceKey(secret),
      fromBase64Url(mac),
      deviceMessage(id),
    );
    return ok ? id : null;
  } catch {
    return null;
  }
}

/** The request's client marks; a device cookie the server did not sign is ignored. */
export async function clientMarks(c: Context<AppEnv>): Promise<ClientMarks> {
  const marks: ClientMarks = {};
  const ip = c.req.header("cf-connecting-ip");
  // Loopback is every client of a local stack (npm start, e2e), never one in production.
  if (ip && ip.length <= 64 && !/^(127\.|::1$|::ffff:127\.)/.test(ip)) marks.ip = ip;
  const cookie = getCookie(c, DEVICE_COOKIE);
  const device =
    cookie && cookie.length <= 200
      ? await verifyDevice(cookie, workerConfig(c.env).JWT_SECRET)
      : null;
  if (device) marks.device = device;
  return marks;
}

/** The request's client marks, giving the browser a signed device id first if it has none. */
export async function ensureDevice(c: Context<AppEnv>): Promise<ClientMarks> {
  const marks = await clientMarks(c);
  if (!marks.device) {
    marks.device = randomId(16);
    const url = new URL(c.req.url);
    setCookie(c, DEVICE_COOKIE, await signDevice(marks.device, workerConfig(c.env).JWT_SECRET), {
      httpOnly: true,
      secure: !(
        url.protocol === "http:" && ["localhost", "127.0.0.1", "[::1]"].includes(url.hostname)
      ),
      sameSite: "Lax",
      path: "/",
      maxAge: DEVICE_TTL_S,
    });
  }
  return marks;
}
