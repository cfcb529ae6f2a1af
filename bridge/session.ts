import { randomInt } from "node:crypto";
import type { Socket } from "node:dgram";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BridgeSessionState, SessionHealth } from "../protocol/bridge.ts";
import type { StreamErrorCategory } from "../protocol/ingest.ts";
import { type FfmpegInfo, type FfmpegProcess, spawnFfmpeg } from "./ffmpeg.ts";
import { NAL_IDR, NAL_PPS, NAL_SPS, nalUnitsInPayload, parseSps, type SpsInfo } from "./h264.ts";
import type { CheckedIngest } from "./ingest.ts";
import { LateMediaFilter } from "./late-media.ts";
import type { Logger } from "./log.ts";
import { outputArgs } from "./output-args.ts";
import { type Backoff, type OutputAction, outputProc } from "./output-core.ts";
import { bindUdp, udpPortsBound } from "./ports.ts";
import { redactText, redactUrl, urlSecrets } from "./redact.ts";
import { type RtmpRelay, startRtmpRelay } from "./rtmp-relay.ts";
import {
  buildSenderReport,
  ntpNow,
  OutputTrack,
  parseRtpHeader,
  rtpPayload,
  type SenderReport,
} from "./rtp.ts";
import { buildFfmpegSdp } from "./sdp.ts";
import * as core from "./session-core.ts";
import { type MediaKind, SILENCE, SLATE, type StartupMark } from "./session-core.ts";
import {
  encodeSlate,
  OPUS_FRAME_TICKS,
  OPUS_SILENCE,
  packetizeH264,
  rtpPacket,
  type SlateClip,
} from "./slate.ts";
import * as source from "./source-core.ts";
import * as stream from "./stream-core.ts";

export type { MediaKind, StartupMark };

/** Where a class's stream goes and how the session behaves. */
export interface SessionOptions {
  classId: string;
  /** Full RTMP(S) URL including the stream key. Secret. */
  rtmpUrl: string;
  ffmpeg: FfmpegInfo;
  /** First port of this session's loopback block (see ports.ts). */
  portBase: number;
  log: Logger;
  /** No teacher video for this long → filler slate. */
  stallMs?: number;
  /**
   * Grace for a teacher who vanished without a word (tab crashed, network gone): the
   * slate covers this long, then the push ends (default 2 min). A teacher who stops
   * (WHIP DELETE) ends the push at once: {@link ClassSession.stop}.
   */
  fillerMaxMs?: number;
  /** Slate caption. */
  slateText?: string;
  /** Restart backoff. */
  backoffInitialMs?: number;
  backoffMaxMs?: number;
  /**
   * Allowlist + resolved addresses (ingest.ts `checkIngest`): asked before every start of
   * the output ffmpeg, and again by its RTMP relay when it connects, which then connects
   * to the addresses this approved.
   */
  checkIngest: (url: string) => Promise<IngestVerdict>;
}

/** What {@link SessionOptions.checkIngest} answers. */
export type IngestVerdict =
  | { ok: true; ingest: CheckedIngest }
  | { ok: false; category: StreamErrorCategory; detail: string };

/** The teacher's side as the session sees it (implemented by the WHIP publisher). */
export interface PublisherHandle {
  id: string;
  requestKeyframe: () => void;
  close: () => void;
}

/** Session state, as reported in health (protocol/bridge.ts). */
export type SessionState = BridgeSessionState;

/** Health of one class session (GET /health, health callback; protocol/bridge.ts). */
export type { SessionHealth };

const VIDEO_PT = 96;
const AUDIO_PT = 111;

/** A filler's frame pacing: when its loop started and how many frames it has sent. */
interface Pacing {
  startedAt: number;
  sent: number;
  seq: number;
}

/** The slate's pacing, and the ticks of head start its frames have given back so far. */
interface SlatePacing extends Pacing {
  gained: number;
}

/**
 * One class's output: the long-lived RTMP publish (one output ffmpeg copying
 * H.264 and encoding AAC) fed over loopback RTP by whichever source is live —
 * the teacher, or the filler slate while the teacher's media stalls. See
 * docs/decisions/010-bridge-media-path.md. The state machine is `session-core.ts`;
 * this shell owns the processes, sockets, timers and RTP rewriting and runs its effects.
 *
 * Why ~760 lines: the I/O the cores cannot do lives here together — the output ffmpeg's
 * start sequence (ports, SDP, relay), rewriting each RTP packet onto the output's
 * timeline, and pacing the slate's and the silence's frames against the wall clock. The
 * pacing (≈150 lines) is the next part to move out, into its own module beside slate.ts.
 */
