/**
 * The bridge's HTTP contract through `app.request()`: no socket, no ffmpeg, no werift.
 * The bridge behind the routes is a stand-in that records what the routes asked of it.
 */

import * as v from "valibot";
import { describe, expect, it } from "vitest";
import {
  type BridgeHealth,
  BridgeHealthReportSchema,
  type SessionHealth,
} from "../protocol/bridge.ts";
import type { FfmpegInfo } from "./ffmpeg.ts";
import { type BridgeRoutesDeps, bridgeRoutes, HttpError } from "./http.ts";
import type { ClassSession } from "./session.ts";

const SECRET = "unit-secret-abcdefghijklmnop";
const auth = { Authorization: `Bearer ${SECRET}` };
const FFMPEG = { path: "/bin/false", source: "env", version: "test" } as FfmpegInfo;

function sessionHealth(classId: string): SessionHealth {
  return {
    classId,
    state: "waiting-for-publisher",
    rtmp: "rtmp://a.rtmp.youtube.com/live2/***",
    publisherId: null,
    receiving: false,
    lastMediaAt: null,
    ffmpegRunning: false,
    pushing: false,
    lastKeyframeAt: null,
    bitrateKbps: 0,
    fillerActive: false,
    fillerSince: null,
    restarts: 0,
    streamStartedAt: null,
    video: null,
    lastError: null,
  };
}

/** A stand-in bridge: sessions are plain objects; what the routes asked is recorded. */
function standIn(over: Partial<BridgeRoutesDeps> = {}) {
  const created: { classId: string; rtmpUrl: string }[] = [];
  const prepared: string[] = [];
  const logged: { event: string; fields: Record<string, unknown> }[] = [];
  const sessions = new Map<string, ClassSession>();
  const deps: BridgeRoutesDeps = {
    secret: SECRET,
    ffmpeg: FFMPEG,
    ice: {},
    warmTtlMs: 1000,
    calls: null,
    log: (event, fields = {}) => logged.push({ event, fields }),
    sessions,
    publishers: new Map(),
    pulls: new Map(),
    health: (): BridgeHealth => ({
      ok: true,
      state: "ok",
      ffmpeg: { path: "/bin/false", source: "env", version: "test" },
      sessions: [...sessions.values()].map((s) => s.health()),
    }),
    getOrCreateSession: async (classId, rtmpUrl) => {
      const existing = sessions.get(classId);
      if (existing) return { s: existing, created: false };
      created.push({ classId, rtmpUrl });
      const fake: { warmUntil: number | null } & Pick<ClassSession, "health" | "prepare"> = {
        warmUntil: null,
        health: () => sessionHealth(classId),
        prepare(ttl: number) {
          prepared.push(classId);
          fake.warmUntil = 1_000 + ttl;
          return true;
        },
      };
      const s = fake as unknown as ClassSession;
      sessions.set(classId, s);
      return { s, created: true };
    },
    deleteSession: async (classId) => sessions.delete(classId),
    ...over,
  };
  return { app: bridgeRoutes(deps), created, prepared, logged, sessions };
}

const put = (body: unknown, headers: Record<string, string> = auth) => ({
  method: "PUT",
  headers: { ...headers, "Content-Type": "application/json" },
  body: typeof body === "string" ? body : JSON.stringify(body),
});

