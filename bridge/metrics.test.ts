/**
 * The bridge's observability surface: `GET /metrics` (Prometheus text, behind the bridge
 * secret) and the Worker's request id in the log lines of the request it sent.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Bridge, startBridge } from "./server.ts";
import { FAKE_FFMPEG, publicLookup } from "./testing/fakes.ts";

const SECRET = "unit-secret-abcdefghijklmnop";
const auth = { Authorization: `Bearer ${SECRET}` };

describe("bridge observability", () => {
  let bridge: Bridge;
  const lines: Record<string, unknown>[] = [];
  beforeAll(async () => {
    bridge = await startBridge({
      lookup: publicLookup,
      host: "127.0.0.1",
      port: 0,
      secret: SECRET,
      ffmpeg: FAKE_FFMPEG,
      rtpPortMin: 43200,
      rtpPortMax: 43299,
      ice: {},
      log: (event, fields = {}) => lines.push({ event, ...fields }),
    });
  });
  afterAll(async () => {
    await bridge.close();
  });

  const put = (classId: string, rtmpUrl: string, headers: Record<string, string> = {}) =>
    fetch(`${bridge.url}/sessions/${classId}`, {
      method: "PUT",
      headers: { ...auth, "Content-Type": "application/json", ...headers },
      body: JSON.stringify({ rtmpUrl, streamKey: "key-123" }),
    });

  it("GET /metrics: 401 without the secret (labels name classes), Prometheus text with it", async () => {
    // Attack: a stranger scrapes the class list off the metrics endpoint.
    const anon = await fetch(`${bridge.url}/metrics`);
    expect(anon.status).toBe(401);
    expect(await anon.text()).not.toContain("mass_class");
    const wrong = await fetch(`${bridge.url}/metrics`, {
      headers: { Authorization: "Bearer wrong-secret-abcdefghijklm" },
    });
    expect(wrong.status).toBe(401);

    expect((await put("metrics-class", "rtmps://a.rtmps.youtube.com:443/live2")).status).toBe(201);
    const r = await fetch(`${bridge.url}/metrics`, { headers: auth });
    expect(r.status).toBe(200);
    expect(r.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
    const text = await r.text();
    expect(text.endsWith("\n")).toBe(true);
    // Every non-comment line is `name{labels} value`; every family has HELP and TYPE.
    const samples = text.split("\n").filter((l) => l && !l.startsWith("#"));
    for (const l of samples)
      expect(l).toMatch(/^[a-z_]+(\{[a-z_]+="[^"]*"(,[a-z_]+="[^"]*")*\})? \S+$/);
    const families = new Set(samples.map((l) => l.split(/[{ ]/)[0]));
    for (const f of families) {
      expect(text).toContain(`# HELP ${f} `);
      expect(text).toMatch(new RegExp(`# TYPE ${f} (gauge|counter)\\n`));
    }
    expect(samples).toContain("mass_class_bridge_up 1");
    expect(samples).toContain("mass_class_bridge_sessions 1");
    expect(samples).toContain(
      'mass_class_bridge_session_state{class_id="metrics-class",state="waiting-for-publisher"} 1',
    );
    expect(samples).toContain(
      'mass_class_bridge_session_state{class_id="metrics-class",state="live"} 0',
    );
    expect(samples).toContain('mass_class_bridge_restarts_total{class_id="metrics-class"} 0');
    expect(samples).toContain('mass_class_bridge_pushing{class_id="metrics-class"} 0');
    expect(samples).toContain('mass_class_bridge_inbound_bitrate_kbps{class_id="metrics-class"} 0');
    // No keyframe yet: no keyframe-age sample rather than a made-up one.
    expect(text).not.toContain('mass_class_bridge_keyframe_age_seconds{class_id="metrics-class"}');
    // The stream key never appears.
    expect(text).not.toContain("key-123");
  });

  it("log lines of a request carry the Worker's x-request-id; a malformed one is dropped", async () => {
    lines.length = 0;
    const refused = await put("rid-class", "rtmp://evil.example:1935/live", {
      "x-request-id": "8f1e2d3c4b5a6978-AMS",
    });
    expect(refused.status).toBe(400);
    expect(lines).toContainEqual(
      expect.objectContaining({
        event: "ingest_refused",
        classId: "rid-class",
        requestId: "8f1e2d3c4b5a6978-AMS",
      }),
    );
    lines.length = 0;
    await put("rid-class", "rtmp://evil.example:1935/live", { "x-request-id": 'x" injected' });
    expect(lines.find((l) => l.event === "ingest_refused")).not.toHaveProperty("requestId");
  });
});
