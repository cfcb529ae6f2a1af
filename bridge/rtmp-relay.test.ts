/**
 * The loopback RTMP relay that keeps the stream key out of ffmpeg's argv (issue 12,
 * point 23): chunk/AMF0 round trips (pure), then a real ffmpeg publishing through it to
 * the local RTMP server, which only accepts the right key.
 */
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createServer as createTlsServer } from "node:tls";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ingestEndpoint, ingestPolicy, type StreamErrorCategory } from "../protocol/ingest.ts";
import { resolveFfmpeg } from "./ffmpeg.ts";
import { checkIngest } from "./ingest.ts";
import {
  ChunkReader,
  ChunkWriter,
  decodeAmf0,
  encodeAmf0,
  type RtmpMessage,
  rewriteCommand,
  rtmpParts,
  startRtmpRelay,
} from "./rtmp-relay.ts";
import { type LocalRtmpServer, startLocalRtmpServer } from "./rtmp-server.ts";

describe("RTMP chunks and AMF0 (pure)", () => {
  it("reassembles what the writer chunked, across chunk-size changes and odd splits", () => {
    const writer = new ChunkWriter();
    const msgs: RtmpMessage[] = [
      { csid: 3, timestamp: 0, typeId: 20, streamId: 0, payload: Buffer.alloc(300, 1) },
      {
        csid: 2,
        timestamp: 0,
        typeId: 1,
        streamId: 0,
        payload: Buffer.from([0, 0, 0x10, 0]), // chunk size 4096
      },
      { csid: 6, timestamp: 40, typeId: 9, streamId: 1, payload: Buffer.alloc(10_000, 7) },
      { csid: 4, timestamp: 0x1000000, typeId: 8, streamId: 1, payload: Buffer.alloc(5000, 3) },
      { csid: 70, timestamp: 5, typeId: 18, streamId: 1, payload: Buffer.alloc(0) },
      { csid: 400, timestamp: 6, typeId: 9, streamId: 1, payload: Buffer.from("x") },
    ];
    const bytes = Buffer.concat(msgs.map((m) => writer.write(m)));
    const reader = new ChunkReader();
    const got: RtmpMessage[] = [];
    for (let i = 0; i < bytes.length; i += 777)
      got.push(...reader.push(bytes.subarray(i, i + 777)));
    expect(got).toEqual(msgs);
  });

  it("follows compressed headers (types 1-3) as ffmpeg writes them", () => {
    // fmt 0 (ts 100), then fmt 2 (delta 40), then fmt 3 (delta again): 100, 140, 180.
    const payload = Buffer.from([1, 2, 3]);
    const fmt0 = Buffer.concat([Buffer.from([0x06, 0, 0, 100, 0, 0, 3, 9, 1, 0, 0, 0]), payload]);
    const fmt2 = Buffer.concat([Buffer.from([0x86, 0, 0, 40]), payload]);
    const fmt3 = Buffer.concat([Buffer.from([0xc6]), payload]);
    const got = new ChunkReader().push(Buffer.concat([fmt0, fmt2, fmt3]));
    expect(got.map((m) => m.timestamp)).toEqual([100, 140, 180]);
    expect(got.every((m) => m.typeId === 9 && m.streamId === 1)).toBe(true);
  });

  it("round-trips AMF0 commands and rewrites only the relay's stand-ins", () => {
    const connect = [
      "connect",
      1,
      {
        app: "relay-abc",
        type: "nonprivate",
        flashVer: "FMLE/3.0",
        tcUrl: "rtmp://127.0.0.1:5/relay-abc",
      },
    ];
    expect(decodeAmf0(encodeAmf0(connect))).toEqual(connect);
    const fake = { tcUrl: "rtmp://127.0.0.1:5/relay-abc", app: "relay-abc", streamName: "n0nce" };
    const real = rtmpParts("rtmps://a.rtmps.youtube.com/live2/abcd-efgh-ijkl");
    expect(real).toEqual({
      tcUrl: "rtmps://a.rtmps.youtube.com:443/live2",
      app: "live2",
      streamName: "abcd-efgh-ijkl",
    });
    expect(rewriteCommand(connect, fake, real)).toEqual([
      "connect",
      1,
      {
        app: "live2",
        type: "nonprivate",
        flashVer: "FMLE/3.0",
        tcUrl: "rtmps://a.rtmps.youtube.com:443/live2",
      },
    ]);
    expect(rewriteCommand(["publish", 5, null, "n0nce", "live"], fake, real)).toEqual([
      "publish",
      5,
      null,
      "abcd-efgh-ijkl",
      "live",
    ]);
    expect(rtmpParts("rtmp://127.0.0.1:1935/live/c1?key=s3cret").streamName).toBe("c1?key=s3cret");
  });
});

const ffmpeg = resolveFfmpeg();

/** ffmpeg publishing 2 s of a tiny test pattern to `url`; resolves with its exit code. */
function publish(url: string, onPid: (pid: number) => void): Promise<number | null> {
  const child = spawn(
    ffmpeg!.path,
    [
      "-hide_banner",
      "-loglevel",
      "error",
      "-re",
      "-f",
      "lavfi",
      "-i",
      "testsrc=size=160x120:rate=15",
      "-t",
      "2",
      "-c:v",
      "libx264",
      "-preset",
      "ultrafast",
      "-g",
      "15",
      "-f",
      "flv",
      url,
    ],
    { stdio: ["ignore", "ignore", "ignore"] },
  );
  onPid(child.pid!);
  return new Promise((r) => child.once("exit", (code) => r(code)));
}

