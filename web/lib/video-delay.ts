/**
 * Alignment to the video a student actually sees (docs/architecture.md, flow 2).
 *
 * The real-time layer is seconds ahead of a student's video. Teacher events that belong
 * to the picture (slide changes, whiteboard strokes, poll and quiz rounds) carry the
 * root's server time `at`; this module holds each of them until the student's video
 * reaches that moment, and lets everything else (chat, Q&A, hands, presence) through at
 * once.
 *
 * Three parts, all with injected clocks so tests drive them with a fake one:
 * - `DelayEstimator` — how far this viewer's video is behind the server, best source
 *   first: the player's media reference time; else the bridge-reported stream start
 *   against the player's position; else how far the local player sits behind its own
 *   live edge; else the class latency mode's default. Plus the student's nudge;
 *   smoothed and clamped. It also keeps the server clock offset (min-filtered transit).
 * - `AlignedQueue` — the held events, released strictly in order when local time
 *   reaches `at + delay` (converted to the local clock).
 * - `VideoSync` — the two above plus one timer: what the classroom socket and the UI use.
 *
 * Testing hook: `?videoDelay=<seconds>` on the student page (see `delayOverrideFromUrl`)
 * pins the delay to a fixed value and treats the video as present, so an end-to-end
 * test can check that a slide change is held back by that much without a real stream.
 */
import { t } from "../i18n/common.ts";
import { formatNumber } from "../i18n/core.ts";

/** The class's YouTube latency mode (`ClassPublic.latencyMode`). */
export type LatencyMode = "ultraLow" | "low" | "normal";

/** Typical YouTube delay per latency mode, ms (docs/architecture.md facts: ≈2–5 s, 7–12 s, 15–60 s). */
export const MODE_DEFAULT_MS: Readonly<Record<LatencyMode, number>> = {
  ultraLow: 3_000,
  low: 9_000,
  normal: 20_000,
};
/** The estimate never goes beyond this (a stalled player must not hide slides for minutes). */
export const MAX_DELAY_MS = 90_000;
/** One press of − / + in the UI. */
export const NUDGE_STEP_MS = 500;
/** The student's nudge is limited to ± this. */
export const NUDGE_MAX_MS = 30_000;
/** A player sample older than this no longer counts; the next source down is used. */
export const SAMPLE_TTL_MS = 10_000;
/** Weight of a new raw sample in the smoothed value (samples arrive about once a second). */
export const SMOOTHING = 0.25;
/** A raw sample this far from the smoothed value replaces it (the player seeked or rebuffered). */
export const JUMP_MS = 8_000;
/** Clock-offset samples kept (the best of them wins). */
export const OFFSET_SAMPLES = 64;
/**
 * Local playback (mpegts.js over HTTP-FLV) rebases its timeline to 0 at join, so its
 * position says nothing about the stream start. It can say how far it sits behind the
 * newest buffered frame; the path bridge → RTMP server → HTTP-FLV adds about this much
 * on top (measured ~1.06 s total behind the bridge with latency chasing, docs/architecture.md facts).
 */
export const LOCAL_PIPELINE_MS = 700;

/**
 * What the video player tells us, best first:
 * - `reference`: the server time (epoch ms) of the frame on screen (a player's media
 *   reference time, where the player exposes one);
 * - `position`: the player's position in seconds since the stream started (YouTube live
 *   `getCurrentTime()`), compared with the bridge-reported `streamStartedAt`;
 * - `edge`: how far the player is behind its own newest buffered frame (local playback).
 */
export type PlayerSample =
  | { kind: "reference"; mediaTimeMs: number }
  | { kind: "position"; currentTimeS: number }
  | { kind: "edge"; lagMs: number };

/** Where the current estimate comes from (shown to the student as a hint). */
export type DelaySource = "fixed" | "reference" | "position" | "edge" | "default";

/** The estimate at one moment. */
export interface DelayEstimate {
  /** Final delay (source + nudge, clamped), ms. */
  delayMs: number;
  source: DelaySource;
  /** The student's own correction, ms. */
  nudgeMs: number;
}

type Kind = PlayerSample["kind"];
const KINDS_BEST_FIRST: readonly Kind[] = ["reference", "position", "edge"];

const clamp = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, x));

