import { randomInt } from "node:crypto";
import { createSocket, type Socket } from "node:dgram";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BridgeSessionState, SessionHealth } from "../protocol/bridge.ts";
import { STREAM_ERRORS, type StreamErrorCategory } from "../protocol/ingest.ts";
import { type FfmpegInfo, type FfmpegProcess, spawnFfmpeg } from "./ffmpeg.ts";
import { NAL_IDR, NAL_PPS, NAL_SPS, nalUnitsInPayload, parseSps, type SpsInfo } from "./h264.ts";
import type { CheckedIngest } from "./ingest.ts";
import { LateMediaFilter } from "./late-media.ts";
import type { Logger } from "./log.ts";
import { initialPliState, onKeyframe, onPliSent, type PliState, pliDue } from "./pli-scheduler.ts";
import { redactText, redactUrl, urlSecrets } from "./redact.ts";
import { type RtmpRelay, startRtmpRelay } from "./rtmp-relay.ts";
import { OutputTrack, parseRtpHeader, rtpPayload, type SenderReport } from "./rtp.ts";
import { buildFfmpegSdp } from "./sdp.ts";
import * as core from "./session-core.ts";
import {
  encodeSlate,
  OPUS_FRAME_TICKS,
  OPUS_SILENCE,
  packetizeH264,
  rtpPacket,
  type SlateClip,
} from "./slate.ts";

/** Media kinds the bridge forwards. */
export type MediaKind = "video" | "audio";

/**
 * Milestones from a publisher's attach to the first RTMP output (ms after attach),
 * logged once as `startup_measured` — where the WHIP POST → first frame time goes.
 */
export type StartupMark =
  | "iceConnected"
  | "connected"
  | "firstAudioRtp"
  | "firstVideoRtp"
  | "firstSps"
  | "firstIdr"
  | "ffmpegSpawned"
  | "ffmpegReady"
  | "firstForwardedKeyframe"
  | "firstOutput";

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
/** Source key of the in-memory slate (video) and of the made-up silence (audio). */
const SLATE = "slate";
const SILENCE = "silence";
/** Teacher audio missing this long → silence fills in (the output never has an audio hole). */
const AUDIO_GAP_MS = 60;
/** Keyframes in the output stay at most this far apart across a switch into the slate. */
const MAX_KEYFRAME_GAP_TICKS = 1.9 * 90000;

/**
 * One class's output: the long-lived RTMP publish (one output ffmpeg copying
 * H.264 and encoding AAC) fed over loopback RTP by whichever source is live —
 * the teacher, or the filler slate while the teacher's media stalls. See
 * docs/decisions/010-bridge-media-path.md.
 */