export class ClassSession {
  readonly classId: string;
  readonly portBase: number;
  private readonly opts: Required<Omit<SessionOptions, "classId" | "portBase">>;
  private c: core.SessionCore<PublisherHandle, FfmpegProcess> = core.initialSession();
  private readonly video = new OutputTrack({
    ssrc: randomInt(1, 2 ** 31),
    payloadType: VIDEO_PT,
    clockRate: 90000,
    // One 30 fps frame: never two video frames in one FLV millisecond across a switch.
    minStepTicks: 3000,
  });
  private readonly audio = new OutputTrack({
    ssrc: randomInt(1, 2 ** 31),
    payloadType: AUDIO_PT,
    clockRate: 48000,
  });
  private send: Socket | null = null;
  private readonly tmpDir: string;
  private restartTimer: NodeJS.Timeout | null = null;
  private warmTimer: NodeJS.Timeout | null = null;
  private tickTimer: NodeJS.Timeout | null = null;
  private mediaTickTimer: NodeJS.Timeout | null = null;
  /** The slate, encoded once per picture size (null until the teacher's first SPS). */
  private slate: SlateClip | null = null;
  private slateEncoding: string | null = null;
  private slatePlay: SlatePacing | null = null;
  private silencePlay: Pacing | null = null;
  private lateVideo: LateMediaFilter | null = null;
  private lateAudio: LateMediaFilter | null = null;
  private sps: Uint8Array | null = null;
  private pps: Uint8Array | null = null;
  private spsInfo: SpsInfo | null = null;
  /** Teacher payload bytes of the last 2 s (inbound bitrate). */
  private bytesWindow: { at: number; bytes: number }[] = [];
  /** Called once when the session ends by itself (filler limit). */
  onEnded: (() => void) | null = null;
  /** Called when a prepared session's warm ffmpeg expired unused (the server drops the session). */
  onWarmExpired: (() => void) | null = null;

  constructor(opts: SessionOptions) {
    this.classId = opts.classId;
    this.portBase = opts.portBase;
    this.opts = {
      rtmpUrl: opts.rtmpUrl,
      ffmpeg: opts.ffmpeg,
      log: opts.log,
      stallMs: opts.stallMs ?? 1000,
      fillerMaxMs: opts.fillerMaxMs ?? 2 * 60_000,
      slateText: opts.slateText ?? "Teacher reconnecting...",
      backoffInitialMs: opts.backoffInitialMs ?? 500,
      backoffMaxMs: opts.backoffMaxMs ?? 10_000,
      checkIngest: opts.checkIngest,
    };
    this.tmpDir = mkdtempSync(join(tmpdir(), "mc-bridge-"));
  }

  /** Binds the loopback socket; call once before use. */
  async open(): Promise<void> {
    this.send = await bindUdp(0);
    this.tickTimer = setInterval(() => this.onTick(Date.now()), 100);
    // Slate frames (15 fps) and silence (20 ms frames) are paced from here.
    this.mediaTickTimer = setInterval(() => this.onMediaTick(Date.now()), 20);
  }

  /** The redacted RTMP target. */
  get rtmp(): string {
    return redactUrl(this.opts.rtmpUrl);
  }

  /** Replaces the RTMP target; takes effect at the next (re)start of the output. */
  setRtmpUrl(url: string): void {
    if (url === this.opts.rtmpUrl) return;
    this.opts.rtmpUrl = url;
    void this.stopOutput();
  }

  /** The publisher currently attached, if any. */
  get publisher(): PublisherHandle | null {
    return core.publisher(this.c);
  }

  /** True when the teacher's video has not arrived for 5 s. */
  publisherStalled(now = Date.now()): boolean {
    return core.publisherStalled(this.c, now);
  }

