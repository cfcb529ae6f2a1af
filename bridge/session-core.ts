/**
 * A class session's state machine, pure: who publishes, which source feeds the output
 * (the teacher, the slate, silence), the warm-up expiry, the start-up milestones, the
 * current output ffmpeg's feed, the periodic decisions (PLI, filler limit, watchdog) and
 * the health it reports. What each teacher packet and the media tick do to the sources
 * (switching teacher ↔ slate ↔ silence) is source-core.ts; what the output ffmpeg's
 * start, spawn, progress and exit do to the session is stream-core.ts. Each state is a discriminated union; each
 * transition is a function `(core, input) → { next, effects }`. `ClassSession`
 * (session.ts) is the shell: it owns the processes, sockets, timers and RTP rewriting, and
 * runs the {@link SessionEffect}s. The output ffmpeg's own lifecycle is output-core.ts.
 * Generic over the publisher handle `H` and the process handle `P`, so tests use plain
 * values. About 600 lines because it is the session's whole state union and every
 * transition on it; the source and stream transitions are already apart.
 */
import type { SessionHealth } from "../protocol/bridge.ts";
import { STREAM_ERRORS } from "../protocol/ingest.ts";
import type { BridgeLogEvent } from "./log.ts";
import * as out from "./output-core.ts";
import { initialPliState, onPliSent, type PliState, pliDue } from "./pli-scheduler.ts";

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

/** Source key of the in-memory slate (video) and of the made-up silence (audio). */
export const SLATE = "slate";
export const SILENCE = "silence";

/** Whether the session carries a stream. */
export type Life =
  | { kind: "open" }
  /** The push ended (filler limit, the teacher stopping) and no publisher came back. */
  | { kind: "ended" }
  /** Closed for good (DELETE, bridge shutdown). */
  | { kind: "closed" };

/** The teacher as the session sees them. */
export type Teacher<H> =
  | { kind: "absent" }
  | {
      kind: "attached";
      handle: H;
      /** Source key of their media on the output tracks. */
      key: string;
      /** Their last video / audio packet (null: none yet). */
      videoAt: number | null;
      audioAt: number | null;
    };

/** A prepared session's warm-up expiry. */
export type WarmExpiry = { kind: "unarmed" } | { kind: "armed"; until: number };

/** Start-up milestones of the first publisher of a stream. */
export type Startup =
  | { kind: "idle" }
  | {
      kind: "measuring";
      publisherId: string;
      at: number;
      marks: Readonly<Partial<Record<StartupMark, number>>>;
    };

/** What feeds the output's video. */
export type VideoSource =
  /** Nothing yet: no keyframe has reached this stream. */
  | { kind: "none" }
  | { kind: "teacher"; key: string }
  /**
   * The filler slate, on air since `since`. `staleKeyAt`: the first teacher keyframe it
   * refused as stale (`slateEnds`); null: none.
   */
  | { kind: "slate"; since: number; staleKeyAt: number | null };

/** What feeds the output's audio. */
export type AudioSource = { kind: "none" } | { kind: "teacher"; key: string } | { kind: "silence" };

/** The teacher's video stall while the slate covers it (the filler limit counts from `since`). */
export type Stall = { kind: "none" } | { kind: "stalled"; since: number };

/** After a late video packet was dropped the decoder waits for a keyframe. */
export type VideoGate = { kind: "open" } | { kind: "await-keyframe" };

/** The input side of the current output ffmpeg (reset at each start). */
export interface Feed {
  /** Whether ffmpeg has bound its RTP ports: packets sent before are lost. */
  port: "binding" | "listening";
  /** Whether SPS/PPS were in its SDP; without, its first video must start at an SPS. */
  params: "in-sdp" | "in-band";
  /** When it was first fed anything (the watchdog counts from here). */
  fedAt: number | null;
  /** When it was first fed a keyframe start. */
  keyframeFedAt: number | null;
  /** Output timestamp of the last keyframe forwarded. */
  lastKeyOutTs: number | null;
  /** Tracks whose sender report it has had. */
  srSent: readonly MediaKind[];
}

/** The watchdog over the current output: armed from its spawn, off once it fired or exited. */
export type Watchdog = { kind: "off" } | { kind: "armed"; spawnedAt: number };

/** Whether the current output has written frames to RTMP. */
export type Air = { kind: "off-air" } | { kind: "on-air"; since: number };

