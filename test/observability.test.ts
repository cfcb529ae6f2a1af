/**
 * Observability through the Worker's entry: every answer carries a request id (`cf-ray`
 * when Cloudflare sets one, never the client's own), `GET /healthz` says whether the Worker
 * and D1 answer, and counters reach Workers Analytics Engine — here a stand-in dataset
 * that records each data point — or nowhere, without failing, when there is no binding.
 * (That Worker→bridge calls carry the id is checked by the bridge stand-in on every call:
 * e2e/standins/bridge.ts.)
 */
import {
  createExecutionContext,
  env,
  runInDurableObject,
  waitOnExecutionContext,
} from "cloudflare:test";
import { exports } from "cloudflare:workers";
import { afterEach, describe, expect, it } from "vitest";
import { utf8Length } from "../durable-objects/metric-window.ts";
import { STAFF_SECTION, shardName } from "../durable-objects/rpc.ts";
import { app } from "../worker/app.ts";
import { setLogSink } from "../worker/log.ts";
import { bridgeHealth, bridgeHealthRequest, ORIGIN, signUp } from "./helpers.ts";
import { createClass, open, Sock, sleep } from "./realtime/helpers.ts";

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
      bridgeHealthRequest(
        bridgeHealth(classId, {
          state: "filler",
          receiving: false,
          bitrateKbps: 1200,
          fillerActive: true,
          restarts: 2,
        }),
      ),
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

/** A Durable Object's metrics seam: where its windows go, and the flush its timer runs. */
interface Windowed {
  metricsSink: { METRICS?: ReturnType<typeof recordingDataset> };
  flushMetrics(): void;
}

/** Point a Durable Object's metrics at `ds`, after dropping what it counted so far. */
async function recordInto(stub: DurableObjectStub, ds: ReturnType<typeof recordingDataset>) {
  await runInDurableObject(stub, (instance) => {
    const o = instance as unknown as Windowed;
    o.metricsSink = {};
    o.flushMetrics();
    o.metricsSink = { METRICS: ds };
  });
}

/** Run the Durable Object's window flush now (its timer would, METRICS_WINDOW_MS later). */
const flush = (stub: DurableObjectStub) =>
  runInDurableObject(stub, (instance) => (instance as unknown as Windowed).flushMetrics());

describe("windowed metrics from the Durable Objects (Analytics Engine stand-in)", () => {
  it("shards write deliveries = frames their sockets received, the root its RPCs by method and its deliveries to shards, one point per label per window", async () => {
    const { classId, teacher } = await createClass();
    const t = await open(classId, teacher.client.cookie);
    const students: Sock[] = [];
    for (let i = 0; i < 4; i++)
      students.push(await open(classId, (await signUp("student", `S${i}`)).client.cookie));
    // SHARD_CAPACITY is 3 here: sections s1 (3 students) and s2 (1), and the staff shard.
    expect(students.map((s) => s.frames[0]!.sectionId)).toEqual(["s1", "s1", "s1", "s2"]);
    for (const s of [...students, t]) await s.next("presence", (p) => p.students === 4, 6000);
    await sleep(300);

    const root = env.CLASSROOM.get(env.CLASSROOM.idFromName(classId));
    const shardOf = (sectionId: string) =>
      env.CLASSROOM_SHARD.get(env.CLASSROOM_SHARD.idFromName(shardName(classId, sectionId)));
    const sections = ["s1", "s2", STAFF_SECTION];
    const rootDs = recordingDataset();
    const shardDs = sections.map(() => recordingDataset());
    await recordInto(root, rootDs);
    for (const [i, sectionId] of sections.entries())
      await recordInto(shardOf(sectionId), shardDs[i]!);
    const before = [...students, t].map((s) => s.frames.length);

    const statuses = ["live", "idle", "live", "idle", "ended"] as const;
    for (const status of statuses) await root.setStreamStatus(classId, status);
    for (const s of [...students, t])
      for (let i = 0; i < statuses.length; i++) await s.next("stream.status");
    await sleep(300);
    await flush(root);
    for (const sectionId of sections) await flush(shardOf(sectionId));

    // What each shard counted is what its sockets received: frames and their bytes.
    const received = (socks: Sock[]) => {
      let frames = 0;
      let bytes = 0;
      for (const s of socks) {
        const i = [...students, t].indexOf(s);
        for (const f of s.frames.slice(before[i])) {
          frames++;
          bytes += utf8Length(JSON.stringify(f));
        }
      }
      return [frames, bytes];
    };
    const delivered = (ds: ReturnType<typeof recordingDataset>, kind: string) =>
      ds.points.filter((p) => p.indexes?.[0] === "deliveries" && p.blobs?.[1] === kind);
    const [s1, s2, staff] = shardDs as [typeof rootDs, typeof rootDs, typeof rootDs];
    expect(delivered(s1, "student")).toEqual([
      {
        indexes: ["deliveries"],
        blobs: ["deliveries", "student", classId],
        doubles: received(students.slice(0, 3)),
      },
    ]);
    expect(delivered(s2, "student").map((p) => p.doubles)).toEqual([received(students.slice(3))]);
    expect(delivered(staff, "staff").map((p) => p.doubles)).toEqual([received([t])]);
    // Every socket got every event: frames delivered ≥ sockets × events.
    const frames = [s1, s2, staff].flatMap((ds) => ds.points.map((p) => p.doubles![0]!));
    expect(frames.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(5 * statuses.length);
    // One point per label per window, whatever the traffic.
    for (const ds of [rootDs, ...shardDs]) {
      const labels = ds.points.map((p) => `${p.indexes![0]}/${p.blobs![1]}`);
      expect(new Set(labels).size).toBe(labels.length);
    }

    // The root: its requests by method, and the frames it handed to the 3 shards.
    const rpc = rootDs.points.filter((p) => p.indexes?.[0] === "rpc");
    expect(rpc).toContainEqual({
      indexes: ["rpc"],
      blobs: ["rpc", "setStreamStatus", classId],
      doubles: [statuses.length, 0],
    });
    const toShards = delivered(rootDs, "shard");
    expect(toShards).toHaveLength(1);
    expect(toShards[0]!.doubles![0]).toBeGreaterThanOrEqual(3 * statuses.length);
    expect(toShards[0]!.doubles![1]).toBeGreaterThan(toShards[0]!.doubles![0]! * 20);

    // Idle: a window with nothing sent writes nothing.
    const idle = recordingDataset();
    await recordInto(shardOf("s2"), idle);
    await flush(shardOf("s2"));
    expect(idle.points).toEqual([]);
    for (const s of [...students, t]) s.close();
  }, 20_000);
});
