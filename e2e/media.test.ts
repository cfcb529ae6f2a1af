/**
 * The teacher studio's media path in a real Chromium with fake devices, through the
 * whole local stack: studio → Worker WHIP → bridge → nginx-rtmp → student playback.
 *
 * The studio runs in a Chromium we launch ourselves and attach to over CDP with
 * Playwright's `noDefaults`: Playwright's own launch turns on focus emulation, which
 * keeps every tab "visible" (and its flags switch background throttling off), so a
 * backgrounded studio would never really be hidden. Here a second tab brought to the
 * front truly hides the studio: rAF stops and main-thread timers drop to ~1 Hz.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it, onTestFailed } from "vitest";
import { DEMO, ensureDevVars } from "../scripts/stack.ts";
import { BASE_FLAGS, CHROMIUM, FAKE_MEDIA_FLAGS, launchUser, newClass, signIn } from "./browser.ts";

const run = promisify(execFile);
const base = inject("baseUrl");
const mediaVars = inject("mediaVars");
/** Where the test leaves its screenshots (never the repository). */
const SHOTS = tmpdir();

/** A Chromium attached without Playwright's default overrides, so tabs can really be hidden. */
async function launchHideable(): Promise<{
  browser: Browser;
  context: BrowserContext;
  page: Page;
  close: () => Promise<void>;
}> {
  const dir = mkdtempSync(join(tmpdir(), "mass-class-studio-"));
  const child: ChildProcess = spawn(
    CHROMIUM,
    [
      ...BASE_FLAGS,
      "--window-size=1280,900",
      ...FAKE_MEDIA_FLAGS,
      "--remote-debugging-port=0",
      `--user-data-dir=${dir}`,
      "about:blank",
    ],
    // Its own process group, so closing kills the renderer and utility processes too.
    { stdio: ["ignore", "ignore", "pipe"], detached: true },
  );
  const ws = await new Promise<string>((resolve, reject) => {
    let err = "";
    const t = setTimeout(() => reject(new Error(`Chromium did not start: ${err}`)), 20_000);
    child.stderr!.on("data", (d: Buffer) => {
      err += d.toString();
      const m = /DevTools listening on (ws:\/\/\S+)/.exec(err);
      if (m) {
        clearTimeout(t);
        resolve(m[1]!);
      }
    });
  });
  const browser = await chromium.connectOverCDP(ws, { noDefaults: true });
  const context = browser.contexts()[0]!;
  const page = context.pages()[0] ?? (await context.newPage());
  return {
    browser,
    context,
    page,
    async close() {
      // Ask Chromium to quit (a CDP disconnect alone leaves it running), then make sure
      // its whole process group is gone before removing the profile it writes to.
      const exited = new Promise((r) => {
        if (child.exitCode !== null || child.signalCode !== null) r(null);
        else child.once("exit", r);
      });
      await browser
        .newBrowserCDPSession()
        .then((cdp) => cdp.send("Browser.close"))
        .catch(() => {});
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      try {
        process.kill(-child.pid!, "SIGKILL");
      } catch {
        // already gone
      }
      await exited;
      await new Promise((r) => setTimeout(r, 200));
      try {
        rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
      } catch (err) {
        // A leftover temp profile is not a test failure.
        console.warn(`could not remove ${dir}: ${String(err)}`);
      }
    },
  };
}

/**
 * Frames per second the studio's composite track delivers, counted in the page over `ms`,
 * and — in the same window, as the baseline this loaded machine allows — the frames per
 * second of a plain 1280×720 fake camera track opened next to it (no compositing).
 */
function compositeFps(page: Page, ms: number) {
  return page.evaluate(async (ms) => {
    const v = document.querySelector<HTMLVideoElement>('[data-testid="studio-preview"]')!;
    const track = (v.srcObject as MediaStream).getVideoTracks()[0]!.clone();
    const raw = (
      await navigator.mediaDevices.getUserMedia({
        video: { width: { ideal: 1280 }, height: { ideal: 720 }, frameRate: { ideal: 30 } },
      })
    ).getVideoTracks()[0]!;
    // Chromium's insertable streams; not in TypeScript's DOM lib.
    const Processor = (
      globalThis as unknown as {
        MediaStreamTrackProcessor: new (init: {
          track: MediaStreamTrack;
        }) => { readable: ReadableStream<VideoFrame> };
      }
    ).MediaStreamTrackProcessor;
    const count = async (t: MediaStreamTrack, end: number): Promise<number> => {
      const reader = new Processor({ track: t }).readable.getReader();
      let frames = 0;
      while (performance.now() < end) {
        const { value, done } = await reader.read();
        if (done) break;
        value.close();
        frames++;
      }
      await reader.cancel();
      t.stop();
      return frames;
    };
    let raf = 0;
    let stop = false;
    const loop = () => {
      raf++;
      if (!stop) requestAnimationFrame(loop);
    };
    requestAnimationFrame(loop);
    const end = performance.now() + ms;
    const [frames, rawFrames] = await Promise.all([count(track, end), count(raw, end)]);
    stop = true;
    return {
      fps: (frames * 1000) / ms,
      cameraFps: (rawFrames * 1000) / ms,
      rafPerSecond: (raf * 1000) / ms,
      visibility: document.visibilityState,
    };
  }, ms);
}

