/**
 * Helpers for the bridge's integration tests (real ffmpeg, real RTMP server).
 * Not used by the bridge itself.
 */
import { execFile, spawn } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmdirSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { resolveFfmpeg } from "../ffmpeg.ts";

const run = promisify(execFile);

const require = createRequire(import.meta.url);

/**
 * Fail (never skip) when a system tool the media tests need is missing, saying how to
 * install it. CI installs them (.ci/run); a laptop may not have them.
 */
export function requireMediaTools(opts: { chromium?: boolean } = {}): void {
  const missing: string[] = [];
  if (!resolveFfmpeg()) missing.push("ffmpeg (sudo apt-get install -y ffmpeg)");
  if (
    !existsSync("/usr/lib/nginx/modules/ngx_rtmp_module.so") &&
    !existsSync(require.resolve("node-media-server"))
  ) {
    missing.push("an RTMP server (sudo apt-get install -y nginx-light libnginx-mod-rtmp)");
  }
  if (opts.chromium && !existsSync(process.env.CHROMIUM_PATH ?? "/usr/bin/chromium")) {
    missing.push("Chromium (sudo apt-get install -y chromium)");
  }
  if (missing.length > 0) throw new Error(`Media tests need: ${missing.join("; ")}`);
}

/** ffprobe next to the resolved ffmpeg, or on PATH. */
export function ffprobePath(): string {
  const ff = resolveFfmpeg();
  return ff?.path.replace(/ffmpeg$/, "ffprobe") ?? "ffprobe";
}

const LOCK = join(tmpdir(), "mass-class-bridge-media-test.lock");

/**
 * Serialises the heavy media test files (vitest runs files in parallel; on a
 * 2-core CI box two real-time encoders at once make timing assertions flaky).
 * A lock older than 5 minutes is considered stale.
 */