  /** Attaches the teacher; returns the sink its tracks write into. */
  attachPublisher(p: PublisherHandle): {
    onRtp: (kind: MediaKind, pkt: Uint8Array) => void;
    onSenderReport: (kind: MediaKind, sr: SenderReport) => void;
  } {
    const key = `teacher:${p.id}`;
    // Audio older than 200 ms has had its slot filled with silence already; video older
    // than 500 ms is a frozen picture the viewer has seen go by.
    this.lateVideo = new LateMediaFilter({ clockRate: 90000, maxLateMs: 1000 });
    this.lateAudio = new LateMediaFilter({ clockRate: 48000, maxLateMs: 200 });
    this.step(core.attach(this.c, p, Date.now()));
    return {
      onRtp: (kind, pkt) => this.onTeacherRtp(key, kind, pkt),
      // ffmpeg gets the bridge's own SR before each track's first packet (forward),
      // never the teacher's: one arriving after the first packets re-mapped that track
      // by the audio/video offset, non-monotonic DTS 1 s into every stream (issue 14).
      onSenderReport: () => {},
    };
  }

  /**
   * Warm start: spawns the output ffmpeg before any media, so it is listening
   * when the teacher's first IDR arrives (spawning it on the first SPS cost that
   * IDR and 0.2–1.8 s of process start under load; decision 010). The server
   * calls it as soon as a publish request looks valid, attach calls it again.
   * An idle warm ffmpeg costs no CPU; it never connects to RTMP before media.
   */
  warm(): void {
    this.step(core.warm(this.c));
  }

  /**
   * The studio is getting ready to go live (sources chosen, Go live not pressed
   * yet): spawn the output ffmpeg now, so its process start (0.2–2 s on a busy
   * 2-core box) is over before the WHIP POST. If no publisher attaches within
   * `ttlMs` the warm ffmpeg is stopped and {@link onWarmExpired} fires; calling
   * again re-arms the expiry (idempotent). A warm ffmpeg blocks reading its RTP
   * ports: it opens no RTMP connection before media arrives. Returns false (and
   * does nothing) when the session is already carrying a stream.
   */
  prepare(ttlMs: number): boolean {
    const step = core.prepare(this.c, ttlMs, Date.now());
    this.step(step);
    return step.ok;
  }

  /** Epoch ms when an unused warm ffmpeg will be stopped (null: no expiry armed). */
  get warmUntil(): number | null {
    return this.c.warm.kind === "armed" ? this.c.warm.until : null;
  }

  /** Records a startup milestone of publisher `id` (first one of each name counts). */
  markStartup(id: string | null, mark: StartupMark, now = Date.now()): void {
    this.step(core.markStartup(this.c, id, mark, now));
  }

  /**
   * The teacher stopped (Stop, End stream, the studio closing: WHIP DELETE or the
   * Calls pull deleted): detach them and end the RTMP push now — no slate, which is
   * for a teacher who vanished without a word. The session stays: a new publisher
   * starts a new push. Resolves once ffmpeg has flushed and exited (≤ ~1 s).
   */
  async stop(reason: string): Promise<void> {
    if (this.c.life.kind === "closed") return;
    this.step(core.stopRequested(this.c, reason));
    await this.endOutput(1000);
    this.step(core.stopSettled(this.c));
  }

  /** Detaches a publisher (WHIP DELETE or ICE failure); the filler covers until one returns. */
  detachPublisher(id: string, close = false): void {
    this.step(core.detach(this.c, id, close));
  }

  /** PIDs of ffmpeg processes this session runs (tests check nothing leaks). */
  pids(): number[] {
    return [this.output?.child.pid].filter((p): p is number => typeof p === "number");
  }

  /** Current health snapshot. */
  health(now = Date.now()): SessionHealth {
    const bytes = this.bytesWindow.reduce((a, b) => a + b.bytes, 0);
    const span = this.bytesWindow.length > 1 ? Math.max(500, now - this.bytesWindow[0]!.at) : 2000;
    return core.health(this.c, now, {
      classId: this.classId,
      rtmp: this.rtmp,
      bitrateKbps: Math.round((bytes * 8) / span),
      video: this.spsInfo
        ? {
            width: this.spsInfo.width,
            height: this.spsInfo.height,
            profileLevelId: this.spsInfo.profileLevelId,
          }
        : null,
    });
  }

