/** Stand-ins for the bridge's unit tests (no media flows). Not used by the bridge itself. */
import type { FfmpegInfo } from "../ffmpeg.ts";
import type { LookupAll } from "../ingest.ts";

/** An "ffmpeg" that exits at once: enough for tests that never get to media. */
export const FAKE_FFMPEG: FfmpegInfo = {
  path: "/bin/false",
  source: "env",
  version: "test",
  sdpLocalAddr: true,
  sdpListenTimeout: true,
  drawtext: false,
  statsPeriod: true,
  tcpNodelay: true,
};

/** Offline: YouTube's ingest hosts "resolve" to a public address. */
export const publicLookup: LookupAll = async () => [{ address: "142.250.74.46", family: 4 }];
