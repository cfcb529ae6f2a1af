/** The PushSubscription schema: what a browser sends passes; anything else is refused with a field path. */
import * as v from "valibot";
import { describe, expect, it } from "vitest";
import { INTERNAL_HOST_URLS } from "../test/internal-hosts.ts";
import {
  base64UrlBytes,
  DEFAULT_PUSH_HOSTS,
  type PushEndpointPolicy,
  pushEndpointAllowed,
  pushEndpointPolicy,
  pushSubscriptionBody,
} from "./push.ts";

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

const PROD: PushEndpointPolicy = { hosts: DEFAULT_PUSH_HOSTS };
const issues = (body: unknown, policy = PROD) => {
  const r = v.safeParse(pushSubscriptionBody(policy), body);
  return r.success ? [] : r.issues.map((i) => `${v.getDotPath(i)}: ${i.message}`);
};

describe("push subscription schema", () => {
  it("accepts a browser's PushSubscription.toJSON() and drops unknown fields", () => {
    const r = v.parse(pushSubscriptionBody(PROD), { ...good, extra: 1 });
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

  it("accepts the real Web Push services' endpoints", () => {
    for (const endpoint of [
      "https://fcm.googleapis.com/fcm/send/abc:APA91b",
      "https://updates.push.services.mozilla.com/wpush/v2/gAAAA",
      "https://wns2-by3p.notify.windows.com/w/?token=BQYAAAD",
      "https://web.push.apple.com/QGuQyavXutnMH",
      "https://api.push.apple.com/3/device/x",
    ])
      expect([endpoint, issues({ ...good, endpoint })]).toEqual([endpoint, []]);
  });

  it("refuses internal hosts in every spelling, and hosts off the list", () => {
    // The spellings that reached internal hosts before (issue 12 point 17), and more.
    for (const endpoint of [
      ...INTERNAL_HOST_URLS,
      "https://0x7f000001/x",
      "https://127.1/x",
      "https://0177.0.0.1/x",
      "https://[fd00::1]/x",
      "https://[::]/x",
      "https://metadata.google.internal/x",
      "https://push.example.test/x",
      // Look-alikes and tricks on the allowed names.
      "https://fcm.googleapis.com./fcm/send/x",
      "https://fcm.googleapis.com:8443/fcm/send/x",
      "https://fcm.googleapis.com.evil.test/x",
      "https://evilfcm.googleapis.com/x",
      "https://notify.windows.com/x",
      "https://x.notify.windows.com.evil.test/x",
      "https://user@fcm.googleapis.com/x",
      "http://fcm.googleapis.com/fcm/send/x",
      "http://127.0.0.1:8123/push/1",
    ]) {
      expect([endpoint, pushEndpointAllowed(endpoint, PROD)]).toEqual([endpoint, false]);
      expect(issues({ ...good, endpoint }).length, endpoint).toBeGreaterThan(0);
    }
  });

  it("takes the test origin exactly, and nothing else on loopback", () => {
    const test = pushEndpointPolicy({ PUSH_TEST_ORIGIN: "http://127.0.0.1:8123" });
    expect(test.hosts).toEqual(DEFAULT_PUSH_HOSTS);
    expect(issues({ ...good, endpoint: "http://127.0.0.1:8123/push/1" }, test)).toEqual([]);
    for (const endpoint of [
      "http://127.0.0.1:8124/push/1",
      "https://127.0.0.1:8123/push/1",
      "http://localhost:8123/push/1",
      "http://127.0.0.2:8123/push/1",
      "http://10.0.0.1/push",
    ])
      expect([endpoint, issues({ ...good, endpoint }, test).length]).toEqual([endpoint, 1]);
  });

  it("reads PUSH_HOSTS as the list, with *. for subdomains", () => {
    const p = pushEndpointPolicy({ PUSH_HOSTS: "push.school.example, *.fcm.example" });
    expect(p.hosts).toEqual(["push.school.example", "*.fcm.example"]);
    expect(pushEndpointAllowed("https://push.school.example/x", p)).toBe(true);
    expect(pushEndpointAllowed("https://a.fcm.example/x", p)).toBe(true);
    expect(pushEndpointAllowed("https://fcm.example/x", p)).toBe(false);
    expect(pushEndpointAllowed("https://fcm.googleapis.com/x", p)).toBe(false);
    expect(pushEndpointPolicy({ PUSH_HOSTS: " " }).hosts).toEqual(DEFAULT_PUSH_HOSTS);
  });

  it("decodes base64url with or without padding and rejects other alphabets", () => {
    expect(base64UrlBytes("AQID")).toEqual(new Uint8Array([1, 2, 3]));
    expect(base64UrlBytes("AQ")).toEqual(new Uint8Array([1]));
    expect(base64UrlBytes("AQ==")).toEqual(new Uint8Array([1]));
    expect(base64UrlBytes("+/8=")).toBeNull();
    expect(base64UrlBytes("A")).toBeNull();
  });
});