  /** Stops everything and frees the sockets. */
  async close(): Promise<void> {
    if (this.c.life.kind === "closed") return;
    this.step(core.close(this.c));
    if (this.tickTimer) clearInterval(this.tickTimer);
    if (this.restartTimer) clearTimeout(this.restartTimer);
    if (this.mediaTickTimer) clearInterval(this.mediaTickTimer);
    await this.stopOutput();
    for (const s of [this.send]) {
      if (s) await new Promise<void>((r) => s.close(() => r()));
    }
    this.send = null;
    rmSync(this.tmpDir, { recursive: true, force: true });
  }

  /** The running (or parking) output ffmpeg. */
  private get output(): FfmpegProcess | null {
    return outputProc(this.c.output);
  }

  private get tuning(): core.SessionTuning {
    return {
      stallMs: this.opts.stallMs,
      fillerMaxMs: this.opts.fillerMaxMs,
      backoff: this.backoff,
    };
  }

  private get backoff(): Backoff {
    return { initialMs: this.opts.backoffInitialMs, maxMs: this.opts.backoffMaxMs };
  }

  /** Takes the core's next state and runs its effects, in order. */
  private step(step: core.SessionStep<PublisherHandle, FfmpegProcess>, now = Date.now()): void {
    this.c = step.next;
    for (const fx of step.effects) this.run(fx, now);
  }

  private run(fx: core.SessionEffect<PublisherHandle>, now: number): void {
    switch (fx.kind) {
      case "log":
        this.opts.log(fx.event, { classId: this.classId, ...fx.fields });
        return;
      case "output":
        this.runOutputAction(fx.action);
        return;
      case "stop-output":
        void this.stopOutput(fx.graceMs);
        return;
      case "request-keyframe":
        fx.publisher.requestKeyframe();
        return;
      case "close-publisher":
        fx.publisher.close();
        return;
      case "arm-warm-timer": {
        this.clearWarmTimer();
        const ttlMs = fx.ttlMs;
        this.warmTimer = setTimeout(() => {
          this.warmTimer = null;
          this.step(core.warmTimerFired(this.c, ttlMs));
        }, ttlMs);
        return;
      }
      case "clear-warm-timer":
        this.clearWarmTimer();
        return;
      case "warm-expired":
        this.onWarmExpired?.();
        return;
      case "switch-track": {
        const track = fx.track === "video" ? this.video : this.audio;
        track.switchTo(fx.to, fx.adjustTicks, fx.resumeTicks, fx.dropOverlap);
        if (fx.track === "video")
          this.slatePlay =
            fx.to === SLATE
              ? { startedAt: now, sent: 0, seq: this.slatePlay?.seq ?? 0, gained: 0 }
              : null;
        else
          this.silencePlay =
            fx.to === SILENCE
              ? {
                  startedAt: now + (fx.adjustTicks * 1000) / 48000,
                  sent: 0,
                  seq: this.silencePlay?.seq ?? 0,
                }
              : null;
        return;
      }
      case "silence-backfill":
        if (this.silencePlay) this.silencePlay.startedAt -= fx.frames * 20;
        this.playSilence(now);
        return;
      case "fillers-paused":
        this.slatePlay = null;
        this.silencePlay = null;
        return;
      case "prepare-slate":
        this.prepareSlate();
        return;
      case "ended":
        this.onEnded?.();
        return;
      default:
        fx satisfies never;
    }
  }

  /** Runs what the output lifecycle (output-core.ts) asks for. */
  private runOutputAction(action: OutputAction): void {
    switch (action.kind) {
      case "none":
        return;
      case "start":
        void this.startOutput();
        return;
      case "restart-in":
        this.opts.log("restart_scheduled", {
          classId: this.classId,
          delayMs: action.delayMs,
          restarts: this.c.output.restarts,
        });
        this.restartTimer = setTimeout(() => {
          this.restartTimer = null;
          this.step(stream.restartDue(this.c));
        }, action.delayMs);
        return;
      case "cancel-restart":
        if (this.restartTimer) clearTimeout(this.restartTimer);
        this.restartTimer = null;
        return;
      case "stop":
        void this.stopOutput();
        return;
      default:
        action satisfies never;
    }
  }

  private clearWarmTimer(): void {
    if (this.warmTimer) clearTimeout(this.warmTimer);
    this.warmTimer = null;
  }

