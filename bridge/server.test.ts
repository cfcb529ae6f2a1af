/**
 * The bridge's HTTP surface with bad input: no media needed, fast.
 */
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FfmpegInfo } from "./ffmpeg.ts";
import { createLogger } from "./log.ts";
import { type Bridge, startBridge } from "./server.ts";

const SECRET = "unit-secret-abcdefghijklmnop";
const auth = { Authorization: `Bearer ${SECRET}` };
const OFFER = readFileSync(new URL("./fixtures/chrome-offer.sdp", import.meta.url), "utf8");
// A fake ffmpeg is enough: these tests never get to media.
const FAKE_FFMPEG: FfmpegInfo = {
  path: "/bin/false",
  source: "env",
  version: "test",
  sdpLocalAddr: true,
  drawtext: false,
  statsPeriod: true,
  tcpNodelay: true,
};

async function start(
  ffmpeg: FfmpegInfo | null,
  extra: Partial<Parameters<typeof startBridge>[0]> = {},
) {
  return startBridge({
    host: "127.0.0.1",
    port: 0,
    secret: SECRET,
    ffmpeg,
    rtpPortMin: 43000,
    rtpPortMax: 43099,
    ice: {},
    log: createLogger({ quiet: true }),
    ...extra,
  });
}

describe("bridge HTTP API", () => {
  let bridge: Bridge;
  beforeAll(async () => {
    bridge = await start(FAKE_FFMPEG);
  });
  afterAll(async () => {
    await bridge.close();
  });

  const post = (path: string, body: string, headers: Record<string, string> = {}) =>
    fetch(`${bridge.url}${path}`, {
      method: "POST",
      headers: { "Content-Type": "application/sdp", ...auth, ...headers },
      body,
    });

  it("serves /health without auth and without secrets", async () => {
    const r = await fetch(`${bridge.url}/health`, { headers: auth });
    expect(r.status).toBe(200);
    expect(await r.json()).toMatchObject({ ok: true, state: "ok", sessions: [] });
  });

  it("tells an unauthenticated /health caller only ok, never the classes", async () => {
    // Attack: a stranger lists every class, its state and its last error.
    const put = await fetch(`${bridge.url}/sessions/secret-class`, {
      method: "PUT",
      headers: { ...auth, "Content-Type": "application/json" },
      body: JSON.stringify({ rtmpUrl: "rtmps://a.rtmps.youtube.com:443/live2", streamKey: "k-1" }),
    });
    expect(put.status).toBe(201);
    try {
      for (const headers of [{}, { Authorization: "Bearer wrong" }]) {
        const r = await fetch(`${bridge.url}/health`, { headers });
        expect(r.status).toBe(200);
        const text = await r.text();
        expect(JSON.parse(text)).toEqual({ ok: true });
        expect(text).not.toContain("secret-class");
      }
      // ?secret= is a dev-mode convenience only.
      const q = await fetch(`${bridge.url}/health?secret=${SECRET}`);
      expect(await q.json()).toEqual({ ok: true });
      const full = await (await fetch(`${bridge.url}/health`, { headers: auth })).json();
      expect(full.sessions).toEqual([expect.objectContaining({ classId: "secret-class" })]);
    } finally {
      await fetch(`${bridge.url}/sessions/secret-class`, { method: "DELETE", headers: auth });
    }
  });

  it("rejects a wrong or missing bridge secret with 401", async () => {
    expect((await post("/whip/c1", OFFER, { Authorization: "Bearer nope" })).status).toBe(401);
    const r = await fetch(`${bridge.url}/whip/c1`, {
      method: "POST",
      body: OFFER,
      headers: { "Content-Type": "application/sdp" },
    });
    expect(r.status).toBe(401);
    expect(r.headers.get("www-authenticate")).toContain("Bearer");
    // The dev-only ?secret= is refused outside dev mode.
    const q = await fetch(`${bridge.url}/whip/c1?secret=${SECRET}`, {
      method: "POST",
      body: OFFER,
      headers: { "Content-Type": "application/sdp" },
    });
    expect(q.status).toBe(401);
  });

  it("answers malformed SDP with 400 and a reason", async () => {
    const r = await post("/whip/c1", "this is not sdp");
    expect(r.status).toBe(400);
    expect(await r.json()).toMatchObject({ error: "bad-sdp" });
  });

  it("answers an offer without H.264 with 415", async () => {
    const vp8 = OFFER.replace(/^m=video (\d+) (\S+) .*$/m, "m=video $1 $2 96").replace(
      /^a=(rtpmap|fmtp|rtcp-fb):(?!96 |111 |63 |9 |0 |8 |13 |110 |126 ).*\r?\n/gm,
      "",
    );
    const r = await post("/whip/c1", vp8);
    expect(r.status).toBe(415);
    expect((await r.json()).message).toMatch(/H\.264/);
  });

  it("wants Content-Type application/sdp", async () => {
    expect((await post("/whip/c1", OFFER, { "Content-Type": "text/plain" })).status).toBe(415);
  });

  it("answers 404 for a class with no RTMP target yet", async () => {
    const r = await post("/whip/c1", OFFER);
    expect(r.status).toBe(404);
    expect(await r.json()).toMatchObject({ error: "no-session" });
  });

  it("validates the control call", async () => {
    const put = (body: unknown) =>
      fetch(`${bridge.url}/sessions/c2`, {
        method: "PUT",
        headers: { ...auth, "Content-Type": "application/json" },
        body: typeof body === "string" ? body : JSON.stringify(body),
      });
    expect((await put("{")).status).toBe(400);
    expect((await put({ rtmpUrl: "http://example.com/x" })).status).toBe(400);
    expect(
      (await put({ rtmpUrl: "rtmps://a.rtmp.youtube.com/live2", streamKey: "bad key!" })).status,
    ).toBe(400);
    const ok = await put({
      rtmpUrl: "rtmps://a.rtmp.youtube.com/live2",
      streamKey: "abcd-efgh-ijkl-mnop",
    });
    expect(ok.status).toBe(201);
    const body = await ok.text();
    expect(body).not.toContain("abcd-efgh");
    expect(JSON.parse(body)).toMatchObject({
      classId: "c2",
      state: "waiting-for-publisher",
      rtmp: "rtmps://a.rtmp.youtube.com/***",
    });
    expect((await put({ rtmpUrl: "rtmps://a.rtmp.youtube.com/live2/other" })).status).toBe(200);
    expect((await fetch(`${bridge.url}/sessions/c2`, { headers: auth })).status).toBe(200);
    expect(
      (await fetch(`${bridge.url}/sessions/c2`, { method: "DELETE", headers: auth })).status,
    ).toBe(204);
    expect(
      (await fetch(`${bridge.url}/sessions/c2`, { method: "DELETE", headers: auth })).status,
    ).toBe(404);
    expect((await fetch(`${bridge.url}/sessions/bad%20id`, { headers: auth })).status).toBe(400);
  });

  it("answers PATCH (trickle) with 405 and unknown resources with 404", async () => {
    const r = await fetch(`${bridge.url}/whip/c1/nope`, { method: "PATCH", headers: auth });
    expect(r.status).toBe(404);
    const d = await fetch(`${bridge.url}/whip/c1/nope`, { method: "DELETE", headers: auth });
    expect(d.status).toBe(404);
  });
});

