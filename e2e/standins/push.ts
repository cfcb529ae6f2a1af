/// <reference path="./http_ece.d.ts" />
/**
 * A loopback stand-in for a Web Push service (RFC 8030). It hands out subscriptions
 * whose keys it holds, checks every push like a real service would (aes128gcm body,
 * TTL, VAPID `Authorization: vapid t=…, k=…` with a valid ES256 JWT for its origin),
 * decrypts the body with the independent `http_ece` package and records it. Each
 * subscription answers in a mode a test picks: 201, 404, 410, 429, 500 or never (timeout).
 *
 *   POST /subscriptions { mode }      → { id, subscription: PushSubscription JSON }
 *   PUT  /subscriptions/:id { mode }  → change how it answers
 *   GET  /subscriptions/:id           → { attempts, received: [{ payload, ttl, urgency, topic }] }
 *   GET  /received?tag=               → { pushes, subscriptions } with that notice tag, overall
 *   POST /push/:id                    → the push endpoint
 */
import { createECDH, createPublicKey, randomBytes, randomUUID, verify } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import ece from "http_ece";

export type PushMode = "ok" | "gone" | "notfound" | "error" | "busy" | "hang";

export interface ReceivedPush {
  payload: unknown;
  ttl: string;
  urgency: string | null;
  topic: string | null;
  vapidKey: string;
}

export interface PushStandin {
  url: string;
  /** Problems found in pushes (bad headers, JWT or encryption); must stay empty. */
  violations: string[];
  close(): Promise<void>;
}

interface Sub {
  mode: PushMode;
  ecdh: ReturnType<typeof createECDH>;
  auth: Buffer;
  attempts: number;
  received: ReceivedPush[];
}

const STATUS: Record<Exclude<PushMode, "hang">, number> = {
  ok: 201,
  gone: 410,
  notfound: 404,
  error: 500,
  busy: 429,
};

function read(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on("data", (d: Buffer) => chunks.push(d));
    req.on("end", () => resolve(Buffer.concat(chunks)));
  });
}

/** Check `vapid t=<jwt>, k=<key>` (RFC 8292 §3); returns the key, or a problem. */
export function checkVapid(header: string | undefined, origin: string, nowS: number): string {
  const m = /^vapid t=([\w-]+\.[\w-]+\.[\w-]+), k=([\w-]+)$/.exec(header ?? "");
  if (!m) throw new Error(`Authorization is not 'vapid t=…, k=…': ${header}`);
  const [, jwt, k] = m as unknown as [string, string, string];
  const [h, p, s] = jwt.split(".") as [string, string, string];
  const head = JSON.parse(Buffer.from(h, "base64url").toString());
  const claims = JSON.parse(Buffer.from(p, "base64url").toString());
  if (head.alg !== "ES256") throw new Error(`JWT alg ${head.alg}`);
  if (claims.aud !== origin) throw new Error(`JWT aud ${claims.aud}, want ${origin}`);
  if (!(claims.exp > nowS && claims.exp <= nowS + 24 * 3600))
    throw new Error(`JWT exp ${claims.exp} not within 24 h`);
  if (!/^(mailto:|https:)/.test(claims.sub ?? "")) throw new Error(`JWT sub ${claims.sub}`);
  const point = Buffer.from(k, "base64url");
  if (point.length !== 65 || point[0] !== 4) throw new Error("k is not a P-256 point");
  const key = createPublicKey({
    key: {
      kty: "EC",
      crv: "P-256",
      x: point.subarray(1, 33).toString("base64url"),
      y: point.subarray(33).toString("base64url"),
    },
    format: "jwk",
  });
  const ok = verify(
    "sha256",
    Buffer.from(`${h}.${p}`),
    { key, dsaEncoding: "ieee-p1363" },
    Buffer.from(s, "base64url"),
  );
  if (!ok) throw new Error("JWT signature does not verify with k");
  return k;
}

export async function startPushStandin(): Promise<PushStandin> {
  const subs = new Map<string, Sub>();
  const violations: string[] = [];
  const hanging = new Set<ServerResponse>();
  let origin = "";

  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    const body = await read(req);
    const json = (status: number, data: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(data));
    };
    const [, kind, id] = url.pathname.split("/");
    if (kind === "received" && req.method === "GET") {
      // How many pushes with this notice tag arrived, and at how many subscriptions.
      const tag = url.searchParams.get("tag");
      let pushes = 0;
      let subscriptions = 0;
      for (const sub of subs.values()) {
        const n = sub.received.filter((r) => (r.payload as { tag?: string }).tag === tag).length;
        pushes += n;
        if (n > 0) subscriptions++;
      }
      return json(200, { pushes, subscriptions });
    }
    if (kind === "subscriptions" && req.method === "POST") {
      const { mode = "ok" } = JSON.parse(body.toString() || "{}") as { mode?: PushMode };
      const ecdh = createECDH("prime256v1");
      ecdh.generateKeys();
      const sub: Sub = { mode, ecdh, auth: randomBytes(16), attempts: 0, received: [] };
      const subId = randomUUID();
      subs.set(subId, sub);
      return json(201, {
        id: subId,
        subscription: {
          endpoint: `${origin}/push/${subId}`,
          expirationTime: null,
          keys: {
            p256dh: ecdh.getPublicKey().toString("base64url"),
            auth: sub.auth.toString("base64url"),
          },
        },
      });
    }
    const sub = id ? subs.get(id) : undefined;
    if (!sub) return json(404, { error: "no such subscription" });
    if (kind === "subscriptions" && req.method === "PUT") {
      sub.mode = (JSON.parse(body.toString()) as { mode: PushMode }).mode;
      return json(200, {});
    }
    if (kind === "subscriptions" && req.method === "GET")
      return json(200, { attempts: sub.attempts, received: sub.received });
    if (kind !== "push" || req.method !== "POST") return json(404, {});

    sub.attempts++;
    const where = `push ${id}`;
    try {
      if (req.headers["content-encoding"] !== "aes128gcm")
        throw new Error(`Content-Encoding ${req.headers["content-encoding"]}`);
      const ttl = req.headers.ttl;
      if (typeof ttl !== "string" || !/^\d+$/.test(ttl)) throw new Error(`TTL ${ttl}`);
      const vapidKey = checkVapid(req.headers.authorization, origin, Date.now() / 1000);
      const plain = ece.decrypt(body, {
        version: "aes128gcm",
        privateKey: sub.ecdh,
        authSecret: sub.auth.toString("base64url"),
      });
      if (sub.mode === "hang") {
        // Never answer: the sender's timeout must fire. Closed when the server stops.
        hanging.add(res);
        return;
      }
      if (sub.mode === "ok")
        sub.received.push({
          payload: JSON.parse(plain.toString("utf8")),
          ttl,
          urgency: (req.headers.urgency as string) ?? null,
          topic: (req.headers.topic as string) ?? null,
          vapidKey,
        });
      res.writeHead(STATUS[sub.mode], sub.mode === "busy" ? { "retry-after": "1" } : {});
      res.end();
    } catch (err) {
      violations.push(`${where}: ${(err as Error).message}`);
      res.writeHead(400);
      res.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const addr = server.address();
  if (!addr || typeof addr === "string") throw new Error("push stand-in has no port");
  origin = `http://127.0.0.1:${addr.port}`;
  return {
    url: origin,
    violations,
    close: () =>
      new Promise((resolve) => {
        for (const r of hanging) r.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
