/**
 * Issue 12, point 18: a teacher must not be able to point the media bridge at an internal
 * host (a port scanner). The class settings accept only allowed ingest hosts: YouTube's,
 * RTMP_INGEST_HOSTS, and the local RTMP server (LOCAL_RTMP_URL's host:port) in local mode.
 */
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { ClassDetail } from "../protocol/api.ts";
import { STREAM_ERRORS } from "../protocol/ingest.ts";
import { bridgeHealth, bridgeHealthRequest, signUp } from "./helpers.ts";
import { createClass } from "./realtime/helpers.ts";

const base = { title: "Ingest check" };

/** Internal destinations, in every spelling a scanner would try. */
const ATTACKS = [
  "rtmp://127.0.0.1:6379/x",
  "rtmp://127.0.0.2:1935/live",
  "rtmp://[::ffff:127.0.0.1]:1935/live",
  "rtmp://[::1]:1935/live",
  "rtmp://0.0.0.0:1935/live",
  "rtmp://169.254.169.254:80/latest",
  "rtmp://10.0.0.1:5432/x",
  "rtmp://2130706434/live",
  "rtmp://localhost:1935/live",
  "rtmp://localhost.:1935/live",
  "rtmp://internal.corp.example:8080/x",
  "rtmp://a.rtmp.youtube.com:22/live2",
  "rtmp://a.rtmp.youtube.com@10.0.0.1/live2",
];

describe("class RTMP URL: only allowed ingest hosts", () => {
  it("refuses internal hosts on create with a clear 400 naming the field", async () => {
    const { client } = await signUp("teacher");
    for (const rtmpUrl of ATTACKS) {
      const res = await client.post("/api/classes", { ...base, rtmpUrl });
      expect(res.status, rtmpUrl).toBe(400);
      const body = (await res.json()) as {
        error: { code: string; message: string; issues: string[] };
      };
      expect(body.error.code).toBe("validation_failed");
      expect(body.error.issues[0], rtmpUrl).toMatch(/^rtmpUrl: /);
    }
    const list = (await (await client.get("/api/classes")).json()) as { classes: ClassDetail[] };
    expect(list.classes).toEqual([]);
  });

  it("refuses internal hosts on edit and keeps the stored URL", async () => {
    const { client } = await signUp("teacher");
    const created = await client.post("/api/classes", {
      ...base,
      rtmpUrl: "rtmps://a.rtmps.youtube.com:443/live2",
    });
    expect(created.status).toBe(201);
    const cls = ((await created.json()) as { class: ClassDetail }).class;
    for (const rtmpUrl of ATTACKS) {
      const res = await client.patch(`/api/classes/${cls.id}`, { rtmpUrl });
      expect(res.status, rtmpUrl).toBe(400);
      expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(
        /^rtmpUrl: .*(not allowed|user name)/,
      );
    }
    const row = await env.DB.prepare("SELECT rtmp_url FROM classes WHERE id = ?")
      .bind(cls.id)
      .first<{ rtmp_url: string }>();
    expect(row!.rtmp_url).toBe("rtmps://a.rtmps.youtube.com:443/live2");
  });

  it("accepts YouTube's ingest URLs, the local RTMP server in local mode, and clearing", async () => {
    const { client } = await signUp("teacher");
    const created = await client.post("/api/classes", base);
    const cls = ((await created.json()) as { class: ClassDetail }).class;
    for (const rtmpUrl of [
      "rtmp://a.rtmp.youtube.com/live2",
      "rtmp://b.rtmp.youtube.com/live2?backup=1",
      "rtmps://a.rtmps.youtube.com:443/live2",
      "rtmps://b.rtmps.youtube.com/live2?backup=1",
      // vitest.config.ts: LOCAL_RTMP_URL = rtmp://127.0.0.1:1935/live/{classId}?key=local
      "rtmp://127.0.0.1:1935/live",
      null,
    ]) {
      const res = await client.patch(`/api/classes/${cls.id}`, { rtmpUrl });
      expect(res.status, String(rtmpUrl)).toBe(200);
      expect(((await res.json()) as { class: ClassDetail }).class.rtmpUrl).toBe(rtmpUrl);
    }
  });
});

describe("stream errors reach teachers as categories only", () => {
  it("replaces a raw connection error from the bridge; passes a category", async () => {
    const { classId, teacher } = await createClass();
    const report = async (lastError: string) => {
      const res = await exports.default.fetch(
        bridgeHealthRequest(
          bridgeHealth(classId, {
            state: "restarting",
            pushing: false,
            bitrateKbps: 0,
            restarts: 3,
            lastError,
          }),
        ),
      );
      expect(res.status).toBe(204);
      const seen = (await (
        await teacher.client.get(`/api/classes/${classId}/stream-health`)
      ).json()) as { health: { lastError: string } };
      return seen.health.lastError;
    };
    const raw = await report(
      "Connection to tcp://10.0.0.7:22?tcp_nodelay=1 failed: Connection refused",
    );
    expect(raw).not.toMatch(/10\.0\.0\.7|refused|tcp/);
    expect(await report(STREAM_ERRORS["stream-key-rejected"])).toBe(
      STREAM_ERRORS["stream-key-rejected"],
    );
  });
});
