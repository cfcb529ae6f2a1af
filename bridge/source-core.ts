/**
 * What a class session's sources do, pure (session-core.ts holds the state): each teacher
 * packet (milestones, keyframes, the output started on the first SPS/PPS, whether it is
 * forwarded, a late packet's gap), the switches between the teacher, the slate and the
 * silence, and the 20 ms media tick that puts the fillers in. `ClassSession` (session.ts)
 * rewrites and sends the packets these decide on.
 */
import * as out from "./output-core.ts";
import { onKeyframe, onPliSent } from "./pli-scheduler.ts";
import {
  type MediaKind,
  mark,
  type SessionCore,
  type SessionStep,
  type SessionTuning,
  SILENCE,
  SLATE,
  Steps,
  sourceKey,
  stopped,
  type TrackFacts,
  teacherVideoAt,
} from "./session-core.ts";
import {
  OPUS_FRAME_TICKS,
  SLATE_FPS,
  slateCatchUp,
  slateDue,
  slateEnds,
  slateHeadStart,
} from "./slate.ts";
import { outputStarting } from "./stream-core.ts";

/** Teacher audio missing this long → silence fills in (the output never has an audio hole). */
export const AUDIO_GAP_MS = 60;

/**
 * A teacher packet arrived too late to use. Video waits for the next keyframe (asked for
 * at once, at most every 0.5 s): the frames after a hole reference what is missing.
 */
export function lateDropped<H, P>(
  c: SessionCore<H, P>,
  kind: MediaKind,
  now: number,
): SessionStep<H, P> {
  const s = new Steps(c);
  s.set({ late: { ...c.late, dropped: c.late.dropped + 1 } });
  if (kind === "video") {
    s.set({ gate: { kind: "await-keyframe" } });
    askKeyframe(s, now);
  }
  if (now - c.late.loggedAt > 1000) {
    s.set({ late: { dropped: s.c.late.dropped, loggedAt: now } });
    s.log("late_media_dropped", { packets: s.c.late.dropped });
  }
  return s.done();
}

/** Asks the teacher for a keyframe, at most every 500 ms. */
function askKeyframe<H, P>(s: Steps<H, P>, now: number): void {
  const t = s.c.teacher;
  if (t.kind !== "attached" || now - s.c.gateAskedAt <= 500) return;
  s.set({ gateAskedAt: now, pli: onPliSent(s.c.pli, now) });
  s.emit({ kind: "request-keyframe", publisher: t.handle });
}

function touchTeacher<H, P>(s: Steps<H, P>, kind: MediaKind, now: number): void {
  const t = s.c.teacher;
  if (t.kind !== "attached") return;
  s.set({ teacher: kind === "video" ? { ...t, videoAt: now } : { ...t, audioAt: now } });
}

/**
 * A teacher audio packet. Audio joins once the stream has started (the first video
 * keyframe fixed the output's timeline) and takes over from the silence at once.
 * `resumeAhead`: where it lands on its old timeline, in ticks after the last audio out.
 */
export function teacherAudio<H, P>(
  c: SessionCore<H, P>,
  key: string,
  now: number,
  resumeAhead: number | null,
): SessionStep<H, P> & { forward: boolean } {
  const s = new Steps(c);
  mark(s, "firstAudioRtp", now);
  touchTeacher(s, "audio", now);
  if (s.c.video.kind === "none") return { forward: false, ...s.done() };
  if (s.c.audio.kind !== "teacher" || s.c.audio.key !== key) {
    // Back on its old timeline if that fits after the silence (a jittery network: what
    // overlaps the silence is dropped, a gap before it is filled with more silence), else
    // where the wall clock says.
    if (s.c.audio.kind === "silence" && resumeAhead !== null && resumeAhead > OPUS_FRAME_TICKS) {
      const frames = Math.min(Math.floor(resumeAhead / OPUS_FRAME_TICKS) - 1, 15);
      s.emit({ kind: "silence-backfill", frames });
    }
    s.set({ audio: { kind: "teacher", key } });
    s.emit({
      kind: "switch-track",
      track: "audio",
      to: key,
      adjustTicks: 0,
      resumeTicks: 0.2 * 48000,
      dropOverlap: true,
    });
  }
  return { forward: true, ...s.done() };
}

/** What a teacher video packet carries (NAL units, session.ts parses them). */
export interface VideoPacketFacts {
  hasSps: boolean;
  hasIdr: boolean;
  /** Starts a keyframe (SPS or IDR). */
  keyStart: boolean;
  /** SPS and PPS have been seen (this packet or before). */
  paramsKnown: boolean;
  track: TrackFacts;
  /**
   * Where the teacher's old timeline puts this packet, in ticks after the last video out
   * (null: no old timeline); decides whether a keyframe ends the slate (`slateEnds`).
   */
  resumeAhead: number | null;
}

