/**
 * The YouTube connection and live status as the studio sees them (`/api/youtube/*`),
 * and the one rule that decides when the studio sounds the alarm. Runtime-neutral:
 * the Worker computes the alarm with it, the web shows it.
 */
import type { StreamHealth } from "./realtime.ts";

/** `GET /api/youtube`: whether the feature is on and this teacher's channel is connected. */
export interface YouTubeConnection {
  /** The deployment has a Google OAuth client (else only the manual stream key works). */
  configured: boolean;
  connected: boolean;
  channelId: string | null;
  channelTitle: string | null;
}

/** YouTube's view of the class's broadcast and the teacher's stream. */
export interface YouTubeLiveView {
  broadcastId: string;
  /** liveBroadcast `status.lifeCycleStatus` (created, ready, testing, liveStarting, live, complete, revoked…). */
  lifeCycleStatus: string | null;
  /** liveStream `status.streamStatus` (active, inactive, ready, created, error). */
  streamStatus: string | null;
  /** liveStream `status.healthStatus.status` (good, ok, bad, noData). */
  healthStatus: string | null;
  /** liveStream `status.healthStatus.configurationIssues`. */
  configurationIssues: { type: string; severity: string; reason: string; description: string }[];
}

/** How loud the studio should be. */
export type AlarmLevel = "ok" | "starting" | "alarm";

/** `GET /api/youtube/classes/:id/status`. */
export interface YouTubeLiveStatus {
  /** Whether this class goes to YouTube through the connected channel. */
  youtube: YouTubeLiveView | null;
  /** Why YouTube could not be asked (quota, revoked access…), or null. */
  youtubeError: { code: string; message: string } | null;
  /** The media bridge's last report (same as `/api/classes/:id/stream-health`). */
  bridge: StreamHealth | null;
  /** The class's stream status (idle | live | ended). */
  stream: string;
  alarm: { level: AlarmLevel; reasons: string[] };
  /** Epoch ms of this answer. */
  at: number;
}

/** A bridge report older than this means the bridge has gone quiet. */
export const BRIDGE_STALE_MS = 15_000;
/** YouTube needs a few seconds after the first bytes to call a stream active. */
export const YOUTUBE_START_GRACE_MS = 30_000;

/**
 * Decide the alarm while a class is live: loud when the bridge is not pushing (or has
 * gone quiet), or YouTube is not receiving (stream not active, health bad, broadcast
 * ended). Inside the grace period after the push started, a missing YouTube signal is
 * only "starting". Not live: always ok.
 */
export function liveAlarm(input: {
  stream: string;
  /** When this live run began (epoch ms), or null if unknown. */
  liveSince?: number | null;
  bridge: StreamHealth | null;
  youtube: YouTubeLiveView | null;
  youtubeError: { message: string } | null;
  now: number;
}): { level: AlarmLevel; reasons: string[] } {
  const { bridge, youtube, now } = input;
  if (input.stream !== "live") return { level: "ok", reasons: [] };
  const reasons: string[] = [];
  let hard = false;
  /** `soft`: expected while the stream is still starting, so not (yet) an alarm. */
  const add = (reason: string, soft = false) => {
    reasons.push(reason);
    if (!soft) hard = true;
  };
  // The grace runs from the bridge's first push, else from going live: a bridge that
  // never manages to push must still sound the alarm once the grace is over.
  const since = bridge?.streamStartedAt ?? input.liveSince ?? null;
  const starting = since === null || now - since < YOUTUBE_START_GRACE_MS;
  if (!bridge) {
    add("The media bridge has not reported yet.", true);
  } else if (now - bridge.at > BRIDGE_STALE_MS) {
    add(`The media bridge has not reported for ${Math.round((now - bridge.at) / 1000)} s.`);
  } else if (!bridge.pushing) {
    add(
      bridge.lastError
        ? `The bridge is not pushing to YouTube: ${bridge.lastError}`
        : "The bridge is not pushing to YouTube.",
      starting && !bridge.lastError,
    );
  }
  if (input.youtubeError) {
    add(`Cannot ask YouTube: ${input.youtubeError.message}`);
  } else if (youtube) {
    const lc = youtube.lifeCycleStatus;
    if (lc === "complete" || lc === "revoked") {
      add(`The YouTube broadcast has ended (${lc}).`);
    } else if (youtube.streamStatus !== "active") {
      add(
        `YouTube is not receiving the stream (stream status: ${youtube.streamStatus ?? "unknown"}).`,
        starting,
      );
    } else if (youtube.healthStatus === "bad") {
      const issues = youtube.configurationIssues
        .filter((i) => i.severity === "error")
        .map((i) => i.description || i.reason);
      add(
        issues.length > 0
          ? `YouTube reports bad stream health: ${issues.join("; ")}`
          : "YouTube reports bad stream health.",
      );
    }
  }
  return { level: hard ? "alarm" : reasons.length > 0 ? "starting" : "ok", reasons };
}
