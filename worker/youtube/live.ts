/**
 * One click per class: going live with a connected channel creates (or reuses) the
 * class's broadcast and the teacher's reusable stream, binds them, and hands the bridge
 * the RTMPS ingest from the stream's `cdn.ingestionInfo`; ending completes the broadcast.
 */
import { and, eq, isNull } from "drizzle-orm";
import type { YouTubeLiveView } from "../../protocol/youtube.ts";
import { workerConfig } from "../config.ts";
import { getDb, schema } from "../db/index.ts";
import type { ClassRow, YouTubeAccountRow } from "../db/schema.ts";
import { errorMessage, logEvent } from "../log.ts";
import { loadAccount, withYouTube } from "./account.ts";
import { type LiveBroadcast, type LiveStream, type YouTubeApi, YouTubeError } from "./api.ts";
import { type YouTubeConfig, youtubeConfig } from "./config.ts";
import type { Fetch } from "./oauth.ts";

/** Broadcast states a new go-live can still use (anything but complete / revoked). */
const REUSABLE = new Set(["created", "ready", "testStarting", "testing", "liveStarting", "live"]);

/** The YouTube side of a class when it goes through the teacher's channel, else null. */
export interface YouTubeClassContext {
  cfg: YouTubeConfig;
  account: YouTubeAccountRow;
  fetch: Fetch;
}

/**
 * Whether this class streams through the teacher's connected channel: the feature is
 * configured, the class's teacher has connected, and the class has no manual stream key
 * (a key typed in the class settings wins: the teacher chose that target).
 */
export async function youtubeContext(
  env: Env,
  cls: ClassRow,
  fetch: Fetch = globalThis.fetch.bind(globalThis),
): Promise<YouTubeClassContext | null> {
  const cfg = youtubeConfig(workerConfig(env));
  if (!cfg || cls.streamKeyCipher) return null;
  const account = await loadAccount(env, cls.teacherId);
  return account ? { cfg, account, fetch } : null;
}

/** YouTube titles: 1–100 characters, no `<` or `>`. */
function ytText(text: string, max: number): string {
  return text.replace(/[<>]/g, "").trim().slice(0, max);
}

/** The RTMPS ingest (`rtmpsIngestionAddress` + `streamName`) of a stream. */
function rtmpsTarget(stream: LiveStream): { rtmpUrl: string; streamKey: string } {
  const info = stream.cdn?.ingestionInfo;
  if (!info?.rtmpsIngestionAddress || !info.streamName) {
    throw new YouTubeError("error", "", 502, "YouTube gave the stream no RTMPS ingestion address.");
  }
  return { rtmpUrl: info.rtmpsIngestionAddress, streamKey: info.streamName };
}

async function ensureStream(
  env: Env,
  api: YouTubeApi,
  account: YouTubeAccountRow,
): Promise<LiveStream> {
  if (account.streamId) {
    const existing = await api.getStream(account.streamId);
    if (existing) return existing;
  }
  const created = await api.insertStream("Mass Class (720p30)");
  // Two go-lives at once may both create one; the first stored wins, the other is unused.
  const won = await getDb(env)
    .update(schema.youtubeAccounts)
    .set({ streamId: created.id, updatedAt: Date.now() })
    .where(
      account.streamId
        ? and(
            eq(schema.youtubeAccounts.userId, account.userId),
            eq(schema.youtubeAccounts.streamId, account.streamId),
          )
        : and(
            eq(schema.youtubeAccounts.userId, account.userId),
            isNull(schema.youtubeAccounts.streamId),
          ),
    )
    .returning({ streamId: schema.youtubeAccounts.streamId });
  if (won.length > 0) return created;
  const row = await loadAccount(env, account.userId);
  return (row?.streamId && (await api.getStream(row.streamId))) || created;
}

async function ensureBroadcast(
  env: Env,
  api: YouTubeApi,
  cls: ClassRow,
  cfg: Pick<YouTubeConfig, "privacy" | "madeForKids">,
): Promise<LiveBroadcast> {
  if (cls.youtubeBroadcastId) {
    const existing = await api.getBroadcast(cls.youtubeBroadcastId);
    if (existing && REUSABLE.has(existing.status?.lifeCycleStatus ?? "")) return existing;
  }
  const now = Date.now();
  const start = Math.max(cls.scheduledStart ?? now, now);
  const created = await api.insertBroadcast({
    title: ytText(cls.title, 100) || "Mass Class",
    description: ytText(cls.description, 5000),
    scheduledStartTime: new Date(start).toISOString(),
    privacyStatus: cfg.privacy,
    madeForKids: cfg.madeForKids,
    latencyPreference: cls.latencyMode,
  });
  const won = await getDb(env)
    .update(schema.classes)
    .set({ youtubeBroadcastId: created.id, updatedAt: now })
    .where(
      cls.youtubeBroadcastId
        ? and(
            eq(schema.classes.id, cls.id),
            eq(schema.classes.youtubeBroadcastId, cls.youtubeBroadcastId),
          )
        : and(eq(schema.classes.id, cls.id), isNull(schema.classes.youtubeBroadcastId)),
    )
    .returning({ id: schema.classes.id });
  if (won.length > 0) return created;
  // Another request stored its broadcast first: use that one.
  const row = await getDb(env).query.classes.findFirst({ where: eq(schema.classes.id, cls.id) });
  const theirs = row?.youtubeBroadcastId ? await api.getBroadcast(row.youtubeBroadcastId) : null;
  return theirs ?? created;
}

