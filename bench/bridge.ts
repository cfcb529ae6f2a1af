/**
 * Bridge benchmark (loopback only): headless Chromium draws a running
 * timestamp into a 1280×720 canvas, publishes canvas.captureStream(30) + its
 * fake mic over WHIP to the bridge (bridge/main.ts, its own Node process), which
 * pushes FLV to a local nginx-rtmp. Reports:
 *
 * - startup: WHIP POST → first RTMP frame (the bridge's `streamStartedAt`;
 *   also when a player that was already waiting on nginx decoded its first frame).
 *   The publisher does what the studio does: `PUT /sessions` with `prepare: true`
 *   (what the Worker's `POST /whip/:id/prepare` sends when the teacher turns a
 *   source on), then, `--prepare-gap-ms` (2,000) later, the WHIP POST. So
 *   `startupMs` is WHIP POST → first RTMP frame *with the prepare done
 *   `prepareGapMs` before*; `--startup-only` also measures a cold publish (no
 *   prepare) right after, as `cold.startupMs`; `--cold` makes the full run cold;
 * - glass-to-glass latency: the page draws Date.now() as 48 black/white blocks
 *   (42-bit epoch ms + 6-bit check) in a strip at the top of each frame; an
 *   ffmpeg player decodes the RTMP output to raw grayscale strips piped here and
 *   compares with Date.now() on arrival (same machine clock);
 * - CPU (% of one core, /proc ticks) and RSS of the bridge's Node process and the
 *   output ffmpeg (copy + Opus→AAC), then, in the same run, of a re-encode
 *   comparison: a second ffmpeg reading the same RTMP stream and re-encoding it
 *   (libx264 veryfast 2.5 Mbps 2 s GOP + AAC) to another stream on the same nginx;
 *   latency is read back from that stream as well;
 * - max keyframe gap: ffprobe over the bridge's RTMP output packets (flags K).
 *
 *   node bench/bridge.ts [--json] [--measure-s 20] [--startup-only] [--prepare-gap-ms 2000] [--cold]
 *
 * Bounded (≈ 75 s, hard stop at 150 s); stops everything it started by PID.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { chromium } from "playwright-core";
import { resolveFfmpeg } from "../bridge/ffmpeg.ts";
import { freeTcpPort, startLocalRtmpServer } from "../bridge/rtmp-server.ts";
import { BASE_FLAGS, CHROMIUM, FAKE_MEDIA_FLAGS } from "../e2e/browser.ts";
import { ingestEndpoint } from "../protocol/ingest.ts";
import { unpublish } from "./whip-page.ts";

const { values: args } = parseArgs({
  options: {
    json: { type: "boolean", default: false },
    "measure-s": { type: "string", default: "20" },
    "warmup-s": { type: "string", default: "4" },
    "startup-only": { type: "boolean", default: false },
    "prepare-gap-ms": { type: "string", default: "2000" },
    cold: { type: "boolean", default: false },
  },
});
/** Prepare → WHIP POST (ms): the studio prepares when a source goes on; Go live comes later. */
const PREPARE_GAP_MS = Number(args["prepare-gap-ms"]);
const MEASURE_MS = Number(args["measure-s"]) * 1000;
const WARMUP_MS = Number(args["warmup-s"]) * 1000;
const HARD_STOP_MS = 150_000;
const SECRET = "bench-secret-0123456789abcdef";
const CLASS_ID = `bench-${process.pid}`;
const TICKS = 100; // USER_HZ
const W = 1280;
const H = 720;
const STRIP_H = 32; // px of the 720p frame holding the code
const BITS = 48;
const CELL = 10; // px per block in the scaled strip read back
const SW = BITS * CELL;
const SH = 8;

