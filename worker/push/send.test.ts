/**
 * Our push request against independent implementations: the body decrypts with the
 * `http_ece` package (RFC 8188/8291) using a subscription keypair made here, and the
 * VAPID JWT verifies with Node's crypto against the public key it names.
 */
import { createECDH, randomBytes } from "node:crypto";
import ece from "http_ece";
import { describe, expect, it } from "vitest";
import { checkVapid } from "../../e2e/standins/push.ts";
import type { PushNotice } from "../../protocol/push.ts";
import { vapidKeyPair } from "../../scripts/stack.ts";
import {
  buildPushRequest,
  VAPID_TTL_S,
  type VapidKeys,
  vapidAuthorization,
  vapidSigner,
} from "./send.ts";

const pair = vapidKeyPair();
const keys: VapidKeys = {
  publicKey: pair.VAPID_PUBLIC_KEY,
  privateKey: pair.VAPID_PRIVATE_KEY,
  subject: "mailto:ops@example.test",
};

function subscription() {
  const ecdh = createECDH("prime256v1");
  ecdh.generateKeys();
  const auth = randomBytes(16);
  return {
    ecdh,
    auth,
    target: {
      endpoint: "https://push.example.test/send/abc123",
      p256dh: ecdh.getPublicKey().toString("base64url"),
      auth: auth.toString("base64url"),
    },
  };
}

const notice: PushNotice = {
  kind: "live",
  title: "Algèbre 101 — «live» 🎓",
  body: "Live now — tap to join.",
  url: "/c/abc",
  tag: "class-abc",
};

describe("push request", () => {
  it("encrypts the notice so http_ece decrypts it with the subscription's keys (aes128gcm)", async () => {
    const { ecdh, auth, target } = subscription();
    const req = await buildPushRequest(target, notice, keys, 1800, "abc");
    expect(req.headers["content-encoding"]).toBe("aes128gcm");
    expect(req.headers.ttl).toBe("1800");
    expect(req.headers.urgency).toBe("high");
    expect(req.headers.topic).toBe("abc");
    const plain = ece.decrypt(Buffer.from(req.body), {
      version: "aes128gcm",
      privateKey: ecdh,
      authSecret: auth.toString("base64url"),
    });
    expect(JSON.parse(plain.toString("utf8"))).toEqual(notice);
    // Padded to a constant record, so the length does not leak the class title.
    expect(req.body.byteLength).toBe(4096);
  });

  it("cannot be decrypted with another subscription's auth secret", async () => {
    const { ecdh, target } = subscription();
    const req = await buildPushRequest(target, notice, keys, 60);
    expect(() =>
      ece.decrypt(Buffer.from(req.body), {
        version: "aes128gcm",
        privateKey: ecdh,
        authSecret: randomBytes(16).toString("base64url"),
      }),
    ).toThrow();
  });

  it("signs a VAPID JWT (ES256) for the push service origin with sub and a bounded exp", async () => {
    const now = Math.floor(Date.now() / 1000);
    const header = await vapidAuthorization("https://push.example.test:8443/send/x", keys, now);
    const k = checkVapid(header, "https://push.example.test:8443", now);
    expect(k).toBe(keys.publicKey);
    const claims = JSON.parse(
      Buffer.from(header.split(" ")[1]!.slice(2).split(".")[1]!, "base64url").toString(),
    );
    expect(claims).toEqual({
      aud: "https://push.example.test:8443",
      exp: now + VAPID_TTL_S,
      sub: "mailto:ops@example.test",
    });
    // Another origin, or a different key, must not pass.
    expect(() => checkVapid(header, "https://evil.example.test", now)).toThrow(/aud/);
    const other = vapidKeyPair();
    const forged = header.replace(/k=[\w-]+$/, `k=${other.VAPID_PUBLIC_KEY}`);
    expect(() => checkVapid(forged, "https://push.example.test:8443", now)).toThrow(/signature/);
  });

  it("signs once per push service origin within a job, and the shared header stays valid", async () => {
    const sign = vapidSigner(keys);
    const a1 = await sign("https://fcm.example.test/send/1");
    const a2 = await sign("https://fcm.example.test/send/2");
    const b = await sign("https://moz.example.test/wpush/v2/3");
    expect(a2).toBe(a1);
    expect(b).not.toBe(a1);
    const now = Math.floor(Date.now() / 1000);
    expect(checkVapid(a2, "https://fcm.example.test", now)).toBe(keys.publicKey);
    expect(checkVapid(b, "https://moz.example.test", now)).toBe(keys.publicKey);
  });
});