/** A class session's whole state. */
export interface SessionCore<H, P> {
  life: Life;
  output: out.OutputLifecycle<P>;
  teacher: Teacher<H>;
  warm: WarmExpiry;
  startup: Startup;
  video: VideoSource;
  audio: AudioSource;
  /**
   * How far the output's video timeline runs behind the wall clock (the slate started
   * early; it gives this back while it runs, the teacher's return the rest).
   */
  videoLagTicks: number;
  stall: Stall;
  gate: VideoGate;
  /** When a keyframe was last asked for after a late drop. */
  gateAskedAt: number;
  feed: Feed;
  watchdog: Watchdog;
  air: Air;
  /** ffmpeg's last progress report that showed output growth. */
  lastProgressAt: number | null;
  lastTotalSize: number;
  pli: PliState;
  /** The teacher's last keyframe (health). */
  lastKeyframeAt: number | null;
  lastError: string | null;
  late: { dropped: number; loggedAt: number };
}

/** What the shell does after a transition, in order. */
export type SessionEffect<H> =
  | { kind: "log"; event: BridgeLogEvent; fields: Record<string, unknown> }
  /** Run the output lifecycle's action (start, arm or cancel the restart timer, stop). */
  | { kind: "output"; action: out.OutputAction }
  /** Stop the output ffmpeg (it reports its exit); `graceMs` for its flush. */
  | { kind: "stop-output"; graceMs?: number }
  | { kind: "request-keyframe"; publisher: H }
  | { kind: "close-publisher"; publisher: H }
  /** (Re)arm the warm-up expiry timer. */
  | { kind: "arm-warm-timer"; ttlMs: number }
  | { kind: "clear-warm-timer" }
  /** The warm ffmpeg expired unused (the server drops the session). */
  | { kind: "warm-expired" }
  /**
   * Switch an output track to `to` (see `OutputTrack.switchTo`); onto the slate or the
   * silence its frame pacing starts over, off them it stops.
   */
  | {
      kind: "switch-track";
      track: MediaKind;
      to: string | null;
      adjustTicks: number;
      resumeTicks: number;
      dropOverlap: boolean;
    }
  /** Teacher audio returns ahead of the silence: play `frames` more silence first. */
  | { kind: "silence-backfill"; frames: number }
  /** The slate and the silence stop sending (the push ends). */
  | { kind: "fillers-paused" }
  /** Encode the slate at the teacher's picture size. */
  | { kind: "prepare-slate" }
  /** The session ended by itself (filler limit). */
  | { kind: "ended" };

/** A transition's result. */
export interface SessionStep<H, P> {
  next: SessionCore<H, P>;
  effects: SessionEffect<H>[];
}

/** Tuning the shell passes to the periodic decisions. */
export interface SessionTuning {
  /** No teacher video for this long → the slate. */
  stallMs: number;
  /** The slate covers a vanished teacher this long, then the push ends. */
  fillerMaxMs: number;
  backoff: out.Backoff;
}

/** What the output tracks know (RTP timestamps the shell rewrites). */
export interface TrackFacts {
  /** Ticks since the track's last packet out, at `now` (null: none yet). */
  since: number | null;
  /** Its last output timestamp. */
  last: number | null;
}

/** A session before anything happened. */
export function initialSession<H, P>(): SessionCore<H, P> {
  return {
    life: { kind: "open" },
    output: out.initialOutput(),
    teacher: { kind: "absent" },
    warm: { kind: "unarmed" },
    startup: { kind: "idle" },
    video: { kind: "none" },
    audio: { kind: "none" },
    videoLagTicks: 0,
    stall: { kind: "none" },
    gate: { kind: "open" },
    gateAskedAt: 0,
    feed: freshFeed(false),
    watchdog: { kind: "off" },
    air: { kind: "off-air" },
    lastProgressAt: null,
    lastTotalSize: 0,
    pli: initialPliState(),
    lastKeyframeAt: null,
    lastError: null,
    late: { dropped: 0, loggedAt: 0 },
  };
}

/** The feed of a new output ffmpeg (`paramsKnown`: SPS/PPS go into its SDP). */
export function freshFeed(paramsKnown: boolean): Feed {
  return {
    port: "binding",
    params: paramsKnown ? "in-sdp" : "in-band",
    fedAt: null,
    keyframeFedAt: null,
    lastKeyOutTs: null,
    srSent: [],
  };
}