  private onTeacherRtp(key: string, kind: MediaKind, pkt: Uint8Array): void {
    if (!core.acceptsTeacher(this.c, key)) return;
    const now = Date.now();
    const h = parseRtpHeader(pkt);
    if (!h) return;
    const payload = rtpPayload(pkt, h);
    // Chrome keeps sending padding-only packets (BWE probes) when the track
    // stops; they are not media and must not hold off the slate.
    if (payload.length === 0) return;
    this.bytesWindow.push({ at: now, bytes: payload.length });
    const late = kind === "video" ? this.lateVideo : this.lateAudio;
    if (late && !late.accept(h.timestamp, now)) {
      this.step(source.lateDropped(this.c, kind, now), now);
      return;
    }
    if (kind === "audio") {
      const step = source.teacherAudio(this.c, key, now, this.audio.resumeAhead(key, h.timestamp));
      this.step(step, now);
      if (step.forward) this.forward(key, "audio", pkt, now);
      return;
    }
    let hasSps = false;
    let hasIdr = false;
    for (const n of nalUnitsInPayload(payload)) {
      if (n.type === NAL_SPS && n.data) {
        hasSps = true;
        this.sps = Uint8Array.from(n.data);
        try {
          this.spsInfo = parseSps(this.sps);
        } catch {
          // keep the previous size; the slate just uses a default
        }
      } else if (n.type === NAL_PPS && n.data) {
        this.pps = Uint8Array.from(n.data);
      } else if (n.type === NAL_IDR) {
        hasIdr = true;
      }
    }
    const step = source.teacherVideo(this.c, key, now, {
      hasSps,
      hasIdr,
      keyStart: hasSps || hasIdr,
      paramsKnown: this.sps !== null && this.pps !== null,
      track: { since: this.video.ticksSinceLast(now), last: this.video.lastTimestamp },
      resumeAhead: this.video.resumeAhead(key, h.timestamp),
    });
    this.step(step, now);
    if (!step.forward) return;
    const sent = this.forward(key, "video", pkt, now);
    if (sent && step.keyframeOut) this.c = source.keyframeSent(this.c, this.video.lastTimestamp);
  }

  private forward(key: string, kind: MediaKind, pkt: Uint8Array, now: number): boolean {
    const track = kind === "video" ? this.video : this.audio;
    const out = track.rewrite(key, pkt, now);
    if (!out) return false;
    // Each track's timeline starts on the wall clock, told to ffmpeg before its first
    // packet: audio and video line up from the first frame, and ffmpeg never re-maps a
    // track it has started on its own (ffmpeg's SR handling: rtpdec.c, rtsp.c).
    if (source.needsSenderReport(this.c, kind)) {
      const sr = buildSenderReport({
        ssrc: track.ssrc,
        ntpSeconds: ntpNow(now),
        rtpTimestamp: parseRtpHeader(out)!.timestamp,
        packetCount: 0,
        octetCount: 0,
      });
      if (this.sendToOutput(kind, sr, true)) this.c = source.senderReportSent(this.c, kind);
    }
    return this.sendToOutput(kind, out, false);
  }

  private sendToOutput(kind: MediaKind, buf: Uint8Array, rtcp: boolean): boolean {
    if (!this.send || !this.output || this.c.feed.port !== "listening") return false;
    this.c = source.fed(this.c, Date.now());
    const port = this.portBase + (kind === "video" ? 0 : 2) + (rtcp ? 1 : 0);
    this.send.send(buf, port, "127.0.0.1", () => {
      // Errors (ffmpeg restarting, port closed) are expected; the packet is lost.
    });
    return true;
  }

  private onMediaTick(now: number): void {
    const step = source.mediaTick(this.c, now, this.tuning, {
      slateReady: this.slate !== null,
      video: { since: this.video.ticksSinceLast(now), last: this.video.lastTimestamp },
      videoLastOutAt: this.video.lastOutAt,
      audioSince: this.audio.ticksSinceLast(now),
    });
    this.step(step, now);
    if (!step.pace) return;
    if (this.c.video.kind === "slate") this.playSlate(now);
    if (this.c.audio.kind === "silence") this.playSilence(now);
  }

