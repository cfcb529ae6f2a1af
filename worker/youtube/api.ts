/**
 * A small YouTube Data API v3 client for the Live Streaming resources Mass Class uses:
 * liveBroadcasts (insert, list, bind, transition), liveStreams (insert, list) and the
 * connected channel (channels.list mine=true). Pure: `fetch` and the access token are
 * injected; errors come back as `YouTubeError` with the API's documented reason.
 */
import type { Fetch } from "./oauth.ts";

/** Broadcast life cycle (liveBroadcast `status.lifeCycleStatus`). */
export type LifeCycleStatus =
  | "created"
  | "ready"
  | "testStarting"
  | "testing"
  | "liveStarting"
  | "live"
  | "complete"
  | "revoked";

/** Stream status (liveStream `status.streamStatus`). */
export type StreamStatusValue = "active" | "created" | "error" | "inactive" | "ready";

/** Stream health (liveStream `status.healthStatus.status`). */
export type HealthStatusValue = "good" | "ok" | "bad" | "noData";

/** One entry of `status.healthStatus.configurationIssues`. */
export interface ConfigurationIssue {
  type: string;
  severity: "info" | "warning" | "error" | string;
  reason: string;
  description: string;
}

/** The liveBroadcast fields we read. */
export interface LiveBroadcast {
  id: string;
  snippet?: { title?: string; scheduledStartTime?: string; actualStartTime?: string };
  status?: {
    lifeCycleStatus?: LifeCycleStatus;
    privacyStatus?: string;
    recordingStatus?: string;
    selfDeclaredMadeForKids?: boolean;
  };
  contentDetails?: {
    boundStreamId?: string;
    enableAutoStart?: boolean;
    enableAutoStop?: boolean;
    enableEmbed?: boolean;
    latencyPreference?: string;
  };
}

/** The liveStream fields we read. */
export interface LiveStream {
  id: string;
  snippet?: { title?: string };
  cdn?: {
    ingestionType?: string;
    resolution?: string;
    frameRate?: string;
    ingestionInfo?: {
      streamName?: string;
      ingestionAddress?: string;
      backupIngestionAddress?: string;
      rtmpsIngestionAddress?: string;
      rtmpsBackupIngestionAddress?: string;
    };
  };
  status?: {
    streamStatus?: StreamStatusValue;
    healthStatus?: {
      status?: HealthStatusValue;
      lastUpdateTimeSeconds?: string;
      configurationIssues?: ConfigurationIssue[];
    };
  };
  contentDetails?: { isReusable?: boolean };
}

/** What a teacher can do about a failure, grouped from YouTube's documented reasons. */
export type YouTubeErrorKind =
  /** liveStreamingNotEnabled / livePermissionBlocked / insufficientLivePermissions. */
  | "live_not_enabled"
  /** quotaExceeded / dailyLimitExceeded: the project's daily quota is spent. */
  | "quota"
  /** rateLimitExceeded / userRequestsExceedRateLimit: slow down, retry. */
  | "rate_limited"
  /** invalidTransition / errorStreamInactive: the broadcast cannot move to that state now. */
  | "invalid_transition"
  /** redundantTransition: already in that state (callers treat it as success). */
  | "redundant_transition"
  /** 401: the access token expired or was revoked. */
  | "unauthorized"
  /** The grant is gone (refresh answered invalid_grant): the teacher must connect again. */
  | "revoked"
  /** liveBroadcastNotFound / liveStreamNotFound. */
  | "not_found"
  /** Anything else (5xx, network, unexpected shapes). */
  | "error";

/** A failed YouTube API call. */
export class YouTubeError extends Error {
  readonly kind: YouTubeErrorKind;
  /** YouTube's `errors[0].reason`, or "" when there was none. */
  readonly reason: string;
  readonly status: number;
  constructor(kind: YouTubeErrorKind, reason: string, status: number, message: string) {
    super(message);
    this.kind = kind;
    this.reason = reason;
    this.status = status;
  }
}

const REASON_KIND: Record<string, YouTubeErrorKind> = {
  liveStreamingNotEnabled: "live_not_enabled",
  livePermissionBlocked: "live_not_enabled",
  insufficientLivePermissions: "live_not_enabled",
  quotaExceeded: "quota",
  dailyLimitExceeded: "quota",
  rateLimitExceeded: "rate_limited",
  userRequestsExceedRateLimit: "rate_limited",
  invalidTransition: "invalid_transition",
  errorStreamInactive: "invalid_transition",
  redundantTransition: "redundant_transition",
  liveBroadcastNotFound: "not_found",
  liveStreamNotFound: "not_found",
  authError: "unauthorized",
};

/** Map an error response to a `YouTubeError` (reads YouTube's `{error:{errors:[{reason}]}}`). */
export async function toYouTubeError(res: Response): Promise<YouTubeError> {
  const body = (await res.json().catch(() => null)) as {
    error?: { message?: string; errors?: { reason?: string; message?: string }[] };
  } | null;
  const reason = body?.error?.errors?.[0]?.reason ?? "";
  const message =
    body?.error?.message ?? body?.error?.errors?.[0]?.message ?? `YouTube answered ${res.status}.`;
  const kind: YouTubeErrorKind =
    res.status === 401
      ? "unauthorized"
      : (REASON_KIND[reason] ??
        (res.status === 404 ? "not_found" : res.status === 429 ? "rate_limited" : "error"));
  return new YouTubeError(kind, reason, res.status, message);
}