/**
 * {@link compositeFps}, plus the rate the compositor worker itself reports writing into
 * the sent track (the studio's "composite" stat, once a second), averaged over the window.
 */
async function measureComposite(page: Page, ms: number) {
  const samples: number[] = [];
  const sampling = (async () => {
    for (let t = 1000; t < ms; t += 1000) {
      await new Promise((r) => setTimeout(r, 1000));
      const text = (await page.getByTestId("stat-composite-fps").textContent()) ?? "";
      const n = Number.parseFloat(text);
      if (Number.isFinite(n)) samples.push(n);
    }
  })();
  const counted = await compositeFps(page, ms);
  await sampling;
  const workerFps = samples.length ? samples.reduce((a, b) => a + b, 0) / samples.length : 0;
  return { ...counted, workerFps };
}

/** The bridge's health of this test's class session (null: no session). */
async function bridgeSession(): Promise<{
  ffmpegRunning: boolean;
  receiving: boolean;
  pushing: boolean;
  fillerActive: boolean;
} | null> {
  const r = await fetch(`${mediaVars.BRIDGE_URL}/sessions/${classId}`, {
    headers: { authorization: `Bearer ${ensureDevVars().BRIDGE_SECRET}` },
  });
  return r.ok ? await r.json() : null;
}

/** The bridge receives the teacher's media (not its filler slate) and pushes it on. */
async function bridgeRelays(): Promise<boolean> {
  const h = await bridgeSession();
  return !!h && h.receiving && h.pushing && !h.fillerActive;
}

const people: { close: () => Promise<void> }[] = [];
let studio: Awaited<ReturnType<typeof launchHideable>>;
let classId = "";

beforeAll(async () => {
  studio = await launchHideable();
  people.push(studio);
  await signIn(studio.page, base, DEMO.teacher);
  classId = await newClass(studio.page, "Media e2e: optics");
  await studio.page.goto(`${base}/studio/${classId}`);
  await studio.page.getByTestId("media-panel").waitFor();
});

afterAll(async () => {
  await Promise.all(people.map((p) => p.close()));
});