  private playSlate(now: number): void {
    const clip = this.slate;
    const play = this.slatePlay;
    if (!clip || !play) return;
    const n = clip.frames.length;
    const feed = this.c.feed;
    if (feed.port === "listening" && feed.keyframeFedAt === null && play.sent % n !== 0) {
      // A new ffmpeg (restart): its first video must be the slate's SPS + IDR.
      play.sent += n - (play.sent % n);
      this.video.switchTo(SLATE);
    }
    const ticks = 90000 / clip.fps;
    const due = Math.floor(((now - play.startedAt) * clip.fps) / 1000) + 1;
    while (play.sent < due) {
      if (play.sent > 0) {
        const caught = source.slateFrameCatchUp(this.c, ticks);
        this.c = caught.next;
        play.gained += caught.step;
      }
      const index = play.sent % n;
      const payloads = packetizeH264(clip.frames[index]!);
      let sent = false;
      payloads.forEach((payload, i) => {
        const pkt = rtpPacket({
          payloadType: VIDEO_PT,
          seq: play.seq++,
          timestamp: Math.round(play.sent * ticks + play.gained),
          ssrc: 1,
          marker: i === payloads.length - 1,
          payload,
        });
        sent = this.forward(SLATE, "video", pkt, now) || sent;
      });
      if (sent && index === 0)
        this.c = source.slateKeyframeSent(this.c, now, this.video.lastTimestamp);
      play.sent++;
    }
  }

  private playSilence(now: number): void {
    const play = this.silencePlay;
    if (!play) return;
    const due = Math.floor((now - play.startedAt) / 20) + 1;
    while (play.sent < due) {
      const pkt = rtpPacket({
        payloadType: AUDIO_PT,
        seq: play.seq++,
        timestamp: play.sent * OPUS_FRAME_TICKS,
        ssrc: 2,
        marker: false,
        payload: OPUS_SILENCE,
      });
      this.forward(SILENCE, "audio", pkt, now);
      play.sent++;
    }
  }

  /** Encodes the slate at the teacher's picture size, once per size (~0.2 s of ffmpeg). */
  private prepareSlate(): void {
    const width = evenSize(this.spsInfo?.width ?? 1280);
    const height = evenSize(this.spsInfo?.height ?? 720);
    const size = `${width}x${height}`;
    if (this.slateEncoding === size) return;
    if (this.slate && this.slate.width === width && this.slate.height === height) return;
    this.slateEncoding = size;
    const f = this.opts.ffmpeg;
    encodeSlate({
      ffmpegPath: f.path,
      width,
      height,
      text: this.opts.slateText,
      drawtext: f.drawtext,
    })
      .then((clip) => {
        if (this.slateEncoding !== size || this.c.life.kind === "closed") return;
        this.slateEncoding = null;
        // Never swap clips under a running loop (its P-frames need their own IDR).
        const onSlate = this.c.video.kind === "slate";
        if (onSlate) this.slatePlay = null;
        this.slate = clip;
        this.opts.log("slate_encoded", { classId: this.classId, size, frames: clip.frames.length });
        if (onSlate) {
          const now = Date.now();
          this.step(
            source.switchVideo(this.c, { kind: "slate" }, now, {
              since: this.video.ticksSinceLast(now),
              last: this.video.lastTimestamp,
            }),
            now,
          );
        }
      })
      .catch((err: unknown) => {
        if (this.slateEncoding === size) this.slateEncoding = null;
        this.opts.log("slate_failed", {
          classId: this.classId,
          message: err instanceof Error ? err.message : String(err),
        });
      });
  }

  private onTick(now: number): void {
    while (this.bytesWindow.length && now - this.bytesWindow[0]!.at > 2000)
      this.bytesWindow.shift();
    this.step(core.tick(this.c, now, this.tuning), now);
  }