/**
 * A teacher video packet: milestones, keyframe bookkeeping, the output started on the
 * first SPS/PPS, and whether it is forwarded. The video switches to the teacher only on a
 * keyframe start into a listening ffmpeg: the decoder behind the RTMP server (and ffmpeg's
 * stream copy) must never see P-frames of a new source. `keyframeOut` asks the shell to
 * report the output timestamp once a keyframe start went out ({@link keyframeSent}).
 */
export function teacherVideo<H, P>(
  c: SessionCore<H, P>,
  key: string,
  now: number,
  f: VideoPacketFacts,
): SessionStep<H, P> & { forward: boolean; keyframeOut: boolean } {
  const s = new Steps(c);
  const drop = () => ({ forward: false, keyframeOut: false, ...s.done() });
  mark(s, "firstVideoRtp", now);
  touchTeacher(s, "video", now);
  if (f.hasSps) {
    mark(s, "firstSps", now);
    // Not before the first output: its encode would compete with the start for CPU.
    if (s.c.air.kind === "on-air") s.emit({ kind: "prepare-slate" });
  }
  if (f.hasIdr) {
    mark(s, "firstIdr", now);
    if (s.c.lastKeyframeAt === null || now - s.c.lastKeyframeAt > 100)
      s.set({ lastKeyframeAt: now, pli: onKeyframe(s.c.pli, now) });
  }
  if (!out.outputBusy(s.c.output) && f.paramsKnown && s.c.life.kind !== "ended") {
    // The start's first step is taken now: this packet already sees the fresh feed.
    s.set(outputStarting(s.c, true));
    s.emit({ kind: "output", action: { kind: "start" } });
  }
  // A warm-started ffmpeg has no SPS in its SDP: its first video must start at one.
  const needSps = s.c.feed.params === "in-band" && s.c.feed.keyframeFedAt === null;
  const onTeacher = s.c.video.kind === "teacher" && s.c.video.key === key;
  if (!onTeacher || needSps) {
    if (s.c.feed.port !== "listening" || !(needSps ? f.hasSps : f.keyStart)) return drop();
    const v = s.c.video;
    if (v.kind === "slate") {
      const waitedMs = v.staleKeyAt === null ? 0 : now - v.staleKeyAt;
      if (!slateEnds({ aheadTicks: f.resumeAhead, waitedMs })) {
        s.set({ video: { ...v, staleKeyAt: v.staleKeyAt ?? now } });
        askKeyframe(s, now);
        return drop();
      }
    }
    if (!onTeacher) s.run(switchVideo(s.c, { kind: "teacher", key }, now, f.track));
  }
  if (s.c.gate.kind === "await-keyframe") {
    if (!f.keyStart) return drop();
    s.set({ gate: { kind: "open" } });
  }
  if (f.keyStart && s.c.feed.port === "listening" && s.c.feed.keyframeFedAt === null) {
    s.set({ feed: { ...s.c.feed, keyframeFedAt: now } });
    mark(s, "firstForwardedKeyframe", now);
  }
  return { forward: true, keyframeOut: f.keyStart, ...s.done() };
}

/** A keyframe start went out at output timestamp `ts`. */
export function keyframeSent<H, P>(c: SessionCore<H, P>, ts: number | null): SessionCore<H, P> {
  return { ...c, feed: { ...c.feed, lastKeyOutTs: ts } };
}

/** The slate's first frame (SPS + IDR) went out at `ts`. */
export function slateKeyframeSent<H, P>(
  c: SessionCore<H, P>,
  now: number,
  ts: number | null,
): SessionCore<H, P> {
  return {
    ...c,
    feed: { ...c.feed, keyframeFedAt: c.feed.keyframeFedAt ?? now, lastKeyOutTs: ts },
  };
}

/** A packet reached the output ffmpeg. */
export function fed<H, P>(c: SessionCore<H, P>, now: number): SessionCore<H, P> {
  return c.feed.fedAt === null ? { ...c, feed: { ...c.feed, fedAt: now } } : c;
}

/** Whether the current ffmpeg still needs a sender report on `kind`. */
export function needsSenderReport<H, P>(c: SessionCore<H, P>, kind: MediaKind): boolean {
  return !c.feed.srSent.includes(kind);
}

/**
 * The current ffmpeg has had its sender report on `kind`. One SR per track per ffmpeg
 * lines audio up with video; later SRs would re-map the timestamps the bridge writes to
 * the sender's clock, and across the slate and silence that showed as non-monotonic DTS.
 */
export function senderReportSent<H, P>(c: SessionCore<H, P>, kind: MediaKind): SessionCore<H, P> {
  return { ...c, feed: { ...c.feed, srSent: [...c.feed.srSent, kind] } };
}

/**
 * Switches the output's video to the teacher or the slate. The slate may be stamped a
 * little early so the output's keyframes stay ≤ 2 s apart; the teacher's return gives
 * that time back, so the video meets the wall clock (and the audio) again.
 */