describe("bridge routes (app.request)", () => {
  it("PUT /sessions/:classId creates once, then updates; the key is appended to the URL", async () => {
    const { app, created, prepared } = standIn();
    const first = await app.request(
      "/sessions/c1",
      put({ rtmpUrl: "rtmp://a.rtmp.youtube.com/live2/", streamKey: "abcd-1234", prepare: true }),
    );
    expect(first.status).toBe(201);
    expect(first.headers.get("content-type")).toBe("application/json");
    expect(first.headers.get("cache-control")).toBe("no-store");
    expect(await first.json()).toMatchObject({ classId: "c1", warmUntil: 2000 });
    expect(created).toEqual([
      { classId: "c1", rtmpUrl: "rtmp://a.rtmp.youtube.com/live2/abcd-1234" },
    ]);
    expect(prepared).toEqual(["c1"]);
    const again = await app.request("/sessions/c1", put({ rtmpUrl: "rtmp://x.example/app/k" }));
    expect(again.status).toBe(200);
    expect(prepared).toEqual(["c1"]);
  });

  it("answers each bad PUT body with its own stable code, before touching a session", async () => {
    const { app, created } = standIn();
    const cases: [unknown, number, string][] = [
      ["{", 400, "bad_json"],
      [[1], 400, "bad_rtmp_url"],
      [null, 400, "bad_json"],
      [{}, 400, "bad_rtmp_url"],
      [{ rtmpUrl: "http://example.com/x" }, 400, "bad_rtmp_url"],
      [{ rtmpUrl: `rtmp://h/${"a".repeat(2000)}` }, 400, "bad_rtmp_url"],
      [{ rtmpUrl: "rtmp://h/app", streamKey: "" }, 400, "bad_stream_key"],
      [{ rtmpUrl: "rtmp://h/app", streamKey: "a b" }, 400, "bad_stream_key"],
      [{ rtmpUrl: "rtmp://h/app", prepare: "yes" }, 400, "bad_prepare"],
      [{ rtmpUrl: "rtmp://h/app", pad: "x".repeat(9000) }, 413, "too_large"],
    ];
    for (const [body, status, code] of cases) {
      const r = await app.request("/sessions/c1", put(body));
      expect(r.status, JSON.stringify(body).slice(0, 60)).toBe(status);
      expect(await r.json()).toMatchObject({ error: code, message: expect.any(String) });
    }
    expect(created).toEqual([]);
  });

  it("checks the class id, then the secret, then the method", async () => {
    const { app } = standIn();
    const bad = await app.request("/sessions/bad%20id", { headers: {} });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: "bad_class_id" });
    const anon = await app.request("/sessions/c1", put({ rtmpUrl: "rtmp://h/app" }, {}));
    expect(anon.status).toBe(401);
    expect(anon.headers.get("www-authenticate")).toContain("Bearer");
    const wrong = await app.request("/sessions/c1", { headers: { Authorization: "Bearer nope" } });
    expect(wrong.status).toBe(401);
    const post = await app.request("/sessions/c1", { method: "POST", headers: auth });
    expect(post.status).toBe(405);
    expect(post.headers.get("allow")).toBe("PUT, GET, DELETE");
    expect(await post.json()).toMatchObject({ error: "method_not_allowed" });
    const whipGet = await app.request("/whip/c1", { headers: auth });
    expect(whipGet.status).toBe(405);
    expect(whipGet.headers.get("allow")).toBe("POST");
  });

  it("GET and DELETE /sessions/:classId: 404 no-session until one exists", async () => {
    const { app, sessions } = standIn();
    const missing = await app.request("/sessions/c1", { headers: auth });
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: "no_session" });
    await app.request("/sessions/c1", put({ rtmpUrl: "rtmp://h/app" }));
    expect((await app.request("/sessions/c1", { headers: auth })).status).toBe(200);
    const del = await app.request("/sessions/c1", { method: "DELETE", headers: auth });
    expect(del.status).toBe(204);
    expect(sessions.size).toBe(0);
    expect((await app.request("/sessions/c1", { method: "DELETE", headers: auth })).status).toBe(
      404,
    );
  });

  it("/health: liveness for anyone, the class list only with the secret", async () => {
    const { app } = standIn();
    await app.request("/sessions/secret-class", put({ rtmpUrl: "rtmp://h/app" }));
    const anon = await app.request("/health");
    expect(anon.status).toBe(200);
    expect(await anon.json()).toEqual({ ok: true });
    // `?secret=` is for dev mode only.
    expect(await (await app.request(`/health?secret=${SECRET}`)).json()).toEqual({ ok: true });
    const full = (await (await app.request("/health", { headers: auth })).json()) as BridgeHealth;
    expect(full.sessions.map((s) => s.classId)).toEqual(["secret-class"]);
    expect((await app.request("/metrics")).status).toBe(401);
    const metrics = await app.request("/metrics", { headers: auth });
    expect(metrics.headers.get("content-type")).toContain("version=0.0.4");
  });

  it("without ffmpeg: /health is 503 and going live is refused", async () => {
    const { app } = standIn({ ffmpeg: null, health: () => ({ ...emptyHealth, ok: false }) });
    expect((await app.request("/health")).status).toBe(503);
    const r = await app.request("/whip/c1", {
      method: "POST",
      headers: { ...auth, "Content-Type": "application/sdp" },
      body: "v=0",
    });
    // The offer is checked first (bad SDP), as before; a good offer would get ffmpeg-missing.
    expect(r.status).toBe(400);
    expect(await r.json()).toMatchObject({ error: "bad_sdp" });
  });

  it("WHIP resources: 404 for an unknown one, 405 for PATCH (no trickle ICE)", async () => {
    const { app } = standIn();
    const unknown = await app.request("/whip/c1/nope", { method: "PATCH", headers: auth });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ error: "no_resource" });
  });

  it("/pull: 501 without Calls, bad-pull for a bad body", async () => {
    const none = await standIn().app.request("/pull/c1", { method: "POST", headers: auth });
    expect(none.status).toBe(501);
    expect(await none.json()).toMatchObject({ error: "calls_not_configured" });
    const { app } = standIn({ calls: {} as BridgeRoutesDeps["calls"] });
    for (const body of [
      null,
      {},
      { sessionId: "s", trackNames: [] },
      { sessionId: "s", trackNames: ["a", "b", "c", "d", "e"] },
      { sessionId: "s s", trackNames: ["a"] },
    ]) {
      const r = await app.request("/pull/c1", {
        method: "POST",
        headers: auth,
        body: JSON.stringify(body),
      });
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(await r.json()).toMatchObject({ error: "bad_pull" });
    }
    const noSession = await app.request("/pull/c1", {
      method: "POST",
      headers: auth,
      body: JSON.stringify({ sessionId: "s", trackNames: ["a"] }),
    });
    expect(noSession.status).toBe(404);
    expect(await noSession.json()).toMatchObject({ error: "no_session" });
  });

  it("unknown paths are 404 not-found; thrown errors are 500 internal, logged with the request id", async () => {
    const { app, logged } = standIn({
      deleteSession: async () => {
        throw new Error("boom");
      },
    });
    const nf = await app.request("/nope", { headers: auth });
    expect(nf.status).toBe(404);
    expect(await nf.json()).toEqual({ error: "not_found", message: "not found" });
    const r = await app.request("/sessions/c1", {
      method: "DELETE",
      headers: { ...auth, "x-request-id": "req-12345678" },
    });
    expect(r.status).toBe(500);
    expect(await r.json()).toEqual({ error: "internal", message: "internal error" });
    expect(logged).toContainEqual({
      event: "request_failed",
      fields: { message: "boom", requestId: "req-12345678" },
    });
  });

  it("an HttpError thrown by the bridge keeps its status, code and headers", async () => {
    const { app } = standIn({
      getOrCreateSession: async () => {
        throw new HttpError(503, "no_ports", "RTP port range exhausted", { "Retry-After": "5" });
      },
    });
    const r = await app.request("/sessions/c1", put({ rtmpUrl: "rtmp://h/app" }));
    expect(r.status).toBe(503);
    expect(r.headers.get("retry-after")).toBe("5");
    expect(await r.json()).toEqual({ error: "no_ports", message: "RTP port range exhausted" });
  });

  it("dev mode: CORS on every answer, preflight, ?secret= and /dev/blank", async () => {
    const { app } = standIn({ dev: true });
    const pre = await app.request("/whip/c1", { method: "OPTIONS" });
    expect(pre.status).toBe(204);
    expect(pre.headers.get("access-control-allow-methods")).toContain("POST");
    const err = await app.request("/sessions/c1");
    expect(err.status).toBe(401);
    expect(err.headers.get("access-control-allow-origin")).toBe("*");
    const ok = await app.request(
      `/sessions/c1?secret=${SECRET}`,
      put({ rtmpUrl: "rtmp://h/a" }, {}),
    );
    expect(ok.status).toBe(201);
    expect(ok.headers.get("access-control-expose-headers")).toBe("Location, ETag");
    expect((await app.request("/dev/blank")).status).toBe(200);
    expect((await standIn().app.request("/dev/blank")).status).toBe(404);
  });
});

const emptyHealth: BridgeHealth = { ok: true, state: "ok", ffmpeg: null, sessions: [] };

describe("protocol/bridge.ts: one contract on both sides", () => {
  it("the Worker accepts the health report the bridge pushes, for every class id the bridge takes", () => {
    // The Worker's health route took 32-character class ids while the bridge took 64:
    // a longer class's reports were refused and its studio never saw its stream.
    for (const classId of ["c1", "x".repeat(40), "A_b-".repeat(16)]) {
      const report = { type: "bridge.health", at: Date.now(), ...sessionHealth(classId) };
      const parsed = v.safeParse(BridgeHealthReportSchema, report);
      expect(parsed.success, classId).toBe(true);
    }
  });
});
