import { describe, expect, it } from "vitest";
import {
  attach,
  detach,
  endStream,
  health,
  initialSession,
  markStartup,
  prepare,
  publisherStalled,
  type SessionCore,
  type SessionEffect,
  type SessionTuning,
  stopRequested,
  stopSettled,
  tick,
  warmTimerFired,
} from "./session-core.ts";
import { teacherVideo } from "./source-core.ts";
import {
  outputExited,
  outputListening,
  outputSpawned,
  outputStarting,
  progress,
} from "./stream-core.ts";

type H = { id: string };
type P = string;
type C = SessionCore<H, P>;
const T: SessionTuning = {
  stallMs: 1000,
  fillerMaxMs: 120_000,
  backoff: { initialMs: 500, maxMs: 10_000 },
};
const teacher: H = { id: "t1" };
const none = { since: null, last: null };
const X = { classId: "c1", rtmp: "rtmp://x/live/***", bitrateKbps: 0, video: null };

const kinds = (effects: SessionEffect<H>[]) =>
  effects.map((e) => (e.kind === "log" ? `log:${e.event}` : e.kind));

/** A session with `teacher` attached and an output ffmpeg "a" spawned and listening. */
function listening(at = 1000): C {
  let c = attach(initialSession<H, P>(), teacher, at).next;
  c = outputStarting(c, false);
  c = outputSpawned(c, "a", at, { rtmp: "r", pid: 1 }).next;
  return outputListening(c, "a", at + 100, at).next;
}

/** ...and the teacher's first keyframe forwarded (the stream carries video). */
function fedKeyframe(at = 1200): C {
  const step = teacherVideo(listening(), "teacher:t1", at, {
    hasSps: true,
    hasIdr: true,
    keyStart: true,
    paramsKnown: true,
    track: none,
    resumeAhead: null,
  });
  expect(step.forward).toBe(true);
  return { ...step.next, feed: { ...step.next.feed, fedAt: at } };
}

describe("publisher attach, detach, takeover", () => {
  it("an attach measures the start-up, disarms the warm expiry and warms the output up", () => {
    const step = attach(initialSession<H, P>(), teacher, 1000);
    expect(step.next.teacher).toMatchObject({ kind: "attached", key: "teacher:t1" });
    expect(step.next.startup).toEqual({
      kind: "measuring",
      publisherId: "t1",
      at: 1000,
      marks: {},
    });
    expect(kinds(step.effects)).toEqual(["clear-warm-timer", "log:publisher_attached", "output"]);
    expect(step.effects.at(-1)).toEqual({ kind: "output", action: { kind: "start" } });
  });

  it("a second publisher takes over: the first is detached and closed first", () => {
    const first = attach(initialSession<H, P>(), teacher, 1000).next;
    const step = attach(first, { id: "t2" }, 2000);
    expect(kinds(step.effects).slice(0, 2)).toEqual(["log:publisher_detached", "close-publisher"]);
    expect(step.effects[1]).toEqual({ kind: "close-publisher", publisher: teacher });
    expect(step.next.teacher).toMatchObject({ kind: "attached", handle: { id: "t2" } });
  });

  it("a publisher returning to a stream on air measures nothing; one after the end reopens it", () => {
    const onAir = { ...listening(), air: { kind: "on-air", since: 5 } } as C;
    expect(attach(onAir, { id: "t2" }, 9000).next.startup).toEqual({ kind: "idle" });
    const ended = endStream(listening()).next;
    expect(ended.life).toEqual({ kind: "ended" });
    expect(attach(ended, { id: "t2" }, 9000).next.life).toEqual({ kind: "open" });
  });

  it("detach ignores another publisher's id and closes only when asked", () => {
    const c = attach(initialSession<H, P>(), teacher, 1000).next;
    expect(detach(c, "other", true)).toEqual({ next: c, effects: [] });
    const quiet = detach(c, "t1", false);
    expect(quiet.next.teacher).toEqual({ kind: "absent" });
    expect(kinds(quiet.effects)).toEqual(["log:publisher_detached"]);
    expect(kinds(detach(c, "t1", true).effects)).toContain("close-publisher");
  });

  it("a publisher is stalled after 5 s without video", () => {
    const c = fedKeyframe(1200);
    expect(publisherStalled(c, 6000)).toBe(false);
    expect(publisherStalled(c, 6201)).toBe(true);
    expect(publisherStalled(initialSession<H, P>(), 0)).toBe(true);
  });
});

