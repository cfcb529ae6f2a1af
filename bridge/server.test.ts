/**
 * The bridge's HTTP surface with bad input: no media needed, fast.
 */
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ingestPolicy, STREAM_ERRORS } from "../protocol/ingest.ts";
import type { FfmpegInfo } from "./ffmpeg.ts";
import type { LookupAll } from "./ingest.ts";
import { createLogger } from "./log.ts";
import { type Bridge, startBridge } from "./server.ts";
import { FAKE_FFMPEG, publicLookup } from "./testing/fakes.ts";

const SECRET = "unit-secret-abcdefghijklmnop";
const auth = { Authorization: `Bearer ${SECRET}` };
const OFFER = readFileSync(new URL("./fixtures/chrome-offer.sdp", import.meta.url), "utf8");

async function start(
  ffmpeg: FfmpegInfo | null,
  extra: Partial<Parameters<typeof startBridge>[0]> = {},
) {
  return startBridge({
    lookup: publicLookup,
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
      for (const headers of [{}, { Authorization: "Bearer wrong" }] as Record<string, string>[]) {
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
    expect(await r.json()).toMatchObject({ error: "bad_sdp" });
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
    expect(await r.json()).toMatchObject({ error: "no_session" });
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
        body: JSON.stringify({ rtmpUrl: "rtmp://a.rtmp.youtube.com/live2/x" }),
      });
      expect(r.status).toBe(503);
      expect(await r.json()).toMatchObject({ error: "ffmpeg_missing" });
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

/** A TCP listener that counts connections: where a port scan would land. */
async function spy(): Promise<{ server: Server; port: number; connections: () => number }> {
  let n = 0;
  const server = createServer((sock) => {
    n++;
    sock.destroy();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  return { server, port: (server.address() as { port: number }).port, connections: () => n };
}

/**
 * An "ffmpeg" that connects to its output URL (the last argument) as the real one does
 * when media arrives — at once — so a test sees every connection the bridge lets happen.
 */
function connectingFfmpeg(): FfmpegInfo {
  const path = join(mkdtempSync(join(tmpdir(), "mc-fake-ffmpeg-")), "ffmpeg");
  writeFileSync(
    path,
    `#!/bin/bash
for a; do url=$a; done
hp=\${url#*://}; hp=\${hp%%/*}
exec 3<>/dev/tcp/\${hp%:*}/\${hp##*:} || exit 1
exec sleep 30
`,
  );
  chmodSync(path, 0o755);
  return { ...FAKE_FFMPEG, path };
}

const waitFor = async (ok: () => boolean, ms: number) => {
  const until = Date.now() + ms;
  while (!ok() && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
};

describe("RTMP destinations: the port-scanner attack (issue 12, point 18)", () => {
  it("refuses a disallowed URL at PUT /sessions and never opens a socket to it", async () => {
    const target = await spy();
    const b = await start(connectingFfmpeg(), { rtpPortMin: 43100, rtpPortMax: 43199 });
    try {
      const p = target.port;
      for (const rtmpUrl of [
        `rtmp://127.0.0.1:${p}/x/k`,
        `rtmp://127.0.0.2:${p}/x/k`,
        `rtmp://[::ffff:127.0.0.1]:${p}/x/k`,
        `rtmp://0.0.0.0:${p}/x/k`,
        `rtmp://2130706433:${p}/x/k`,
        `rtmp://localhost:${p}/x/k`,
        "rtmp://169.254.169.254:80/latest/meta-data",
        "rtmp://10.0.0.1:5432/x/k",
      ]) {
        const r = await fetch(`${b.url}/sessions/scan`, {
          method: "PUT",
          headers: { ...auth, "Content-Type": "application/json" },
          body: JSON.stringify({ rtmpUrl, prepare: true }),
        });
        expect(r.status, rtmpUrl).toBe(400);
        const body = await r.json();
        expect(body).toEqual({
          error: "ingest_not_allowed",
          message: STREAM_ERRORS["ingest-not-allowed"],
        });
      }
      await new Promise((r) => setTimeout(r, 300));
      expect(target.connections()).toBe(0);
      expect(b.sessions.size).toBe(0);
    } finally {
      await b.close();
      target.server.close();
    }
  });

  it("refuses an allowed name that resolves to loopback", async () => {
    const target = await spy();
    // An operator allowed "localhost:<port>" by mistake: resolution still says loopback.
    const b = await start(connectingFfmpeg(), {
      rtpPortMin: 43100,
      rtpPortMax: 43199,
      ingest: ingestPolicy(`localhost:${target.port}, 2130706434:${target.port}`),
      lookup: undefined, // the system resolver
    });
    try {
      for (const host of ["localhost", "2130706434"]) {
        const r = await fetch(`${b.url}/sessions/scan`, {
          method: "PUT",
          headers: { ...auth, "Content-Type": "application/json" },
          body: JSON.stringify({ rtmpUrl: `rtmp://${host}:${target.port}/x/k`, prepare: true }),
        });
        expect(r.status, host).toBe(400);
        expect((await r.json()).error).toBe("ingest_not_allowed");
      }
      await new Promise((r) => setTimeout(r, 300));
      expect(target.connections()).toBe(0);
    } finally {
      await b.close();
      target.server.close();
    }
  });

  it("checks the resolved addresses again before connecting (DNS rebinding)", async () => {
    const target = await spy();
    let answers = 0;
    // First answer public (PUT passes), every later one the internal address.
    const rebinding: LookupAll = async () => [
      { address: answers++ === 0 ? "142.250.74.46" : "127.0.0.1", family: 4 },
    ];
    const events: string[] = [];
    const b = await start(connectingFfmpeg(), {
      rtpPortMin: 43100,
      rtpPortMax: 43199,
      ingest: ingestPolicy(`rebind.example.org:${target.port}`),
      lookup: rebinding,
      backoffMaxMs: 200,
      log: (event) => {
        events.push(event);
      },
    });
    try {
      const r = await fetch(`${b.url}/sessions/rebind`, {
        method: "PUT",
        headers: { ...auth, "Content-Type": "application/json" },
        body: JSON.stringify({
          rtmpUrl: `rtmp://rebind.example.org:${target.port}/x/k`,
          prepare: true,
        }),
      });
      expect(r.status).toBe(201);
      const s = b.sessions.get("rebind")!;
      await waitFor(() => s.health().lastError !== null, 3000);
      await new Promise((r) => setTimeout(r, 500));
      expect(s.health().lastError).toBe(STREAM_ERRORS["ingest-not-allowed"]);
      expect(events).toContain("ingest_refused");
      expect(events).not.toContain("ffmpeg_started");
      expect(target.connections()).toBe(0);
      // The teacher sees the category through the health the Worker gets, nothing raw.
      const h = await (await fetch(`${b.url}/health`, { headers: auth })).json();
      expect(h.sessions[0].lastError).toBe(STREAM_ERRORS["ingest-not-allowed"]);
    } finally {
      await b.close();
      target.server.close();
    }
  });

  it("connects to the configured local ingest (the control: the fake ffmpeg does connect)", async () => {
    const target = await spy();
    const b = await start(connectingFfmpeg(), {
      rtpPortMin: 43100,
      rtpPortMax: 43199,
      ingest: ingestPolicy("", `127.0.0.1:${target.port}`),
    });
    try {
      const r = await fetch(`${b.url}/sessions/local`, {
        method: "PUT",
        headers: { ...auth, "Content-Type": "application/json" },
        body: JSON.stringify({ rtmpUrl: `rtmp://127.0.0.1:${target.port}/x/k`, prepare: true }),
      });
      expect(r.status).toBe(201);
      await waitFor(() => target.connections() > 0, 5000);
      expect(target.connections()).toBeGreaterThan(0);
    } finally {
      await b.close();
      target.server.close();
    }
  });
});