/** Builds a step: the state so far plus the effects in order (session-core, source-core). */
export class Steps<H, P> {
  readonly effects: SessionEffect<H>[] = [];
  c: SessionCore<H, P>;
  constructor(c: SessionCore<H, P>) {
    this.c = c;
  }
  set(patch: Partial<SessionCore<H, P>>): void {
    this.c = { ...this.c, ...patch };
  }
  emit(e: SessionEffect<H>): void {
    this.effects.push(e);
  }
  log(event: BridgeLogEvent, fields: Record<string, unknown>): void {
    this.effects.push({ kind: "log", event, fields });
  }
  run(step: SessionStep<H, P>): void {
    this.c = step.next;
    this.effects.push(...step.effects);
  }
  output(step: out.OutputStep<P>): void {
    this.c = { ...this.c, output: step.next };
    if (step.action.kind !== "none") this.effects.push({ kind: "output", action: step.action });
  }
  done(): SessionStep<H, P> {
    return { next: this.c, effects: this.effects };
  }
}

/** The session is closed or its stream ended: no output starts. */
export function stopped<H, P>(c: SessionCore<H, P>): boolean {
  return c.life.kind !== "open";
}

/** The attached publisher's handle, if any. */
export function publisher<H, P>(c: SessionCore<H, P>): H | null {
  return c.teacher.kind === "attached" ? c.teacher.handle : null;
}

/** When the teacher's last video packet arrived (null: none, or no teacher). */
export function teacherVideoAt<H, P>(c: SessionCore<H, P>): number | null {
  return c.teacher.kind === "attached" ? c.teacher.videoAt : null;
}

/** The source key a track carries (see `OutputTrack.switchTo`). */
export function sourceKey(s: VideoSource | AudioSource): string | null {
  switch (s.kind) {
    case "none":
      return null;
    case "teacher":
      return s.key;
    case "slate":
      return SLATE;
    case "silence":
      return SILENCE;
    default:
      return s satisfies never;
  }
}

/** The source key on the output's video (null: none). */
export function videoSourceKey<H, P>(c: SessionCore<H, P>): string | null {
  return sourceKey(c.video);
}

/** True when the teacher's video has not arrived for 5 s (or there is no teacher). */
export function publisherStalled<H, P>(c: SessionCore<H, P>, now: number): boolean {
  const at = teacherVideoAt(c);
  return at === null || now - at > 5000;
}

/** A warm-up (studio prepare, WHIP POST, attach): start an output ffmpeg if none is there. */
export function warm<H, P>(c: SessionCore<H, P>): SessionStep<H, P> {
  const s = new Steps(c);
  s.output(out.warm(c.output, stopped(c)));
  return s.done();
}

/** Records a startup milestone of publisher `id` (null: the current one; first of each counts). */
export function markStartup<H, P>(
  c: SessionCore<H, P>,
  id: string | null,
  mark: StartupMark,
  now: number,
): SessionStep<H, P> {
  const st = c.startup;
  if (
    st.kind !== "measuring" ||
    (id !== null && st.publisherId !== id) ||
    st.marks[mark] !== undefined
  )
    return { next: c, effects: [] };
  const marks = { ...st.marks, [mark]: now - st.at };
  if (mark !== "firstOutput") return { next: { ...c, startup: { ...st, marks } }, effects: [] };
  return {
    next: { ...c, startup: { kind: "idle" } },
    effects: [
      { kind: "log", event: "startup_measured", fields: { publisherId: st.publisherId, ...marks } },
    ],
  };
}

/** Records milestone `m` of the current publisher into `s`. */
export function mark<H, P>(s: Steps<H, P>, m: StartupMark, now: number): void {
  s.run(markStartup(s.c, null, m, now));
}

/**
 * Attaches publisher `handle` (a live one is taken over: detached and closed first). A
 * new stream measures its start-up; an ended one opens again; the warm expiry is
 * disarmed; the output warms up.
 */
export function attach<H extends { id: string }, P>(
  c: SessionCore<H, P>,
  handle: H,
  now: number,
): SessionStep<H, P> {
  const s = new Steps(c);
  if (c.teacher.kind === "attached") s.run(detach(s.c, c.teacher.handle.id, true));
  s.set({
    teacher: {
      kind: "attached",
      handle,
      key: `teacher:${handle.id}`,
      videoAt: null,
      audioAt: null,
    },
    pli: initialPliState(),
    life: s.c.life.kind === "ended" ? { kind: "open" } : s.c.life,
    warm: { kind: "unarmed" },
    startup:
      s.c.air.kind === "off-air"
        ? { kind: "measuring", publisherId: handle.id, at: now, marks: {} }
        : { kind: "idle" },
  });
  s.emit({ kind: "clear-warm-timer" });
  s.log("publisher_attached", { publisherId: handle.id });
  s.run(warm(s.c));
  return s.done();
}

