/**
 * A real local RTMP server for development and tests (docs/architecture.md, local
 * mode): nginx + libnginx-mod-rtmp when installed, else node-media-server as a
 * library. Both bind 127.0.0.1 only and require a secret to publish. Playback:
 * HTTP-FLV (mpegts.js, ~1 s behind) at `playbackUrl`; nginx also writes HLS.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { createRequire } from "node:module";
import { createServer as createNetServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { resolveFfmpeg } from "./ffmpeg.ts";

/** A running local RTMP server. */
export interface LocalRtmpServer {
  kind: "nginx" | "node-media-server";
  /** Publish URL for the default stream, key included (a secret like YouTube's). */
  rtmpUrl: string;
  /** HTTP-FLV playback URL for the default stream. */
  playbackUrl: string;
  /** HLS playlist (nginx only). */
  hlsUrl: string | null;
  /** Plain RTMP play URL (loopback only), for ffprobe/ffmpeg in tests. */
  playRtmpUrl: string;
  /** URLs for another stream name. */
  urlsFor: (stream: string) => { rtmpUrl: string; playbackUrl: string; playRtmpUrl: string };
  /** RTMP port. */
  port: number;
  pid: number | null;
  /**
   * Publishes the server accepted and ended, in order (nginx `on_publish` /
   * `on_publish_done`; empty for node-media-server). Tests read when a push began and ended.
   */
  publishEvents: { kind: "publish" | "publish_done"; at: number }[];
  stop: () => Promise<void>;
}

/** Options for {@link startLocalRtmpServer}. */
export interface LocalRtmpOptions {
  stream?: string;
  /** RTMP port; 0 picks a free one. */
  port?: number;
  /** HTTP port for playback; 0 picks a free one. */
  httpPort?: number;
  /** Publish secret; random when omitted. */
  secret?: string;
  prefer?: "nginx" | "node-media-server";
  /**
   * Record every publish server-side into this directory (nginx: one
   * `<stream>-<unix time>.flv` per publish, so the file count is the number of
   * times a publisher connected). Tests use it to see exactly what the server got.
   */
  recordDir?: string;
}

const NGINX_MODULE = "/usr/lib/nginx/modules/ngx_rtmp_module.so";

/** Finds a free TCP port on 127.0.0.1. */
export async function freeTcpPort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const s = createNetServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

function findNginx(): string | null {
  for (const p of ["/usr/sbin/nginx", "/usr/bin/nginx", "/usr/local/sbin/nginx"]) {
    if (existsSync(p) && existsSync(NGINX_MODULE)) return p;
  }
  return null;
}

/** Starts the best available local RTMP server. */
export async function startLocalRtmpServer(opts: LocalRtmpOptions = {}): Promise<LocalRtmpServer> {
  const nginx = findNginx();
  if (nginx && opts.prefer !== "node-media-server") return startNginx(nginx, opts);
  return startNodeMediaServer(opts);
}

async function waitForTcp(port: number, timeoutMs: number): Promise<void> {
  const { connect } = await import("node:net");
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, "127.0.0.1");
      s.once("connect", () => {
        s.destroy();
        resolve(true);
      });
      s.once("error", () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`RTMP server did not listen on ${port}`);
}

/**
 * HTTP side shared by both flavours for nginx: publish auth callback
 * (nginx `on_publish`) and HTTP-FLV playback (one `ffmpeg -c copy` per viewer,
 * which is fine for a dev machine) plus the HLS directory.
 */
