import { describe, expect, it } from "vitest";
import {
  AlignedQueue,
  DelayEstimator,
  delayOverrideFromUrl,
  isVideoAligned,
  LOCAL_PIPELINE_MS,
  MAX_DELAY_MS,
  MODE_DEFAULT_MS,
  NUDGE_MAX_MS,
  SAMPLE_TTL_MS,
  type TimedEvent,
  VideoSync,
} from "./video-delay.ts";

/** A fake clock with timers, driven by `advance`. */
function fakeClock(start = 1_000_000) {
  let now = start;
  let nextId = 1;
  const timers = new Map<number, { at: number; fn: () => void }>();
  return {
    now: () => now,
    setTimer: (fn: () => void, ms: number) => {
      const id = nextId++;
      timers.set(id, { at: now + ms, fn });
      return id;
    },
    clearTimer: (id: unknown) => {
      timers.delete(id as number);
    },
    /** Move time forward, firing due timers in order. */
    advance(ms: number) {
      const end = now + ms;
      for (;;) {
        let first: [number, { at: number; fn: () => void }] | null = null;
        for (const e of timers) if (e[1].at <= end && (!first || e[1].at < first[1].at)) first = e;
        if (!first) break;
        timers.delete(first[0]);
        now = Math.max(now, first[1].at);
        first[1].fn();
      }
      now = end;
    },
    pending: () => timers.size,
  };
}

const ev = (seq: number, at: number, type = "slide.changed"): TimedEvent => ({ type, seq, at });

describe("DelayEstimator", () => {
  it("falls back to the latency mode's default without a player", () => {
    const e = new DelayEstimator({ mode: "low" });
    expect(e.estimate(0)).toEqual({ delayMs: MODE_DEFAULT_MS.low, source: "default", nudgeMs: 0 });
    e.setMode("ultraLow");
    expect(e.estimate(0).delayMs).toBe(3_000);
  });

  it("keeps the best (least transit) server clock offset", () => {
    const e = new DelayEstimator({ mode: "low" });
    expect(e.offsetMs()).toBe(0);
    // Server is 5 s ahead; transits of 300, 40 and 900 ms.
    e.observeClock(10_000 + 5_000 - 300, 10_000);
    e.observeClock(11_000 + 5_000 - 40, 11_000);
    e.observeClock(12_000 + 5_000 - 900, 12_000);
    expect(e.offsetMs()).toBe(4_960);
  });

  it("uses stream start against the player's position, smoothed", () => {
    const e = new DelayEstimator({ mode: "normal" });
    e.observeClock(100_000, 100_000); // clocks agree
    // Stream started at server 40_000; at 100_000 the player shows second 56 → 4 s behind.
    e.observePlayer({ kind: "position", currentTimeS: 56 }, 100_000, 40_000);
    expect(e.estimate(100_000)).toMatchObject({ delayMs: 4_000, source: "position" });
    // A noisy sample (5 s) moves the smoothed value only part of the way.
    e.observePlayer({ kind: "position", currentTimeS: 56 }, 101_000, 40_000);
    const d = e.estimate(101_000).delayMs;
    expect(d).toBeGreaterThan(4_000);
    expect(d).toBeLessThan(5_000);
  });

  it("prefers the media reference time over the position", () => {
    const e = new DelayEstimator({ mode: "normal" });
    e.observePlayer({ kind: "position", currentTimeS: 50 }, 100_000, 40_000); // 10 s
    e.observePlayer({ kind: "reference", mediaTimeMs: 97_500 }, 100_000, 40_000); // 2.5 s
    expect(e.estimate(100_000)).toMatchObject({ delayMs: 2_500, source: "reference" });
  });

  it("converts the reference time with the clock offset", () => {
    const e = new DelayEstimator({ mode: "normal" });
    e.observeClock(103_000, 100_000); // server 3 s ahead
    e.observePlayer({ kind: "reference", mediaTimeMs: 101_000 }, 100_000, null);
    expect(e.estimate(100_000).delayMs).toBe(2_000);
  });

  it("estimates local playback from its lag behind the buffered edge", () => {
    const e = new DelayEstimator({ mode: "normal" });
    e.observePlayer({ kind: "edge", lagMs: 400 }, 0, null);
    expect(e.estimate(0)).toMatchObject({ delayMs: 400 + LOCAL_PIPELINE_MS, source: "edge" });
  });

  it("drops implausible samples and stale ones", () => {
    const e = new DelayEstimator({ mode: "ultraLow" });
    // The player's clock starts at 0 for a late joiner: 10 minutes "behind" is nonsense.
    e.observePlayer({ kind: "position", currentTimeS: 1 }, 700_000, 0);
    expect(e.estimate(700_000).source).toBe("default");
    e.observePlayer({ kind: "position", currentTimeS: 695 }, 700_000, 0);
    expect(e.estimate(700_000)).toMatchObject({ delayMs: 5_000, source: "position" });
    expect(e.estimate(700_000 + SAMPLE_TTL_MS + 1).source).toBe("default");
  });

  it("jumps instead of smoothing when the player seeks", () => {
    const e = new DelayEstimator({ mode: "normal" });
    e.observePlayer({ kind: "position", currentTimeS: 96 }, 100_000, 0); // 4 s
    e.observePlayer({ kind: "position", currentTimeS: 81 }, 101_000, 0); // 20 s
    expect(e.estimate(101_000).delayMs).toBe(20_000);
  });

  it("adds the student's nudge, clamped", () => {
    const e = new DelayEstimator({ mode: "ultraLow" });
    e.nudgeBy(-500);
    expect(e.estimate(0)).toMatchObject({ delayMs: 2_500, nudgeMs: -500 });
    e.nudgeBy(-10_000);
    expect(e.estimate(0).delayMs).toBe(0);
    e.nudgeBy(1_000_000);
    expect(e.estimate(0).nudgeMs).toBe(NUDGE_MAX_MS);
    e.resetNudge();
    expect(e.estimate(0).delayMs).toBe(3_000);
  });

  it("never exceeds the cap", () => {
    const e = new DelayEstimator({ mode: "normal" });
    e.observePlayer({ kind: "reference", mediaTimeMs: 100_000 - MAX_DELAY_MS + 1 }, 100_000, null);
    e.nudgeBy(NUDGE_MAX_MS);
    expect(e.estimate(100_000).delayMs).toBe(MAX_DELAY_MS);
  });

  it("a fixed delay wins over everything", () => {
    const e = new DelayEstimator({ mode: "normal", fixedDelayMs: 3_000 });
    e.observePlayer({ kind: "reference", mediaTimeMs: 0 }, 10_000, null);
    expect(e.estimate(10_000)).toMatchObject({ delayMs: 3_000, source: "fixed" });
  });
});