describe("bridge without ffmpeg", () => {
  it("still serves /health with state ffmpeg-missing and refuses to go live", async () => {
    const b = await start(null);
    try {
      const h = await fetch(`${b.url}/health`, { headers: auth });
      expect(h.status).toBe(503);
      expect(await h.json()).toMatchObject({ ok: false, state: "ffmpeg-missing" });
      const anon = await fetch(`${b.url}/health`);
      expect(anon.status).toBe(503);
      expect(await anon.json()).toEqual({ ok: false });
      const r = await fetch(`${b.url}/sessions/c1`, {
        method: "PUT",
        headers: { ...auth, "Content-Type": "application/json" },
        body: JSON.stringify({ rtmpUrl: "rtmp://127.0.0.1/live/x" }),
      });
      expect(r.status).toBe(503);
      expect(await r.json()).toMatchObject({ error: "ffmpeg-missing" });
    } finally {
      await b.close();
    }
  });
});

describe("dev mode", () => {
  it("allows CORS preflight and ?secret= for browser tests", async () => {
    const b = await start(FAKE_FFMPEG, { dev: true });
    try {
      const pre = await fetch(`${b.url}/whip/c1`, { method: "OPTIONS" });
      expect(pre.status).toBe(204);
      expect(pre.headers.get("access-control-allow-methods")).toContain("POST");
      const r = await fetch(`${b.url}/whip/c1?secret=${SECRET}`, {
        method: "POST",
        body: "garbage",
        headers: { "Content-Type": "application/sdp" },
      });
      expect(r.status).toBe(400);
      expect(r.headers.get("access-control-allow-origin")).toBe("*");
    } finally {
      await b.close();
    }
  });
});
