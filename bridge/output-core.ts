/**
 * The life of a class session's output ffmpeg as a pure state machine: one phase at a
 * time (a discriminated union), transitions as functions that return the next state and
 * what the shell must do. The session core (session-core.ts) holds it; `ClassSession`
 * (session.ts) is the shell: it spawns and kills the process and arms the restart timer.
 * Generic over the process handle `P`, so tests run it with plain values.
 */
import type { BridgeSessionState } from "../protocol/bridge.ts";

/** Where the output ffmpeg is. */
export type OutputPhase<P> =
  /** No ffmpeg, none coming until media, a warm-up or a restart asks for one. */
  | { kind: "idle" }
  /** The ingest check, the RTMP relay and the spawn are under way. */
  | { kind: "starting" }
  /** An ffmpeg runs (warm and waiting for media, or pushing). */
  | { kind: "running"; proc: P }
  /**
   * The warm expiry stopped an unused ffmpeg, which is still exiting: its exit is not a
   * crash. `warmAfter`: a warm-up came meanwhile, so a new one starts once it is gone.
   */
  | { kind: "parking"; proc: P; warmAfter: boolean }
  /** The ffmpeg failed (or was refused); a new one starts after `delayMs`. */
  | { kind: "backoff"; delayMs: number };

/** The output's phase and its failure counters. */
export interface OutputLifecycle<P> {
  phase: OutputPhase<P>;
  /** Failures in a row (an ffmpeg that ran over 30 s resets the run): the backoff exponent. */
  failures: number;
  /** Restarts so far (health). */
  restarts: number;
}

/** Restart backoff bounds. */
export interface Backoff {
  initialMs: number;
  maxMs: number;
}

/** What the shell does after a transition. */
export type OutputAction =
  | { kind: "none" }
  /** Run the start sequence (ingest check, relay, spawn). */
  | { kind: "start" }
  /** Arm the restart timer. */
  | { kind: "restart-in"; delayMs: number }
  /** Cancel the armed restart timer. */
  | { kind: "cancel-restart" }
  /** Stop the running ffmpeg (it will report its exit). */
  | { kind: "stop" };

/** A transition's result. */
export interface OutputStep<P> {
  next: OutputLifecycle<P>;
  action: OutputAction;
}

const NONE = { kind: "none" } as const;

/** A session's output before anything happened. */
export function initialOutput<P>(): OutputLifecycle<P> {
  return { phase: { kind: "idle" }, failures: 0, restarts: 0 };
}

/** The process of a running or parking output, else null. */
export function outputProc<P>(o: OutputLifecycle<P>): P | null {
  return o.phase.kind === "running" || o.phase.kind === "parking" ? o.phase.proc : null;
}

/** Whether an ffmpeg runs, is being started, or will be restarted. */
export function outputBusy<P>(o: OutputLifecycle<P>): boolean {
  return o.phase.kind !== "idle";
}

function withPhase<P>(o: OutputLifecycle<P>, phase: OutputPhase<P>): OutputLifecycle<P> {
  return { ...o, phase };
}

/**
 * A warm-up (the studio getting ready, a WHIP POST, a publisher attaching): start an
 * ffmpeg if none is there; while a parked one exits, start again after it.
 * `stopped`: the session is closed or its stream ended.
 */
export function warm<P>(o: OutputLifecycle<P>, stopped: boolean): OutputStep<P> {
  if (o.phase.kind === "parking")
    return { next: withPhase(o, { ...o.phase, warmAfter: true }), action: NONE };
  if (o.phase.kind !== "idle" || stopped) return { next: o, action: NONE };
  return { next: o, action: { kind: "start" } };
}

/** The start sequence began. */
export function starting<P>(o: OutputLifecycle<P>): OutputLifecycle<P> {
  return withPhase(o, { kind: "starting" });
}

/** The start sequence gave up without a process (the session closed or ended meanwhile). */
export function startAbandoned<P>(o: OutputLifecycle<P>): OutputLifecycle<P> {
  return o.phase.kind === "starting" ? withPhase(o, { kind: "idle" }) : o;
}

/** The ffmpeg was spawned. */
export function spawned<P>(o: OutputLifecycle<P>, proc: P): OutputLifecycle<P> {
  return withPhase(o, { kind: "running", proc });
}

/**
 * The output failed after running `ranMs` (0: refused before spawning): back off
 * exponentially, starting over after an ffmpeg that ran for more than 30 s.
 */
export function failed<P>(o: OutputLifecycle<P>, ranMs: number, backoff: Backoff): OutputStep<P> {
  const failures = ranMs > 30_000 ? 1 : o.failures + 1;
  const delayMs = Math.min(backoff.maxMs, backoff.initialMs * 2 ** (failures - 1));
  return {
    next: { phase: { kind: "backoff", delayMs }, failures, restarts: o.restarts + 1 },
    action: { kind: "restart-in", delayMs },
  };
}