/** What to create a class's broadcast with. */
export interface BroadcastSpec {
  title: string;
  description: string;
  /** ISO 8601; YouTube requires a scheduled start. */
  scheduledStartTime: string;
  privacyStatus: "public" | "unlisted" | "private";
  /** Whether the content is directed at children (COPPA): always declared, from config. */
  madeForKids: boolean;
  latencyPreference: "ultraLow" | "low" | "normal";
}

/** A client bound to one access token. */
export class YouTubeApi {
  private readonly base: string;
  private readonly fetch: Fetch;
  private readonly accessToken: string;
  constructor(base: string, fetch: Fetch, accessToken: string) {
    this.base = base;
    this.fetch = fetch;
    this.accessToken = accessToken;
  }

  private async call<T>(
    method: "GET" | "POST",
    path: string,
    query: Record<string, string>,
    body?: unknown,
  ): Promise<T> {
    const url = `${this.base}${path}?${new URLSearchParams(query).toString()}`;
    const headers: Record<string, string> = {
      authorization: `Bearer ${this.accessToken}`,
      accept: "application/json",
    };
    if (body !== undefined) headers["content-type"] = "application/json";
    let res: Response;
    try {
      res = await this.fetch(url, {
        method,
        headers,
        body: body === undefined ? null : JSON.stringify(body),
      });
    } catch {
      throw new YouTubeError("error", "", 0, "YouTube is not reachable.");
    }
    if (!res.ok) throw await toYouTubeError(res);
    return (await res.json()) as T;
  }

  /** The connected channel (channels.list, mine=true), or null when the account has none. */
  async myChannel(): Promise<{ id: string; title: string } | null> {
    const r = await this.call<{ items?: { id: string; snippet?: { title?: string } }[] }>(
      "GET",
      "/channels",
      { part: "snippet", mine: "true" },
    );
    const ch = r.items?.[0];
    return ch ? { id: ch.id, title: ch.snippet?.title ?? "" } : null;
  }

  /** liveBroadcasts.insert: a broadcast that starts itself when our stream arrives. */
  insertBroadcast(spec: BroadcastSpec): Promise<LiveBroadcast> {
    return this.call<LiveBroadcast>(
      "POST",
      "/liveBroadcasts",
      { part: "id,snippet,status,contentDetails" },
      {
        snippet: {
          title: spec.title,
          description: spec.description,
          scheduledStartTime: spec.scheduledStartTime,
        },
        status: {
          privacyStatus: spec.privacyStatus,
          selfDeclaredMadeForKids: spec.madeForKids,
        },
        contentDetails: {
          latencyPreference: spec.latencyPreference,
          enableEmbed: true,
          // YouTube moves the broadcast to live as soon as our stream is active.
          enableAutoStart: true,
          // Not auto-stop: the slate keeps the stream alive through a teacher's stall,
          // and we send `complete` ourselves when the teacher ends.
          enableAutoStop: false,
          // With DVR the recording is playable right after the class (else up to a day later).
          enableDvr: true,
          recordFromStart: true,
          // No monitor stream: the broadcast can go straight to live, without a testing step.
          monitorStream: { enableMonitorStream: false },
        },
      },
    );
  }

  /** liveBroadcasts.list by id; null when YouTube does not know it (deleted, other channel). */
  async getBroadcast(id: string): Promise<LiveBroadcast | null> {
    const r = await this.call<{ items?: LiveBroadcast[] }>("GET", "/liveBroadcasts", {
      part: "id,snippet,status,contentDetails",
      id,
    });
    return r.items?.[0] ?? null;
  }

  /** liveStreams.insert: a reusable 720p/30 fps RTMP stream. */
  insertStream(title: string): Promise<LiveStream> {
    return this.call<LiveStream>(
      "POST",
      "/liveStreams",
      { part: "id,snippet,cdn,contentDetails,status" },
      {
        snippet: { title },
        cdn: { frameRate: "30fps", ingestionType: "rtmp", resolution: "720p" },
        contentDetails: { isReusable: true },
      },
    );
  }

  /** liveStreams.list by id; null when YouTube does not know it. */
  async getStream(id: string): Promise<LiveStream | null> {
    const r = await this.call<{ items?: LiveStream[] }>("GET", "/liveStreams", {
      part: "id,cdn,status",
      id,
    });
    return r.items?.[0] ?? null;
  }

  /** liveBroadcasts.bind: the broadcast plays what arrives on the stream. */
  bind(broadcastId: string, streamId: string): Promise<LiveBroadcast> {
    return this.call<LiveBroadcast>("POST", "/liveBroadcasts/bind", {
      id: broadcastId,
      streamId,
      part: "id,contentDetails",
    });
  }

  /** liveBroadcasts.transition to `live` or `complete` (`testing` is not used). */
  transition(broadcastId: string, broadcastStatus: "live" | "complete"): Promise<LiveBroadcast> {
    return this.call<LiveBroadcast>("POST", "/liveBroadcasts/transition", {
      broadcastStatus,
      id: broadcastId,
      part: "id,status",
    });
  }
}
