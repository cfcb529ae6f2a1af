import type { BridgeHealth } from "../protocol/bridge.ts";
import { snakeCase } from "../protocol/bridge.ts";
import { type IngestPolicy, STREAM_ERRORS } from "../protocol/ingest.ts";
import type { CallsPull } from "./calls-pull.ts";
import type { FfmpegInfo } from "./ffmpeg.ts";
import { HttpError } from "./http.ts";
import { checkIngest, type LookupAll } from "./ingest.ts";
import type { Logger } from "./log.ts";
import { allocateFreeBlock, PortAllocator } from "./ports.ts";
import { redactUrl } from "./redact.ts";
import { ClassSession, type IngestVerdict } from "./session.ts";
import type { WhipPublisher } from "./whip.ts";

/** What the registry needs from the bridge's configuration. */
export interface SessionRegistryOptions {
  ffmpeg: FfmpegInfo | null;
  rtpPortMin: number;
  rtpPortMax: number;
  ingest: IngestPolicy;
  lookup?: LookupAll;
  stallMs?: number;
  fillerMaxMs?: number;
  backoffMaxMs?: number;
  log: Logger;
}

/**
 * The bridge's class sessions and what hangs off them (WHIP publishers, Calls pulls, the
 * loopback port blocks): created once per class even when requests race, and deleted with
 * everything they hold.
 */
export class SessionRegistry {
  readonly sessions = new Map<string, ClassSession>();
  readonly publishers = new Map<string, WhipPublisher>();
  /** Production ingest: one pull from Calls per class (classId → pull). */
  readonly pulls = new Map<string, CallsPull>();
  private readonly creating = new Map<string, Promise<ClassSession>>();
  private readonly ports: PortAllocator;
  private readonly opts: SessionRegistryOptions;
  /** Called with a session's class id once it is deleted. */
  onDeleted: ((classId: string) => void) | null = null;

  constructor(opts: SessionRegistryOptions) {
    this.opts = opts;
    this.ports = new PortAllocator(opts.rtpPortMin, opts.rtpPortMax);
  }

  /** Allowlist + resolved addresses of an RTMP destination (ingest.ts). */
  readonly ingestVerdict = (rtmpUrl: string): Promise<IngestVerdict> =>
    checkIngest(rtmpUrl, this.opts.ingest, this.opts.lookup);

  /** Health of every session (protocol/bridge.ts). */
  health(): BridgeHealth {
    const f = this.opts.ffmpeg;
    return {
      ok: f !== null,
      state: f ? "ok" : "ffmpeg-missing",
      ffmpeg: f ? { path: f.path, source: f.source, version: f.version } : null,
      sessions: [...this.sessions.values()].map((s) => s.health()),
    };
  }

  /**
   * The class's session with `rtmpUrl` as its target (an existing one is retargeted).
   * Refuses a destination that is not allowed (400) or cannot be resolved (502).
   */
  async getOrCreate(
    classId: string,
    rtmpUrl: string,
    log: Logger = this.opts.log,
  ): Promise<{ s: ClassSession; created: boolean }> {
    const ffmpeg = this.opts.ffmpeg;
    if (!ffmpeg)
      throw new HttpError(503, "ffmpeg_missing", "ffmpeg is not installed on the bridge");
    await this.assertIngest(classId, rtmpUrl, log);
    const existing = this.sessions.get(classId) ?? (await this.creating.get(classId));
    if (existing) {
      existing.setRtmpUrl(rtmpUrl);
      return { s: existing, created: false };
    }
    const p = this.create(classId, rtmpUrl, ffmpeg, log);
    this.creating.set(classId, p);
    try {
      return { s: await p, created: true };
    } finally {
      this.creating.delete(classId);
    }
  }

  /** Deletes the class's session with its publishers and pull; false when there is none. */
  async delete(classId: string): Promise<boolean> {
    const s = this.sessions.get(classId);
    if (!s) return false;
    this.sessions.delete(classId);
    for (const [id, p] of this.publishers) {
      if (p.classId === classId) {
        this.publishers.delete(id);
        await p.close();
      }
    }
    await this.pulls.get(classId)?.close();
    this.pulls.delete(classId);
    await s.close();
    this.ports.release(s.portBase);
    this.onDeleted?.(classId);
    this.opts.log("session_deleted", { classId });
    return true;
  }

  /** Deletes every session. */
  async closeAll(): Promise<void> {
    for (const id of [...this.sessions.keys()]) await this.delete(id);
  }

  private async assertIngest(classId: string, rtmpUrl: string, log: Logger): Promise<void> {
    const v = await this.ingestVerdict(rtmpUrl);
    if (v.ok) return;
    log("ingest_refused", {
      classId,
      rtmp: redactUrl(rtmpUrl),
      category: v.category,
      detail: v.detail,
    });
    throw new HttpError(
      v.category === "ingest-not-allowed" ? 400 : 502,
      snakeCase(v.category),
      STREAM_ERRORS[v.category],
    );
  }

  private async create(
    classId: string,
    rtmpUrl: string,
    ffmpeg: FfmpegInfo,
    log: Logger,
  ): Promise<ClassSession> {
    const base = await allocateFreeBlock(this.ports);
    if (base === null) throw new HttpError(503, "no_ports", "RTP port range exhausted");
    const s = new ClassSession({
      classId,
      rtmpUrl,
      ffmpeg,
      portBase: base,
      log,
      stallMs: this.opts.stallMs,
      fillerMaxMs: this.opts.fillerMaxMs,
      backoffMaxMs: this.opts.backoffMaxMs,
      checkIngest: this.ingestVerdict,
    });
    try {
      await s.open();
    } catch (err) {
      this.ports.release(base);
      await s.close();
      throw err;
    }
    this.sessions.set(classId, s);
    s.onWarmExpired = () => {
      if (this.sessions.get(classId) === s && !s.publisher) void this.delete(classId);
    };
    log("session_created", { classId, rtmp: redactUrl(rtmpUrl), portBase: base });
    return s;
  }
}