function startNginxHttpSide(o: {
  httpPort: number;
  rtmpPort: number;
  secret: string;
  hlsDir: string;
  events: LocalRtmpServer["publishEvents"];
}): Promise<{ server: Server; viewers: Set<ChildProcess> }> {
  const ffmpeg = resolveFfmpeg();
  const viewers = new Set<ChildProcess>();
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    res.setHeader("Access-Control-Allow-Origin", "*");
    if (req.method === "POST" && url.pathname === "/on_publish") {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const form = new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
        const ok =
          form.get("key") === o.secret && (req.socket.remoteAddress ?? "").includes("127.0.0.1");
        if (ok) o.events.push({ kind: "publish", at: Date.now() });
        res.writeHead(ok ? 200 : 403).end();
      });
      return;
    }
    if (req.method === "POST" && url.pathname === "/on_publish_done") {
      req.resume();
      req.on("end", () => {
        o.events.push({ kind: "publish_done", at: Date.now() });
        res.writeHead(200).end();
      });
      return;
    }
    const flv = /^\/live\/([\w-]{1,64})\.flv$/.exec(url.pathname);
    if (req.method === "GET" && flv && ffmpeg) {
      const child = spawn(
        ffmpeg.path,
        [
          "-nostdin",
          "-hide_banner",
          "-loglevel",
          "error",
          "-i",
          `rtmp://127.0.0.1:${o.rtmpPort}/live/${flv[1]}`,
          "-c",
          "copy",
          "-f",
          "flv",
          "-flvflags",
          "no_duration_filesize",
          "pipe:1",
        ],
        { stdio: ["ignore", "pipe", "ignore"] },
      );
      viewers.add(child);
      res.writeHead(200, { "Content-Type": "video/x-flv", "Cache-Control": "no-store" });
      child.stdout.pipe(res);
      const end = (): void => {
        if (child.exitCode === null) child.kill("SIGKILL");
      };
      res.on("close", end);
      child.on("exit", () => {
        viewers.delete(child);
        res.end();
      });
      return;
    }
    res.writeHead(404).end();
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(o.httpPort, "127.0.0.1", () => resolve({ server, viewers }));
  });
}