const t0 = Date.now();
const say = (msg: string): void => {
  process.stderr.write(`[bench:bridge +${((Date.now() - t0) / 1000).toFixed(1)}s] ${msg}\n`);
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---------- /proc helpers ----------
function cpuTicks(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return Number(f[11]) + Number(f[12]);
}
function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Math.round((Number(m[1]) / 1024) * 10) / 10 : Number.NaN;
}
/** CPU % of one core for each pid over `ms`, and their RSS at the end. */
async function sampleCpu(pids: number[], ms: number): Promise<{ cpu: number[]; rss: number[] }> {
  const a = pids.map(cpuTicks);
  const start = performance.now();
  await sleep(ms);
  const secs = (performance.now() - start) / 1000;
  return {
    cpu: pids.map((p, i) => round1(((cpuTicks(p) - a[i]!) / TICKS / secs) * 100)),
    rss: pids.map(rssMiB),
  };
}
/** Direct children of `ppid` whose command is `comm`. */
function childrenOf(ppid: number, comm: string): number[] {
  const out: number[] = [];
  for (const tid of safeReaddir(`/proc/${ppid}/task`)) {
    const raw = safeRead(`/proc/${ppid}/task/${tid}/children`);
    for (const p of raw.split(" ").filter(Boolean).map(Number)) {
      if (safeRead(`/proc/${p}/comm`).trim() === comm) out.push(p);
    }
  }
  return out;
}
function safeRead(p: string): string {
  try {
    return readFileSync(p, "utf8");
  } catch {
    return "";
  }
}
function safeReaddir(p: string): string[] {
  try {
    return readdirSync(p);
  } catch {
    return [];
  }
}
const round1 = (x: number) => Math.round(x * 10) / 10;
function pct(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

// ---------- processes we start ----------
const started = new Set<ChildProcess>();
function track(c: ChildProcess): ChildProcess {
  started.add(c);
  c.on("exit", () => started.delete(c));
  return c;
}
async function stopChild(c: ChildProcess, signal: NodeJS.Signals = "SIGINT"): Promise<void> {
  if (c.exitCode !== null || c.signalCode !== null || !c.pid) return;
  const exited = new Promise<void>((r) => c.once("exit", () => r()));
  process.kill(c.pid, signal);
  const t = setTimeout(() => {
    if (c.exitCode === null && c.signalCode === null && c.pid) process.kill(c.pid, "SIGKILL");
  }, 3000);
  await exited;
  clearTimeout(t);
}

// ---------- timestamp code ----------
/** 42-bit ms value + 6-bit check (XOR of its 6-bit chunks ^ 0b101010); MSB first. */
function decodeStrip(buf: Buffer, off: number): number | null {
  const bits: number[] = [];
  for (let i = 0; i < BITS; i++) {
    let sum = 0;
    let n = 0;
    for (let y = 2; y < SH - 2; y++) {
      for (let x = i * CELL + 3; x < i * CELL + CELL - 3; x++) {
        sum += buf[off + y * SW + x]!;
        n++;
      }
    }
    bits.push(sum / n > 128 ? 1 : 0);
  }
  let v = 0;
  for (let i = 0; i < 42; i++) v = v * 2 + bits[i]!;
  let check = 0;
  for (let i = 42; i < 48; i++) check = check * 2 + bits[i]!;
  let x = 0b101010;
  let rest = v;
  for (let k = 0; k < 7; k++) {
    x ^= rest % 64;
    rest = Math.floor(rest / 64);
  }
  return x === check ? v : null;
}

/** Chromium's outbound video stats and draw count. */
async function senderStats(page: import("playwright-core").Page) {
  return await page.evaluate(async () => {
    const w = window as unknown as { pc: RTCPeerConnection; draws: number };
    let o: Record<string, unknown> = {};
    let src: Record<string, unknown> = {};
    (await w.pc.getStats()).forEach((r: Record<string, unknown>) => {
      if (r.type === "outbound-rtp" && r.kind === "video") o = r;
      if (r.type === "media-source" && r.kind === "video") src = r;
    });
    return {
      at: Date.now(),
      draws: w.draws,
      framesEncoded: Number(o.framesEncoded ?? 0),
      sourceFrames: Number(src.frames ?? 0),
      bytesSent: Number(o.bytesSent ?? 0),
      encoder: String(o.encoderImplementation ?? ""),
      limitation: String(o.qualityLimitationReason ?? ""),
      size: `${o.frameWidth}x${o.frameHeight}`,
    };
  });
}

/** ffmpeg player: RTMP → decoded top strip as raw gray → latency samples. */
function startReader(url: string) {
  const ffmpegPath = ffmpeg!.path;
  const samples: number[] = [];
  const state = { firstFrameAt: 0, frames: 0, bad: 0, dupes: 0, recording: false, last: 0 };
  const child = track(
    spawn(
      ffmpegPath,
      [
        "-nostdin",
        "-hide_banner",
        "-loglevel",
        "error",
        "-fflags",
        "nobuffer",
        "-flags",
        "low_delay",
        "-threads",
        "1",
        "-probesize",
        "200000",
        "-analyzeduration",
        "1000000",
        "-i",
        url,
        "-map",
        "0:v:0",
        "-vf",
        `crop=iw:ih*${STRIP_H}/${H}:0:0,scale=${SW}:${SH}:flags=area`,
        "-fps_mode",
        "passthrough",
        "-pix_fmt",
        "gray",
        "-f",
        "rawvideo",
        "-flush_packets",
        "1",
        "pipe:1",
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    ),
  );
  let err = "";
  child.stderr?.on("data", (d: Buffer) => {
    err = (err + d.toString()).slice(-2000);
  });
  const frame = SW * SH;
  let pending: Buffer = Buffer.alloc(0);
  child.stdout?.on("data", (d: Buffer) => {
    const now = Date.now();
    pending = pending.length ? Buffer.concat([pending, d]) : d;
    let off = 0;
    while (pending.length - off >= frame) {
      state.frames++;
      if (!state.firstFrameAt) state.firstFrameAt = now;
      const ts = decodeStrip(pending, off);
      off += frame;
      if (ts === null || ts > now + 1000 || ts < now - 30_000) {
        state.bad++;
        continue;
      }
      if (ts === state.last) {
        state.dupes++;
        continue;
      }
      state.last = ts;
      if (state.recording) samples.push(now - ts);
    }
    pending = pending.subarray(off);
  });
  return { child, samples, state, stderr: () => err };
}

// ---------- setup ----------
const ffmpeg = resolveFfmpeg();
if (!ffmpeg) throw new Error("ffmpeg missing");
const ffprobePath = ffmpeg.path.replace(/ffmpeg$/, "ffprobe");
const hardStop = setTimeout(() => {
  say(`hard stop after ${HARD_STOP_MS / 1000} s`);
  void cleanup().then(() => process.exit(2));
}, HARD_STOP_MS);

const rtmp = await startLocalRtmpServer({});
const bridgePort = await freeTcpPort();
const bridgeUrl = `http://127.0.0.1:${bridgePort}`;
const bridgeLog: string[] = [];
const bridge = track(
  spawn(process.execPath, ["bridge/main.ts"], {
    env: {
      ...process.env,
      BRIDGE_HOST: "127.0.0.1",
      BRIDGE_PORT: String(bridgePort),
      BRIDGE_SECRET: SECRET,
      BRIDGE_DEV: "1",
      BRIDGE_RTP_PORT_MIN: "45200",
      BRIDGE_RTP_PORT_MAX: "45399",
      FFMPEG_PATH: ffmpeg.path,
      BRIDGE_LOCAL_INGEST: ingestEndpoint(rtmp.rtmpUrl) ?? "",
    },
    stdio: ["ignore", "pipe", "pipe"],
  }),
);
/** Per class: the bridge's startup milestones (ms after the publisher attached) and WHIP answer time. */
const startupLogs = new Map<string, Record<string, number>>();
let logPartial = "";
for (const s of [bridge.stdout, bridge.stderr]) {
  s?.on("data", (d: Buffer) => {
    bridgeLog.push(d.toString());
    if (process.env.BENCH_BRIDGE_LOG) process.stderr.write(d);
    if (bridgeLog.length > 50) bridgeLog.shift();
  });
}
bridge.stderr?.on("data", (d: Buffer) => {
  const lines = (logPartial + d.toString()).split("\n");
  logPartial = lines.pop() ?? "";
  for (const line of lines) {
    if (!line.includes('"startup_measured"') && !line.includes('"whip_created"')) continue;
    try {
      const { t: _t, event, classId, publisherId: _p, ...marks } = JSON.parse(line);
      const log = startupLogs.get(classId) ?? {};
      startupLogs.set(classId, log);
      for (const [k, v] of Object.entries(marks)) {
        if (typeof v === "number") log[event === "whip_created" ? k : `${k}Ms`] = v;
      }
    } catch {}
  }
});
const profile = mkdtempSync(join(tmpdir(), "mc-bench-bridge-chrome-"));
let browser: Awaited<ReturnType<typeof chromium.launchPersistentContext>> | null = null;
let cleaned = false;
async function cleanup(): Promise<void> {
  if (cleaned) return;
  cleaned = true;
  clearTimeout(hardStop);
  try {
    await browser?.close();
  } catch {}
  // The bridge stops its own ffmpeg children on SIGTERM (bridge/main.ts).
  const bridgeKids = bridge.pid ? childrenOf(bridge.pid, "ffmpeg") : [];
  await Promise.all([...started].filter((c) => c !== bridge).map((c) => stopChild(c)));
  await stopChild(bridge, "SIGTERM");
  for (const p of bridgeKids) {
    try {
      process.kill(p, "SIGKILL");
    } catch {}
  }
  await rtmp.stop();
  rmSync(profile, { recursive: true, force: true });
}
process.on("SIGINT", () => void cleanup().then(() => process.exit(130)));

async function api(method: string, path: string, body?: unknown): Promise<Response> {
  return await fetch(`${bridgeUrl}${path}`, {
    method,
    headers: { Authorization: `Bearer ${SECRET}`, "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

const result: Record<string, unknown> = {};
/** `--startup-only`: stop after the startup figures (quick iteration on startup). */
class StartupOnly extends Error {}
try {
  const loadStart = loadavg().map(round1);
  // Wait for the bridge to listen.
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`${bridgeUrl}/health`)).ok) break;
    } catch {}
    if (i > 200) throw new Error(`bridge did not start:\n${bridgeLog.join("")}`);
    await sleep(50);
  }
  say(`bridge pid ${bridge.pid} on ${bridgeUrl}, ${rtmp.kind} rtmp on :${rtmp.port}`);
  const urls = rtmp.urlsFor(CLASS_ID);
  const x264 = rtmp.urlsFor(`${CLASS_ID}-x264`);

  browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    args: [...BASE_FLAGS, ...FAKE_MEDIA_FLAGS],
  });
  const page = browser.pages()[0] ?? (await browser.newPage());
  await page.goto(`${bridgeUrl}/dev/blank`);
  // Canvas with the code strip + some motion, drawn every animation frame.
  await page.evaluate(
    ({ w, h, stripH, bits }) => {
      const c = document.createElement("canvas");
      c.width = w;
      c.height = h;
      document.body.append(c);
      const g = c.getContext("2d")!;
      const cell = w / bits;
      const draw = (): void => {
        const now = Date.now();
        const t = now / 1000;
        g.fillStyle = `hsl(${(t * 20) % 360} 40% 35%)`;
        g.fillRect(0, 0, w, h);
        g.fillStyle = "#ddd";
        g.fillRect(((t * 200) % (w + 200)) - 200, 200 + 150 * Math.sin(t), 200, 200);
        g.font = "64px monospace";
        g.fillText(new Date(now).toISOString(), 80, h - 80);
        // 42-bit ms, MSB first, then 6-bit check.
        const b: number[] = [];
        let rest = now;
        let x = 0b101010;
        for (let k = 0; k < 7; k++) {
          x ^= rest % 64;
          rest = Math.floor(rest / 64);
        }
        let v = now;
        for (let i = 0; i < 42; i++) {
          b.unshift(v % 2);
          v = Math.floor(v / 2);
        }
        for (let i = 5; i >= 0; i--) b.push((x >> i) & 1);
        for (let i = 0; i < bits; i++) {
          g.fillStyle = b[i] ? "#fff" : "#000";
          g.fillRect(
            Math.round(i * cell),
            0,
            Math.round((i + 1) * cell) - Math.round(i * cell),
            stripH,
          );
        }
        (window as unknown as { draws: number }).draws =
          ((window as unknown as { draws?: number }).draws ?? 0) + 1;
        requestAnimationFrame(draw);
      };
      draw();
      (window as unknown as { canvas: HTMLCanvasElement }).canvas = c;
    },
    { w: W, h: H, stripH: STRIP_H, bits: BITS },
  );

  /**
   * One publish as the studio does it: prepare (unless cold), then — at least
   * PREPARE_GAP_MS after the prepare answered — mic, offer, ICE gathering, WHIP POST.
   * A player already waiting on nginx times its first decoded frame.
   */
  async function publish(classId: string, prepare: boolean) {
    const rtmpUrl = rtmp.urlsFor(classId).rtmpUrl;
    const put = await api("PUT", `/sessions/${classId}`, { rtmpUrl, prepare });
    if (!put.ok) throw new Error(`PUT /sessions ${put.status}: ${await put.text()}`);
    const preparedAt = Date.now();
    const reader = startReader(rtmp.urlsFor(classId).playRtmpUrl);
    await sleep(500);
    const posted = await page.evaluate(
      async ({ secret, path, postAfter }) => {
        const w = window as unknown as { canvas: HTMLCanvasElement; pc: RTCPeerConnection };
        const video = w.canvas.captureStream(30).getVideoTracks()[0]!;
        const mic = await navigator.mediaDevices.getUserMedia({ audio: true });
        const pc = new RTCPeerConnection();
        w.pc = pc;
        const vt = pc.addTransceiver(video, { direction: "sendonly" });
        const caps = RTCRtpSender.getCapabilities("video")?.codecs ?? [];
        vt.setCodecPreferences([
          ...caps.filter((c) => c.mimeType === "video/H264"),
          ...caps.filter((c) => c.mimeType !== "video/H264"),
        ]);
        const p = vt.sender.getParameters();
        p.degradationPreference = "maintain-resolution";
        await vt.sender.setParameters(p);
        pc.addTransceiver(mic.getAudioTracks()[0]!, { direction: "sendonly" });
        await pc.setLocalDescription(await pc.createOffer());
        await new Promise<void>((r) => {
          if (pc.iceGatheringState === "complete") r();
          pc.onicegatheringstatechange = () => pc.iceGatheringState === "complete" && r();
          setTimeout(r, 2000);
        });
        await new Promise((r) => setTimeout(r, Math.max(0, postAfter - Date.now())));
        const at = Date.now();
        const res = await fetch(path, {
          method: "POST",
          headers: { "Content-Type": "application/sdp", Authorization: `Bearer ${secret}` },
          body: pc.localDescription?.sdp,
        });
        if (res.status !== 201) throw new Error(`WHIP ${res.status}: ${await res.text()}`);
        (window as unknown as { loc: string }).loc = res.headers.get("location") ?? "";
        await pc.setRemoteDescription({ type: "answer", sdp: await res.text() });
        return at;
      },
      {
        secret: SECRET,
        path: `/whip/${classId}`,
        postAfter: prepare ? preparedAt + PREPARE_GAP_MS : 0,
      },
    );
    let startedAt: number | null = null;
    while (Date.now() - posted < 30_000) {
      const h = (await (await api("GET", `/sessions/${classId}`)).json()) as {
        streamStartedAt: number | null;
      };
      startedAt = h.streamStartedAt;
      if (startedAt) break;
      await sleep(50);
    }
    if (!startedAt) throw new Error(`no RTMP output within 30 s:\n${bridgeLog.join("")}`);
    const startupMs = startedAt - posted;
    const prepareGapMs = prepare ? posted - preparedAt : null;
    say(
      `${prepare ? `prepared ${prepareGapMs} ms before the POST` : "cold (no prepare)"}: WHIP POST → first RTMP frame ${startupMs} ms`,
    );
    while (!reader.state.firstFrameAt && Date.now() - posted < 30_000) {
      if (reader.child.exitCode !== null) throw new Error(`player exited: ${reader.stderr()}`);
      await sleep(50);
    }
    const playerFirstFrameMs = reader.state.firstFrameAt
      ? reader.state.firstFrameAt - posted
      : Number.NaN;
    say(`waiting player's first decoded frame ${playerFirstFrameMs} ms after the POST`);
    await sleep(200);
    const milestones = startupLogs.get(classId) ?? {};
    say(`startup milestones (ms after the publisher attached): ${JSON.stringify(milestones)}`);
    return { startupMs, prepareGapMs, playerFirstFrameMs, milestones, reader };
  }

  const main = await publish(CLASS_ID, !args.cold);
  const { startupMs, playerFirstFrameMs, reader } = main;
  const startupLog = { prepareGapMs: main.prepareGapMs, ...main.milestones };
  if (args["startup-only"]) {
    // The cold number next to it (no prepare: ffmpeg spawned at the POST, as before).
    await unpublish(page, SECRET);
    await stopChild(reader.child);
    await api("DELETE", `/sessions/${CLASS_ID}`);
    const cold = args.cold ? null : await publish(`${CLASS_ID}-cold`, false);
    await stopChild(cold?.reader.child ?? reader.child);
    Object.assign(result, {
      startupMs,
      playerFirstFrameMs,
      ...startupLog,
      ...(cold
        ? {
            cold: {
              startupMs: cold.startupMs,
              playerFirstFrameMs: cold.playerFirstFrameMs,
              ...cold.milestones,
            },
          }
        : {}),
    });
    throw new StartupOnly();
  }

  // Keyframe gaps of the bridge's output over both phases.
  const probeSecs = Math.ceil((2 * (WARMUP_MS + MEASURE_MS) + 8000) / 1000);
  const probe = track(
    spawn(
      ffprobePath,
      [
        "-v",
        "error",
        "-select_streams",
        "v:0",
        "-read_intervals",
        `%+${probeSecs}`,
        "-show_entries",
        "packet=pts_time,flags",
        "-of",
        "csv=p=0",
        urls.playRtmpUrl,
      ],
      { stdio: ["ignore", "pipe", "ignore"] },
    ),
  );
  let probeOut = "";
  probe.stdout?.on("data", (d: Buffer) => {
    probeOut += d.toString();
  });
  const probeDone = new Promise<void>((r) => probe.once("exit", () => r()));

  // ---- copy phase ----
  await sleep(WARMUP_MS);
  const senderBefore = await senderStats(page);
  const [outPid] = bridge.pid ? childrenOf(bridge.pid, "ffmpeg") : [];
  if (!outPid) throw new Error("output ffmpeg not found under the bridge");
  reader.state.recording = true;
  const framesBefore = reader.state.frames;
  const copy = await sampleCpu([bridge.pid!, outPid], MEASURE_MS);
  reader.state.recording = false;
  const copyFps = round1((reader.state.frames - framesBefore) / (MEASURE_MS / 1000));
  const senderAfter = await senderStats(page);
  const secs = (senderAfter.at - senderBefore.at) / 1000;
  const sender = {
    canvasDrawFps: round1((senderAfter.draws - senderBefore.draws) / secs),
    capturedFps: round1((senderAfter.sourceFrames - senderBefore.sourceFrames) / secs),
    encodedFps: round1((senderAfter.framesEncoded - senderBefore.framesEncoded) / secs),
    sentKbps: Math.round(((senderAfter.bytesSent - senderBefore.bytesSent) * 8) / secs / 1000),
    encoder: senderAfter.encoder,
    qualityLimitation: senderAfter.limitation,
    sentSize: senderAfter.size,
  };
  const copyLat = [...reader.samples].sort((a, b) => a - b);
  const health = (await (await api("GET", `/sessions/${CLASS_ID}`)).json()) as {
    bitrateKbps: number;
    video: { width: number; height: number } | null;
    restarts: number;
    fillerActive: boolean;
  };
  say(
    `copy: bridge ${copy.cpu[0]} % / output ffmpeg ${copy.cpu[1]} %, g2g p50 ${pct(copyLat, 50)} ms (${copyLat.length} samples, ${copyFps} fps)`,
  );
  await stopChild(reader.child);

  // ---- re-encode phase: a second ffmpeg re-encodes the same RTMP stream ----
  const transcoder = track(
    spawn(
      ffmpeg.path,
      [
        "-nostdin",
        "-hide_banner",
        "-loglevel",
        "error",
        "-fflags",
        "nobuffer",
        "-i",
        urls.playRtmpUrl,
        "-map",
        "0:v:0",
        "-map",
        "0:a:0?",
        "-c:v",
        "libx264",
        "-preset",
        "veryfast",
        "-tune",
        "zerolatency",
        "-b:v",
        "2500k",
        "-maxrate",
        "2500k",
        "-bufsize",
        "5000k",
        "-g",
        "60",
        "-pix_fmt",
        "yuv420p",
        "-c:a",
        "aac",
        "-b:a",
        "128k",
        "-ar",
        "48000",
        "-f",
        "flv",
        x264.rtmpUrl,
      ],
      { stdio: ["ignore", "ignore", "pipe"] },
    ),
  );
  let txErr = "";
  transcoder.stderr?.on("data", (d: Buffer) => {
    txErr = (txErr + d.toString()).slice(-2000);
  });
  const reader2 = startReader(x264.playRtmpUrl);
  const txStart = Date.now();
  while (!reader2.state.firstFrameAt && Date.now() - txStart < 20_000) {
    if (transcoder.exitCode !== null) throw new Error(`transcoder exited: ${txErr}`);
    if (reader2.child.exitCode !== null) throw new Error(`player 2 exited: ${reader2.stderr()}`);
    await sleep(50);
  }
  await sleep(WARMUP_MS);
  reader2.state.recording = true;
  const frames2Before = reader2.state.frames;
  const tx = await sampleCpu([bridge.pid!, outPid, transcoder.pid!], MEASURE_MS);
  reader2.state.recording = false;
  const txFps = round1((reader2.state.frames - frames2Before) / (MEASURE_MS / 1000));
  const txLat = [...reader2.samples].sort((a, b) => a - b);
  say(
    `re-encode: transcoder ${tx.cpu[2]} %, g2g p50 ${pct(txLat, 50)} ms (${txLat.length} samples, ${txFps} fps)`,
  );
  await stopChild(reader2.child);
  await stopChild(transcoder);

  // ---- keyframes ----
  const probeWait = setTimeout(() => void stopChild(probe, "SIGKILL"), 15_000);
  await probeDone;
  clearTimeout(probeWait);
  const keyTimes = probeOut
    .split("\n")
    .map((l) => l.split(","))
    .filter((f) => f.length >= 2 && f[1]!.includes("K") && f[0] !== "N/A")
    .map((f) => Number(f[0]));
  const packets = probeOut.split("\n").filter(Boolean).length;
  let maxGap = 0;
  for (let i = 1; i < keyTimes.length; i++)
    maxGap = Math.max(maxGap, keyTimes[i]! - keyTimes[i - 1]!);
  const probedS = keyTimes.length ? keyTimes.at(-1)! - keyTimes[0]! : 0;

  Object.assign(result, {
    startupMs,
    g2gP50Ms: pct(copyLat, 50),
    g2gP90Ms: pct(copyLat, 90),
    cpuCopyPct: copy.cpu[1],
    cpuTranscodePct: tx.cpu[2],
    maxKeyframeGapS: Math.round(maxGap * 1000) / 1000,
    playerFirstFrameMs,
    g2gMinMs: copyLat[0] ?? null,
    g2gMaxMs: copyLat.at(-1) ?? null,
    g2gSamples: copyLat.length,
    g2gBadFrames: reader.state.bad,
    playerFps: copyFps,
    playerDupFrames: reader.state.dupes,
    ...sender,
    cpuBridgeNodePct: copy.cpu[0],
    rssBridgeNodeMiB: copy.rss[0],
    rssCopyFfmpegMiB: copy.rss[1],
    cpuBridgeNodeDuringTranscodePct: tx.cpu[0],
    cpuCopyDuringTranscodePct: tx.cpu[1],
    rssTranscodeFfmpegMiB: tx.rss[2],
    g2gTranscodeP50Ms: pct(txLat, 50),
    g2gTranscodeP90Ms: pct(txLat, 90),
    g2gTranscodeSamples: txLat.length,
    transcodePlayerFps: txFps,
    keyframes: keyTimes.length,
    keyframeWindowS: round1(probedS),
    probedPackets: packets,
    video: health.video ? `${health.video.width}x${health.video.height}` : null,
    inKbps: health.bitrateKbps,
    restarts: health.restarts,
    measureS: MEASURE_MS / 1000,
    loadavgStart: loadStart,
    loadavgEnd: loadavg().map(round1),
    rtmpServer: rtmp.kind,
    wallS: round1((Date.now() - t0) / 1000),
    ...startupLog,
  });
} catch (err) {
  if (!(err instanceof StartupOnly)) throw err;
} finally {
  await cleanup();
}
if (args["startup-only"]) {
  console.log(JSON.stringify({ ...result, loadavg: loadavg().map(round1) }));
  process.exit(0);
}