/** Detaches publisher `id` (WHIP DELETE, ICE failure); the slate covers until one returns. */
export function detach<H extends { id: string }, P>(
  c: SessionCore<H, P>,
  id: string,
  close: boolean,
): SessionStep<H, P> {
  const t = c.teacher;
  if (t.kind !== "attached" || t.handle.id !== id) return { next: c, effects: [] };
  const effects: SessionEffect<H>[] = [
    { kind: "log", event: "publisher_detached", fields: { publisherId: id } },
  ];
  if (close) effects.push({ kind: "close-publisher", publisher: t.handle });
  return { next: { ...c, teacher: { kind: "absent" } }, effects };
}

/**
 * The studio is getting ready: arm the warm expiry (`ttlMs`) and warm the output up.
 * Refused (`ok: false`, nothing changes) when the session already carries a stream.
 */
export function prepare<H, P>(
  c: SessionCore<H, P>,
  ttlMs: number,
  now: number,
): SessionStep<H, P> & { ok: boolean } {
  if (stopped(c) || c.teacher.kind === "attached" || c.feed.fedAt !== null)
    return { ok: false, next: c, effects: [] };
  const s = new Steps(c);
  s.set({ warm: { kind: "armed", until: now + ttlMs } });
  s.emit({ kind: "arm-warm-timer", ttlMs });
  s.run(warm(s.c));
  return { ok: true, ...s.done() };
}

/** The warm expiry fired: an ffmpeg nobody used is parked and the session given up. */
export function warmTimerFired<H, P>(c: SessionCore<H, P>, ttlMs: number): SessionStep<H, P> {
  const s = new Steps(c);
  s.set({ warm: { kind: "unarmed" } });
  if (c.life.kind === "closed" || c.teacher.kind === "attached" || c.feed.fedAt !== null)
    return s.done();
  s.log("warm_expired", { ttlMs });
  s.output(out.warmExpired(s.c.output));
  s.emit({ kind: "warm-expired" });
  return s.done();
}

/**
 * The teacher stopped (WHIP DELETE, pull deleted): detach and close them, forget any
 * warm-up; the shell then ends the push ({@link endStream}) and calls {@link stopSettled}.
 */
export function stopRequested<H extends { id: string }, P>(
  c: SessionCore<H, P>,
  reason: string,
): SessionStep<H, P> {
  if (c.life.kind === "closed") return { next: c, effects: [] };
  const s = new Steps(c);
  if (c.teacher.kind === "attached") s.run(detach(s.c, c.teacher.handle.id, true));
  s.set({ warm: { kind: "unarmed" }, output: out.forgetWarmUp(s.c.output) });
  s.emit({ kind: "clear-warm-timer" });
  s.log("session_stopped", { reason });
  return s.done();
}

/**
 * The push after a stop has ended: unless a publisher came back meanwhile, the session is
 * idle again, not ended — the studio may prepare and go live anew (and a warm ffmpeg must
 * then wait for the teacher, not get the slate).
 */
export function stopSettled<H, P>(c: SessionCore<H, P>): SessionStep<H, P> {
  if (c.life.kind === "closed" || c.teacher.kind === "attached") return { next: c, effects: [] };
  const s = new Steps(c);
  s.set({
    life: { kind: "open" },
    feed: { ...c.feed, fedAt: null },
    video: { kind: "none" },
    audio: { kind: "none" },
  });
  for (const track of ["video", "audio"] as const)
    s.emit({
      kind: "switch-track",
      track,
      to: null,
      adjustTicks: 0,
      resumeTicks: 0,
      dropOverlap: true,
    });
  return s.done();
}

/**
 * The stream ends (filler limit, a stop): no restart, the fillers pause. The shell then
 * stops the output ffmpeg.
 */
export function endStream<H, P>(c: SessionCore<H, P>): SessionStep<H, P> {
  const s = new Steps(c);
  s.set({ life: c.life.kind === "closed" ? c.life : { kind: "ended" } });
  s.output(out.ending(s.c.output));
  s.set({ stall: { kind: "none" } });
  s.emit({ kind: "fillers-paused" });
  return s.done();
}

/** The session closes for good: the publisher is closed, the warm expiry disarmed. */
export function close<H, P>(c: SessionCore<H, P>): SessionStep<H, P> {
  const s = new Steps(c);
  s.set({ life: { kind: "closed" }, teacher: { kind: "absent" }, warm: { kind: "unarmed" } });
  s.emit({ kind: "clear-warm-timer" });
  if (c.teacher.kind === "attached")
    s.emit({ kind: "close-publisher", publisher: c.teacher.handle });
  return s.done();
}