export class ClassSession {
  readonly classId: string;
  readonly portBase: number;
  #opts: Required<Omit<SessionOptions, "classId" | "portBase">>;
  #video = new OutputTrack({
    ssrc: randomInt(1, 2 ** 31),
    payloadType: VIDEO_PT,
    clockRate: 90000,
  });
  #audio = new OutputTrack({
    ssrc: randomInt(1, 2 ** 31),
    payloadType: AUDIO_PT,
    clockRate: 48000,
  });
  #send: Socket | null = null;
  #tmpDir: string;
  /** The output ffmpeg's lifecycle (session-core.ts). */
  #out: core.OutputLifecycle<FfmpegProcess> = core.initialOutput();
  /** Armed while the output is in its backoff phase. */
  #restartTimer: NodeJS.Timeout | null = null;
  /** The output ffmpeg has bound its RTP ports: packets sent now reach it. */
  #outputReady = false;
  /** The output was started with SPS/PPS in its SDP (sprop-parameter-sets). */
  #outputHasSprop = false;
  /** When the current output was first fed a keyframe start (null: not yet). */
  #keyframeFedAt: number | null = null;
  /** When the current output was first fed anything (the watchdog counts from here). */
  #outputFedAt: number | null = null;
  /** The slate, encoded once per picture size (null until the teacher's first SPS). */
  #slate: SlateClip | null = null;
  #slateEncoding: string | null = null;
  /** The slate loop: when it started and how many frames it has sent. */
  #slatePlay: { startedAt: number; sent: number; seq: number } | null = null;
  #silencePlay: { startedAt: number; sent: number; seq: number } | null = null;
  /** How far the output's video timeline runs behind the wall clock (slate started early). */
  #videoLagTicks = 0;
  /** Output timestamp of the last keyframe forwarded (null: none since this ffmpeg started). */
  #lastKeyOutTs: number | null = null;
  #fillerSince: number | null = null;
  #lastTeacherAudioAt: number | null = null;
  #lateVideo: LateMediaFilter | null = null;
  #lateAudio: LateMediaFilter | null = null;
  #lateDropped = 0;
  #lateLoggedAt = 0;
  /**
   * A late video packet was dropped: the frames after it reference what is missing, so
   * video waits for the next keyframe (asked for at once) instead of feeding the decoder
   * a broken picture.
   */
  #videoNeedsKeyframe = false;
  #videoKeyframeAskedAt = 0;
  #mediaTick: NodeJS.Timeout | null = null;
  /** Tracks whose sender report the current ffmpeg has had. */
  #srSent = new Set<MediaKind>();
  #publisher: PublisherHandle | null = null;
  #teacherKey: string | null = null;
  #sps: Uint8Array | null = null;
  #pps: Uint8Array | null = null;
  #spsInfo: SpsInfo | null = null;
  #pli: PliState = initialPliState();
  #lastTeacherVideoAt: number | null = null;
  #lastKeyframeAt: number | null = null;
  #stallStartedAt: number | null = null;
  #tick: NodeJS.Timeout | null = null;
  #lastProgressAt: number | null = null;
  #lastTotalSize = 0;
  #outputStartedAt: number | null = null;
  #streamStartedAt: number | null = null;
  #bytesWindow: { at: number; bytes: number }[] = [];
  #lastError: string | null = null;
  #startup: {
    publisherId: string;
    at: number;
    marks: Partial<Record<StartupMark, number>>;
  } | null = null;
  #ended = false;
  #closed = false;
  /** Armed by {@link prepare}: stops an unused warm ffmpeg. */
  #warmTimer: NodeJS.Timeout | null = null;
  #warmUntil: number | null = null;
  /** Called once when the session ends by itself (filler limit). */
  onEnded: (() => void) | null = null;
  /** Called when a prepared session's warm ffmpeg expired unused (the server drops the session). */
  onWarmExpired: (() => void) | null = null;

  constructor(opts: SessionOptions) {
    this.classId = opts.classId;
    this.portBase = opts.portBase;
    this.#opts = {
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
    this.#video.shareClockOffsets(this.#audio);
    this.#tmpDir = mkdtempSync(join(tmpdir(), "mc-bridge-"));
  }

  /** Binds the loopback socket; call once before use. */
  async open(): Promise<void> {
    this.#send = await bindUdp(0);
    this.#tick = setInterval(() => this.#onTick(Date.now()), 100);
    // Slate frames (15 fps) and silence (20 ms frames) are paced from here.
    this.#mediaTick = setInterval(() => this.#onMediaTick(Date.now()), 20);
  }

  /** The redacted RTMP target. */
  get rtmp(): string {
    return redactUrl(this.#opts.rtmpUrl);
  }

  /** Replaces the RTMP target; takes effect at the next (re)start of the output. */
  setRtmpUrl(url: string): void {
    if (url === this.#opts.rtmpUrl) return;
    this.#opts.rtmpUrl = url;
    void this.#stopOutput();
  }

  /** The publisher currently attached, if any. */
  get publisher(): PublisherHandle | null {
    return this.#publisher;
  }

  /** True when the teacher's video has not arrived for the stall threshold. */
  publisherStalled(now = Date.now()): boolean {
    return this.#lastTeacherVideoAt === null || now - this.#lastTeacherVideoAt > 5000;
  }

  /** Attaches the teacher; returns the sink its tracks write into. */
  attachPublisher(p: PublisherHandle): {
    onRtp: (kind: MediaKind, pkt: Uint8Array) => void;
    onSenderReport: (kind: MediaKind, sr: SenderReport) => void;
  } {
    if (this.#publisher) this.detachPublisher(this.#publisher.id, true);
    this.#publisher = p;
    const key = `teacher:${p.id}`;
    this.#teacherKey = key;
    // Audio older than 200 ms has had its slot filled with silence already; video older
    // than 500 ms is a frozen picture the viewer has seen go by.
    this.#lateVideo = new LateMediaFilter({ clockRate: 90000, maxLateMs: 500 });
    this.#lateAudio = new LateMediaFilter({ clockRate: 48000, maxLateMs: 200 });
    this.#pli = initialPliState();
    this.#ended = false;
    this.#clearWarmTimer();
    this.#startup =
      this.#streamStartedAt === null ? { publisherId: p.id, at: Date.now(), marks: {} } : null;
    this.#opts.log("publisher_attached", { classId: this.classId, publisherId: p.id });
    this.warm();
    return {
      onRtp: (kind, pkt) => this.#onTeacherRtp(key, kind, pkt),
      onSenderReport: (kind, sr) => {
        // One SR per track per ffmpeg lines audio up with video; after that ffmpeg
        // follows the RTP timestamps the bridge writes. Each later SR would re-map them
        // to the sender's clock, and across the slate and silence (whose timing the
        // bridge sets) that showed as non-monotonic DTS.
        if (this.#srSent.has(kind)) return;
        const track = kind === "video" ? this.#video : this.#audio;
        const out = track.translateSenderReport(key, key, sr, Date.now());
        if (out && this.#sendToOutput(kind, out, true)) this.#srSent.add(kind);
      },
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
    this.#outputStep(core.warm(this.#out, this.#closed || this.#ended));
  }

  /** The running (or parking) output ffmpeg. */
  get #output(): FfmpegProcess | null {
    return core.outputProc(this.#out);
  }

  /** Applies an output transition and runs what it asks for. */
  #outputStep(step: core.OutputStep<FfmpegProcess>): void {
    this.#out = step.next;
    const action = step.action;
    switch (action.kind) {
      case "none":
        return;
      case "start":
        void this.#startOutput();
        return;
      case "restart-in":
        this.#opts.log("restart_scheduled", {
          classId: this.classId,
          delayMs: action.delayMs,
          restarts: this.#out.restarts,
        });
        this.#restartTimer = setTimeout(() => {
          this.#restartTimer = null;
          this.#outputStep(core.restartDue(this.#out, this.#closed || this.#ended));
        }, action.delayMs);
        return;
      case "cancel-restart":
        if (this.#restartTimer) clearTimeout(this.#restartTimer);
        this.#restartTimer = null;
        return;
      case "stop":
        void this.#stopOutput();
        return;
      default:
        action satisfies never;
    }
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
    if (this.#closed || this.#ended || this.#publisher || this.#outputFedAt !== null) return false;
    this.#clearWarmTimer();
    this.#warmTimer = setTimeout(() => this.#warmExpired(ttlMs), ttlMs);
    this.#warmUntil = Date.now() + ttlMs;
    this.warm();
    return true;
  }

  /** Epoch ms when an unused warm ffmpeg will be stopped (null: no expiry armed). */
  get warmUntil(): number | null {
    return this.#warmUntil;
  }

  #clearWarmTimer(): void {
    if (this.#warmTimer) clearTimeout(this.#warmTimer);
    this.#warmTimer = null;
    this.#warmUntil = null;
  }

  #warmExpired(ttlMs: number): void {
    this.#warmTimer = null;
    this.#warmUntil = null;
    if (this.#closed || this.#publisher || this.#outputFedAt !== null) return;
    this.#opts.log("warm_expired", { classId: this.classId, ttlMs });
    this.#outputStep(core.warmExpired(this.#out));
    this.onWarmExpired?.();
  }

  /** Records a startup milestone of publisher `id` (first one of each name counts). */
  markStartup(id: string | null, mark: StartupMark, now = Date.now()): void {
    const s = this.#startup;
    if (!s || (id !== null && s.publisherId !== id) || s.marks[mark] !== undefined) return;
    s.marks[mark] = now - s.at;
    if (mark === "firstOutput") {
      this.#opts.log("startup_measured", {
        classId: this.classId,
        publisherId: s.publisherId,
        ...s.marks,
      });
      this.#startup = null;
    }
  }

  /**
   * The teacher stopped (Stop, End stream, the studio closing: WHIP DELETE or the
   * Calls pull deleted): detach them and end the RTMP push now — no slate, which is
   * for a teacher who vanished without a word. The session stays: a new publisher
   * starts a new push. Resolves once ffmpeg has flushed and exited (≤ ~1 s).
   */
  async stop(reason: string): Promise<void> {
    if (this.#closed) return;
    const p = this.#publisher;
    if (p) this.detachPublisher(p.id, true);
    this.#clearWarmTimer();
    this.#out = core.forgetWarmUp(this.#out);
    this.#opts.log("session_stopped", { classId: this.classId, reason });
    await this.#endOutput(1000);
    // Idle again, not ended: the studio may prepare and go live anew (and a warm
    // ffmpeg must then wait for the teacher, not get the slate).
    if (!this.#closed && !this.#publisher) {
      this.#ended = false;
      this.#outputFedAt = null;
      this.#video.switchTo(null);
      this.#audio.switchTo(null);
      this.#slatePlay = null;
      this.#silencePlay = null;
      this.#fillerSince = null;
    }
  }

  /** Detaches a publisher (WHIP DELETE or ICE failure); the filler covers until one returns. */
  detachPublisher(id: string, close = false): void {
    if (this.#publisher?.id !== id) return;
    const p = this.#publisher;
    this.#publisher = null;
    if (this.#teacherKey) {
      this.#video.forgetGroup(this.#teacherKey);
    }
    this.#teacherKey = null;
    this.#lastTeacherVideoAt = null;
    this.#lastTeacherAudioAt = null;
    this.#opts.log("publisher_detached", { classId: this.classId, publisherId: id });
    if (close) p.close();
  }

  #onTeacherRtp(key: string, kind: MediaKind, pkt: Uint8Array): void {
    if (this.#closed || key !== this.#teacherKey) return;
    const now = Date.now();
    const h = parseRtpHeader(pkt);
    if (!h) return;
    const payload = rtpPayload(pkt, h);
    // Chrome keeps sending padding-only packets (BWE probes) when the track
    // stops; they are not media and must not hold off the slate.
    if (payload.length === 0) return;
    this.#bytesWindow.push({ at: now, bytes: payload.length });
    const late = kind === "video" ? this.#lateVideo : this.#lateAudio;
    if (late && !late.accept(h.timestamp, now)) {
      this.#lateDropped++;
      if (kind === "video") {
        this.#videoNeedsKeyframe = true;
        if (this.#publisher && now - this.#videoKeyframeAskedAt > 500) {
          this.#videoKeyframeAskedAt = now;
          this.#pli = onPliSent(this.#pli, now);
          this.#publisher.requestKeyframe();
        }
      }
      if (now - this.#lateLoggedAt > 1000) {
        this.#lateLoggedAt = now;
        this.#opts.log("late_media_dropped", { classId: this.classId, packets: this.#lateDropped });
      }
      return;
    }
    if (kind === "audio") {
      this.markStartup(null, "firstAudioRtp", now);
      this.#lastTeacherAudioAt = now;
      // Audio joins once the stream has started (the first video keyframe fixed the
      // output's timeline), and takes over from the silence at once when it returns.
      if (this.#video.source === null) return;
      if (this.#audio.source !== key) {
        // Back on its old timeline if that fits after the silence (a jittery network:
        // what overlaps the silence is dropped, a gap before it is filled with more
        // silence), else where the wall clock says.
        const ahead = this.#audio.resumeAhead(key, h.timestamp);
        if (this.#audio.source === SILENCE && ahead !== null && ahead > OPUS_FRAME_TICKS) {
          const fill = Math.min(Math.floor(ahead / OPUS_FRAME_TICKS) - 1, 15);
          if (this.#silencePlay) this.#silencePlay.startedAt -= fill * 20;
          this.#playSilence(now);
        }
        this.#audio.switchTo(key, 0, 0.2 * 48000);
        this.#silencePlay = null;
      }
      this.#forward(key, "audio", pkt, now);
      return;
    }
    this.markStartup(null, "firstVideoRtp", now);
    this.#lastTeacherVideoAt = now;
    const nals = nalUnitsInPayload(payload);
    let keyStart = false;
    let hasSps = false;
    for (const n of nals) {
      if (n.type === NAL_SPS && n.data) {
        hasSps = true;
        this.#sps = Uint8Array.from(n.data);
        this.markStartup(null, "firstSps", now);
        try {
          this.#spsInfo = parseSps(this.#sps);
        } catch {
          // keep the previous size; the slate just uses a default
        }
        // Not before the first output: its encode would compete with the start for CPU.
        if (this.#streamStartedAt !== null) this.#prepareSlate();
        keyStart = true;
      } else if (n.type === NAL_PPS && n.data) {
        this.#pps = Uint8Array.from(n.data);
      } else if (n.type === NAL_IDR) {
        keyStart = true;
        this.markStartup(null, "firstIdr", now);
        if (this.#lastKeyframeAt === null || now - this.#lastKeyframeAt > 100) {
          this.#lastKeyframeAt = now;
          this.#pli = onKeyframe(this.#pli, now);
        }
      }
    }
    if (!core.outputBusy(this.#out) && this.#sps && this.#pps && !this.#ended) {
      void this.#startOutput();
    }
    // A warm-started ffmpeg has no SPS in its SDP: its first video must start at one.
    const needSps = !this.#outputHasSprop && this.#keyframeFedAt === null;
    if (this.#video.source !== key || needSps) {
      // Only switch on a keyframe start: the decoder behind the RTMP server
      // (and ffmpeg's stream copy) must never see P-frames of a new source.
      // And only into a listening ffmpeg, or that keyframe is lost.
      if (!this.#outputReady || !(needSps ? hasSps : keyStart)) return;
      if (this.#video.source !== key) this.#switchTo(key, now);
    }
    if (this.#videoNeedsKeyframe) {
      if (!keyStart) return;
      this.#videoNeedsKeyframe = false;
    }
    if (keyStart && this.#outputReady && this.#keyframeFedAt === null) {
      this.#keyframeFedAt = now;
      this.markStartup(null, "firstForwardedKeyframe", now);
    }
    const sent = this.#forward(key, "video", pkt, now);
    if (sent && keyStart) this.#lastKeyOutTs = this.#video.lastTimestamp;
  }

  /**
   * Switches the output's video to `key` (the teacher, or the slate). The slate may be
   * stamped a little early so the output's keyframes stay ≤ 2 s apart; the teacher's
   * return gives that time back, so the video meets the wall clock (and the audio) again.
   */
  #switchTo(key: string, now: number): void {
    const from = this.#video.source;
    let adjust = 0;
    if (key === SLATE) {
      const since = this.#video.ticksSinceLast(now);
      const last = this.#video.lastTimestamp;
      if (since !== null && last !== null && this.#lastKeyOutTs !== null) {
        const keyAge = ((last - this.#lastKeyOutTs) >>> 0) + since;
        // Never before the last frame sent (+ one slate frame), and at most 1 s: the
        // video runs that much behind the audio while the slate is on.
        const early = Math.min(keyAge - MAX_KEYFRAME_GAP_TICKS, since - 6000, 90000);
        if (early > 0) adjust = -early;
      }
      this.#videoLagTicks -= adjust;
      this.#fillerSince ??= now;
      this.#slatePlay = { startedAt: now, sent: 0, seq: this.#slatePlay?.seq ?? 0 };
    } else {
      adjust = this.#videoLagTicks;
      this.#videoLagTicks = 0;
      this.#fillerSince = null;
      this.#stallStartedAt = null;
      this.#slatePlay = null;
    }
    // The teacher back after the slate resumes on their old timestamp mapping when it
    // fits (it keeps the wall clock, so the slate's head start is given back too).
    if (key === SLATE) this.#video.switchTo(key, adjust);
    else this.#video.switchTo(key, adjust, 3 * 90000, false);
    this.#opts.log("source_switched", {
      classId: this.classId,
      from,
      to: key,
      adjustMs: Math.round(adjust / 90),
    });
  }

  #forward(key: string, kind: MediaKind, pkt: Uint8Array, now: number): boolean {
    const track = kind === "video" ? this.#video : this.#audio;
    const out = track.rewrite(key, pkt, now);
    if (out) return this.#sendToOutput(kind, out, false);
    return false;
  }

  #sendToOutput(kind: MediaKind, buf: Uint8Array, rtcp: boolean): boolean {
    if (!this.#send || !this.#output || !this.#outputReady) return false;
    this.#outputFedAt ??= Date.now();
    const port = this.portBase + (kind === "video" ? 0 : 2) + (rtcp ? 1 : 0);
    this.#send.send(buf, port, "127.0.0.1", () => {
      // Errors (ffmpeg restarting, port closed) are expected; the packet is lost.
    });
    return true;
  }

  /**
   * Every 20 ms: puts the slate in when the teacher's video has stalled and silence in
   * the moment their audio stops, and paces both. Either covers only a stream that has
   * carried something: a warm ffmpeg still waiting for the first keyframe gets neither.
   */
  #onMediaTick(now: number): void {
    if (this.#closed || this.#ended || !this.#output || this.#video.source === null) return;
    const videoQuiet =
      this.#lastTeacherVideoAt === null || now - this.#lastTeacherVideoAt >= this.#opts.stallMs;
    if (videoQuiet && this.#video.source !== SLATE && this.#slate) this.#switchTo(SLATE, now);
    const audioQuiet =
      this.#lastTeacherAudioAt === null || now - this.#lastTeacherAudioAt >= AUDIO_GAP_MS;
    if (audioQuiet && this.#audio.source !== SILENCE) {
      // Start right where the last audio frame ended: no hole, and the silence catches
      // up with the wall clock at once. Not after a long break (a new publisher, a new
      // ffmpeg): seconds of silence at once would end ffmpeg's probe before the video.
      const since = this.#audio.ticksSinceLast(now);
      const back = since === null || since > 48000 ? 0 : Math.max(0, since - OPUS_FRAME_TICKS);
      this.#audio.switchTo(SILENCE, -back);
      this.#opts.log("silence_started", { classId: this.classId, backfillMs: Math.round(back / 48) });
      this.#silencePlay = {
        startedAt: now - (back * 1000) / 48000,
        sent: 0,
        seq: this.#silencePlay?.seq ?? 0,
      };
    }
    if (this.#video.source === SLATE) this.#playSlate(now);
    if (this.#audio.source === SILENCE) this.#playSilence(now);
  }

  #playSlate(now: number): void {
    const clip = this.#slate;
    const play = this.#slatePlay;
    if (!clip || !play) return;
    const n = clip.frames.length;
    if (this.#outputReady && this.#keyframeFedAt === null && play.sent % n !== 0) {
      // A new ffmpeg (restart): its first video must be the slate's SPS + IDR.
      play.sent += n - (play.sent % n);
      this.#video.switchTo(SLATE);
    }
    const ticks = 90000 / clip.fps;
    const due = Math.floor(((now - play.startedAt) * clip.fps) / 1000) + 1;
    while (play.sent < due) {
      const index = play.sent % n;
      const payloads = packetizeH264(clip.frames[index]!);
      let sent = false;
      payloads.forEach((payload, i) => {
        const pkt = rtpPacket({
          payloadType: VIDEO_PT,
          seq: play.seq++,
          timestamp: Math.round(play.sent * ticks),
          ssrc: 1,
          marker: i === payloads.length - 1,
          payload,
        });
        sent = this.#forward(SLATE, "video", pkt, now) || sent;
      });
      if (sent && index === 0) {
        this.#keyframeFedAt ??= now;
        this.#lastKeyOutTs = this.#video.lastTimestamp;
      }
      play.sent++;
    }
  }

  #playSilence(now: number): void {
    const play = this.#silencePlay;
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
      this.#forward(SILENCE, "audio", pkt, now);
      play.sent++;
    }
  }

  /** Encodes the slate at the teacher's picture size, once per size (~0.2 s of ffmpeg). */
  #prepareSlate(): void {
    const width = evenSize(this.#spsInfo?.width ?? 1280);
    const height = evenSize(this.#spsInfo?.height ?? 720);
    const size = `${width}x${height}`;
    if (this.#slateEncoding === size) return;
    if (this.#slate && this.#slate.width === width && this.#slate.height === height) return;
    this.#slateEncoding = size;
    const f = this.#opts.ffmpeg;
    encodeSlate({
      ffmpegPath: f.path,
      width,
      height,
      text: this.#opts.slateText,
      drawtext: f.drawtext,
    })
      .then((clip) => {
        if (this.#slateEncoding !== size || this.#closed) return;
        this.#slateEncoding = null;
        // Never swap clips under a running loop (its P-frames need their own IDR).
        if (this.#video.source === SLATE) this.#slatePlay = null;
        this.#slate = clip;
        this.#opts.log("slate_encoded", { classId: this.classId, size, frames: clip.frames.length });
        if (this.#video.source === SLATE) this.#switchTo(SLATE, Date.now());
      })
      .catch((err: unknown) => {
        if (this.#slateEncoding === size) this.#slateEncoding = null;
        this.#opts.log("slate_failed", {
          classId: this.classId,
          message: err instanceof Error ? err.message : String(err),
        });
      });
  }

  #onTick(now: number): void {
    if (this.#closed) return;
    const since =
      this.#lastTeacherVideoAt === null ? Number.POSITIVE_INFINITY : now - this.#lastTeacherVideoAt;
    const stalled = since >= this.#opts.stallMs;
    const stall = core.stallStep(this.#stallStartedAt, {
      now,
      stalled,
      covering: core.outputBusy(this.#out) && this.#video.source !== null,
      ended: this.#ended,
      fillerMaxMs: this.#opts.fillerMaxMs,
    });
    this.#stallStartedAt = stall.since;
    if (stall.giveUp) {
      this.#opts.log("filler_limit_reached", {
        classId: this.classId,
        fillerMaxMs: this.#opts.fillerMaxMs,
      });
      void this.#endOutput();
      this.onEnded?.();
    }
    // Until ffmpeg has produced output, ask at the fast rate — unless a keyframe
    // reached it within the last second (it is probing that one; more IDRs would
    // only inflate the start).
    const waitingForOutput =
      this.#output !== null &&
      this.#streamStartedAt === null &&
      (this.#keyframeFedAt === null || now - this.#keyframeFedAt > 1000);
    const pliState = waitingForOutput ? { ...this.#pli, lastKeyframeAt: null } : this.#pli;
    if (this.#publisher && pliDue(pliState, now)) {
      this.#pli = onPliSent(this.#pli, now);
      this.#publisher.requestKeyframe();
    }
    while (this.#bytesWindow.length && now - this.#bytesWindow[0]!.at > 2000)
      this.#bytesWindow.shift();
    // Watchdog: ffmpeg fed but not writing for 15 s (RTMP server hung) → restart
    // it. A warm-started one that has not been fed yet is just waiting.
    if (
      this.#output &&
      this.#outputStartedAt !== null &&
      this.#outputFedAt !== null &&
      now - (this.#lastProgressAt ?? Math.max(this.#outputStartedAt, this.#outputFedAt)) > 15_000
    ) {
      this.#lastError = STREAM_ERRORS["encoder-stalled"];
      this.#opts.log("watchdog_fired", { classId: this.classId });
      this.#outputStartedAt = null;
      void this.#stopOutput(1000);
    }
  }

  async #startOutput(): Promise<void> {
    if (this.#closed) return;
    this.#out = core.starting(this.#out);
    this.#outputReady = false;
    this.#outputHasSprop = this.#sps !== null && this.#pps !== null;
    this.#keyframeFedAt = null;
    this.#outputFedAt = null;
    this.#srSent.clear();
    this.#lastKeyOutTs = null;
    // The URL may change (PUT /sessions) while its check resolves: check what runs.
    let rtmpUrl: string;
    let verdict: IngestVerdict;
    do {
      rtmpUrl = this.#opts.rtmpUrl;
      verdict = await this.#opts.checkIngest(rtmpUrl);
    } while (rtmpUrl !== this.#opts.rtmpUrl && !this.#closed);
    if (this.#closed || this.#ended) {
      this.#out = core.startAbandoned(this.#out);
      return;
    }
    if (!verdict.ok) {
      this.#lastError = STREAM_ERRORS[verdict.category];
      this.#opts.log("ingest_refused", {
        classId: this.classId,
        rtmp: this.rtmp,
        category: verdict.category,
        detail: verdict.detail,
      });
      this.#outputStep(core.failed(this.#out, 0, this.#backoff));
      return;
    }
    // ffmpeg publishes to a loopback relay that holds the real URL: the stream key is
    // never in ffmpeg's argv (world-readable in /proc/<pid>/cmdline).
    let relay: RtmpRelay;
    try {
      relay = await startRtmpRelay({
        target: rtmpUrl,
        check: () => this.#opts.checkIngest(rtmpUrl),
        // On air again: an old failure no longer applies.
        onPublished: () => {
          this.#lastError = null;
        },
        onFailure: (category, detail) => {
          this.#lastError = STREAM_ERRORS[category];
          this.#opts.log("rtmp_failed", {
            classId: this.classId,
            rtmp: redactUrl(rtmpUrl),
            category,
            detail,
          });
        },
      });
    } catch (err) {
      this.#lastError = STREAM_ERRORS["encoder-failed"];
      this.#opts.log("relay_failed", {
        classId: this.classId,
        message: err instanceof Error ? err.message : String(err),
      });
      this.#outputStep(core.failed(this.#out, 0, this.#backoff));
      return;
    }
    if (this.#closed || this.#ended) {
      relay.close();
      this.#out = core.startAbandoned(this.#out);
      return;
    }
    const sdpPath = join(this.#tmpDir, "input.sdp");
    writeFileSync(
      sdpPath,
      buildFfmpegSdp({
        videoPort: this.portBase,
        audioPort: this.portBase + 2,
        videoPayloadType: VIDEO_PT,
        audioPayloadType: AUDIO_PT,
        sps: this.#sps,
        pps: this.#pps,
      }),
    );
    const f = this.#opts.ffmpeg;
    const args = [
      "-nostdin",
      "-hide_banner",
      "-loglevel",
      process.env.BRIDGE_TRACE_FFMPEG ? process.env.BRIDGE_TRACE_FFMPEG : "warning",
      "-protocol_whitelist",
      "file,udp,rtp",
      ...(f.sdpLocalAddr ? ["-localaddr", "127.0.0.1"] : []),
      // A warm ffmpeg waits for the teacher as long as it takes: by default the SDP
      // demuxer gives up after 10 s without a packet and ffmpeg then connects to the
      // RTMP server with no media, fails its header and exits (issue 14).
      ...(f.sdpListenTimeout ? ["-listen_timeout", "-1"] : []),
      // Stop probing as soon as both streams' parameters are known (SPS/PPS from
      // the SDP or in-band, one decoded IDR, one Opus packet): the default also
      // counts 20 video frames to guess a frame rate, ~0.7-1 s that FLV copy does
      // not need. analyzeduration stays generous: running out of it before the
      // first IDR would leave the video without dimensions.
      "-analyzeduration",
      "1000000",
      "-fpsprobesize",
      "0",
      "-max_ts_probe",
      "0",
      // Progress every 50 ms: the first report after the first frames is how the
      // bridge knows the stream is on air (streamStartedAt); at 0.2 s that report
      // alone lagged the first RTMP frame by up to 200 ms (decision 011).
      ...(f.statsPeriod ? ["-stats_period", "0.05"] : []),
      "-f",
      "sdp",
      "-i",
      sdpPath,
      "-map",
      "0:v:0",
      "-map",
      "0:a:0?",
      "-c:v",
      "copy",
      // Audio onto a clean timeline: where the input's timestamps still overlap (a
      // splice between the teacher, the silence and back) or skip, trim or fill rather
      // than hand the muxer non-monotonic DTS.
      "-af",
      "aresample=async=1",
      "-c:a",
      "aac",
      "-b:a",
      "128k",
      "-ar",
      "48000",
      "-ac",
      "2",
      "-max_interleave_delta",
      "0",
      "-flvflags",
      "no_duration_filesize",
      // RTMP connect/publish is a chain of small request/response writes; Nagle +
      // delayed ACK held each ~40 ms (≈ 180 → 50 ms to a local nginx; decision 011).
      ...(f.tcpNodelay ? ["-tcp_nodelay", "1"] : []),
      "-progress",
      "pipe:1",
      "-f",
      "flv",
      relay.url,
    ];
    const startedAt = Date.now();
    // ffmpeg never sees the key now, but its log stays redacted like any URL.
    const secrets = [rtmpUrl, ...urlSecrets(rtmpUrl)];
    const proc = spawnFfmpeg(f.path, args, {
      redact: (s) => redactText(s, secrets),
      onStderr: (line) => {
        if (process.env.BRIDGE_TRACE_FFMPEG) this.#opts.log("ffmpeg_logged", { line });
      },
      onStdout: (chunk) => this.#onProgress(chunk),
    });
    this.#out = core.spawned(this.#out, proc);
    void this.#awaitOutputListening(proc);
    this.#outputStartedAt = startedAt;
    this.#lastProgressAt = null;
    this.#lastTotalSize = 0;
    this.#pli = initialPliState(); // ffmpeg's copy waits for an IDR: ask quickly.
    this.markStartup(null, "ffmpegSpawned", startedAt);
    this.#opts.log("ffmpeg_started", { classId: this.classId, rtmp: this.rtmp, pid: proc.child.pid });
    const { code, signal } = await proc.exited;
    relay.close();
    this.#outputReady = false;
    this.#outputStartedAt = null;
    this.#streamStartedAt = null;
    const ranMs = Date.now() - startedAt;
    this.#opts.log("ffmpeg_exited", {
      classId: this.classId,
      code,
      signal,
      ranMs,
      tail: proc.stderrTail().slice(-5),
    });
    const step = core.exited(this.#out, proc, ranMs, this.#closed || this.#ended, this.#backoff);
    if (step.action.kind === "restart-in" && (code !== 0 || signal)) {
      this.#lastError ??= STREAM_ERRORS["encoder-failed"];
    }
    this.#outputStep(step);
  }

  get #backoff(): core.Backoff {
    return { initialMs: this.#opts.backoffInitialMs, maxMs: this.#opts.backoffMaxMs };
  }

  /**
   * Marks the output ready once its ffmpeg has bound its RTP ports (polling
   * /proc/net/udp; elsewhere a fixed 0.5 s), then asks the teacher for an IDR
   * if one went by while it was starting.
   */
  async #awaitOutputListening(proc: FfmpegProcess): Promise<void> {
    const started = Date.now();
    const ports = [this.portBase, this.portBase + 2];
    while (this.#output === proc && !this.#closed) {
      const bound = udpPortsBound(ports);
      if (bound === null ? Date.now() - started >= 500 : bound) break;
      if (Date.now() - started > 10_000) break; // let the watchdog / exit handling decide
      await new Promise((r) => setTimeout(r, 20));
    }
    if (this.#output !== proc || this.#closed) return;
    const now = Date.now();
    this.#outputReady = true;
    this.markStartup(null, "ffmpegReady", now);
    this.#opts.log("ffmpeg_bound", { classId: this.classId, ms: now - started });
    if (
      this.#publisher &&
      this.#lastTeacherVideoAt !== null &&
      now - this.#lastTeacherVideoAt < 1000
    ) {
      this.#pli = onPliSent(this.#pli, now);
      this.#publisher.requestKeyframe();
    }
  }

  #onProgress(chunk: string): void {
    const now = Date.now();
    for (const m of chunk.matchAll(/^total_size=(\d+)$/gm)) {
      const size = Number(m[1]);
      // FLV header + metadata are written before any frame; count real growth only.
      if (size > this.#lastTotalSize && size > 1024) {
        this.#lastProgressAt = now;
        if (this.#streamStartedAt === null) {
          this.#streamStartedAt = now;
          this.markStartup(null, "firstOutput", now);
          this.#prepareSlate();
          this.#opts.log("first_output_written", {
            classId: this.classId,
            msSinceStart: this.#outputStartedAt === null ? null : now - this.#outputStartedAt,
          });
        }
      }
      this.#lastTotalSize = size;
    }
  }

  async #endOutput(graceMs?: number): Promise<void> {
    this.#ended = true;
    this.#outputStep(core.ending(this.#out));
    this.#stallStartedAt = null;
    this.#slatePlay = null;
    this.#silencePlay = null;
    await this.#stopOutput(graceMs);
  }

  /**
   * Stops the output ffmpeg: SIGINT once it has been fed (it flushes the FLV
   * trailer), SIGKILL while it still waits for media — a SIGINT there makes it
   * abandon the probe and connect to the RTMP server on its way out.
   */
  #stopOutput(graceMs?: number): Promise<void> {
    const proc = this.#output;
    if (!proc) return Promise.resolve();
    return this.#outputFedAt === null ? proc.kill() : proc.stop(graceMs);
  }

  /** Current health snapshot. */
  health(now = Date.now()): SessionHealth {
    const receiving = this.#lastTeacherVideoAt !== null && now - this.#lastTeacherVideoAt < 1000;
    const fillerActive = this.#video.source === SLATE && !this.#ended;
    const pushing = this.#lastProgressAt !== null && now - this.#lastProgressAt < 3000;
    const state = core.sessionState({
      output: this.#out,
      ended: this.#ended,
      fillerActive,
      pushing,
      hasPublisher: this.#publisher !== null,
      noVideoSource: this.#video.source === null,
    });
    const bytes = this.#bytesWindow.reduce((a, b) => a + b.bytes, 0);
    const span =
      this.#bytesWindow.length > 1 ? Math.max(500, now - this.#bytesWindow[0]!.at) : 2000;
    return {
      classId: this.classId,
      state,
      rtmp: this.rtmp,
      publisherId: this.#publisher?.id ?? null,
      receiving,
      lastMediaAt: this.#lastTeacherVideoAt,
      ffmpegRunning: this.#output !== null,
      pushing,
      lastKeyframeAt: this.#lastKeyframeAt,
      bitrateKbps: Math.round((bytes * 8) / span),
      fillerActive,
      fillerSince: fillerActive ? this.#fillerSince : null,
      restarts: this.#out.restarts,
      streamStartedAt: this.#streamStartedAt,
      video: this.#spsInfo
        ? {
            width: this.#spsInfo.width,
            height: this.#spsInfo.height,
            profileLevelId: this.#spsInfo.profileLevelId,
          }
        : null,
      lastError: this.#lastError,
    };
  }

  /** PIDs of ffmpeg processes this session runs (tests check nothing leaks). */
  pids(): number[] {
    return [this.#output?.child.pid].filter((p): p is number => typeof p === "number");
  }

  /** Stops everything and frees the sockets. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#clearWarmTimer();
    if (this.#tick) clearInterval(this.#tick);
    if (this.#restartTimer) clearTimeout(this.#restartTimer);
    this.#publisher?.close();
    this.#publisher = null;
    if (this.#mediaTick) clearInterval(this.#mediaTick);
    await this.#stopOutput();
    for (const s of [this.#send]) {
      if (s) await new Promise<void>((r) => s.close(() => r()));
    }
    this.#send = null;
    rmSync(this.#tmpDir, { recursive: true, force: true });
  }
}

/**
 * Whether every one of `ports` has a bound UDP socket (any address), from
 * /proc/net/udp; null where that file does not exist (not Linux).
 */
function udpPortsBound(ports: number[]): boolean | null {
  let table: string;
  try {
    table = readFileSync("/proc/net/udp", "utf8");
  } catch {
    return null;
  }
  const bound = new Set<number>();
  for (const line of table.split("\n").slice(1)) {
    const local = line.trim().split(/\s+/)[1];
    const hex = local?.split(":")[1];
    if (hex) bound.add(Number.parseInt(hex, 16));
  }
  return ports.every((p) => bound.has(p));
}

function evenSize(n: number): number {
  return Math.max(16, n - (n % 2));
}

function bindUdp(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = createSocket("udp4");
    s.once("error", reject);
    s.bind(port, "127.0.0.1", () => {
      s.off("error", reject);
      s.on("error", () => {});
      resolve(s);
    });
  });
}
