/**
 * Observability through the Worker's entry: every answer carries a request id (`cf-ray`
 * when Cloudflare sets one, never the client's own), `GET /healthz` says whether the Worker
 * and D1 answer, and counters reach Workers Analytics Engine — here a stand-in dataset
 * that records each data point — or nowhere, without failing, when there is no binding.
 * (That Worker→bridge calls carry the id is checked by the bridge stand-in on every call:
 * e2e/standins/bridge.ts.)
 */
import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { exports } from "cloudflare:workers";
import { afterEach, describe, expect, it } from "vitest";
import { TEST_BRIDGE_SECRET } from "../e2e/standins/workers-global-setup.ts";
import { app } from "../worker/app.ts";
import { setLogSink } from "../worker/log.ts";
import { ORIGIN } from "./helpers.ts";
import { createClass, Sock } from "./realtime/helpers.ts";

/** An Analytics Engine dataset stand-in: keeps every data point written. */
function recordingDataset() {
  const points: AnalyticsEngineDataPoint[] = [];
  return { points, writeDataPoint: (p: AnalyticsEngineDataPoint) => void points.push(p) };
}

/** Run one request through the app with some bindings replaced. */
async function fetchWith(req: Request, over: Partial<Env> | Record<string, unknown>) {
  const ctx = createExecutionContext();
  const res = await app.fetch(req, { ...env, ...over } as Env, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

const get = (path: string, headers: Record<string, string> = {}) =>
  exports.default.fetch(new Request(`${ORIGIN}${path}`, { headers }));

afterEach(() => setLogSink(undefined));

describe("request id", () => {
  it("every answer carries x-request-id: fresh per request, cf-ray when present, never the client's", async () => {
    const a = await get("/api/auth/me");
    const b = await get("/api/nope");
    const idA = a.headers.get("x-request-id");
    const idB = b.headers.get("x-request-id");
    expect(idA).toMatch(/^[0-9a-f]{32}$/);
    expect(idB).toMatch(/^[0-9a-f]{32}$/);
    expect(idA).not.toBe(idB);
    expect(b.status).toBe(404);

    const ray = await get("/healthz", { "cf-ray": "8f1e2d3c4b5a6978-AMS" });
    expect(ray.headers.get("x-request-id")).toBe("8f1e2d3c4b5a6978-AMS");

    const spoof = await get("/healthz", { "x-request-id": "attacker-chosen-id" });
    expect(spoof.headers.get("x-request-id")).not.toBe("attacker-chosen-id");
    // A malformed cf-ray (e.g. injected text) is not echoed either.
    const bad = await get("/healthz", { "cf-ray": 'x"} {"event":"forged"}' });
    expect(bad.headers.get("x-request-id")).toMatch(/^[0-9a-f]{32}$/);
  });

  it("a failure's log line carries the request's id", async () => {
    const lines: string[] = [];
    setLogSink((_level, line) => lines.push(line));
    const brokenDb = {
      prepare: () => {
        throw new Error("D1_ERROR: database unavailable");
      },
    };
    const res = await fetchWith(
      new Request(`${ORIGIN}/healthz`, { headers: { "cf-ray": "0123456789abcdef-LHR" } }),
      { DB: brokenDb },
    );
    expect(res.status).toBe(503);
    const logged = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(logged).toContainEqual({
      event: "health_check_failed",
      level: "error",
      check: "d1",
      message: "D1_ERROR: database unavailable",
      requestId: "0123456789abcdef-LHR",
    });
  });
});

describe("GET /healthz", () => {
  it("200 {ok, version} when D1 answers; 503 naming d1 when it does not", async () => {
    const res = await get("/healthz");
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const body = (await res.json()) as { ok: boolean; version: string };
    expect(body.ok).toBe(true);
    expect(typeof body.version).toBe("string");
    expect(body.version.length).toBeGreaterThan(0);

    setLogSink(() => {});
    const failing = {
      prepare: () => ({
        first: async () => {
          throw new Error("D1_ERROR: no such database");
        },
      }),
    };
    const down = await fetchWith(new Request(`${ORIGIN}/healthz`), { DB: failing });
    expect(down.status).toBe(503);
    expect(await down.json()).toEqual({ ok: false, version: body.version, failing: ["d1"] });
  });

  it("version comes from the Workers version metadata (tag, else id)", async () => {
    const res = await fetchWith(new Request(`${ORIGIN}/healthz`), {
      CF_VERSION_METADATA: { id: "v-id-1", tag: "release-42", timestamp: "" },
    });
    expect(await res.json()).toEqual({ ok: true, version: "release-42" });
  });
});

describe("metrics (Analytics Engine stand-in)", () => {
  it("rejections, bridge health and D1 failures become data points of one shape", async () => {
    const ds = recordingDataset();
    const { classId } = await createClass();

    const notFound = await fetchWith(new Request(`${ORIGIN}/api/nope`), { METRICS: ds });
    expect(notFound.status).toBe(404);
    const unauth = await fetchWith(new Request(`${ORIGIN}/api/classes`), { METRICS: ds });
    expect(unauth.status).toBe(401);

    const health = await fetchWith(
      new Request(`${ORIGIN}/api/bridge/health`, {
        method: "POST",
        headers: {
          authorization: `Bearer ${TEST_BRIDGE_SECRET}`,
          "content-type": "application/json",
        },
        body: JSON.stringify({
          type: "bridge.health",
          at: Date.now(),
          classId,
          state: "filler",
          receiving: false,
          pushing: true,
          lastKeyframeAt: null,
          bitrateKbps: 1200,
          fillerActive: true,
          restarts: 2,
          streamStartedAt: null,
          lastError: null,
        }),
      }),
      { METRICS: ds },
    );
    expect(health.status).toBe(204);

    expect(ds.points).toEqual([
      { indexes: ["rejection"], blobs: ["rejection", "not_found", ""], doubles: [1, 404] },
      { indexes: ["rejection"], blobs: ["rejection", "unauthenticated", ""], doubles: [1, 401] },
      {
        indexes: ["bridge_health"],
        blobs: ["bridge_health", "filler", classId],
        doubles: [1, 1200, 2],
      },
    ]);
    for (const p of ds.points) {
      // Analytics Engine limits: one index of at most 96 bytes; at most 20 blobs / doubles.
      expect(p.indexes).toHaveLength(1);
      expect(new TextEncoder().encode(String(p.indexes![0])).length).toBeLessThanOrEqual(96);
      expect(p.blobs!.length).toBeLessThanOrEqual(20);
      expect(p.doubles!.length).toBeLessThanOrEqual(20);
    }
  });

  it("a socket admitted through the Worker counts socket_opened for its role", async () => {
    const ds = recordingDataset();
    const { classId, teacher } = await createClass();
    const res = await fetchWith(
      new Request(`${ORIGIN}/ws/classes/${classId}?v=1`, {
        headers: { upgrade: "websocket", cookie: teacher.client.cookie },
      }),
      { METRICS: ds },
    );
    expect(res.status).toBe(101);
    const sock = new Sock(res.webSocket!);
    await sock.next("welcome");
    sock.ws.close(1000, "done");
    expect(ds.points).toEqual([
      { indexes: ["socket_opened"], blobs: ["socket_opened", "staff", classId], doubles: [1, 0] },
    ]);
  });

  it("no binding, or a dataset that throws: the request is answered as usual", async () => {
    const none = await fetchWith(new Request(`${ORIGIN}/api/nope`), { METRICS: undefined });
    expect(none.status).toBe(404);
    const throwing = {
      writeDataPoint: () => {
        throw new Error("dataset unavailable");
      },
    };
    const res = await fetchWith(new Request(`${ORIGIN}/api/nope`), { METRICS: throwing });
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("not_found");
  });
});
