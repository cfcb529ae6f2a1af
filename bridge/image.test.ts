/**
 * The bridge's container image, running: a werift WHIP publisher (ffmpeg testsrc + sine) on
 * the host → the bridge inside the container (host network, loopback only) → a real local
 * RTMP server on the host, checked with ffprobe. Proves the image carries what the bridge
 * needs at run time (Node 22, werift, ffmpeg with libx264/aac/drawtext, the slate's font)
 * and that secrets reach it by env, never argv.
 *
 * Opt-in: BRIDGE_IMAGE=<image> (scripts/build-bridge-image.sh --test builds the image and
 * sets it); BRIDGE_CONTAINER_ENGINE picks the engine (default podman). Without BRIDGE_IMAGE
 * the test is skipped and says why: CI has no container engine.
 */

import { execFile, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SessionHealth } from "../protocol/bridge.ts";
import { freeTcpPort, type LocalRtmpServer } from "./rtmp-server.ts";
import { startTestPublisher, type TestPublisher } from "./testing/publisher.ts";
import { cleanUpMedia, startCallbackServer, startRecordingRtmp } from "./testing/rig.ts";
import {
  acquireMediaLock,
  keyframeGaps,
  maxVideoGap,
  probeRecording,
  requireMediaTools,
  serverRecordings,
  snapshot,
  waitFor,
} from "./testing/support.ts";

const IMAGE = process.env.BRIDGE_IMAGE ?? "";
const ENGINE = process.env.BRIDGE_CONTAINER_ENGINE || "podman";
/**
 * The runtime and limits scripts/build-bridge-image.sh found to work on this host (crun
 * fails on hybrid cgroup hosts; podman's default ulimits exceed a sandbox's), unless the
 * caller chose a containers.conf.
 */
const CONTAINERS_CONF =
  process.env.CONTAINERS_CONF ||
  (existsSync(".tmp/bridge-image/containers.conf")
    ? resolve(".tmp/bridge-image/containers.conf")
    : undefined);
const engineEnv = { ...process.env, ...(CONTAINERS_CONF ? { CONTAINERS_CONF } : {}) };
const CLASS = "image-it";
const run = promisify(execFile);

const SKIP_REASON =
  "BRIDGE_IMAGE is not set: the containerised bridge test needs a built image and a container " +
  "engine (scripts/build-bridge-image.sh --test builds one with podman and runs this test)";