async function startNginx(nginx: string, opts: LocalRtmpOptions): Promise<LocalRtmpServer> {
  const port = opts.port || (await freeTcpPort());
  const httpPort = opts.httpPort || (await freeTcpPort());
  const authPort = httpPort;
  const nginxHttpPort = await freeTcpPort();
  const secret = opts.secret ?? randomBytes(12).toString("hex");
  const stream = opts.stream ?? "class";
  const dir = mkdtempSync(join(tmpdir(), "mc-rtmp-"));
  const hlsDir = join(dir, "hls");
  mkdirSync(hlsDir);
  for (const d of ["client_body", "proxy", "fastcgi", "uwsgi", "scgi"]) mkdirSync(join(dir, d));
  const conf = `
load_module ${NGINX_MODULE};
daemon off;
master_process off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 256; }
rtmp {
  server {
    listen 127.0.0.1:${port};
    chunk_size 4096;
    application live {
      live on;${opts.recordDir ? "" : "\n      record off;"}
      # A player that joins mid-GOP starts at the next keyframe, video first
      # (otherwise it gets P-frames it cannot decode and a burst of 0 timestamps).
      wait_key on;
      wait_video on;${
        opts.recordDir
          ? `
      record all;
      record_path ${opts.recordDir};
      record_unique on;
      record_suffix .flv;`
          : ""
      }
      on_publish http://127.0.0.1:${authPort}/on_publish;
      on_publish_done http://127.0.0.1:${authPort}/on_publish_done;
      allow play 127.0.0.1;
      deny play all;
      hls on;
      hls_path ${hlsDir};
      hls_fragment 1s;
      hls_playlist_length 6s;
    }
  }
}
http {
  access_log off;
  client_body_temp_path ${dir}/client_body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  types { application/vnd.apple.mpegurl m3u8; video/mp2t ts; }
  server {
    listen 127.0.0.1:${nginxHttpPort};
    location /hls/ {
      alias ${hlsDir}/;
      add_header Access-Control-Allow-Origin *;
      add_header Cache-Control no-cache;
    }
  }
}
`;
  writeFileSync(join(dir, "nginx.conf"), conf);
  const publishEvents: LocalRtmpServer["publishEvents"] = [];
  const side = await startNginxHttpSide({
    httpPort,
    rtmpPort: port,
    secret,
    hlsDir,
    events: publishEvents,
  });
  const child = spawn(
    nginx,
    ["-p", dir, "-c", join(dir, "nginx.conf"), "-e", join(dir, "error.log")],
    {
      stdio: ["ignore", "ignore", "pipe"],
    },
  );
  let stderr = "";
  child.stderr?.on("data", (c: Buffer) => {
    stderr += c.toString();
  });
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  try {
    await Promise.race([
      waitForTcp(port, 5000),
      exited.then(() => {
        throw new Error(`nginx exited: ${stderr.slice(0, 500)}`);
      }),
    ]);
  } catch (err) {
    child.kill("SIGKILL");
    side.server.close();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const urlsFor = (s: string) => ({
    rtmpUrl: `rtmp://127.0.0.1:${port}/live/${s}?key=${secret}`,
    playbackUrl: `http://127.0.0.1:${httpPort}/live/${s}.flv`,
    playRtmpUrl: `rtmp://127.0.0.1:${port}/live/${s}`,
  });
  return {
    kind: "nginx",
    ...urlsFor(stream),
    hlsUrl: `http://127.0.0.1:${nginxHttpPort}/hls/${stream}.m3u8`,
    urlsFor,
    port,
    pid: child.pid ?? null,
    publishEvents,
    stop: async () => {
      for (const v of side.viewers) v.kill("SIGKILL");
      if (child.exitCode === null && child.signalCode === null) {
        // SIGTERM = fast shutdown (SIGQUIT would wait for RTMP clients to leave).
        child.kill("SIGTERM");
        const t = setTimeout(() => child.kill("SIGKILL"), 2000);
        await exited;
        clearTimeout(t);
      }
      side.server.closeAllConnections();
      await new Promise<void>((r) => side.server.close(() => r()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function startNodeMediaServer(opts: LocalRtmpOptions): Promise<LocalRtmpServer> {
  const port = opts.port || (await freeTcpPort());
  const httpPort = opts.httpPort || (await freeTcpPort());
  const secret = opts.secret ?? randomBytes(12).toString("hex");
  const stream = opts.stream ?? "class";
  const dir = mkdtempSync(join(tmpdir(), "mc-nms-"));
  const require = createRequire(import.meta.url);
  const NodeMediaServer = require("node-media-server") as new (
    config: Record<string, unknown>,
  ) => {
    run: () => Promise<void>;
    stop: () => Promise<void>;
    on: (
      ev: string,
      fn: (s: { streamQuery?: Record<string, string>; close: () => void }) => void,
    ) => void;
  };
  const nms = new NodeMediaServer({
    bind: "127.0.0.1",
    rtmp: { port },
    http: { port: httpPort },
    // Publish auth by a plain `?key=` (checked in prePublish below) rather than
    // NMS's signed URLs, so the URL works as a `{classId}` template like nginx's.
    auth: { publish: false, play: false },
    record: opts.recordDir ? { auto: true, path: opts.recordDir } : { auto: false },
    store: { path: join(dir, "data") },
    webadmin: { enable: false },
  });
  try {
    // NMS forces its logger to "debug" in the constructor.
    (require("node-media-server/src/core/logger.js") as { level: string }).level = "warn";
  } catch {
    // logger path moved: only noisier output
  }
  nms.on("prePublish", (session) => {
    if (session.streamQuery?.key !== secret) session.close();
  });
  await nms.run();
  await waitForTcp(port, 5000);
  const urlsFor = (s: string) => ({
    rtmpUrl: `rtmp://127.0.0.1:${port}/live/${s}?key=${secret}`,
    playbackUrl: `http://127.0.0.1:${httpPort}/live/${s}.flv`,
    playRtmpUrl: `rtmp://127.0.0.1:${port}/live/${s}`,
  });
  return {
    kind: "node-media-server",
    ...urlsFor(stream),
    hlsUrl: null,
    urlsFor,
    port,
    pid: null,
    publishEvents: [],
    stop: async () => {
      await nms.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

// `node bridge/rtmp-server.ts` runs one for manual development.
if (import.meta.url === `file://${process.argv[1]}`) {
  const s = await startLocalRtmpServer({ port: Number(process.env.RTMP_PORT) || 0 });
  process.stdout.write(
    `${JSON.stringify({ kind: s.kind, rtmpUrl: s.rtmpUrl, playbackUrl: s.playbackUrl, hlsUrl: s.hlsUrl })}\n`,
  );
  const stop = (): void => void s.stop().then(() => process.exit(0));
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}