describe("teacher studio media", () => {
  it("goes live with a fake screen + camera; the RTMP output is H.264 + AAC with keyframes ≤ 2.1 s apart", async () => {
    const p = studio.page;
    await p.getByTestId("share-screen").click();
    await p.getByTestId("start-camera").click();
    await p.getByTestId("start-mic").click();
    await p.getByTestId("mute-mic").waitFor();
    // Sources on, Go live not pressed yet: the studio has prepared the bridge through
    // the Worker (POST /whip/:id/prepare), which spawned the class's output ffmpeg.
    await expect
      .poll(async () => (await bridgeSession())?.ffmpegRunning ?? false, {
        timeout: 10_000,
        interval: 250,
      })
      .toBe(true);
    const before = await compositeFps(p, 3000);
    console.log(
      `composite fps before going live: ${before.fps.toFixed(1)} (plain fake camera ${before.cameraFps.toFixed(1)})`,
    );
    await p.getByTestId("go-live").click();
    await p.locator('[data-testid="live-state"][data-state="live"]').waitFor({ timeout: 30_000 });

    // The bridge gets the teacher's media (not its filler slate) and pushes it.
    await expect.poll(bridgeRelays, { timeout: 20_000, interval: 500 }).toBe(true);

    await p.locator('[data-testid="stat-codec"]', { hasText: "H264" }).waitFor({ timeout: 10_000 });
    await p.screenshot({ path: join(tmpdir(), "mass-class-media-studio.png"), fullPage: true });
    const { stdout: top } = await run("top", ["-bn1", "-o", "%CPU"]);
    console.log(top.split("\n").slice(0, 16).join("\n"));

    // Record 12 s of what the RTMP server serves, then inspect it.
    const playUrl = mediaVars.LOCAL_RTMP_URL!.replace("{classId}", classId).replace(/\?.*$/, "");
    const dir = mkdtempSync(join(tmpdir(), "mass-class-rec-"));
    const file = join(dir, "rec.flv");
    try {
      await run(
        "ffmpeg",
        ["-nostdin", "-v", "error", "-i", playUrl, "-t", "12", "-c", "copy", "-y", file],
        {
          timeout: 40_000,
        },
      );
      const { stdout: streams } = await run("ffprobe", [
        "-v",
        "error",
        "-show_entries",
        "stream=codec_type,codec_name,width,height",
        "-of",
        "json",
        file,
      ]);
      const info = JSON.parse(streams) as {
        streams: { codec_type: string; codec_name: string; width?: number; height?: number }[];
      };
      const video = info.streams.find((s) => s.codec_type === "video");
      const audio = info.streams.find((s) => s.codec_type === "audio");
      expect(video?.codec_name).toBe("h264");
      expect([video?.width, video?.height]).toEqual([1280, 720]);
      expect(audio?.codec_name).toBe("aac");

      const { stdout: packets } = await run("ffprobe", [
        "-v",
        "error",
        "-select_streams",
        "v:0",
        "-show_entries",
        "packet=pts_time,flags",
        "-of",
        "csv=p=0",
        file,
      ]);
      const rows = packets
        .trim()
        .split("\n")
        .map((l) => l.split(","));
      const times = rows.map((r) => Number(r[0]));
      const keys = rows.filter((r) => r[1]?.includes("K")).map((r) => Number(r[0]));
      const duration = times[times.length - 1]! - times[0]!;
      const gaps = keys.slice(1).map((k, i) => k - keys[i]!);
      console.log(
        `recorded ${duration.toFixed(1)} s, ${times.length} video packets, keyframes at ${keys.map((k) => k.toFixed(2)).join(" ")}`,
      );
      expect(duration).toBeGreaterThanOrEqual(10);
      expect(keys.length).toBeGreaterThanOrEqual(5);
      expect(Math.max(...gaps)).toBeLessThanOrEqual(2.1);

      // Decode from the first keyframe: no errors.
      const { stderr } = await run(
        "ffmpeg",
        ["-nostdin", "-v", "error", "-ss", String(keys[0]), "-i", file, "-f", "null", "-"],
        { timeout: 40_000 },
      );
      expect(stderr.trim()).toBe("");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 90_000);

  it("recovers by itself from a network stall: 'Reconnecting…', a new WHIP session with backoff, live again at the full frame rate", async () => {
    const p = studio.page;
    await p.locator('[data-testid="live-state"][data-state="live"]').waitFor();
    // A network stall as the studio meets it: the media server stops answering (the
    // bridge process frozen), then comes back with what queued up meanwhile.
    const port = new URL(mediaVars.BRIDGE_URL!).port;
    const { stdout } = await run("ss", ["-Hltnp", `sport = :${port}`]);
    const pid = Number(/pid=(\d+)/.exec(stdout)?.[1]);
    expect(pid).toBeGreaterThan(0);
    const stalledAt = Date.now();
    process.kill(pid, "SIGSTOP");
    let reconnectingAfter = 0;
    try {
      await p
        .locator('[data-testid="live-state"][data-state="reconnecting"]')
        .waitFor({ timeout: 20_000 });
      reconnectingAfter = Date.now() - stalledAt;
      expect(await p.getByTestId("live-state").textContent()).toContain("Reconnecting…");
      await new Promise((r) => setTimeout(r, 3000));
    } finally {
      process.kill(pid, "SIGCONT");
    }
    const resumedAt = Date.now();
    await p.locator('[data-testid="live-state"][data-state="live"]').waitFor({ timeout: 40_000 });
    const liveAfter = Date.now() - resumedAt;
    await expect.poll(bridgeRelays, { timeout: 20_000, interval: 500 }).toBe(true);
    // The sent frame rate comes back (a fresh publish starts the bandwidth estimate over).
    await expect
      .poll(async () => Number(await p.getByTestId("stat-fps").textContent()), {
        timeout: 20_000,
        interval: 1000,
      })
      .toBeGreaterThanOrEqual(20);
    const fpsBackAfter = Date.now() - resumedAt;
    console.log(
      `network stall: 'Reconnecting…' ${reconnectingAfter} ms after the stall; live again ${liveAfter} ms and ≥ 20 fps ${fpsBackAfter} ms after the network returned`,
    );
  }, 120_000);

  it("keeps compositing at its visible frame rate while the studio tab is hidden behind another tab", async () => {
    const p = studio.page;
    const visible = await measureComposite(p, 3000);
    const other = await studio.context.newPage();
    try {
      await other.goto("about:blank");
      await other.bringToFront();
      await expect.poll(() => p.evaluate(() => document.visibilityState)).toBe("hidden");
      // Let Chromium's background throttling settle in before measuring.
      await new Promise((r) => setTimeout(r, 3000));
      const hidden = await measureComposite(p, 5000);
      const sentFps = await p.getByTestId("stat-fps").textContent();
      const f = (x: number) => x.toFixed(1);
      console.log(
        `composite fps — written by the worker: visible ${f(visible.workerFps)}, hidden ${f(hidden.workerFps)}; ` +
          `counted on a clone in the page: visible ${f(visible.fps)}, hidden ${f(hidden.fps)}; ` +
          `plain fake camera in the same windows: visible ${f(visible.cameraFps)}, hidden ${f(hidden.cameraFps)}; ` +
          `rAF ${f(visible.rafPerSecond)}/s → ${f(hidden.rafPerSecond)}/s; encoder fps shown ${sentFps}; load ${f(loadavg()[0]!)}`,
      );
      // Really hidden: the page gets no animation frames.
      expect(hidden.visibility).toBe("hidden");
      expect(hidden.rafPerSecond).toBeLessThan(2);
      // Hiding the tab must not slow the composite. Hidden, both the rate the worker writes
      // and the rate a reader of the track sees reach 20 fps, or 80 % of their visible
      // rate, or what this machine delivers of a plain fake camera in the same window —
      // whichever is lowest: the absolute rate is CPU-bound on this shared 2-core box
      // (2 fake captures + composite + OpenH264 720p in one Chromium, next to the whole
      // stack and other people's tests). A throttled compositor would drop to ~1 fps.
      // Numbers: docs/decisions/020-studio-compositor.md.
      // The reader counts on the hidden page's main thread, which Chromium deprioritises:
      // one full run measured worker 22.0 → 25.3 fps but reader 21.3 → 16.0 at load 3.9,
      // so the reader gets 70 % (still far above a throttled ~1 fps).
      const floor = (visibleFps: number, share: number) =>
        Math.min(20, visibleFps * share, hidden.cameraFps);
      expect(hidden.workerFps).toBeGreaterThanOrEqual(floor(visible.workerFps, 0.8));
      expect(hidden.fps).toBeGreaterThanOrEqual(floor(visible.fps, 0.7));
      expect(hidden.fps).toBeGreaterThan(2);
    } finally {
      await p.bringToFront();
      await other.close();
    }
  }, 60_000);

  it("a student sees the live local video playing", async () => {
    const student = await launchUser({ viewport: { width: 1280, height: 800 } });
    people.push(student);
    const s = student.page;
    onTestFailed(async () => {
      await s.screenshot({ path: join(tmpdir(), "mass-class-media-student-failed.png") });
    });
    await s.goto(`${base}/c/${classId}`);
    await s.getByTestId("guest-join-form").getByLabel("Your name").fill("Watcher");
    await s.getByTestId("guest-join-submit").click();
    await s.getByTestId("class-page").waitFor();
    const video = s.getByTestId("local-video");
    await video.waitFor();
    await expect
      .poll(() => video.evaluate((v: HTMLVideoElement) => v.currentTime), { timeout: 30_000 })
      .toBeGreaterThan(1);
    const t0 = await video.evaluate((v: HTMLVideoElement) => v.currentTime);
    await new Promise((r) => setTimeout(r, 2000));
    const t1 = await video.evaluate((v: HTMLVideoElement) => v.currentTime);
    expect(t1 - t0).toBeGreaterThan(1);
    await s.getByTestId("unmute").waitFor();
    expect(await s.getByTestId("stream-status").textContent()).toBe("Live");
    await s.screenshot({ path: join(SHOTS, "mass-class-student-live.png") });
  }, 60_000);

  it("a second studio going live for the same class is told the class is already live", async () => {
    const second = await launchUser({ media: true });
    people.push(second);
    const p = second.page;
    onTestFailed(async () => {
      await p.screenshot({ path: join(tmpdir(), "mass-class-media-second-failed.png") });
    });
    await signIn(p, base, DEMO.teacher);
    await p.goto(`${base}/studio/${classId}`);
    await p.getByTestId("start-camera").click();
    await p.getByTestId("go-live").click();
    await p.locator('[data-testid="live-state"][data-state="failed"]').waitFor({ timeout: 20_000 });
    expect(await p.getByTestId("live-error").textContent()).toMatch(/already live/);
    // The first studio is still live, and stops cleanly.
    const first = studio.page;
    expect(await first.getByTestId("live-state").getAttribute("data-state")).toBe("live");
    await first.getByTestId("stop-live").click();
    await first.getByTestId("confirm-end-stream").click();
    await first
      .locator('[data-testid="live-state"][data-state="ended"]')
      .waitFor({ timeout: 10_000 });
  }, 60_000);
});
