/**
 * `POST /pull/:classId` — the production ingest route — against a local Calls stand-in:
 * the Worker pushed the teacher's tracks to Calls; the bridge pulls them into the class.
 */

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RTCPeerConnection } from "werift";
import { CallsClient, sdpMids } from "../common/calls-client.ts";
import { type CallsStandin, startCallsStandin } from "../e2e/standins/calls.ts";
import { ingestPolicy } from "../protocol/ingest.ts";
import { createLogger } from "./log.ts";
import { type Bridge, startBridge } from "./server.ts";
import { FAKE_FFMPEG } from "./testing/fakes.ts";

const SECRET = "pull-secret-abcdefghijklmnop";
const headers = { Authorization: `Bearer ${SECRET}`, "Content-Type": "application/json" };

describe("bridge /pull (Cloudflare Calls ingest)", () => {
  let standin: CallsStandin;
  let bridge: Bridge;
  let plain: Bridge;
  beforeAll(async () => {
    standin = await startCallsStandin({ appId: "app", appSecret: "calls-secret" });
    const common = {
      host: "127.0.0.1",
      port: 0,
      secret: SECRET,
      ffmpeg: FAKE_FFMPEG,
      ice: {},
      ingest: ingestPolicy("", "127.0.0.1:1"),
      log: createLogger({ quiet: true }),
    };
    bridge = await startBridge({
      ...common,
      rtpPortMin: 43200,
      rtpPortMax: 43299,
      calls: { appId: "app", appSecret: "calls-secret", baseUrl: standin.url },
    });
    plain = await startBridge({ ...common, rtpPortMin: 43300, rtpPortMax: 43399 });
  });
  afterAll(async () => {
    await bridge.close();
    await plain.close();
    await standin.close();
  });

  const call = (b: Bridge, method: string, path: string, body?: unknown) =>
    fetch(`${b.url}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  it("pulls published tracks into the class session, and DELETE stops it", async () => {
    const teacher = new RTCPeerConnection();
    teacher.addTransceiver("audio", { direction: "sendonly" });
    teacher.addTransceiver("video", { direction: "sendonly" });
    await teacher.setLocalDescription(await teacher.createOffer());
    const calls = new CallsClient({
      appId: "app",
      appSecret: "calls-secret",
      baseUrl: standin.url,
    });
    const pub = await calls.newSession();
    const offer = teacher.localDescription!.sdp;
    const tracks = sdpMids(offer).map(({ mid, kind }) => ({
      location: "local" as const,
      mid,
      trackName: `k1-${kind}`,
    }));
    await calls.addTracks(pub.sessionId, tracks, { type: "offer", sdp: offer });

    expect(
      (await call(bridge, "PUT", "/sessions/k1", { rtmpUrl: "rtmp://127.0.0.1:1/live/k1" })).status,
    ).toBe(201);
    const res = await call(bridge, "POST", "/pull/k1", {
      sessionId: pub.sessionId,
      trackNames: tracks.map((t) => t.trackName),
    });
    expect(res.status).toBe(201);
    expect(await res.json()).toMatchObject({ classId: "k1" });
    const health = (await (await fetch(`${bridge.url}/sessions/k1`, { headers })).json()) as {
      publisherId: string | null;
    };
    expect(health.publisherId).not.toBeNull();
    expect(standin.violations).toEqual([]);

    expect((await call(bridge, "DELETE", "/pull/k1")).status).toBe(204);
    expect((await call(bridge, "DELETE", "/pull/k1")).status).toBe(404);
    await call(bridge, "DELETE", "/sessions/k1");
    await teacher.close();
  });

  it("answers bad requests with clear errors", async () => {
    await call(bridge, "PUT", "/sessions/k2", { rtmpUrl: "rtmp://127.0.0.1:1/live/k2" });
    const missing = await call(bridge, "POST", "/pull/k2", {
      sessionId: "sess-none",
      trackNames: ["nobody-video"],
    });
    expect(missing.status).toBe(502);
    expect(await missing.json()).toMatchObject({ error: "calls_pull_failed" });
    const bad = await call(bridge, "POST", "/pull/k2", { sessionId: "x", trackNames: [] });
    expect(await bad.json()).toMatchObject({ error: "bad_pull" });
    const noSession = await call(bridge, "POST", "/pull/k9", { sessionId: "x", trackNames: ["a"] });
    expect(noSession.status).toBe(404);
    const unauth = await fetch(`${bridge.url}/pull/k2`, { method: "POST", body: "{}" });
    expect(unauth.status).toBe(401);
    await call(plain, "PUT", "/sessions/k3", { rtmpUrl: "rtmp://127.0.0.1:1/live/k3" });
    const notConfigured = await call(plain, "POST", "/pull/k3", {
      sessionId: "x",
      trackNames: ["a"],
    });
    expect(notConfigured.status).toBe(501);
    await call(bridge, "DELETE", "/sessions/k2");
    await call(plain, "DELETE", "/sessions/k3");
    standin.violations.length = 0;
  });
});
