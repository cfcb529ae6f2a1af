/**
 * Client marks for class bans: the client address (Cloudflare's `cf-connecting-ip`) and a
 * random device id kept in an HttpOnly cookie. A ban in a class also refuses new guest
 * identities from the banned user's address or device (Classroom.guestRefused).
 */
import type { Context } from "hono";
import { getCookie, setCookie } from "hono/cookie";
import type { ClientMarks } from "../../durable-objects/rpc.ts";
import type { AppEnv } from "../types.ts";
import { randomId } from "./crypto.ts";

export const DEVICE_COOKIE = "mc_device";
/** The device id cookie lives a year. */
const DEVICE_TTL_S = 365 * 24 * 3600;

/** The request's client marks (a malformed device cookie is ignored). */
export function clientMarks(c: Context<AppEnv>): ClientMarks {
  const marks: ClientMarks = {};
  const ip = c.req.header("cf-connecting-ip");
  // Loopback is every client of a local stack (npm start, e2e), never one in production.
  if (ip && ip.length <= 64 && !/^(127\.|::1$|::ffff:127\.)/.test(ip)) marks.ip = ip;
  const device = getCookie(c, DEVICE_COOKIE);
  if (device && /^[A-Za-z0-9_-]{16,64}$/.test(device)) marks.device = device;
  return marks;
}

/** The request's client marks, giving the browser a device id first if it has none. */
export function ensureDevice(c: Context<AppEnv>): ClientMarks {
  const marks = clientMarks(c);
  if (!marks.device) {
    marks.device = randomId(16);
    const url = new URL(c.req.url);
    setCookie(c, DEVICE_COOKIE, marks.device, {
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
