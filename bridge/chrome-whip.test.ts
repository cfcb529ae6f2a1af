/**
 * Chromium's real WHIP offer against the bridge: headless Chromium with fake
 * devices publishes getUserMedia video+audio (H.264 preferred) straight to the
 * bridge's WHIP endpoint; the RTMP server must receive H.264 + AAC with
 * keyframes ≤ 2.1 s apart — Chrome only sends IDRs on PLI, so this checks the
 * PLI scheduler end to end. Fails with install hints without Chromium or ffmpeg.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BrowserContext, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BASE_FLAGS, CHROMIUM, FAKE_MEDIA_FLAGS } from "../e2e/browser.ts";
import type { LocalRtmpServer } from "./rtmp-server.ts";
import type { Bridge } from "./server.ts";
import { cleanUpMedia, putSession, startRecordingRtmp, startTestBridge } from "./testing/rig.ts";
import {
  acquireMediaLock,
  keyframeGaps,
  probeRecording,
  requireMediaTools,
  serverRecordings,
  snapshot,
  waitFor,
} from "./testing/support.ts";

const SECRET = "chrome-test-secret-0123456789";
const CLASS = "chrome-it";

describe("Chromium WHIP → bridge → RTMP", () => {
  let release: () => void = () => {};
  let rtmp: LocalRtmpServer;
  let bridge: Bridge;
  let browser: BrowserContext;
  let profile: string;
  let recordDir = "";

  beforeAll(async () => {
    requireMediaTools({ chromium: true });
    release = await acquireMediaLock();
    ({ rtmp, recordDir } = await startRecordingRtmp(CLASS, "mc-rtmp-rec-"));
    bridge = await startTestBridge(rtmp, {
      secret: SECRET,
      rtpPortMin: 42100,
      rtpPortMax: 42199,
      dev: true,
    });
    const put = await putSession(bridge.url, SECRET, CLASS, rtmp.rtmpUrl);
    expect(put.status).toBe(201);
    profile = mkdtempSync(join(tmpdir(), "mc-chrome-"));
    browser = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      args: [...BASE_FLAGS, ...FAKE_MEDIA_FLAGS],
    });
  }, 60_000);

  afterAll(async () => {
    try {
      await browser?.close();
      await bridge?.close();
      await rtmp?.stop();
      if (profile)
        rmSync(profile, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
      await cleanUpMedia([recordDir], false);
    } finally {
      release();
    }
  }, 30_000);

  it("accepts Chrome's offer, goes live and keeps keyframes ≤ 2.1 s apart via PLI", async () => {
    const page = browser.pages()[0] ?? (await browser.newPage());
    // A page served by the bridge (dev mode): localhost is a secure context
    // (getUserMedia works) and the WHIP fetch is same-origin.
    await page.goto(`${bridge.url}/dev/blank`);
    const t0 = Date.now();
    const res = await page.evaluate(
      async ({ secret, path }) => {
        const stream = await navigator.mediaDevices.getUserMedia({ video: true, audio: true });
        const pc = new RTCPeerConnection();
        (window as unknown as { pc: RTCPeerConnection }).pc = pc;
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
        await new Promise<void>((resolve) => {
          if (pc.iceGatheringState === "complete") resolve();
          pc.onicegatheringstatechange = () => pc.iceGatheringState === "complete" && resolve();
          setTimeout(resolve, 2000);
        });
        const r = await fetch(path, {
          method: "POST",
          headers: { "Content-Type": "application/sdp", Authorization: `Bearer ${secret}` },
          body: pc.localDescription?.sdp,
        });
        const answer = await r.text();
        if (r.status === 201) await pc.setRemoteDescription({ type: "answer", sdp: answer });
        return { status: r.status, location: r.headers.get("location"), answer };
      },
      { secret: SECRET, path: `/whip/${CLASS}` },
    );
    expect(res.status, res.answer).toBe(201);
    expect(res.location).toMatch(new RegExp(`^/whip/${CLASS}/`));
    expect(res.answer).toMatch(/x-google-start-bitrate=/);
    const session = bridge.sessions.get(CLASS)!;
    const started = await waitFor(
      () => session.health().streamStartedAt,
      20_000,
      "first RTMP frame",
    );
    console.info(`Chrome: page script start → first RTMP frame ${(started ?? 0) - t0} ms`);
    await new Promise((r) => setTimeout(r, Math.max(0, (started ?? 0) + 10_500 - Date.now())));
    const files = serverRecordings(recordDir, CLASS);
    expect(files).toHaveLength(1);
    const file = snapshot(files[0]!, "chrome.flv");
    const rec = await probeRecording(file);
    expect(rec.codecs.sort()).toEqual(["aac", "h264"]);
    expect(rec.durationS).toBeGreaterThanOrEqual(9);
    const gaps = keyframeGaps(rec);
    console.info(`Chrome keyframe gaps: ${gaps.map((g) => g.toFixed(2)).join(" ")}`);
    // The bridge asks 1.6 s after each IDR; Chrome's software encoder answers
    // within ~0.1–0.2 s normally (gaps 1.65–1.9 s), slower on a starved 2-core
    // box. YouTube's hard limit is 4 s; the median must meet our 2 s aim.
    const sorted = [...gaps].sort((a, b) => a - b);
    expect(sorted[Math.floor(sorted.length / 2)]).toBeLessThanOrEqual(2.1);
    expect(Math.max(...gaps)).toBeLessThanOrEqual(3);
    expect(rec.decodeErrors).toBe("");
    const stats = await page.evaluate(async () => {
      const s = await (window as unknown as { pc: RTCPeerConnection }).pc.getStats();
      let out: { targetBitrate?: number; pliCount?: number } = {};
      s.forEach((r: { type: string; kind?: string; targetBitrate?: number; pliCount?: number }) => {
        if (r.type === "outbound-rtp" && r.kind === "video") out = r;
      });
      return { targetBitrate: out.targetBitrate ?? 0, pliCount: out.pliCount ?? 0 };
    });
    console.info(
      `Chrome video target bitrate ${stats.targetBitrate} bps, PLIs received ${stats.pliCount}`,
    );
    expect(stats.pliCount).toBeGreaterThan(0);
    // targetBitrate is not asserted: on a CPU-starved box Chrome lowers it below the
    // x-google-min-bitrate hint (seen: 380 kbps at load average 15; 1.1 Mbps normally).
    // WHIP DELETE from the page ends the publisher.
    const del = await page.evaluate(
      async ({ secret, location }) =>
        (
          await fetch(location, {
            method: "DELETE",
            headers: { Authorization: `Bearer ${secret}` },
          })
        ).status,
      { secret: SECRET, location: res.location! },
    );
    expect(del).toBe(200);
    expect(session.publisher).toBeNull();
  }, 60_000);
});