const rows: [string, unknown, string][] = [
  ["WHIP POST → first RTMP frame (bridge)", result.startupMs, "ms"],
  ["WHIP POST → first frame decoded by a waiting player", result.playerFirstFrameMs, "ms"],
  ["glass-to-glass p50 / p90 (copy)", `${result.g2gP50Ms} / ${result.g2gP90Ms}`, "ms"],
  [
    "glass-to-glass p50 / p90 (+ re-encode hop)",
    `${result.g2gTranscodeP50Ms} / ${result.g2gTranscodeP90Ms}`,
    "ms",
  ],
  [
    "output ffmpeg copy + AAC CPU / RSS",
    `${result.cpuCopyPct} / ${result.rssCopyFfmpegMiB}`,
    "% / MiB",
  ],
  ["bridge Node CPU / RSS", `${result.cpuBridgeNodePct} / ${result.rssBridgeNodeMiB}`, "% / MiB"],
  [
    "re-encode ffmpeg (x264 veryfast + AAC) CPU / RSS",
    `${result.cpuTranscodePct} / ${result.rssTranscodeFfmpegMiB}`,
    "% / MiB",
  ],
  ["max keyframe gap", result.maxKeyframeGapS, "s"],
  ["video / inbound", `${result.video} / ${result.inKbps} kbps`, ""],
  [
    "Chromium fps: draws / captured / encoded; encoder",
    `${result.canvasDrawFps} / ${result.capturedFps} / ${result.encodedFps}, ${result.encoder}, ${result.qualityLimitation}`,
    "",
  ],
  ["load average start → end", `${result.loadavgStart} → ${result.loadavgEnd}`, ""],
];
if (!args.json) {
  for (const [k, v, u] of rows) console.log(`${k.padEnd(52)} ${String(v)} ${u}`);
} else {
  for (const [k, v, u] of rows) process.stderr.write(`${k.padEnd(52)} ${String(v)} ${u}\n`);
  console.log(JSON.stringify(result));
}
