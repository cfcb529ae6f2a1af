/**
 * The current output ffmpeg as a class session sees it, pure (session-core.ts holds the
 * state): its start sequence (ingest check, relay), spawn, bound ports, progress (the
 * stream goes on air), RTMP failures, exit and restart. `ClassSession` (session.ts) runs
 * the process and feeds these its events.
 */
import { STREAM_ERRORS, type StreamErrorCategory } from "../protocol/ingest.ts";
import * as out from "./output-core.ts";
import { initialPliState, onPliSent } from "./pli-scheduler.ts";
import {
  freshFeed,
  mark,
  type SessionCore,
  type SessionStep,
  Steps,
  stopped,
} from "./session-core.ts";

/** The restart timer fired. */
export function restartDue<H, P>(c: SessionCore<H, P>): SessionStep<H, P> {
  const s = new Steps(c);
  s.output(out.restartDue(c.output, stopped(c)));
  return s.done();
}

/**
 * The output's start sequence begins (ingest check, relay, spawn): a fresh feed.
 * `paramsKnown`: SPS/PPS go into its SDP.
 */
export function outputStarting<H, P>(
  c: SessionCore<H, P>,
  paramsKnown: boolean,
): SessionCore<H, P> {
  return { ...c, output: out.starting(c.output), feed: freshFeed(paramsKnown) };
}

/** The start sequence gave up without a process (closed or ended meanwhile). */
export function startAbandoned<H, P>(c: SessionCore<H, P>): SessionCore<H, P> {
  return { ...c, output: out.startAbandoned(c.output) };
}

/** The ingest check refused the destination: back off and try again. */
export function ingestRefused<H, P>(
  c: SessionCore<H, P>,
  rtmp: string,
  category: StreamErrorCategory,
  detail: string,
  backoff: out.Backoff,
): SessionStep<H, P> {
  const s = new Steps(c);
  s.set({ lastError: STREAM_ERRORS[category] });
  s.log("ingest_refused", { rtmp, category, detail });
  s.output(out.failed(s.c.output, 0, backoff));
  return s.done();
}

/** The loopback RTMP relay could not start: back off and try again. */
export function relayFailed<H, P>(
  c: SessionCore<H, P>,
  message: string,
  backoff: out.Backoff,
): SessionStep<H, P> {
  const s = new Steps(c);
  s.set({ lastError: STREAM_ERRORS["encoder-failed"] });
  s.log("relay_failed", { message });
  s.output(out.failed(s.c.output, 0, backoff));
  return s.done();
}

/** The relay reports the RTMP publish: on air again, an old failure no longer applies. */
export function rtmpPublished<H, P>(c: SessionCore<H, P>): SessionCore<H, P> {
  return { ...c, lastError: null };
}

/** The relay reports an RTMP failure (ffmpeg will exit and restart). */
export function rtmpFailed<H, P>(
  c: SessionCore<H, P>,
  rtmp: string,
  category: StreamErrorCategory,
  detail: string,
): SessionStep<H, P> {
  return {
    next: { ...c, lastError: STREAM_ERRORS[category] },
    effects: [{ kind: "log", event: "rtmp_failed", fields: { rtmp, category, detail } }],
  };
}

/** The output ffmpeg `proc` was spawned at `at`; ffmpeg's copy waits for an IDR: ask quickly. */
export function outputSpawned<H, P>(
  c: SessionCore<H, P>,
  proc: P,
  at: number,
  fields: { rtmp: string; pid: number | undefined },
): SessionStep<H, P> {
  const s = new Steps(c);
  s.set({
    output: out.spawned(c.output, proc),
    watchdog: { kind: "armed", spawnedAt: at },
    lastProgressAt: null,
    lastTotalSize: 0,
    pli: initialPliState(),
  });
  mark(s, "ffmpegSpawned", at);
  s.log("ffmpeg_started", fields);
  return s.done();
}

/**
 * The output ffmpeg has bound its RTP ports: packets reach it now. If the teacher sent
 * video within the last second, an IDR went by while it started: ask for one.
 */
export function outputListening<H, P>(
  c: SessionCore<H, P>,
  proc: P,
  now: number,
  startedAt: number,
): SessionStep<H, P> {
  if (out.outputProc(c.output) !== proc || c.life.kind === "closed")
    return { next: c, effects: [] };
  const s = new Steps(c);
  s.set({ feed: { ...c.feed, port: "listening" } });
  mark(s, "ffmpegReady", now);
  s.log("ffmpeg_bound", { ms: now - startedAt });
  const t = s.c.teacher;
  if (t.kind === "attached" && t.videoAt !== null && now - t.videoAt < 1000) {
    s.set({ pli: onPliSent(s.c.pli, now) });
    s.emit({ kind: "request-keyframe", publisher: t.handle });
  }
  return s.done();
}

/**
 * ffmpeg reported `total_size` (FLV header and metadata are written before any frame:
 * only growth past 1 KiB counts). The first growth puts the stream on air.
 */
export function progress<H, P>(
  c: SessionCore<H, P>,
  totalSize: number,
  now: number,
): SessionStep<H, P> {
  const s = new Steps(c);
  if (totalSize > c.lastTotalSize && totalSize > 1024) {
    s.set({ lastProgressAt: now });
    if (c.air.kind === "off-air") {
      s.set({ air: { kind: "on-air", since: now } });
      mark(s, "firstOutput", now);
      s.emit({ kind: "prepare-slate" });
      s.log("first_output_written", {
        msSinceStart: c.watchdog.kind === "armed" ? now - c.watchdog.spawnedAt : null,
      });
    }
  }
  s.set({ lastTotalSize: totalSize });
  return s.done();
}

/** How an output ffmpeg ended. */
export interface OutputExit {
  code: number | null;
  signal: string | null;
  ranMs: number;
  tail: string[];
}

/**
 * The output ffmpeg `proc` exited: off air; a crash of a live session backs off and
 * restarts (and reports `encoder-failed` unless a better reason is known).
 */
export function outputExited<H, P>(
  c: SessionCore<H, P>,
  proc: P,
  e: OutputExit,
  backoff: out.Backoff,
): SessionStep<H, P> {
  const s = new Steps(c);
  s.set({
    feed: { ...c.feed, port: "binding" },
    watchdog: { kind: "off" },
    air: { kind: "off-air" },
  });
  s.log("ffmpeg_exited", { code: e.code, signal: e.signal, ranMs: e.ranMs, tail: e.tail });
  const step = out.exited(s.c.output, proc, e.ranMs, stopped(c), backoff);
  if (step.action.kind === "restart-in" && (e.code !== 0 || e.signal))
    s.set({ lastError: s.c.lastError ?? STREAM_ERRORS["encoder-failed"] });
  s.output(step);
  return s.done();
}
