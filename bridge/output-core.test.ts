import { describe, expect, it } from "vitest";
import {
  type Backoff,
  ending,
  exited,
  failed,
  forgetWarmUp,
  initialOutput,
  type OutputLifecycle,
  outputBusy,
  outputProc,
  restartDue,
  type SessionFacts,
  sessionState,
  spawned,
  stallStep,
  startAbandoned,
  starting,
  warm,
  warmExpired,
} from "./output-core.ts";

const B: Backoff = { initialMs: 500, maxMs: 10_000 };
type P = string;

function running(proc: P, from: OutputLifecycle<P> = initialOutput()): OutputLifecycle<P> {
  return spawned(starting(from), proc);
}

describe("output lifecycle", () => {
  it("a warm-up starts an ffmpeg once; a second warm-up while it starts or runs does nothing", () => {
    const idle = initialOutput<P>();
    expect(warm(idle, false).action).toEqual({ kind: "start" });
    expect(warm(idle, true).action).toEqual({ kind: "none" });
    expect(warm(starting(idle), false).action).toEqual({ kind: "none" });
    expect(warm(running("a"), false).action).toEqual({ kind: "none" });
    expect(outputProc(running("a"))).toBe("a");
    expect(outputBusy(idle)).toBe(false);
    expect(outputBusy(starting(idle))).toBe(true);
  });

  it("an abandoned start goes back to idle", () => {
    expect(startAbandoned(starting(initialOutput<P>())).phase).toEqual({ kind: "idle" });
    expect(startAbandoned(running("a")).phase.kind).toBe("running");
  });

  it("a crash backs off exponentially up to the cap, and a long run starts the count over", () => {
    let o = running("a");
    const delays: number[] = [];
    for (let i = 0; i < 7; i++) {
      const step = exited(o, outputProc(o)!, 1000, false, B);
      expect(step.next.phase.kind).toBe("backoff");
      if (step.action.kind === "restart-in") delays.push(step.action.delayMs);
      const due = restartDue(step.next, false);
      expect(due.action).toEqual({ kind: "start" });
      o = running(`p${i}`, due.next);
    }
    expect(delays).toEqual([500, 1000, 2000, 4000, 8000, 10_000, 10_000]);
    expect(o.restarts).toBe(7);
    const afterLongRun = exited(o, outputProc(o)!, 31_000, false, B);
    expect(afterLongRun.action).toEqual({ kind: "restart-in", delayMs: 500 });
    expect(afterLongRun.next.restarts).toBe(8);
  });

  it("a refused start (ingest check, relay) backs off like a crash", () => {
    const step = failed(starting(initialOutput<P>()), 0, B);
    expect(step.next.phase).toEqual({ kind: "backoff", delayMs: 500 });
    expect(step.next.restarts).toBe(1);
  });

  it("a stopped session neither restarts after an exit nor when the timer fires", () => {
    const o = running("a");
    const step = exited(o, "a", 1000, true, B);
    expect(step).toEqual({ next: { ...o, phase: { kind: "idle" } }, action: { kind: "none" } });
    const backoff = failed(o, 1000, B).next;
    expect(restartDue(backoff, true)).toEqual({
      next: { ...backoff, phase: { kind: "idle" } },
      action: { kind: "none" },
    });
  });

  it("warm expiry parks a running ffmpeg: its exit is no crash, and a warm-up meanwhile starts again after it", () => {
    const parked = warmExpired(running("a"));
    expect(parked.action).toEqual({ kind: "stop" });
    expect(parked.next.phase).toEqual({ kind: "parking", proc: "a", warmAfter: false });
    // Exits quietly.
    const quiet = exited(parked.next, "a", 100, false, B);
    expect(quiet.action).toEqual({ kind: "none" });
    expect(quiet.next.phase).toEqual({ kind: "idle" });
    expect(quiet.next.restarts).toBe(0);
    // A warm-up while it exits: remembered, then a fresh start.
    const rewarmed = warm(parked.next, false);
    expect(rewarmed.action).toEqual({ kind: "none" });
    const after = exited(rewarmed.next, "a", 100, false, B);
    expect(after.action).toEqual({ kind: "start" });
    // ...unless the teacher stopped meanwhile, or the session ended.
    expect(exited(forgetWarmUp(rewarmed.next), "a", 100, false, B).action).toEqual({
      kind: "none",
    });
    expect(exited(rewarmed.next, "a", 100, true, B).action).toEqual({ kind: "none" });
  });

  it("warm expiry and the end of a stream cancel a pending restart", () => {
    const backoff = failed(running("a"), 0, B).next;
    for (const step of [warmExpired(backoff), ending(backoff)]) {
      expect(step.action).toEqual({ kind: "cancel-restart" });
      expect(step.next.phase).toEqual({ kind: "idle" });
    }
    expect(warmExpired(starting(initialOutput<P>())).action).toEqual({ kind: "none" });
    expect(ending(running("a")).action).toEqual({ kind: "none" });
  });
});

describe("sessionState", () => {
  const facts = (over: Partial<SessionFacts<P>>): SessionFacts<P> => ({
    output: initialOutput(),
    ended: false,
    fillerActive: false,
    pushing: false,
    hasPublisher: false,
    noVideoSource: true,
    ...over,
  });

  it("follows a publish from waiting to live, the slate, a restart and the end", () => {
    expect(sessionState(facts({}))).toBe("waiting-for-publisher");
    // A prepared (warm) ffmpeg with nobody publishing yet.
    expect(sessionState(facts({ output: running("a") }))).toBe("starting");
    expect(sessionState(facts({ hasPublisher: true, output: running("a") }))).toBe(
      "waiting-for-keyframe",
    );
    expect(sessionState(facts({ hasPublisher: true }))).toBe("waiting-for-keyframe");
    const fed = { hasPublisher: true, noVideoSource: false, output: running("a") };
    expect(sessionState(facts(fed))).toBe("starting");
    expect(sessionState(facts({ ...fed, pushing: true }))).toBe("live");
    expect(sessionState(facts({ ...fed, pushing: true, fillerActive: true }))).toBe("filler");
    expect(sessionState(facts({ ...fed, output: failed(running("a"), 0, B).next }))).toBe(
      "restarting",
    );
    expect(sessionState(facts({ ...fed, ended: true }))).toBe("ended");
  });
});

describe("stallStep", () => {
  const at = (now: number, over: Partial<Parameters<typeof stallStep>[1]> = {}) => ({
    now,
    stalled: true,
    covering: true,
    ended: false,
    fillerMaxMs: 120_000,
    ...over,
  });

  it("the slate covers a vanished teacher for fillerMaxMs, then the push ends", () => {
    let since: number | null = null;
    const giveUps: number[] = [];
    for (const now of [1000, 60_000, 121_000, 121_001]) {
      const step = stallStep(since, at(now));
      since = step.since;
      if (step.giveUp) giveUps.push(now);
    }
    expect(since).toBe(1000);
    expect(giveUps).toEqual([121_001]);
  });

  it("media coming back resets the count; a stall with nothing to cover neither starts nor resets it", () => {
    expect(stallStep(1000, at(5000, { stalled: false }))).toEqual({ since: null, giveUp: false });
    expect(stallStep(null, at(5000, { covering: false }))).toEqual({ since: null, giveUp: false });
    expect(stallStep(1000, at(500_000, { covering: false }))).toEqual({
      since: 1000,
      giveUp: false,
    });
    expect(stallStep(1000, at(500_000, { ended: true }))).toEqual({ since: 1000, giveUp: false });
  });
});