  private async startOutput(): Promise<void> {
    if (this.c.life.kind === "closed") return;
    this.c = stream.outputStarting(this.c, this.sps !== null && this.pps !== null);
    // The URL may change (PUT /sessions) while its check resolves: check what runs.
    let rtmpUrl: string;
    let verdict: IngestVerdict;
    do {
      rtmpUrl = this.opts.rtmpUrl;
      verdict = await this.opts.checkIngest(rtmpUrl);
    } while (rtmpUrl !== this.opts.rtmpUrl && this.c.life.kind !== "closed");
    if (core.stopped(this.c)) {
      this.c = stream.startAbandoned(this.c);
      return;
    }
    if (!verdict.ok) {
      this.step(
        stream.ingestRefused(this.c, this.rtmp, verdict.category, verdict.detail, this.backoff),
      );
      return;
    }
    // ffmpeg publishes to a loopback relay that holds the real URL: the stream key is
    // never in ffmpeg's argv (world-readable in /proc/<pid>/cmdline).
    let relay: RtmpRelay;
    try {
      relay = await startRtmpRelay({
        target: rtmpUrl,
        check: () => this.opts.checkIngest(rtmpUrl),
        onPublished: () => {
          this.c = stream.rtmpPublished(this.c);
        },
        onFailure: (category, detail) => {
          this.step(stream.rtmpFailed(this.c, redactUrl(rtmpUrl), category, detail));
        },
      });
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      this.step(stream.relayFailed(this.c, message, this.backoff));
      return;
    }
    if (core.stopped(this.c)) {
      relay.close();
      this.c = stream.startAbandoned(this.c);
      return;
    }
    const sdpPath = join(this.tmpDir, "input.sdp");
    writeFileSync(
      sdpPath,
      buildFfmpegSdp({
        videoPort: this.portBase,
        audioPort: this.portBase + 2,
        videoPayloadType: VIDEO_PT,
        audioPayloadType: AUDIO_PT,
        sps: this.sps,
        pps: this.pps,
      }),
    );
    const f = this.opts.ffmpeg;
    const args = outputArgs(f, sdpPath, relay.url);
    const startedAt = Date.now();
    // ffmpeg never sees the key now, but its log stays redacted like any URL.
    const secrets = [rtmpUrl, ...urlSecrets(rtmpUrl)];
    const proc = spawnFfmpeg(f.path, args, {
      redact: (s) => redactText(s, secrets),
      onStderr: (line) => {
        if (process.env.BRIDGE_TRACE_FFMPEG) this.opts.log("ffmpeg_logged", { line });
      },
      onStdout: (chunk) => this.onProgress(chunk),
    });
    this.step(
      stream.outputSpawned(this.c, proc, startedAt, { rtmp: this.rtmp, pid: proc.child.pid }),
    );
    void this.awaitOutputListening(proc);
    const { code, signal } = await proc.exited;
    relay.close();
    const ranMs = Date.now() - startedAt;
    const tail = proc.stderrTail().slice(-5);
    this.step(stream.outputExited(this.c, proc, { code, signal, ranMs, tail }, this.backoff));
  }

  /**
   * Marks the output ready once its ffmpeg has bound its RTP ports (polling
   * /proc/net/udp; elsewhere a fixed 0.5 s), then asks the teacher for an IDR
   * if one went by while it was starting.
   */
  private async awaitOutputListening(proc: FfmpegProcess): Promise<void> {
    const started = Date.now();
    const ports = [this.portBase, this.portBase + 2];
    while (this.output === proc && this.c.life.kind !== "closed") {
      const bound = udpPortsBound(ports);
      if (bound === null ? Date.now() - started >= 500 : bound) break;
      if (Date.now() - started > 10_000) break; // let the watchdog / exit handling decide
      await new Promise((r) => setTimeout(r, 20));
    }
    this.step(stream.outputListening(this.c, proc, Date.now(), started));
  }

  private onProgress(chunk: string): void {
    const now = Date.now();
    for (const m of chunk.matchAll(/^total_size=(\d+)$/gm))
      this.step(stream.progress(this.c, Number(m[1]), now), now);
  }

  /** Ends the stream (filler limit, stop) and waits for the output to stop. */
  private async endOutput(graceMs?: number): Promise<void> {
    this.step(core.endStream(this.c));
    await this.stopOutput(graceMs);
  }

  /**
   * Stops the output ffmpeg: SIGINT once it has been fed (it flushes the FLV
   * trailer), SIGKILL while it still waits for media — a SIGINT there makes it
   * abandon the probe and connect to the RTMP server on its way out.
   */
  private stopOutput(graceMs?: number): Promise<void> {
    const proc = this.output;
    if (!proc) return Promise.resolve();
    return this.c.feed.fedAt === null ? proc.kill() : proc.stop(graceMs);
  }
}

function evenSize(n: number): number {
  return Math.max(16, n - (n % 2));
}