export async function acquireMediaLock(timeoutMs = 240_000): Promise<() => void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      mkdirSync(LOCK);
      return () => {
        try {
          rmdirSync(LOCK);
        } catch {
          // already gone
        }
      };
    } catch {
      try {
        if (Date.now() - statSync(LOCK).mtimeMs > 300_000) rmdirSync(LOCK);
      } catch {
        // raced with the holder
      }
      if (Date.now() > deadline) throw new Error("timed out waiting for the media test lock");
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

/** Records `seconds` of an RTMP/HTTP-FLV stream to an FLV file with stream copy. */
export function record(
  url: string,
  file: string,
  seconds: number,
): { done: Promise<void>; pid: number } {
  const ff = resolveFfmpeg();
  if (!ff) throw new Error("ffmpeg missing");
  const child = spawn(
    ff.path,
    [
      "-nostdin",
      "-v",
      "error",
      "-rw_timeout",
      "15000000",
      "-i",
      url,
      "-c",
      "copy",
      "-t",
      String(seconds),
      "-y",
      file,
    ],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  let err = "";
  child.stderr.on("data", (c: Buffer) => {
    err += c.toString();
  });
  const done = new Promise<void>((resolve, reject) => {
    child.once("exit", (code) =>
      code === 0 ? resolve() : reject(new Error(`recorder exited ${code}: ${err}`)),
    );
  });
  return { done, pid: child.pid ?? -1 };
}

/** What ffprobe sees in a recording. */
export interface Recording {
  codecs: string[];
  audio: { sampleRate: number; channels: number } | null;
  /** Video packet times (s) and keyframe flags, in order. */
  video: { t: number; key: boolean }[];
  durationS: number;
  /** stderr of a full decode (empty = no decode errors). */
  decodeErrors: string;
}

/** Probes a recorded file: streams, video packet times/keyframes, and a full decode for errors. */
export async function probeRecording(file: string): Promise<Recording> {
  const probe = ffprobePath();
  const streams = JSON.parse(
    (
      await run(probe, [
        "-v",
        "error",
        "-show_entries",
        "stream=codec_name,codec_type,sample_rate,channels",
        "-of",
        "json",
        file,
      ])
    ).stdout,
  ) as {
    streams: { codec_name: string; codec_type: string; sample_rate?: string; channels?: number }[];
  };
  const pk = await run(
    probe,
    [
      "-v",
      "error",
      "-select_streams",
      "v:0",
      "-show_entries",
      "packet=pts_time,flags",
      "-of",
      "csv=p=0",
      file,
    ],
    { maxBuffer: 64 * 1024 * 1024 },
  );
  const video = pk.stdout
    .trim()
    .split("\n")
    .filter(Boolean)
    .map((l) => {
      const [t, flags] = l.split(",");
      return { t: Number(t), key: (flags ?? "").includes("K") };
    });
  const ff = resolveFfmpeg()!;
  const dec = await run(ff.path, ["-v", "error", "-i", file, "-f", "null", "-"], {
    maxBuffer: 16 * 1024 * 1024,
  });
  const a = streams.streams.find((s) => s.codec_type === "audio");
  return {
    codecs: streams.streams.map((s) => s.codec_name),
    audio: a ? { sampleRate: Number(a.sample_rate), channels: a.channels ?? 0 } : null,
    video,
    durationS: video.length ? video[video.length - 1]!.t - video[0]!.t : 0,
    // Only decoder complaints count: the null muxer also flags frames whose
    // (jittery, camera-clock) times round to the same tick of its time base.
    decodeErrors: dec.stderr
      .split("\n")
      // A snapshot of a file being written may end inside a packet. ("Last message
      // repeated" only repeats the line before it, which is kept if it was an error.)
      .filter(
        (l) =>
          l.trim() &&
          !l.startsWith("[null @") &&
          !/Packet mismatch|truncat|End of file|Last message repeated/i.test(l),
      )
      .join("\n"),
  };
}

/** One stream's packets as ffprobe reads them (s), in file order. */
export interface PacketTimes {
  pts: number[];
  dts: number[];
  key: boolean[];
}

/** Packet times of the first video (`v`) or audio (`a`) stream of a recording. */
export async function packetTimes(file: string, stream: "v" | "a"): Promise<PacketTimes> {
  const pk = await run(
    ffprobePath(),
    [
      "-v",
      "error",
      "-select_streams",
      `${stream}:0`,
      "-show_entries",
      "packet=pts_time,dts_time,flags",
      "-of",
      "csv=p=0",
      file,
    ],
    { maxBuffer: 64 * 1024 * 1024 },
  );
  const out: PacketTimes = { pts: [], dts: [], key: [] };
  for (const l of pk.stdout.trim().split("\n").filter(Boolean)) {
    const [pts, dts, flags] = l.split(",");
    out.pts.push(Number(pts));
    out.dts.push(Number(dts));
    out.key.push((flags ?? "").includes("K"));
  }
  return out;
}

/** Largest step between consecutive times, and how many steps go backwards (or repeat). */
export function timeSteps(times: number[]): { maxGap: number; backwards: number } {
  let maxGap = 0;
  let backwards = 0;
  for (let i = 1; i < times.length; i++) {
    const d = times[i]! - times[i - 1]!;
    if (d <= 0) backwards++;
    maxGap = Math.max(maxGap, d);
  }
  return { maxGap, backwards };
}

/** FLV files the RTMP server recorded for `stream` (one per publish), oldest first. */
export function serverRecordings(dir: string, stream: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.startsWith(`${stream}`) && f.endsWith(".flv"))
    .sort()
    .map((f) => join(dir, f));
}

/** Snapshot of a file that is still being written (probe the copy, not the moving target). */
export function snapshot(file: string, name: string): string {
  const out = tmpFile(name);
  copyFileSync(file, out);
  return out;
}

/** Keyframe spacings (s) in a recording. */
export function keyframeGaps(rec: Recording): number[] {
  const keys = rec.video.filter((p) => p.key).map((p) => p.t);
  return keys.slice(1).map((k, i) => k - keys[i]!);
}

/** Largest gap between consecutive video packets (s). */
export function maxVideoGap(rec: Recording): number {
  let max = 0;
  for (let i = 1; i < rec.video.length; i++)
    max = Math.max(max, rec.video[i]!.t - rec.video[i - 1]!.t);
  return max;
}

/** PIDs of live (non-zombie) child processes of this process whose command matches `name`. */
export async function childPids(name: string): Promise<number[]> {
  const { stdout } = await run("ps", [
    "-o",
    "pid=,stat=,comm=",
    "--ppid",
    String(process.pid),
  ]).catch(() => ({
    stdout: "",
  }));
  return stdout
    .trim()
    .split("\n")
    .map((l) => l.trim().split(/\s+/))
    .filter((c) => c.length === 3 && c[2] === name && !c[1]!.startsWith("Z"))
    .map((c) => Number(c[0]));
}

/** Polls `fn` until it returns a truthy value. */
export async function waitFor<T>(
  fn: () => T | Promise<T>,
  timeoutMs: number,
  what: string,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A temp file path. */
export function tmpFile(name: string): string {
  const dir = join(tmpdir(), `mc-bridge-test-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  return join(dir, name);
}