describe("start-up milestones", () => {
  it("the first of each mark counts, another publisher's are ignored, the first output logs them", () => {
    let c = attach(initialSession<H, P>(), teacher, 1000).next;
    c = markStartup(c, "t1", "iceConnected", 1100).next;
    c = markStartup(c, "t1", "iceConnected", 1500).next;
    c = markStartup(c, "t2", "connected", 1200).next;
    c = markStartup(c, null, "firstSps", 1300).next;
    const done = markStartup(c, null, "firstOutput", 1900);
    expect(done.next.startup).toEqual({ kind: "idle" });
    expect(done.effects).toEqual([
      {
        kind: "log",
        event: "startup_measured",
        fields: { publisherId: "t1", iceConnected: 100, firstSps: 300, firstOutput: 900 },
      },
    ]);
  });
});

describe("prepare and the warm expiry", () => {
  it("prepare arms the expiry and warms up; it is refused while a stream is carried", () => {
    const step = prepare(initialSession<H, P>(), 600, 1000);
    expect(step.ok).toBe(true);
    expect(step.next.warm).toEqual({ kind: "armed", until: 1600 });
    expect(kinds(step.effects)).toEqual(["arm-warm-timer", "output"]);
    expect(prepare(attach(initialSession<H, P>(), teacher, 0).next, 600, 1000).ok).toBe(false);
    expect(prepare(fedKeyframe(), 600, 2000).ok).toBe(false);
    expect(prepare(endStream(initialSession<H, P>()).next, 600, 1000).ok).toBe(false);
  });

  it("an unused warm ffmpeg is parked and the session given up; a publisher keeps it", () => {
    let c = prepare(initialSession<H, P>(), 600, 1000).next;
    c = outputSpawned(outputStarting(c, false), "a", 1000, { rtmp: "r", pid: 1 }).next;
    const expired = warmTimerFired(c, 600);
    expect(kinds(expired.effects)).toEqual(["log:warm_expired", "output", "warm-expired"]);
    expect(expired.next.output.phase).toMatchObject({ kind: "parking", proc: "a" });
    expect(expired.next.warm).toEqual({ kind: "unarmed" });
    const used = warmTimerFired(attach(c, teacher, 1200).next, 600);
    expect(used.effects).toEqual([]);
  });
});

describe("stop", () => {
  it("a stop detaches and closes the teacher, ends the push and leaves the session idle again", () => {
    const c = fedKeyframe();
    const req = stopRequested(c, "whip-delete");
    expect(kinds(req.effects)).toEqual([
      "log:publisher_detached",
      "close-publisher",
      "clear-warm-timer",
      "log:session_stopped",
    ]);
    const ended = endStream(req.next);
    expect(ended.next.life).toEqual({ kind: "ended" });
    expect(kinds(ended.effects)).toEqual(["fillers-paused"]);
    const settled = stopSettled(ended.next);
    expect(settled.next.life).toEqual({ kind: "open" });
    expect(settled.next.video).toEqual({ kind: "none" });
    expect(settled.next.audio).toEqual({ kind: "none" });
    expect(settled.next.feed.fedAt).toBeNull();
    expect(settled.effects.map((e) => e.kind === "switch-track" && [e.track, e.to])).toEqual([
      ["video", null],
      ["audio", null],
    ]);
    // A publisher who came back meanwhile keeps their stream.
    const back = attach(ended.next, { id: "t2" }, 5000).next;
    expect(stopSettled(back)).toEqual({ next: back, effects: [] });
  });
});

describe("the 100 ms tick", () => {
  it("the slate covers a vanished teacher for fillerMaxMs, then the push ends", () => {
    let c = detach(fedKeyframe(1200), "t1", false).next;
    c = tick(c, 2300, T).next;
    expect(c.stall).toEqual({ kind: "stalled", since: 2300 });
    const before = tick(c, 2300 + T.fillerMaxMs, T);
    expect(kinds(before.effects)).not.toContain("ended");
    const giveUp = tick(before.next, 2301 + T.fillerMaxMs, T);
    expect(kinds(giveUp.effects)).toEqual([
      "log:filler_limit_reached",
      "fillers-paused",
      "stop-output",
      "ended",
    ]);
    expect(giveUp.next.life).toEqual({ kind: "ended" });
    expect(giveUp.next.stall).toEqual({ kind: "none" });
  });

  it("asks for keyframes at the fast rate until the output is on air", () => {
    const c = fedKeyframe(1200);
    // The keyframe reached ffmpeg within the last second: it is probing it.
    expect(kinds(tick(c, 1500, T).effects)).not.toContain("request-keyframe");
    const late = tick(c, 2300, T);
    expect(kinds(late.effects)).toContain("request-keyframe");
    expect(late.effects.find((e) => e.kind === "request-keyframe")).toEqual({
      kind: "request-keyframe",
      publisher: teacher,
    });
  });

  it("the watchdog restarts an ffmpeg fed but silent for 15 s; an unfed warm one just waits", () => {
    const fed = fedKeyframe(1200);
    expect(kinds(tick(fed, 16_100, T).effects)).not.toContain("stop-output");
    const fired = tick(fed, 16_300, T);
    expect(kinds(fired.effects)).toContain("log:watchdog_fired");
    expect(fired.effects.find((e) => e.kind === "stop-output")).toEqual({
      kind: "stop-output",
      graceMs: 1000,
    });
    expect(fired.next.lastError).toMatch(/.+/);
    expect(fired.next.watchdog).toEqual({ kind: "off" });
    expect(kinds(tick(fired.next, 40_000, T).effects)).not.toContain("log:watchdog_fired");
    expect(kinds(tick(listening(), 60_000, T).effects)).not.toContain("stop-output");
    // Progress keeps it quiet.
    const progressing = progress(fed, 5000, 10_000).next;
    expect(kinds(tick(progressing, 24_000, T).effects)).not.toContain("stop-output");
  });
});