/** What the bridge needs, and the video id students now play. */
export interface YouTubeTarget {
  rtmpUrl: string;
  streamKey: string;
  broadcastId: string;
}

/**
 * Create or reuse the class's broadcast and the teacher's stream, bind them, and
 * return the RTMPS ingest. Students get the broadcast's id as the class's video id.
 */
export function prepareBroadcast(
  env: Env,
  ctx: YouTubeClassContext,
  cls: ClassRow,
): Promise<YouTubeTarget> {
  return withYouTube(env, ctx.cfg, ctx.fetch, ctx.account, async (api) => {
    const stream = await ensureStream(env, api, ctx.account);
    const broadcast = await ensureBroadcast(env, api, cls, ctx.cfg);
    if (broadcast.contentDetails?.boundStreamId !== stream.id) {
      await api.bind(broadcast.id, stream.id);
    }
    // The broadcast id is the video id students play, once it is bound and can go live.
    if (cls.youtubeVideoId !== broadcast.id) {
      await getDb(env)
        .update(schema.classes)
        .set({ youtubeVideoId: broadcast.id, updatedAt: Date.now() })
        .where(eq(schema.classes.id, cls.id));
    }
    return { ...rtmpsTarget(stream), broadcastId: broadcast.id };
  });
}

/** The teacher ended: move the broadcast to `complete` (already complete is fine). */
export async function completeBroadcast(
  env: Env,
  ctx: YouTubeClassContext,
  cls: ClassRow,
): Promise<boolean> {
  const id = cls.youtubeBroadcastId;
  if (!id) return false;
  return withYouTube(env, ctx.cfg, ctx.fetch, ctx.account, async (api) => {
    try {
      await api.transition(id, "complete");
    } catch (err) {
      if (err instanceof YouTubeError && err.kind === "redundant_transition") return true;
      throw err;
    }
    return true;
  });
}

/**
 * The class's stream ended (Stop, or the bridge ended the session): complete its YouTube
 * broadcast if it went live. Never throws — a YouTube failure must not fail the stop; it
 * is logged, and the studio's status poll still shows the broadcast live.
 */
export async function endClassBroadcast(env: Env, classId: string): Promise<void> {
  const cls = await getDb(env).query.classes.findFirst({ where: eq(schema.classes.id, classId) });
  const ctx = cls?.youtubeBroadcastId ? await youtubeContext(env, cls).catch(() => null) : null;
  if (!cls?.youtubeBroadcastId || !ctx) return;
  const id = cls.youtubeBroadcastId;
  try {
    await withYouTube(env, ctx.cfg, ctx.fetch, ctx.account, async (api) => {
      // A list costs 1 quota unit, a transition 50: only end what is on air. A broadcast
      // that never received anything stays ready and is reused by the next go-live.
      const lc = (await api.getBroadcast(id))?.status?.lifeCycleStatus;
      if (lc !== "live" && lc !== "liveStarting" && lc !== "testing") return;
      try {
        await api.transition(id, "complete");
      } catch (err) {
        if (!(err instanceof YouTubeError) || err.kind !== "redundant_transition") throw err;
      }
    });
  } catch (err) {
    logEvent({ event: "youtube_complete_failed", classId, message: errorMessage(err) });
  }
}

/**
 * YouTube's view of the class's broadcast and stream. When the stream is active but the
 * broadcast has not moved to live (auto-start did not fire), move it now.
 */
export async function liveView(
  env: Env,
  ctx: YouTubeClassContext,
  cls: ClassRow,
): Promise<YouTubeLiveView | null> {
  const id = cls.youtubeBroadcastId;
  if (!id) return null;
  return withYouTube(env, ctx.cfg, ctx.fetch, ctx.account, async (api) => {
    const broadcast = await api.getBroadcast(id);
    const streamId = broadcast?.contentDetails?.boundStreamId ?? ctx.account.streamId;
    const stream = streamId ? await api.getStream(streamId) : null;
    let lifeCycleStatus = broadcast?.status?.lifeCycleStatus ?? null;
    if (
      broadcast &&
      stream?.status?.streamStatus === "active" &&
      (lifeCycleStatus === "ready" ||
        lifeCycleStatus === "created" ||
        lifeCycleStatus === "testing")
    ) {
      try {
        const moved = await api.transition(id, "live");
        lifeCycleStatus = moved.status?.lifeCycleStatus ?? "liveStarting";
      } catch (err) {
        // Not ready yet, or auto-start beat us to it: the next poll sees the truth.
        if (
          !(err instanceof YouTubeError) ||
          (err.kind !== "invalid_transition" && err.kind !== "redundant_transition")
        )
          throw err;
      }
    }
    const health = stream?.status?.healthStatus;
    return {
      broadcastId: id,
      lifeCycleStatus,
      streamStatus: stream?.status?.streamStatus ?? null,
      healthStatus: health?.status ?? null,
      configurationIssues: (health?.configurationIssues ?? []).map((i) => ({
        type: String(i.type ?? ""),
        severity: String(i.severity ?? ""),
        reason: String(i.reason ?? ""),
        description: String(i.description ?? ""),
      })),
    };
  });
}