/** Whether `key` is the attached teacher's and the session takes media. */
export function acceptsTeacher<H, P>(c: SessionCore<H, P>, key: string): boolean {
  return c.life.kind !== "closed" && c.teacher.kind === "attached" && c.teacher.key === key;
}

/**
 * Every 100 ms: the filler limit (a teacher gone for `fillerMaxMs` ends the push), the
 * PLI schedule, and the watchdog (fed but no output for 15 s → restart the ffmpeg).
 */
export function tick<H, P>(
  c: SessionCore<H, P>,
  now: number,
  tuning: SessionTuning,
): SessionStep<H, P> {
  if (c.life.kind === "closed") return { next: c, effects: [] };
  const s = new Steps(c);
  const videoAt = teacherVideoAt(c);
  const since = videoAt === null ? Number.POSITIVE_INFINITY : now - videoAt;
  const stall = out.stallStep(c.stall.kind === "stalled" ? c.stall.since : null, {
    now,
    stalled: since >= tuning.stallMs,
    covering: out.outputBusy(c.output) && c.video.kind !== "none",
    ended: c.life.kind === "ended",
    fillerMaxMs: tuning.fillerMaxMs,
  });
  s.set({
    stall: stall.since === null ? { kind: "none" } : { kind: "stalled", since: stall.since },
  });
  if (stall.giveUp) {
    s.log("filler_limit_reached", { fillerMaxMs: tuning.fillerMaxMs });
    s.run(endStream(s.c));
    s.emit({ kind: "stop-output" });
    s.emit({ kind: "ended" });
  }
  // Until ffmpeg has produced output, ask at the fast rate — unless a keyframe reached it
  // within the last second (it is probing that one; more IDRs would only inflate the start).
  const { feed } = s.c;
  const waitingForOutput =
    out.outputProc(s.c.output) !== null &&
    s.c.air.kind === "off-air" &&
    (feed.keyframeFedAt === null || now - feed.keyframeFedAt > 1000);
  const pliState = waitingForOutput ? { ...s.c.pli, lastKeyframeAt: null } : s.c.pli;
  if (s.c.teacher.kind === "attached" && pliDue(pliState, now)) {
    s.set({ pli: onPliSent(s.c.pli, now) });
    s.emit({ kind: "request-keyframe", publisher: s.c.teacher.handle });
  }
  // A warm-started ffmpeg that has not been fed yet is just waiting.
  const w = s.c.watchdog;
  if (
    out.outputProc(s.c.output) !== null &&
    w.kind === "armed" &&
    feed.fedAt !== null &&
    now - (s.c.lastProgressAt ?? Math.max(w.spawnedAt, feed.fedAt)) > 15_000
  ) {
    s.set({ lastError: STREAM_ERRORS["encoder-stalled"], watchdog: { kind: "off" } });
    s.log("watchdog_fired", {});
    s.emit({ kind: "stop-output", graceMs: 1000 });
  }
  return s.done();
}

/** What health needs beyond the core. */
export interface HealthExtras {
  classId: string;
  /** The redacted RTMP target. */
  rtmp: string;
  bitrateKbps: number;
  video: SessionHealth["video"];
}

/** The health snapshot (GET /health, the health callback; protocol/bridge.ts). */
export function health<H extends { id: string }, P>(
  c: SessionCore<H, P>,
  now: number,
  x: HealthExtras,
): SessionHealth {
  const videoAt = teacherVideoAt(c);
  const fillerActive = c.video.kind === "slate" && c.life.kind !== "ended";
  const pushing = c.lastProgressAt !== null && now - c.lastProgressAt < 3000;
  const state = out.sessionState({
    output: c.output,
    ended: c.life.kind === "ended",
    fillerActive,
    pushing,
    hasPublisher: c.teacher.kind === "attached",
    noVideoSource: c.video.kind === "none",
  });
  return {
    classId: x.classId,
    state,
    rtmp: x.rtmp,
    publisherId: c.teacher.kind === "attached" ? c.teacher.handle.id : null,
    receiving: videoAt !== null && now - videoAt < 1000,
    lastMediaAt: videoAt,
    ffmpegRunning: out.outputProc(c.output) !== null,
    pushing,
    lastKeyframeAt: c.lastKeyframeAt,
    bitrateKbps: x.bitrateKbps,
    fillerActive,
    fillerSince: fillerActive && c.video.kind === "slate" ? c.video.since : null,
    restarts: c.output.restarts,
    streamStartedAt: c.air.kind === "on-air" ? c.air.since : null,
    video: x.video,
    lastError: c.lastError,
  };
}