export function switchVideo<H, P>(
  c: SessionCore<H, P>,
  to: { kind: "slate" } | { kind: "teacher"; key: string },
  now: number,
  t: TrackFacts,
): SessionStep<H, P> {
  const s = new Steps(c);
  const from = sourceKey(c.video);
  let adjust = 0;
  if (to.kind === "slate") {
    if (t.since !== null && t.last !== null && c.feed.lastKeyOutTs !== null) {
      const early = slateHeadStart({
        sinceLastTicks: t.since,
        lastKeyToLastTicks: (t.last - c.feed.lastKeyOutTs) >>> 0,
        frameTicks: 90000 / SLATE_FPS,
      });
      if (early > 0) adjust = -early;
    }
    s.set({
      videoLagTicks: c.videoLagTicks - adjust,
      video: {
        kind: "slate",
        since: c.video.kind === "slate" ? c.video.since : now,
        staleKeyAt: null,
      },
    });
    s.emit({
      kind: "switch-track",
      track: "video",
      to: SLATE,
      adjustTicks: adjust,
      resumeTicks: 0,
      dropOverlap: true,
    });
  } else {
    adjust = c.videoLagTicks;
    s.set({ videoLagTicks: 0, video: to, stall: { kind: "none" } });
    // The teacher back after the slate resumes on their old timestamp mapping when it
    // fits (it keeps the wall clock, so the slate's head start is given back too): when
    // it lands at most 0.3 s past the wall clock. Further ahead (a mapping made while a
    // busy bridge handled the teacher's packets late) it would jump the video seconds
    // ahead of the audio (which re-anchors past 0.2 s) and leave a 2.6 s keyframe gap.
    s.emit({
      kind: "switch-track",
      track: "video",
      to: to.key,
      adjustTicks: adjust,
      resumeTicks: adjust + 0.3 * 90000,
      dropOverlap: false,
    });
  }
  s.log("source_switched", {
    from,
    to: to.kind === "slate" ? SLATE : to.key,
    adjustMs: Math.round(adjust / 90),
  });
  return s.done();
}

/** What the 20 ms media tick knows beyond the core. */
export interface MediaTickFacts {
  /** The slate is encoded for the current picture size. */
  slateReady: boolean;
  video: TrackFacts;
  /** When the output's video last got a packet (null: none yet). */
  videoLastOutAt: number | null;
  /** Ticks since the last audio packet out. */
  audioSince: number | null;
}

/**
 * Every 20 ms: the slate in when the teacher's video has stalled, silence the moment
 * their audio stops. Either covers only a stream that has carried something: a warm
 * ffmpeg still waiting for the first keyframe gets neither. `pace`: the shell sends the
 * slate's and the silence's due frames.
 */
export function mediaTick<H, P>(
  c: SessionCore<H, P>,
  now: number,
  tuning: Pick<SessionTuning, "stallMs">,
  f: MediaTickFacts,
): SessionStep<H, P> & { pace: boolean } {
  if (stopped(c) || out.outputProc(c.output) === null || c.video.kind === "none")
    return { pace: false, next: c, effects: [] };
  const s = new Steps(c);
  const videoQuiet = slateDue({
    now,
    stallMs: tuning.stallMs,
    lastVideoInAt: teacherVideoAt(c),
    lastVideoOutAt: f.videoLastOutAt,
  });
  if (videoQuiet && c.video.kind !== "slate" && f.slateReady)
    s.run(switchVideo(s.c, { kind: "slate" }, now, f.video));
  const audioAt = c.teacher.kind === "attached" ? c.teacher.audioAt : null;
  const audioQuiet = audioAt === null || now - audioAt >= AUDIO_GAP_MS;
  if (audioQuiet && c.audio.kind !== "silence") {
    // Start right where the last audio frame ended: no hole, and the silence catches up
    // with the wall clock at once. Not after a long break (a new publisher, a new
    // ffmpeg): seconds of silence at once would end ffmpeg's probe before the video.
    const since = f.audioSince;
    const back = since === null || since > 48000 ? 0 : Math.max(0, since - OPUS_FRAME_TICKS);
    s.set({ audio: { kind: "silence" } });
    s.emit({
      kind: "switch-track",
      track: "audio",
      to: SILENCE,
      adjustTicks: -back,
      resumeTicks: 0,
      dropOverlap: true,
    });
    s.log("silence_started", { backfillMs: Math.round(back / 48) });
  }
  return { pace: true, ...s.done() };
}

/**
 * The next slate frame gives back part of the head start the slate began with (at most
 * one frame's duration per frame, `slateCatchUp`): `step` ticks to stamp it later.
 */
export function slateFrameCatchUp<H, P>(
  c: SessionCore<H, P>,
  frameTicks: number,
): { next: SessionCore<H, P>; step: number } {
  const step = slateCatchUp(c.videoLagTicks, frameTicks);
  return { next: { ...c, videoLagTicks: c.videoLagTicks - step }, step };
}
