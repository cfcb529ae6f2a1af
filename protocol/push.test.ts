/** The PushSubscription schema: what a browser sends passes; anything else is refused with a field path. */
import * as v from "valibot";
import { describe, expect, it } from "vitest";
import { base64UrlBytes, pushSubscriptionBody } from "./push.ts";

// WebCrypto, not node:crypto: protocol/ is also type-checked for the browser.
const b64url = (bytes: Uint8Array) =>
  btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");
const random = (n: number) => b64url(crypto.getRandomValues(new Uint8Array(n)));
const pair = (await crypto.subtle.generateKey({ name: "ECDH", namedCurve: "P-256" }, true, [
  "deriveBits",
])) as CryptoKeyPair;
const point = new Uint8Array((await crypto.subtle.exportKey("raw", pair.publicKey)) as ArrayBuffer);
const compressed = b64url(Uint8Array.of(2 + (point[64]! & 1), ...point.slice(1, 33)));
const good = {
  endpoint: "https://fcm.googleapis.com/fcm/send/dQw4w9WgXcQ:APA91bH",
  expirationTime: null,
  keys: {
    p256dh: b64url(point),
    auth: random(16),
  },
};

const issues = (body: unknown, allowLoopback = false) => {
  const r = v.safeParse(pushSubscriptionBody(allowLoopback), body);
  return r.success ? [] : r.issues.map((i) => `${v.getDotPath(i)}: ${i.message}`);
};

describe("push subscription schema", () => {
  it("accepts a browser's PushSubscription.toJSON() and drops unknown fields", () => {
    const r = v.parse(pushSubscriptionBody(false), { ...good, extra: 1 });
    expect(r).toEqual(good);
  });

  it.each([
    ["http endpoint", { ...good, endpoint: "http://push.example.test/x" }, "endpoint"],
    ["not a URL", { ...good, endpoint: "push service" }, "endpoint"],
    ["javascript: URL", { ...good, endpoint: "javascript:alert(1)" }, "endpoint"],
    ["credentials in URL", { ...good, endpoint: "https://u:p@push.example.test/x" }, "endpoint"],
    [
      "endpoint too long",
      { ...good, endpoint: `https://p.example.test/${"a".repeat(1100)}` },
      "endpoint",
    ],
    ["loopback https", { ...good, endpoint: "https://127.0.0.1/x" }, "endpoint"],
    ["compressed p256dh", { ...good, keys: { ...good.keys, p256dh: compressed } }, "keys.p256dh"],
    ["p256dh not base64url", { ...good, keys: { ...good.keys, p256dh: "@@@" } }, "keys.p256dh"],
    ["auth 15 bytes", { ...good, keys: { ...good.keys, auth: random(15) } }, "keys.auth"],
    ["auth 32 bytes", { ...good, keys: { ...good.keys, auth: random(32) } }, "keys.auth"],
    ["keys missing", { endpoint: good.endpoint }, "keys"],
    ["endpoint a number", { ...good, endpoint: 42 }, "endpoint"],
  ])("refuses %s", (_name, body, path) => {
    const found = issues(body);
    expect(found.length).toBeGreaterThan(0);
    expect(found[0]!.startsWith(`${path}:`)).toBe(true);
  });

  it("takes http://127.0.0.1 and localhost only with the loopback flag", () => {
    for (const endpoint of ["http://127.0.0.1:8123/push/1", "http://localhost/push/1"]) {
      expect(issues({ ...good, endpoint })).toHaveLength(1);
      expect(issues({ ...good, endpoint }, true)).toEqual([]);
    }
    expect(issues({ ...good, endpoint: "http://10.0.0.1/push" }, true)).toHaveLength(1);
  });

  it("decodes base64url with or without padding and rejects other alphabets", () => {
    expect(base64UrlBytes("AQID")).toEqual(new Uint8Array([1, 2, 3]));
    expect(base64UrlBytes("AQ")).toEqual(new Uint8Array([1]));
    expect(base64UrlBytes("AQ==")).toEqual(new Uint8Array([1]));
    expect(base64UrlBytes("+/8=")).toBeNull();
    expect(base64UrlBytes("A")).toBeNull();
  });
});