describe("AlignedQueue", () => {
  it("releases in order, stopping at the first event not due", () => {
    const q = new AlignedQueue<TimedEvent>();
    q.hold(ev(1, 1_000));
    q.hold(ev(2, 3_000));
    q.hold(ev(3, 2_000)); // out-of-order `at` must not overtake seq 2
    expect(q.takeDue(3_999, 1_000, 0).map((e) => e.seq)).toEqual([1]);
    expect(q.nextDueAt(1_000, 0)).toBe(4_000);
    expect(q.takeDue(4_000, 1_000, 0).map((e) => e.seq)).toEqual([2, 3]);
    expect(q.size).toBe(0);
  });

  it("drops what a snapshot already contains", () => {
    const q = new AlignedQueue<TimedEvent>();
    for (const s of [4, 5, 6]) q.hold(ev(s, 0));
    q.dropThrough(5);
    expect(q.takeAll().map((e) => e.seq)).toEqual([6]);
  });
});

describe("VideoSync", () => {
  function setup(fixedDelayMs: number | null = null) {
    const clock = fakeClock();
    const sync = new VideoSync({ mode: "ultraLow", fixedDelayMs, ...clock });
    const released: { seq: number; at: number }[] = [];
    sync.onRelease((e) => released.push({ seq: e.seq, at: clock.now() }));
    return { clock, sync, released };
  }

  it("passes everything without video", () => {
    const { sync } = setup();
    expect(sync.active).toBe(false);
    expect(sync.shouldHold(ev(1, 0))).toBe(false);
    sync.setStream(true, null); // live, but no player yet
    expect(sync.shouldHold(ev(1, 0))).toBe(false);
  });

  it("holds picture events until the video reaches them; chat passes", () => {
    const { clock, sync, released } = setup();
    sync.setStream(true, null);
    sync.setPlayer(true); // no samples: the mode default, 3 s
    const t0 = clock.now();
    sync.observeServerTime(t0); // clocks agree
    expect(sync.shouldHold(ev(1, t0, "chat.message"))).toBe(false);
    expect(sync.shouldHold(ev(1, t0, "poll.opened"))).toBe(true);
    sync.hold(ev(1, t0));
    clock.advance(2_999);
    expect(released).toEqual([]);
    expect(sync.view()).toMatchObject({ active: true, held: 1, delayMs: 3_000 });
    clock.advance(1);
    expect(released).toEqual([{ seq: 1, at: t0 + 3_000 }]);
    expect(clock.pending()).toBe(0);
  });

  it("uses the server clock offset to place events", () => {
    const { clock, sync, released } = setup(2_000);
    const t0 = clock.now();
    sync.observeServerTime(t0 + 10_000); // server 10 s ahead of us
    sync.hold(ev(1, t0 + 10_000));
    clock.advance(1_999);
    expect(released).toHaveLength(0);
    clock.advance(1);
    expect(released).toEqual([{ seq: 1, at: t0 + 2_000 }]);
  });

  it("releases held events early when the delay shrinks, and all at once when video stops", () => {
    const { clock, sync, released } = setup();
    sync.setStream(true, null);
    sync.setPlayer(true);
    const t0 = clock.now();
    sync.observeServerTime(t0);
    sync.hold(ev(1, t0));
    sync.hold(ev(2, t0 + 500));
    sync.hold(ev(3, t0 + 1_000));
    clock.advance(1_000);
    sync.nudge(-2_000); // 3 s → 1 s: seq 1 is due now, 2 and 3 follow on the new delay
    expect(released).toEqual([{ seq: 1, at: t0 + 1_000 }]);
    clock.advance(1_000);
    expect(released.slice(1)).toEqual([
      { seq: 2, at: t0 + 1_500 },
      { seq: 3, at: t0 + 2_000 },
    ]);
    sync.hold(ev(4, t0 + 1_100));
    sync.hold(ev(5, t0 + 1_200));
    sync.setPlayer(false);
    expect(released.map((r) => r.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(sync.view().held).toBe(0);
  });

  it("a fixed delay aligns even without a player; stop drops the rest", () => {
    const { clock, sync, released } = setup(3_000);
    expect(sync.active).toBe(true);
    sync.observeServerTime(clock.now());
    sync.hold(ev(7, clock.now()));
    sync.stop();
    clock.advance(5_000);
    expect(released).toEqual([]);
  });

  it("notifies the indicator on meaningful changes only", () => {
    const { sync } = setup();
    const views: string[] = [];
    sync.subscribe((v) => views.push(`${v.active} ${v.delayMs}`));
    sync.setStream(true, null);
    sync.setPlayer(true);
    sync.nudge(500);
    sync.nudge(0);
    expect(views).toEqual(["false 3000", "true 3000", "true 3500"]);
  });
});

describe("isVideoAligned / delayOverrideFromUrl", () => {
  it("aligns slides, whiteboard, polls and quizzes, not chat, Q&A or hands", () => {
    for (const t of ["slide.changed", "board.stroke", "poll.opened", "quiz.closed"])
      expect(isVideoAligned(t)).toBe(true);
    for (const t of ["chat.message", "qa.updated", "hand.queue", "stream.status"])
      expect(isVideoAligned(t)).toBe(false);
  });

  it("reads ?videoDelay=<seconds>", () => {
    expect(delayOverrideFromUrl("?videoDelay=3")).toBe(3_000);
    expect(delayOverrideFromUrl("?videoDelay=0.5")).toBe(500);
    expect(delayOverrideFromUrl("")).toBeNull();
    expect(delayOverrideFromUrl("?videoDelay=abc")).toBeNull();
    expect(delayOverrideFromUrl("?videoDelay=-1")).toBeNull();
    expect(delayOverrideFromUrl("?videoDelay=1000")).toBeNull();
  });
});