/**
 * This viewer's video delay and the server clock offset. Feed it frames' server times
 * and player samples; read `estimate(now)` and `offsetMs()`. Pure apart from its state:
 * every time is passed in.
 */
export class DelayEstimator {
  private mode: LatencyMode;
  private readonly fixedMs: number | null;
  private nudge = 0;
  private readonly smoothed = new Map<Kind, { value: number; at: number }>();
  private offsets: number[] = [];
  private bestOffset: number | null = null;

  constructor(opts: { mode: LatencyMode; fixedDelayMs?: number | null }) {
    this.mode = opts.mode;
    this.fixedMs = opts.fixedDelayMs ?? null;
  }

  /** The delay is pinned (test hook): the video counts as present whatever the player does. */
  get fixed(): boolean {
    return this.fixedMs !== null;
  }

  setMode(mode: LatencyMode): void {
    this.mode = mode;
  }

  /**
   * A frame stamped `serverMs` arrived at local time `localMs`. `serverMs - localMs` is
   * the offset minus the transit time, so the largest recent sample is the best bound.
   */
  observeClock(serverMs: number, localMs: number): void {
    const sample = serverMs - localMs;
    if (!Number.isFinite(sample)) return;
    this.offsets.push(sample);
    if (this.offsets.length > OFFSET_SAMPLES) this.offsets.shift();
    this.bestOffset = Math.max(...this.offsets);
  }

  /** Server clock minus local clock, ms (0 until the first sample). */
  offsetMs(): number {
    return this.bestOffset ?? 0;
  }

  /**
   * A player sample at local time `now`. `streamStartedAt` (server epoch ms) is needed
   * for `position` samples. Implausible samples (negative or beyond `MAX_DELAY_MS`) are
   * dropped: a player that reports nonsense must not freeze the class.
   */
  observePlayer(sample: PlayerSample, now: number, streamStartedAt: number | null): void {
    const serverNow = now + this.offsetMs();
    let raw: number;
    switch (sample.kind) {
      case "reference":
        raw = serverNow - sample.mediaTimeMs;
        break;
      case "position":
        if (streamStartedAt === null) return;
        raw = serverNow - streamStartedAt - sample.currentTimeS * 1000;
        break;
      case "edge":
        raw = sample.lagMs + LOCAL_PIPELINE_MS;
        break;
      default:
        sample satisfies never;
        return;
    }
    // A little below zero is clock noise; far below or beyond the cap is a wrong anchor.
    if (!Number.isFinite(raw) || raw < -2_000 || raw > MAX_DELAY_MS) return;
    raw = Math.max(0, raw);
    const prev = this.smoothed.get(sample.kind);
    const value =
      !prev || now - prev.at > SAMPLE_TTL_MS || Math.abs(raw - prev.value) > JUMP_MS
        ? raw
        : prev.value + SMOOTHING * (raw - prev.value);
    this.smoothed.set(sample.kind, { value, at: now });
  }

  /** Forget player samples (the player went away or the stream restarted). */
  resetPlayer(): void {
    this.smoothed.clear();
  }

  /** Add `deltaMs` to the student's correction (clamped to ± `NUDGE_MAX_MS`). */
  nudgeBy(deltaMs: number): void {
    this.nudge = clamp(this.nudge + deltaMs, -NUDGE_MAX_MS, NUDGE_MAX_MS);
  }

  resetNudge(): void {
    this.nudge = 0;
  }

  /** The delay at local time `now`. */
  estimate(now: number): DelayEstimate {
    let base: number;
    let source: DelaySource;
    if (this.fixedMs !== null) {
      base = this.fixedMs;
      source = "fixed";
    } else {
      const fresh = KINDS_BEST_FIRST.find((k) => {
        const s = this.smoothed.get(k);
        return s !== undefined && now - s.at <= SAMPLE_TTL_MS;
      });
      base = fresh ? this.smoothed.get(fresh)!.value : MODE_DEFAULT_MS[this.mode];
      source = fresh ?? "default";
    }
    return {
      delayMs: Math.round(clamp(base + this.nudge, 0, MAX_DELAY_MS)),
      source,
      nudgeMs: this.nudge,
    };
  }
}

