/**
 * Prepared sessions (`PUT /sessions/:id` with `prepare: true`, sent while the studio
 * gets ready): the output ffmpeg — a real one — is spawned before any publish, a
 * second prepare reuses it, an unused one expires (ffmpeg gone, session dropped), and
 * an idle warm ffmpeg never opens its RTMP connection. No media: fast.
 */
import { createSocket } from "node:dgram";
import { readFileSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ingestEndpoint, ingestPolicy } from "../protocol/ingest.ts";
import { resolveFfmpeg } from "./ffmpeg.ts";
import { checkIngest } from "./ingest.ts";
import { createLogger } from "./log.ts";
import { type Bridge, startBridge } from "./server.ts";
import { ClassSession } from "./session.ts";
import { childPids, waitFor } from "./testing/support.ts";

const SECRET = "prepare-secret-abcdefghijklmnop";
const OFFER = readFileSync(new URL("./fixtures/chrome-offer.sdp", import.meta.url), "utf8");
const TTL_MS = 2500;
const ffmpeg = resolveFfmpeg();

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** A TCP listener standing where the RTMP server would be: counts connections. */
async function rtmpSpy(): Promise<{ server: Server; url: string; connections: () => number }> {
  let n = 0;
  const sockets: Socket[] = [];
  const server = createServer((s) => {
    n++;
    sockets.push(s);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  server.on("close", () => {
    for (const s of sockets) s.destroy();
  });
  const port = (server.address() as { port: number }).port;
  return { server, url: `rtmp://127.0.0.1:${port}/live`, connections: () => n };
}

describe("prepared session: warm ffmpeg before the WHIP POST", () => {
  let bridge: Bridge;
  let spy: Awaited<ReturnType<typeof rtmpSpy>>;
  const put = (classId: string, body: unknown) =>
    fetch(`${bridge.url}/sessions/${classId}`, {
      method: "PUT",
      headers: { Authorization: `Bearer ${SECRET}`, "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });

  beforeAll(async () => {
    if (!ffmpeg) throw new Error("This test needs ffmpeg (sudo apt-get install -y ffmpeg)");
    spy = await rtmpSpy();
    bridge = await startBridge({
      host: "127.0.0.1",
      port: 0,
      secret: SECRET,
      ffmpeg,
      rtpPortMin: 43400,
      rtpPortMax: 43499,
      ice: {},
      warmTtlMs: TTL_MS,
      ingest: ingestPolicy("", ingestEndpoint(`${spy.url}/x`)),
      log: createLogger({ quiet: !process.env.BRIDGE_TEST_LOG }),
    });
  });
  afterAll(async () => {
    await bridge?.close();
    await new Promise((r) => spy?.server.close(r));
  });

  it("keeps the stream key out of the output ffmpeg's command line (issue 12, point 23)", async () => {
    const classId = "prep-key";
    const streamKey = "live-key-0123456789abcdef";
    const r = await put(classId, { rtmpUrl: spy.url, streamKey, prepare: true });
    expect(r.status).toBe(201);
    const session = bridge.sessions.get(classId)!;
    await waitFor(() => session.pids().length === 1, 5000, "the warm ffmpeg");
    const [pid] = session.pids();
    // Anyone on the host can read this (`ps`, /proc/<pid>/cmdline).
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
    expect(cmdline.join(" ")).toContain("-f flv rtmp://127.0.0.1:");
    expect(cmdline.join(" ")).not.toContain(streamKey);
    for (const child of await childPids("ffmpeg")) {
      expect(readFileSync(`/proc/${child}/cmdline`, "utf8")).not.toContain(streamKey);
    }
    const del = await fetch(`${bridge.url}/sessions/${classId}`, {
      method: "DELETE",
      headers: { Authorization: `Bearer ${SECRET}` },
    });
    expect(del.status).toBe(204);
  });

  it("spawns ffmpeg at the prepare, reuses it on a second one, and stops it unused after the TTL", async () => {
    const classId = "prep-1";
    const first = await put(classId, { rtmpUrl: `${spy.url}/${classId}`, prepare: true });
    expect(first.status).toBe(201);
    const h1 = (await first.json()) as { state: string; warmUntil: number | null };
    expect(h1.warmUntil).toBeGreaterThan(Date.now());
    const session = bridge.sessions.get(classId)!;
    await waitFor(() => session.pids().length === 1, 5000, "the warm ffmpeg");
    const [pid] = session.pids();
    expect(alive(pid!)).toBe(true);
    expect(session.health()).toMatchObject({ state: "starting", ffmpegRunning: true });

    await new Promise((r) => setTimeout(r, 800));
    const again = await put(classId, { rtmpUrl: `${spy.url}/${classId}`, prepare: true });
    expect(again.status).toBe(200);
    const h2 = (await again.json()) as { warmUntil: number };
    expect(h2.warmUntil).toBeGreaterThan(h1.warmUntil!);
    expect(session.pids()).toEqual([pid]);

    // Re-armed by the second prepare: still warm after the first one's TTL.
    await new Promise((r) => setTimeout(r, h1.warmUntil! - Date.now() + 300));
    expect(bridge.sessions.get(classId)).toBe(session);
    expect(alive(pid!)).toBe(true);

    await waitFor(() => !bridge.sessions.has(classId), TTL_MS + 3000, "the session to expire");
    await waitFor(() => !alive(pid!), 3000, "ffmpeg to exit");
    expect(
      (
        await fetch(`${bridge.url}/sessions/${classId}`, {
          headers: { Authorization: `Bearer ${SECRET}` },
        })
      ).status,
    ).toBe(404);
    // Waiting on its RTP ports, ffmpeg never got to open its output.
    expect(spy.connections()).toBe(0);
  }, 20_000);

  it("a WHIP-time PUT without prepare spawns nothing; a bad prepare is refused", async () => {
    const plain = await put("prep-2", { rtmpUrl: `${spy.url}/prep-2` });
    expect(plain.status).toBe(201);
    expect(((await plain.json()) as { warmUntil: unknown }).warmUntil).toBeNull();
    expect(bridge.sessions.get("prep-2")!.pids()).toEqual([]);
    const bad = await put("prep-2", { rtmpUrl: `${spy.url}/prep-2`, prepare: "yes" });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: "bad_prepare" });
  });
});

describe("WHIP POST that fails after warming", () => {
  it("arms the expiry on the ffmpeg it warmed, so a failed publish leaks no process", async () => {
    const spy = await rtmpSpy();
    // WebRTC cannot answer: its only ICE port is taken.
    const taken = createSocket("udp4");
    await new Promise<void>((r) => taken.bind(0, "0.0.0.0", () => r()));
    const icePort = taken.address().port;
    const bridge = await startBridge({
      host: "127.0.0.1",
      port: 0,
      secret: SECRET,
      ffmpeg: ffmpeg!,
      rtpPortMin: 43500,
      rtpPortMax: 43599,
      ice: { portRange: [icePort, icePort] },
      warmTtlMs: TTL_MS,
      ingest: ingestPolicy("", ingestEndpoint(`${spy.url}/x`)),
      log: createLogger({ quiet: !process.env.BRIDGE_TEST_LOG }),
    });
    try {
      const put = await fetch(`${bridge.url}/sessions/prep-9`, {
        method: "PUT",
        headers: { Authorization: `Bearer ${SECRET}`, "Content-Type": "application/json" },
        body: JSON.stringify({ rtmpUrl: `${spy.url}/prep-9` }),
      });
      expect(put.status).toBe(201);
      const res = await fetch(`${bridge.url}/whip/prep-9`, {
        method: "POST",
        headers: { Authorization: `Bearer ${SECRET}`, "Content-Type": "application/sdp" },
        body: OFFER,
      });
      expect(res.status, await res.clone().text()).toBeGreaterThanOrEqual(400);
      const session = bridge.sessions.get("prep-9")!;
      expect(session.warmUntil).not.toBeNull();
      const [pid] = session.pids();
      expect(pid).toBeDefined();
      await waitFor(
        () => !alive(pid!) && !bridge.sessions.has("prep-9"),
        TTL_MS + 5000,
        "the warmed ffmpeg to expire",
      );
      expect(spy.connections()).toBe(0);
    } finally {
      await bridge.close();
      await new Promise((r) => spy.server.close(r));
      taken.close();
    }
  });
});

describe("ClassSession.prepare", () => {
  it("a publisher attaching in time cancels the expiry; a session carrying a stream ignores prepare", async () => {
    if (!ffmpeg) throw new Error("This test needs ffmpeg (sudo apt-get install -y ffmpeg)");
    const spy = await rtmpSpy();
    const s = new ClassSession({
      classId: "prep-3",
      rtmpUrl: `${spy.url}/prep-3`,
      ffmpeg,
      portBase: 43500,
      checkIngest: (url) => checkIngest(url, ingestPolicy("", ingestEndpoint(url))),
      log: createLogger({ quiet: !process.env.BRIDGE_TEST_LOG }),
    });
    let expired = 0;
    s.onWarmExpired = () => expired++;
    try {
      await s.open();
      expect(s.prepare(600)).toBe(true);
      await waitFor(() => s.pids().length === 1, 5000, "the warm ffmpeg");
      const [pid] = s.pids();
      s.attachPublisher({ id: "p1", requestKeyframe: () => {}, close: () => {} });
      expect(s.warmUntil).toBeNull();
      expect(s.prepare(600)).toBe(false);
      await new Promise((r) => setTimeout(r, 1200));
      expect(expired).toBe(0);
      expect(s.pids()).toEqual([pid]);
      expect(alive(pid!)).toBe(true);
    } finally {
      const pids = s.pids();
      await s.close();
      await new Promise((r) => spy.server.close(r));
      for (const p of pids) expect(alive(p)).toBe(false);
    }
  }, 15_000);
});