/**
 * The ffmpeg `proc` exited after `ranMs`. A parked one is done (a warm-up that came
 * meanwhile starts a new one); otherwise a stopped session stays idle and a live one
 * backs off and restarts.
 */
export function exited<P>(
  o: OutputLifecycle<P>,
  proc: P,
  ranMs: number,
  stopped: boolean,
  backoff: Backoff,
): OutputStep<P> {
  const phase = o.phase;
  const mine = (phase.kind === "running" || phase.kind === "parking") && phase.proc === proc;
  if (phase.kind === "parking" && mine) {
    const idle = withPhase(o, { kind: "idle" });
    return phase.warmAfter && !stopped
      ? { next: idle, action: { kind: "start" } }
      : { next: idle, action: NONE };
  }
  const next = mine ? withPhase(o, { kind: "idle" }) : o;
  if (stopped) return { next, action: NONE };
  return failed(next, ranMs, backoff);
}

/** The restart timer fired. */
export function restartDue<P>(o: OutputLifecycle<P>, stopped: boolean): OutputStep<P> {
  if (o.phase.kind !== "backoff") return { next: o, action: NONE };
  const idle = withPhase(o, { kind: "idle" });
  return { next: idle, action: stopped ? NONE : { kind: "start" } };
}

/**
 * A prepared session's warm ffmpeg went unused: cancel a pending restart, park a running
 * ffmpeg (stop it; its exit is expected) and forget a warm-up waiting on a parked one.
 */
export function warmExpired<P>(o: OutputLifecycle<P>): OutputStep<P> {
  switch (o.phase.kind) {
    case "backoff":
      return { next: withPhase(o, { kind: "idle" }), action: { kind: "cancel-restart" } };
    case "running":
    case "parking":
      return {
        next: withPhase(o, { kind: "parking", proc: o.phase.proc, warmAfter: false }),
        action: { kind: "stop" },
      };
    case "idle":
    case "starting":
      return { next: o, action: NONE };
    default:
      return o.phase satisfies never;
  }
}

/** The stream ends (filler limit, the teacher stopping): a pending restart is cancelled. */
export function ending<P>(o: OutputLifecycle<P>): OutputStep<P> {
  if (o.phase.kind === "backoff")
    return { next: withPhase(o, { kind: "idle" }), action: { kind: "cancel-restart" } };
  return { next: o, action: NONE };
}

/** The teacher stopped: a warm-up waiting on a parked ffmpeg no longer applies. */
export function forgetWarmUp<P>(o: OutputLifecycle<P>): OutputLifecycle<P> {
  return o.phase.kind === "parking" ? withPhase(o, { ...o.phase, warmAfter: false }) : o;
}

/** What a session's health says, from its output and what it carries. */
export interface SessionFacts<P> {
  output: OutputLifecycle<P>;
  /** The stream ended (filler limit) and no publisher came back. */
  ended: boolean;
  /** The slate is on air. */
  fillerActive: boolean;
  /** ffmpeg reported output progress within the last 3 s. */
  pushing: boolean;
  hasPublisher: boolean;
  /** Nothing has been switched onto the output's video yet (no keyframe). */
  noVideoSource: boolean;
}

/** The state health reports. */
export function sessionState<P>(f: SessionFacts<P>): BridgeSessionState {
  const phase = f.output.phase.kind;
  const running = phase === "running" || phase === "parking";
  if (f.ended) return "ended";
  if (phase === "backoff") return "restarting";
  if (running && f.fillerActive) return "filler";
  if (running && f.pushing) return "live";
  if (f.hasPublisher && f.noVideoSource) return "waiting-for-keyframe";
  if (running || phase === "starting") return "starting";
  if (f.hasPublisher) return "waiting-for-keyframe";
  return "waiting-for-publisher";
}

/** The teacher's stall as the slate covers it. */
export interface StallInput {
  now: number;
  /** No teacher video for the stall threshold. */
  stalled: boolean;
  /** The slate can cover: an output exists (or is coming) and has carried video. */
  covering: boolean;
  /** The stream already ended. */
  ended: boolean;
  /** How long the slate covers a teacher who vanished before the push ends. */
  fillerMaxMs: number;
}

/**
 * Tracks when the current stall began (`since`, null: none) and says when the slate has
 * covered long enough that the push ends (`giveUp`).
 */
export function stallStep(
  since: number | null,
  s: StallInput,
): { since: number | null; giveUp: boolean } {
  if (s.stalled && s.covering && !s.ended) {
    const start = since ?? s.now;
    return { since: start, giveUp: s.now - start > s.fillerMaxMs };
  }
  return { since: s.stalled ? since : null, giveUp: false };
}