/** What the queue needs of an event: its order and its server time. */
export interface TimedEvent {
  type: string;
  seq: number;
  at: number;
}

/**
 * Whether an event of this type belongs to the picture and waits for the video: slides,
 * whiteboard, polls and quizzes. A whole domain is aligned, not only its openings: a
 * poll's close must never overtake its opening, and a close seen on the video's clock
 * is exactly the per-viewer deadline extension. Chat, Q&A, hands and stream status
 * are real-time.
 */
export function isVideoAligned(type: string): boolean {
  return (
    type.startsWith("slide.") ||
    type.startsWith("board.") ||
    type.startsWith("poll.") ||
    type.startsWith("quiz.")
  );
}

/**
 * Held events in arrival (= `seq`) order. An event is due at local time
 * `at - offset + delay`; release stops at the first event not yet due, so order is
 * never broken even when `at` is not monotonic.
 */
export class AlignedQueue<E extends TimedEvent> {
  private held: E[] = [];

  get size(): number {
    return this.held.length;
  }

  hold(ev: E): void {
    this.held.push(ev);
  }

  /** Local time `ev` is due. */
  static dueAt(ev: TimedEvent, delayMs: number, offsetMs: number): number {
    return ev.at - offsetMs + delayMs;
  }

  /** Remove and return the events due at local time `now`, in order. */
  takeDue(now: number, delayMs: number, offsetMs: number): E[] {
    let n = 0;
    while (n < this.held.length && AlignedQueue.dueAt(this.held[n]!, delayMs, offsetMs) <= now) n++;
    return n === 0 ? [] : this.held.splice(0, n);
  }

  /** Local time the next event is due, or null when nothing is held. */
  nextDueAt(delayMs: number, offsetMs: number): number | null {
    const first = this.held[0];
    return first ? AlignedQueue.dueAt(first, delayMs, offsetMs) : null;
  }

  /** Remove and return everything, in order. */
  takeAll(): E[] {
    const all = this.held;
    this.held = [];
    return all;
  }

  /** Forget events a snapshot at `seq` already contains. */
  dropThrough(seq: number): void {
    this.held = this.held.filter((e) => e.seq > seq);
  }
}

/** What the delay indicator renders. */
export interface SyncView extends DelayEstimate {
  /** Events are being aligned (video present, or a fixed test delay). */
  active: boolean;
  /** Events waiting for the video. */
  held: number;
}

/** Injected clock and timers (browser defaults). */
export interface VideoSyncOptions {
  mode: LatencyMode;
  /** Test hook: pin the delay (ms) and align even without a player. */
  fixedDelayMs?: number | null;
  now?: () => number;
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (handle: unknown) => void;
}

/**
 * One student's alignment: estimator + queue + a timer. The classroom socket asks
 * `shouldHold(ev)`, then `hold(ev)`, and applies events when `onRelease` fires; the
 * video player feeds `setPlayer` / `observePlayer`; the UI reads `view()`.
 *
 * Without video (stream not live or no playing player, and no fixed delay) nothing is
 * held, and whatever was held is released at once, in order.
 */
export class VideoSync<E extends TimedEvent = TimedEvent> {
  readonly estimator: DelayEstimator;
  private readonly queue = new AlignedQueue<E>();
  private readonly now: () => number;
  private readonly setTimer: (fn: () => void, ms: number) => unknown;
  private readonly clearTimer: (handle: unknown) => void;
  private timer: unknown = null;
  private streamLive = false;
  private streamStartedAt: number | null = null;
  private playerPresent = false;
  private release: (ev: E) => void = () => {};
  private readonly listeners = new Set<(v: SyncView) => void>();
  private lastView: SyncView | null = null;

  constructor(opts: VideoSyncOptions) {
    this.estimator = new DelayEstimator({ mode: opts.mode, fixedDelayMs: opts.fixedDelayMs });
    this.now = opts.now ?? (() => Date.now());
    this.setTimer = opts.setTimer ?? ((fn, ms) => setTimeout(fn, ms));
    this.clearTimer = opts.clearTimer ?? ((h) => clearTimeout(h as ReturnType<typeof setTimeout>));
  }

  /** Where released events go (the socket applies them to the state). */
  onRelease(fn: (ev: E) => void): void {
    this.release = fn;
  }