describe("RTMP relay with a real ffmpeg and RTMP server", () => {
  let rtmp: LocalRtmpServer;
  beforeAll(async () => {
    if (!ffmpeg) throw new Error("This test needs ffmpeg (sudo apt-get install -y ffmpeg)");
    rtmp = await startLocalRtmpServer({ stream: "relay" });
  });
  afterAll(async () => {
    await rtmp?.stop();
  });

  const checkFor = (url: string) => () =>
    checkIngest(url, ingestPolicy("", ingestEndpoint(rtmp.rtmpUrl)));

  it("publishes with the key while ffmpeg's command line never holds it", async () => {
    const key = new URL(rtmp.rtmpUrl).searchParams.get("key")!;
    const failures: StreamErrorCategory[] = [];
    let published = false;
    const relay = await startRtmpRelay({
      target: rtmp.rtmpUrl,
      check: checkFor(rtmp.rtmpUrl),
      onFailure: (c) => failures.push(c),
      onPublished: () => {
        published = true;
      },
    });
    try {
      let cmdline = "";
      const code = await publish(relay.url, (pid) => {
        cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8");
      });
      expect(cmdline).toContain(relay.url);
      expect(cmdline).not.toContain(key);
      expect(relay.url).not.toContain(key);
      expect(published).toBe(true);
      expect(failures).toEqual([]);
      expect(code).toBe(0);
    } finally {
      relay.close();
    }
  }, 30_000);

  it("reports a wrong key as stream-key-rejected", async () => {
    const wrong = rtmp.rtmpUrl.replace(/key=[^&]+/, "key=wrong-key");
    const failures: StreamErrorCategory[] = [];
    const relay = await startRtmpRelay({
      target: wrong,
      check: checkFor(wrong),
      onFailure: (c) => failures.push(c),
    });
    try {
      const code = await publish(relay.url, () => {});
      expect(code).not.toBe(0);
      expect(failures).toEqual(["stream-key-rejected"]);
    } finally {
      relay.close();
    }
  }, 30_000);

  it("reports a closed port as ingest-refused, and never connects where the check says no", async () => {
    let connections = 0;
    const spy = createServer((s) => {
      connections++;
      s.destroy();
    });
    await new Promise<void>((r) => spy.listen(0, "127.0.0.1", () => r()));
    const spyPort = (spy.address() as { port: number }).port;
    const closed = await new Promise<number>((r) => {
      const s = createServer();
      s.listen(0, "127.0.0.1", () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => r(p));
      });
    });
    try {
      const refusedUrl = `rtmp://127.0.0.1:${closed}/live/x?key=k`;
      const failures: StreamErrorCategory[] = [];
      const relay = await startRtmpRelay({
        target: refusedUrl,
        check: () => checkIngest(refusedUrl, ingestPolicy("", `127.0.0.1:${closed}`)),
        onFailure: (c) => failures.push(c),
      });
      expect(await publish(relay.url, () => {})).not.toBe(0);
      relay.close();
      expect(failures).toEqual(["ingest-refused"]);

      // The check at connect time fails (e.g. the name now resolves to loopback).
      const scanUrl = `rtmp://127.0.0.1:${spyPort}/x/k`;
      const refusals: StreamErrorCategory[] = [];
      const blocked = await startRtmpRelay({
        target: scanUrl,
        check: () => checkIngest(scanUrl, ingestPolicy()),
        onFailure: (c) => refusals.push(c),
      });
      expect(await publish(blocked.url, () => {})).not.toBe(0);
      blocked.close();
      expect(refusals).toEqual(["ingest-not-allowed"]);
      expect(connections).toBe(0);
    } finally {
      spy.close();
    }
  }, 30_000);

  it("checks the ingest's TLS certificate for rtmps (a self-signed one is refused)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "mc-relay-tls-"));
    execFileSync(
      "openssl",
      [
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
        "-days",
        "1",
        "-subj",
        "/CN=127.0.0.1",
        "-keyout",
        join(dir, "key.pem"),
        "-out",
        join(dir, "cert.pem"),
      ],
      { stdio: "ignore" },
    );
    let sessions = 0;
    const tls = createTlsServer(
      { key: readFileSync(join(dir, "key.pem")), cert: readFileSync(join(dir, "cert.pem")) },
      (s) => {
        sessions++;
        s.destroy();
      },
    );
    tls.on("tlsClientError", () => {});
    await new Promise<void>((r) => tls.listen(0, "127.0.0.1", () => r()));
    const port = (tls.address() as { port: number }).port;
    const url = `rtmps://127.0.0.1:${port}/live/k`;
    const failures: StreamErrorCategory[] = [];
    const relay = await startRtmpRelay({
      target: url,
      check: () => checkIngest(url, ingestPolicy("", `127.0.0.1:${port}`)),
      onFailure: (c) => failures.push(c),
    });
    try {
      expect(await publish(relay.url, () => {})).not.toBe(0);
      expect(failures).toEqual(["ingest-tls-failed"]);
      expect(sessions).toBe(0);
    } finally {
      relay.close();
      tls.close();
    }
  }, 30_000);
});