describe("bridge image: the media path through the running container", () => {
  if (!IMAGE) {
    it("is skipped without BRIDGE_IMAGE", (ctx) => {
      console.info(`bridge/image.test.ts skipped — ${SKIP_REASON}`);
      ctx.skip(SKIP_REASON);
    });
    return;
  }

  const secret = randomBytes(24).toString("hex");
  const callbackSecret = randomBytes(24).toString("hex");
  const name = `mc-bridge-it-${process.pid}-${randomBytes(3).toString("hex")}`;
  let release: () => void = () => {};
  let rtmp: LocalRtmpServer | null = null;
  let pub: TestPublisher | null = null;
  let bridgeUrl = "";
  let recordDir = "";
  let started = false;
  let callbackServer: { url: string; close: () => Promise<void> } | null = null;
  const callbacks: Record<string, unknown>[] = [];
  let firstFrameMs = Number.NaN;
  /** nginx recordings (one per publish) when the first frame arrived. */
  let publishesAtStart = 0;
  /** Output ffmpeg restarts then (a failed first attempt may cost one). */
  let restartsAtStart = 0;
  const auth = () => ({ Authorization: `Bearer ${secret}` });
  const engine = (args: string[]) =>
    run(ENGINE, args, { env: engineEnv, maxBuffer: 16 * 1024 * 1024 });
  const sessionHealth = async (): Promise<SessionHealth | null> => {
    const r = await fetch(`${bridgeUrl}/sessions/${CLASS}`, { headers: auth() }).catch(() => null);
    return r?.ok ? ((await r.json()) as SessionHealth) : null;
  };

  beforeAll(async () => {
    requireMediaTools();
    release = await acquireMediaLock();
    callbackServer = await startCallbackServer((body, req) => {
      callbacks.push({ ...body, _auth: req.headers.authorization });
    });
    const recording = await startRecordingRtmp(CLASS, "mc-image-rec-");
    rtmp = recording.rtmp;
    recordDir = recording.recordDir;
    const port = await freeTcpPort();
    bridgeUrl = `http://127.0.0.1:${port}`;
    // Secrets by environment: `--env NAME` without a value hands the engine's own variable
    // to the container, so neither secret is on any command line (`ps`, `podman inspect`).
    const child = spawn(
      ENGINE,
      [
        "run",
        "--rm",
        "--detach",
        "--name",
        name,
        "--network",
        "host",
        // The image's HEALTHCHECK runs on demand below (no systemd here for its timer).
        "--health-interval",
        "disable",
        "--env",
        "BRIDGE_SECRET",
        "--env",
        "HEALTH_CALLBACK_SECRET",
        "--env",
        "BRIDGE_HOST=127.0.0.1",
        "--env",
        `BRIDGE_PORT=${port}`,
        "--env",
        `BRIDGE_LOCAL_INGEST=127.0.0.1:${rtmp.port}`,
        "--env",
        "BRIDGE_RTP_PORT_MIN=43000",
        "--env",
        "BRIDGE_RTP_PORT_MAX=43099",
        "--env",
        `HEALTH_CALLBACK_URL=${callbackServer.url}`,
        "--env",
        "HEALTH_INTERVAL_MS=2000",
        IMAGE,
      ],
      {
        env: { ...engineEnv, BRIDGE_SECRET: secret, HEALTH_CALLBACK_SECRET: callbackSecret },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let out = "";
    child.stdout.on("data", (c: Buffer) => {
      out += c.toString();
    });
    child.stderr.on("data", (c: Buffer) => {
      out += c.toString();
    });
    const code = await new Promise<number | null>((r) => child.once("exit", r));
    if (code !== 0) throw new Error(`${ENGINE} run ${IMAGE} exited ${code}: ${out}`);
    started = true;
    await waitFor(
      async () => (await fetch(`${bridgeUrl}/health`).catch(() => null))?.ok,
      30_000,
      "the containerised bridge's /health",
    );
    const put = await fetch(`${bridgeUrl}/sessions/${CLASS}`, {
      method: "PUT",
      headers: { ...auth(), "Content-Type": "application/json" },
      body: JSON.stringify({ rtmpUrl: rtmp.rtmpUrl }),
    });
    expect(put.status).toBe(201);
    // On a starved 2-core box the werift ↔ werift ICE/DTLS handshake sometimes fails within
    // 2 s (seen here at load average ~20: 2 of 7 runs); the studio then publishes again, and
    // so does this test, at most twice more, saying so.
    for (let attempt = 1; ; attempt++) {
      const p = await startTestPublisher({ whipUrl: `${bridgeUrl}/whip/${CLASS}`, secret });
      pub = p;
      const outcome = await waitFor(
        async () => {
          const at = (await sessionHealth())?.streamStartedAt;
          if (at) return { at, failed: false };
          return ["failed", "closed"].includes(p.connectionState())
            ? { at: 0, failed: true }
            : null;
        },
        40_000,
        "first RTMP frame from the container",
      ).catch(async (e: Error) => {
        // What the bridge saw, for whoever reads the failure (the container is removed after).
        const h = await sessionHealth();
        const logs = await engine(["logs", "--tail", "40", name]).catch(() => null);
        throw new Error(
          `${e.message}\nsession: ${JSON.stringify(h)}\ncontainer log:\n${logs?.stderr ?? ""}${logs?.stdout ?? ""}`,
        );
      });
      if (outcome?.at) {
        firstFrameMs = outcome.at - p.postedAt;
        await waitFor(() => serverRecordings(recordDir, CLASS).length, 5000, "nginx's recording");
        publishesAtStart = serverRecordings(recordDir, CLASS).length;
        restartsAtStart = (await sessionHealth())?.restarts ?? 0;
        break;
      }
      await p.stop();
      pub = null;
      if (attempt === 3) throw new Error("the WHIP connection to the container failed 3 times");
      console.warn(`container: WHIP connection failed before media (attempt ${attempt}), again`);
    }
  }, 120_000);

  afterAll(async () => {
    try {
      await pub?.stop();
      if (started) {
        // SIGTERM: the bridge closes its sessions and ffmpeg; --rm removes the container.
        await engine(["stop", "--time", "10", name]).catch(() => {});
        await engine(["rm", "--force", "--ignore", name]).catch(() => {});
        const left = await engine(["ps", "--all", "--quiet", "--filter", `name=^${name}$`]);
        expect(left.stdout.trim()).toBe("");
      }
      await rtmp?.stop();
      await callbackServer?.close();
      await cleanUpMedia([recordDir], false);
    } finally {
      release();
    }
  }, 60_000);

  it("runs Node 22 as the unprivileged node user, with Debian's ffmpeg, and answers /health", async () => {
    const inside = await engine(["exec", name, "sh", "-c", "id -un; node --version"]);
    const [user, node] = inside.stdout.trim().split("\n");
    expect(user).toBe("node");
    expect(node).toMatch(/^v22\./);
    const anon = await (await fetch(`${bridgeUrl}/health`)).json();
    expect(anon).toEqual({ ok: true });
    const health = (await (await fetch(`${bridgeUrl}/health`, { headers: auth() })).json()) as {
      state: string;
      ffmpeg: { path: string; version: string } | null;
    };
    expect(health.state).toBe("ok");
    expect(health.ffmpeg?.path).toBe("/usr/bin/ffmpeg");
    // The Dockerfile's HEALTHCHECK command, as the engine runs it.
    await expect(engine(["healthcheck", "run", name])).resolves.toBeTruthy();
    console.info(`container: ${node}, ffmpeg ${health.ffmpeg?.version}`);
  });

  it("pushes H.264 + AAC 48 kHz stereo to the RTMP server; 10 s recorded there decode cleanly, keyframes ≤ 2.1 s apart", async () => {
    console.info(`container: WHIP POST → first RTMP frame ${firstFrameMs} ms`);
    expect(firstFrameMs).toBeLessThan(8000);
    const h = (await sessionHealth())!;
    await new Promise((r) => setTimeout(r, Math.max(0, h.streamStartedAt! + 12_500 - Date.now())));
    // nginx writes one file per publish; a retried first attempt may have left short ones.
    const files = serverRecordings(recordDir, CLASS);
    expect(files).toHaveLength(publishesAtStart);
    const rec = await probeRecording(snapshot(files.at(-1)!, "image-steady.flv"));
    expect(rec.codecs.sort()).toEqual(["aac", "h264"]);
    expect(rec.audio).toEqual({ sampleRate: 48000, channels: 2 });
    expect(rec.durationS).toBeGreaterThanOrEqual(10);
    console.info(
      `container: ${rec.durationS.toFixed(1)} s recorded, max keyframe gap ${Math.max(...keyframeGaps(rec)).toFixed(2)} s, max video gap ${maxVideoGap(rec).toFixed(2)} s`,
    );
    expect(Math.max(...keyframeGaps(rec))).toBeLessThanOrEqual(2.1);
    expect(rec.decodeErrors).toBe("");
    expect(await sessionHealth()).toMatchObject({
      state: "live",
      receiving: true,
      ffmpegRunning: true,
      pushing: true,
      restarts: restartsAtStart,
      video: { width: 640, height: 360 },
    });
  }, 60_000);

  it("switches to the slate (drawtext with the image's font) when the publisher stalls, and back", async () => {
    const before = await probeRecording(
      snapshot(serverRecordings(recordDir, CLASS).at(-1)!, "image-before.flv"),
    );
    pub!.pause();
    await waitFor(
      async () => (await sessionHealth())?.fillerActive,
      6000,
      "the slate to take over",
    );
    await new Promise((r) => setTimeout(r, 4000));
    expect(await sessionHealth()).toMatchObject({ fillerActive: true, pushing: true });
    pub!.resume();
    await waitFor(
      async () => {
        const h = await sessionHealth();
        return h?.state === "live" && !h.fillerActive;
      },
      10_000,
      "the teacher back",
    );
    await new Promise((r) => setTimeout(r, 2000));
    // The publish never left the RTMP server: still one server-side recording, and the slate
    // filled the stall with video (a slate ffmpeg that cannot load its font exits at once).
    const files = serverRecordings(recordDir, CLASS);
    expect(files).toHaveLength(publishesAtStart);
    const all = await probeRecording(snapshot(files.at(-1)!, "image-stall.flv"));
    const window = all.video.filter((p) => p.t >= before.video.at(-1)!.t - 1);
    const gap = maxVideoGap({ ...all, video: window });
    console.info(
      `container stall: ${(window.at(-1)!.t - window[0]!.t).toFixed(1)} s across it, max video gap ${gap.toFixed(2)} s`,
    );
    expect(window.at(-1)!.t - window[0]!.t).toBeGreaterThanOrEqual(8);
    expect(gap).toBeLessThan(2.5);
    const logs = await engine(["logs", name]);
    const log = logs.stdout + logs.stderr; // the bridge logs JSON lines on stderr
    expect(log).toContain('"filler.start"');
    expect(log).not.toContain('"filler.exit"');
  }, 60_000);

  it("keeps the secrets and the stream key off every command line and out of the logs", async () => {
    const key = new URL(rtmp!.rtmpUrl).searchParams.get("key")!;
    await waitFor(() => callbacks.some((c) => c.state === "live"), 6000, "a health callback");
    expect(callbacks.find((c) => c.state === "live")).toMatchObject({
      classId: CLASS,
      _auth: `Bearer ${callbackSecret}`,
    });
    // Every process in the container (node, the output ffmpeg, the slate).
    const argv = await engine([
      "exec",
      name,
      "sh",
      "-c",
      "for f in /proc/[0-9]*/cmdline; do tr '\\0' ' ' < $f; echo; done",
    ]);
    expect(argv.stdout).toContain("bridge/main.ts");
    expect(argv.stdout).toContain("ffmpeg");
    const inspect = await engine([
      "inspect",
      "--format",
      "{{json .Config.Cmd}} {{json .Args}}",
      name,
    ]);
    const logs = await engine(["logs", name]);
    for (const text of [argv.stdout, inspect.stdout, logs.stdout, logs.stderr]) {
      expect(text).not.toContain(secret);
      expect(text).not.toContain(callbackSecret);
      expect(text).not.toContain(key);
    }
  }, 30_000);

  it("ends the push when the session is deleted", async () => {
    const del = await fetch(`${bridgeUrl}/sessions/${CLASS}`, {
      method: "DELETE",
      headers: auth(),
    });
    expect(del.status).toBe(204);
    await waitFor(
      async () => {
        const ps = await engine(["exec", name, "sh", "-c", "cat /proc/[0-9]*/comm"]);
        return !ps.stdout.split("\n").includes("ffmpeg");
      },
      5000,
      "the container's ffmpeg to stop",
    );
  }, 15_000);
});
