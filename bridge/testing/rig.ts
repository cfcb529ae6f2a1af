/**
 * The set-up the bridge's media tests share: a health-callback receiver, a local RTMP
 * server recording into a fresh folder, a bridge on loopback allowed to push only there,
 * and the clean-up that checks nothing is left running. Not used by the bridge itself.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type IncomingMessage } from "node:http";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { expect } from "vitest";
import { ingestEndpoint, ingestPolicy } from "../../protocol/ingest.ts";
import { resolveFfmpeg } from "../ffmpeg.ts";
import { createLogger } from "../log.ts";
import { type LocalRtmpServer, startLocalRtmpServer } from "../rtmp-server.ts";
import { type Bridge, type BridgeConfig, startBridge } from "../server.ts";
import { childPids, tmpFile } from "./support.ts";

/** A loopback HTTP server that hands every POSTed JSON body to `onBody` and answers 204. */
export async function startCallbackServer(
  onBody: (body: Record<string, unknown>, req: IncomingMessage) => void,
): Promise<{ url: string; close: () => Promise<void> }> {
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => {
      body += c.toString();
    });
    req.on("end", () => {
      onBody(JSON.parse(body), req);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}/api/bridge/health`,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** The local RTMP server for `stream`, recording every publish into a fresh folder. */
export async function startRecordingRtmp(
  stream: string,
  prefix: string,
): Promise<{ rtmp: LocalRtmpServer; recordDir: string }> {
  const recordDir = mkdtempSync(join(tmpdir(), prefix));
  return { rtmp: await startLocalRtmpServer({ stream, recordDir }), recordDir };
}

/** A bridge on 127.0.0.1 (any port) whose only allowed ingest is `rtmp`. */
export function startTestBridge(
  rtmp: LocalRtmpServer,
  cfg: Pick<BridgeConfig, "secret" | "rtpPortMin" | "rtpPortMax"> & Partial<BridgeConfig>,
): Promise<Bridge> {
  return startBridge({
    host: "127.0.0.1",
    port: 0,
    // One probe per test file where it has one: a probe timing out on a busy machine
    // falls back to another ffmpeg.
    ffmpeg: "ffmpeg" in cfg ? (cfg.ffmpeg ?? null) : resolveFfmpeg(),
    ice: {},
    ingest: ingestPolicy("", ingestEndpoint(rtmp.rtmpUrl)),
    log: createLogger({ quiet: !process.env.BRIDGE_TEST_LOG }),
    ...cfg,
  });
}

/** `PUT /sessions/:classId` with `rtmpUrl` as the target. */
export function putSession(
  bridgeUrl: string,
  secret: string,
  classId: string,
  rtmpUrl: string,
): Promise<Response> {
  return fetch(`${bridgeUrl}/sessions/${classId}`, {
    method: "PUT",
    headers: { Authorization: `Bearer ${secret}`, "Content-Type": "application/json" },
    body: JSON.stringify({ rtmpUrl }),
  });
}

/**
 * Removes the test's temporary files and `dirs`; with `leaks`, asserts that no ffmpeg or
 * nginx child is left running.
 */
export async function cleanUpMedia(dirs: string[], leaks = true): Promise<void> {
  rmSync(dirname(tmpFile("x")), { recursive: true, force: true });
  for (const d of dirs) if (d) rmSync(d, { recursive: true, force: true });
  if (!leaks) return;
  expect(await childPids("ffmpeg")).toEqual([]);
  expect(await childPids("nginx")).toEqual([]);
}
