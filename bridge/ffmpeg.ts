import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";

/** The ffmpeg the bridge runs, and what it can do. */
export interface FfmpegInfo {
  path: string;
  source: "env" | "system" | "npm";
  version: string;
  /** ffmpeg ≥ 5 has `-localaddr` on the SDP demuxer, so its RTP ports bind to 127.0.0.1 only. */
  sdpLocalAddr: boolean;
  /**
   * The SDP demuxer has `-listen_timeout` (default 10 s): after that long without a
   * packet it gives up probing, and ffmpeg opens its RTMP output with no media
   * ("dimensions not set", "Could not write header"). -1 waits for media forever.
   */
  sdpListenTimeout: boolean;
  /** Whether the drawtext filter is available (the slate's caption). */
  drawtext: boolean;
  /** `-stats_period` exists (ffmpeg ≥ 4.4): progress more often than every 0.5 s. */
  statsPeriod: boolean;
  /**
   * The tcp protocol has `-tcp_nodelay`: without it Nagle + delayed ACK add ≈ 40 ms
   * to each step of the RTMP connect/publish exchange (≈ 130 ms to a local nginx).
   */
  tcpNodelay: boolean;
}

function probe(path: string, source: FfmpegInfo["source"]): FfmpegInfo | null {
  try {
    const out = execFileSync(path, ["-hide_banner", "-version"], {
      encoding: "utf8",
      timeout: 5000,
    });
    const version = /ffmpeg version (\S+)/.exec(out)?.[1] ?? "unknown";
    const sdpHelp = execFileSync(path, ["-hide_banner", "-h", "demuxer=sdp"], {
      encoding: "utf8",
      timeout: 5000,
    });
    const filters = execFileSync(path, ["-hide_banner", "-filters"], {
      encoding: "utf8",
      timeout: 5000,
    });
    const options = execFileSync(path, ["-hide_banner", "-h", "long"], {
      encoding: "utf8",
      timeout: 5000,
    });
    const tcpHelp = execFileSync(path, ["-hide_banner", "-h", "protocol=tcp"], {
      encoding: "utf8",
      timeout: 5000,
    });
    return {
      path,
      source,
      version,
      sdpLocalAddr: sdpHelp.includes("-localaddr"),
      sdpListenTimeout: sdpHelp.includes("-listen_timeout"),
      drawtext: / drawtext /.test(filters),
      statsPeriod: options.includes("-stats_period"),
      tcpNodelay: tcpHelp.includes("-tcp_nodelay"),
    };
  } catch {
    return null;
  }
}

/**
 * Finds ffmpeg: `FFMPEG_PATH`, else the system one (Debian 5.1: `-localaddr`
 * support), else the binary inside `@ffmpeg-installer/ffmpeg` (4.1). Null when
 * none runs — the bridge then reports state "ffmpeg-missing".
 */
export function resolveFfmpeg(env: NodeJS.ProcessEnv = process.env): FfmpegInfo | null {
  if (env.FFMPEG_PATH) return probe(env.FFMPEG_PATH, "env");
  for (const p of ["/usr/bin/ffmpeg", "/usr/local/bin/ffmpeg"]) {
    if (existsSync(p)) {
      const info = probe(p, "system");
      if (info) return info;
    }
  }
  try {
    const require = createRequire(import.meta.url);
    const installer = require("@ffmpeg-installer/ffmpeg") as { path: string };
    return probe(installer.path, "npm");
  } catch {
    return null;
  }
}

/** A running ffmpeg with a bounded, redacted stderr tail. */
export interface FfmpegProcess {
  child: ChildProcess;
  /** Resolves with the exit code (or signal) once the process is gone. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Last stderr lines (already redacted by the caller's filter). */
  stderrTail: () => string[];
  /** SIGINT (lets ffmpeg flush the FLV trailer), then SIGKILL after `graceMs`. */
  stop: (graceMs?: number) => Promise<void>;
  /**
   * SIGKILL at once, for an ffmpeg that has nothing to flush. An output ffmpeg still
   * probing its input must go this way: on SIGINT it abandons the probe and goes on
   * to open its output, i.e. connects to the RTMP server on its way out.
   */
  kill: () => Promise<void>;
}

/** Spawns ffmpeg; `redact` is applied to every stderr line before it is kept or logged. */
export function spawnFfmpeg(
  path: string,
  args: string[],
  opts: {
    redact: (s: string) => string;
    onStderr?: (line: string) => void;
    onStdout?: (chunk: string) => void;
  },
): FfmpegProcess {
  const child = spawn(path, args, { stdio: ["ignore", "pipe", "pipe"] });
  const tail: string[] = [];
  let partial = "";
  child.stderr?.setEncoding("utf8");
  child.stderr?.on("data", (chunk: string) => {
    const lines = (partial + chunk).split(/\r?\n|\r/);
    partial = lines.pop() ?? "";
    for (const raw of lines) {
      if (!raw.trim()) continue;
      const line = opts.redact(raw);
      tail.push(line);
      if (tail.length > 30) tail.shift();
      opts.onStderr?.(line);
    }
  });
  child.stdout?.setEncoding("utf8");
  child.stdout?.on("data", (c: string) => opts.onStdout?.(c));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once("exit", (code, signal) => resolve({ code, signal }));
    child.once("error", () => resolve({ code: -1, signal: null }));
  });
  let stopping: Promise<void> | null = null;
  const stop = (graceMs = 3000): Promise<void> => {
    if (stopping) return stopping;
    stopping = (async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGINT");
      // After setup, ffmpeg's I/O interrupt callback only fires from the
      // *second* signal (received_nb_signals > transcode_init_done): an input
      // that went silent keeps it blocked in a read. A second SIGINT still
      // exits cleanly (trailer written); the third would hard-exit.
      const second = setTimeout(() => child.kill("SIGINT"), Math.min(300, graceMs / 2));
      const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
      await exited;
      clearTimeout(second);
      clearTimeout(timer);
    })();
    return stopping;
  };
  const kill = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    await exited;
  };
  return { child, exited, stderrTail: () => [...tail], stop, kill };
}
