import { describe, expect, it } from "vitest";
import { ingestPolicy } from "../protocol/ingest.ts";
import { checkIngest, type LookupAll } from "./ingest.ts";

const answers =
  (...addresses: string[]): LookupAll =>
  async () =>
    addresses.map((address) => ({ address, family: address.includes(":") ? 6 : 4 }));

describe("checkIngest: allowlist, then every resolved address (issue 12, point 18)", () => {
  it("refuses allowed names that resolve to loopback (system resolver)", async () => {
    // An operator allowed these by mistake; resolution still tells.
    const policy = ingestPolicy("localhost, 2130706434, 0x7f.1");
    for (const url of [
      "rtmp://localhost/live/k",
      "rtmp://2130706434/live/k", // 127.0.0.2
      "rtmp://0x7f.1/live/k", // 127.0.0.1
    ]) {
      const v = await checkIngest(url, policy);
      expect(v, url).toMatchObject({ ok: false, category: "ingest-not-allowed" });
    }
  });

  it("refuses when any one of the addresses is internal", async () => {
    const policy = ingestPolicy();
    for (const bad of [
      "10.1.2.3",
      "::ffff:127.0.0.1",
      "169.254.169.254",
      "100.64.1.1",
      "fd00::1",
    ]) {
      const v = await checkIngest(
        "rtmp://a.rtmp.youtube.com/live2/k",
        policy,
        answers("142.250.74.46", bad),
      );
      expect(v, bad).toEqual({
        ok: false,
        category: "ingest-not-allowed",
        detail: expect.stringMatching(/address$/),
      });
    }
  });

  it("passes public addresses and returns them for the connection", async () => {
    const v = await checkIngest(
      "rtmps://a.rtmps.youtube.com:443/live2/k",
      ingestPolicy(),
      answers("142.250.74.46", "2a00:1450:4001:82b::200e"),
    );
    expect(v).toEqual({
      ok: true,
      ingest: {
        target: { scheme: "rtmps", host: "a.rtmps.youtube.com", port: 443 },
        addresses: ["142.250.74.46", "2a00:1450:4001:82b::200e"],
        local: false,
      },
    });
  });

  it("does not resolve a host that is not allowed, nor the local ingest", async () => {
    let lookups = 0;
    const counting: LookupAll = async () => {
      lookups++;
      return [{ address: "142.250.74.46", family: 4 }];
    };
    const policy = ingestPolicy("", "127.0.0.1:1935");
    expect(await checkIngest("rtmp://10.0.0.1/x/k", policy, counting)).toMatchObject({
      ok: false,
      category: "ingest-not-allowed",
    });
    expect(await checkIngest("rtmp://127.0.0.1:1935/live/k", policy, counting)).toMatchObject({
      ok: true,
      ingest: { local: true, addresses: [] },
    });
    expect(lookups).toBe(0);
  });

  it("names a host that does not resolve", async () => {
    const failing: LookupAll = async () => {
      throw Object.assign(new Error("getaddrinfo ENOTFOUND"), { code: "ENOTFOUND" });
    };
    expect(
      await checkIngest("rtmp://a.rtmp.youtube.com/live2/k", ingestPolicy(), failing),
    ).toMatchObject({ ok: false, category: "ingest-not-found" });
  });
});
