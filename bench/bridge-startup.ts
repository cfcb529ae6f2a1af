/**
 * Bridge media benchmark (local, 127.0.0.1 only): headless Chromium publishes
 * its fake camera + mic over WHIP to the bridge, which pushes to a local
 * nginx-rtmp. Measures, per run: WHIP POST → first RTMP frame, CPU of the
 * output ffmpeg (copy + AAC), of the bridge's Node process (werift: ICE, DTLS,
 * SRTP decrypt), and of the filler slate while the teacher's video is off.
 *
 *   node bench/bridge-startup.ts [runs=3]
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { resolveFfmpeg } from "../bridge/ffmpeg.ts";
import { createLogger } from "../bridge/log.ts";
import { startLocalRtmpServer } from "../bridge/rtmp-server.ts";
import { startBridge } from "../bridge/server.ts";
import { BASE_FLAGS, CHROMIUM, FAKE_MEDIA_FLAGS } from "../e2e/browser.ts";
import { ingestEndpoint, ingestPolicy } from "../protocol/ingest.ts";
import { unpublish } from "./whip-page.ts";

const runs = Number(process.argv[2] ?? 3);
const SECRET = "bench-secret-0123456789abcdef";
const TICKS = 100; // USER_HZ

function cpuTicks(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return Number(f[11]) + Number(f[12]);
}
async function cpuPercent(pid: number, ms: number): Promise<number> {
  const a = cpuTicks(pid);
  await new Promise((r) => setTimeout(r, ms));
  return ((cpuTicks(pid) - a) / TICKS / (ms / 1000)) * 100;
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const ffmpeg = resolveFfmpeg();
if (!ffmpeg) throw new Error("ffmpeg missing");
const rtmp = await startLocalRtmpServer({});
const bridge = await startBridge({
  host: "127.0.0.1",
  port: 0,
  secret: SECRET,
  ffmpeg,
  rtpPortMin: 44000,
  rtpPortMax: 44099,
  ice: {},
  ingest: ingestPolicy("", ingestEndpoint(rtmp.rtmpUrl)),
  dev: true,
  log: createLogger({ quiet: !process.env.BRIDGE_TEST_LOG }),
});
const profile = mkdtempSync(join(tmpdir(), "mc-bench-chrome-"));
const browser = await chromium.launchPersistentContext(profile, {
  executablePath: CHROMIUM,
  args: [...BASE_FLAGS, ...FAKE_MEDIA_FLAGS],
});
const results: Record<string, number | string>[] = [];
try {
  const page = browser.pages()[0] ?? (await browser.newPage());
  await page.goto(`${bridge.url}/dev/blank`);
  for (let i = 0; i < runs; i++) {
    const classId = `bench-${i}`;
    await fetch(`${bridge.url}/sessions/${classId}`, {
      method: "PUT",
      headers: { Authorization: `Bearer ${SECRET}`, "Content-Type": "application/json" },
      body: JSON.stringify({ rtmpUrl: rtmp.urlsFor(classId).rtmpUrl }),
    });
    const posted = await page.evaluate(
      async ({ secret, path }) => {
        const stream = await navigator.mediaDevices.getUserMedia({
          video: { width: 1280, height: 720 },
          audio: true,
        });
        const pc = new RTCPeerConnection();
        const w = window as unknown as { pc: RTCPeerConnection; loc: string };
        w.pc = pc;
        for (const t of stream.getTracks()) {
          const tr = pc.addTransceiver(t, { direction: "sendonly" });
          if (t.kind === "video") {
            const caps = RTCRtpSender.getCapabilities("video")?.codecs ?? [];
            tr.setCodecPreferences([
              ...caps.filter((c) => c.mimeType === "video/H264"),
              ...caps.filter((c) => c.mimeType !== "video/H264"),
            ]);
          }
        }
        await pc.setLocalDescription(await pc.createOffer());
        await new Promise<void>((r) => {
          if (pc.iceGatheringState === "complete") r();
          pc.onicegatheringstatechange = () => pc.iceGatheringState === "complete" && r();
          setTimeout(r, 2000);
        });
        const at = Date.now();
        const res = await fetch(path, {
          method: "POST",
          headers: { "Content-Type": "application/sdp", Authorization: `Bearer ${secret}` },
          body: pc.localDescription?.sdp,
        });
        w.loc = res.headers.get("location") ?? "";
        await pc.setRemoteDescription({ type: "answer", sdp: await res.text() });
        return at;
      },
      { secret: SECRET, path: `/whip/${classId}` },
    );
    const session = bridge.sessions.get(classId)!;
    while (!session.health().streamStartedAt && Date.now() - posted < 30_000) await sleep(50);
    const firstFrameMs = (session.health().streamStartedAt ?? Number.NaN) - posted;
    await sleep(3000);
    const [outPid] = session.pids();
    const nodeBefore = process.cpuUsage();
    const outCpu = await cpuPercent(outPid!, 10_000);
    const nodeCpu =
      ((process.cpuUsage(nodeBefore).user + process.cpuUsage(nodeBefore).system) / 1e6 / 10) * 100;
    const h = session.health();
    // Teacher's video off → slate.
    await page.evaluate(async () => {
      const pc = (window as unknown as { pc: RTCPeerConnection }).pc;
      const s = pc.getSenders().find((x) => x.track?.kind === "video");
      await s?.replaceTrack(null);
    });
    const fillerAt = Date.now();
    while (!session.health().fillerActive && Date.now() - fillerAt < 10_000) await sleep(50);
    const fillerSwitchMs = Date.now() - fillerAt;
    const fillerPid = session.pids()[1];
    const fillerCpu = fillerPid ? await cpuPercent(fillerPid, 5000) : Number.NaN;
    results.push({
      run: i,
      firstFrameMs,
      video: `${h.video?.width}x${h.video?.height}`,
      inKbps: h.bitrateKbps,
      outputFfmpegCpuPct: Number(outCpu.toFixed(1)),
      bridgeNodeCpuPct: Number(nodeCpu.toFixed(1)),
      videoOffToFillerMs: fillerSwitchMs,
      fillerCpuPct: Number(fillerCpu.toFixed(1)),
    });
    await unpublish(page, SECRET);
    await fetch(`${bridge.url}/sessions/${classId}`, {
      method: "DELETE",
      headers: { Authorization: `Bearer ${SECRET}` },
    });
  }
} finally {
  await browser.close();
  await bridge.close();
  await rtmp.stop();
  rmSync(profile, { recursive: true, force: true });
}
console.table(results);
console.log(JSON.stringify({ loadavg: (await import("node:os")).loadavg(), results }));