describe("the output ffmpeg's life as the session sees it", () => {
  it("bound ports ask for an IDR if the teacher's video went by meanwhile", () => {
    let c = attach(initialSession<H, P>(), teacher, 1000).next;
    c = outputSpawned(outputStarting(c, false), "a", 1000, { rtmp: "r", pid: 1 }).next;
    c = teacherVideo(c, "teacher:t1", 1100, {
      hasSps: true,
      hasIdr: true,
      keyStart: true,
      paramsKnown: true,
      track: none,
      resumeAhead: null,
    }).next;
    const bound = outputListening(c, "a", 1500, 1000);
    expect(bound.next.feed.port).toBe("listening");
    expect(kinds(bound.effects)).toEqual(["log:ffmpeg_bound", "request-keyframe"]);
    // Not for an ffmpeg that is no longer the current one.
    expect(outputListening(c, "old", 1500, 1000).effects).toEqual([]);
  });

  it("the first output growth puts the stream on air, once", () => {
    const c = fedKeyframe(1200);
    expect(progress(c, 900, 1500).next.air).toEqual({ kind: "off-air" });
    const first = progress(c, 4000, 1600);
    expect(first.next.air).toEqual({ kind: "on-air", since: 1600 });
    expect(kinds(first.effects)).toEqual([
      "log:startup_measured",
      "prepare-slate",
      "log:first_output_written",
    ]);
    expect(progress(first.next, 8000, 1700).effects).toEqual([]);
  });

  it("a crash goes off air and backs off; a stopped session stays idle", () => {
    const c = progress(fedKeyframe(1200), 4000, 1600).next;
    const crash = outputExited(c, "a", { code: 1, signal: null, ranMs: 5000, tail: [] }, T.backoff);
    expect(crash.next.air).toEqual({ kind: "off-air" });
    expect(crash.next.feed.port).toBe("binding");
    expect(crash.next.lastError).toMatch(/.+/);
    expect(crash.effects.at(-1)).toEqual({
      kind: "output",
      action: { kind: "restart-in", delayMs: 500 },
    });
    const ended = endStream(c).next;
    const quiet = outputExited(
      ended,
      "a",
      { code: 0, signal: null, ranMs: 5000, tail: [] },
      T.backoff,
    );
    expect(kinds(quiet.effects)).toEqual(["log:ffmpeg_exited"]);
    expect(quiet.next.lastError).toBeNull();
  });
});

describe("health", () => {
  it("follows a publish: waiting, starting, live, the slate, ended", () => {
    const h = (c: C, now: number) => health(c, now, X);
    expect(h(initialSession(), 0)).toMatchObject({
      state: "waiting-for-publisher",
      publisherId: null,
      fillerActive: false,
    });
    expect(h(listening(), 1200).state).toBe("waiting-for-keyframe");
    const fed = fedKeyframe(1200);
    expect(h(fed, 1300)).toMatchObject({
      state: "starting",
      receiving: true,
      lastKeyframeAt: 1200,
    });
    const live = progress(fed, 4000, 1600).next;
    expect(h(live, 1700)).toMatchObject({ state: "live", pushing: true, streamStartedAt: 1600 });
    const slate = { ...live, video: { kind: "slate", since: 2500, staleKeyAt: null } } as C;
    expect(h(slate, 2600)).toMatchObject({ state: "filler", fillerSince: 2500, receiving: false });
    expect(h(endStream(slate).next, 2700)).toMatchObject({ state: "ended", fillerSince: null });
  });
});