  /** Listen to indicator changes; returns an unsubscribe. */
  subscribe(fn: (v: SyncView) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Whether events are aligned right now. */
  get active(): boolean {
    return this.estimator.fixed || (this.streamLive && this.playerPresent);
  }

  view(): SyncView {
    return { ...this.estimator.estimate(this.now()), active: this.active, held: this.queue.size };
  }

  /** A frame carrying server time `serverMs` (an event's `at`, `welcome.serverTime`) just arrived. */
  observeServerTime(serverMs: number): void {
    this.estimator.observeClock(serverMs, this.now());
  }

  /** The class's stream status (from the classroom state). */
  setStream(live: boolean, startedAt: number | null): void {
    if (live === this.streamLive && startedAt === this.streamStartedAt) return;
    if (startedAt !== this.streamStartedAt) this.estimator.resetPlayer();
    this.streamLive = live;
    this.streamStartedAt = startedAt;
    this.pump();
  }

  /** Whether a player is showing the stream (playing). */
  setPlayer(present: boolean): void {
    if (present === this.playerPresent) return;
    this.playerPresent = present;
    if (!present) this.estimator.resetPlayer();
    this.pump();
  }

  /** A sample from the playing player (about once a second). */
  observePlayer(sample: PlayerSample): void {
    this.estimator.observePlayer(sample, this.now(), this.streamStartedAt);
    this.pump();
  }

  nudge(deltaMs: number): void {
    this.estimator.nudgeBy(deltaMs);
    this.pump();
  }

  resetNudge(): void {
    this.estimator.resetNudge();
    this.pump();
  }

  /** Whether `ev` must wait: alignment is on and it belongs to the picture (`isVideoAligned`). */
  shouldHold(ev: E): boolean {
    return this.active && isVideoAligned(ev.type);
  }

  /** Hold `ev` (already sequenced by the caller); it is released when due, maybe at once. */
  hold(ev: E): void {
    this.queue.hold(ev);
    this.pump();
  }

  /** A snapshot at `seq` replaced the state: its held events are stale. */
  dropThrough(seq: number): void {
    this.queue.dropThrough(seq);
    this.pump();
  }

  /** Drop everything held and stop the timer (leaving the page). */
  stop(): void {
    if (this.timer !== null) this.clearTimer(this.timer);
    this.timer = null;
    this.queue.takeAll();
  }

  /** Release what is due, re-arm the timer for the next, tell listeners. */
  private pump(): void {
    if (this.timer !== null) {
      this.clearTimer(this.timer);
      this.timer = null;
    }
    const now = this.now();
    const { delayMs } = this.estimator.estimate(now);
    const offset = this.estimator.offsetMs();
    const out = this.active ? this.queue.takeDue(now, delayMs, offset) : this.queue.takeAll();
    for (const ev of out) this.release(ev);
    const next = this.active ? this.queue.nextDueAt(delayMs, offset) : null;
    if (next !== null) {
      this.timer = this.setTimer(
        () => {
          this.timer = null;
          this.pump();
        },
        Math.max(0, next - now),
      );
    }
    this.notify();
  }

  private notify(): void {
    const v = this.view();
    const l = this.lastView;
    if (
      l &&
      l.active === v.active &&
      l.held === v.held &&
      l.source === v.source &&
      l.nudgeMs === v.nudgeMs &&
      Math.abs(l.delayMs - v.delayMs) < 100
    )
      return;
    this.lastView = v;
    for (const fn of this.listeners) fn(v);
  }
}

/**
 * The test hook: `?videoDelay=3` (seconds, 0–90) on the page pins this viewer's delay.
 * Returns ms, or null when absent or invalid.
 */
export function delayOverrideFromUrl(search: string): number | null {
  const raw = new URLSearchParams(search).get("videoDelay");
  if (raw === null || raw.trim() === "") return null;
  const s = Number(raw);
  if (!Number.isFinite(s) || s < 0 || s * 1000 > MAX_DELAY_MS) return null;
  return Math.round(s * 1000);
}

/** "4.2 s" for the indicator. */
export function formatDelay(ms: number): string {
  const s = formatNumber(ms / 1000, { minimumFractionDigits: 1, maximumFractionDigits: 1 });
  return t("common.seconds", { n: s });
}
