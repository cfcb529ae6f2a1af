import { describe, expect, it } from "vitest";
import {
  DEFAULT_PLI_SCHEDULE,
  initialPliState,
  msUntilDue,
  onKeyframe,
  onPliSent,
  type PliState,
  pliDue,
} from "./pli-scheduler.ts";

/** Drives the scheduler with a fake clock; the "encoder" answers a PLI with an IDR after `rttMs`. */
function simulate(opts: {
  untilMs: number;
  rttMs: number;
  firstIdrAfterPlis?: number;
  answer?: boolean;
}) {
  let state: PliState = initialPliState();
  const plis: number[] = [];
  const keyframes: number[] = [];
  const pending: number[] = [];
  let ignored = opts.firstIdrAfterPlis ?? 0;
  for (let now = 0; now <= opts.untilMs; now += 10) {
    while (pending.length && pending[0]! <= now) {
      pending.shift();
      keyframes.push(now);
      state = onKeyframe(state, now);
    }
    if (pliDue(state, now)) {
      state = onPliSent(state, now);
      plis.push(now);
      if (opts.answer !== false) {
        if (ignored > 0) ignored--;
        else pending.push(now + opts.rttMs);
      }
    }
  }
  return { plis, keyframes };
}

describe("PLI scheduler", () => {
  it("asks every ~300 ms until the first IDR", () => {
    const { plis } = simulate({ untilMs: 1500, rttMs: 50, answer: false });
    expect(plis).toEqual([0, 300, 600, 900, 1200, 1500]);
  });

  it("then keeps keyframes ≤ 2 s apart with a 100 ms round trip", () => {
    const { keyframes } = simulate({ untilMs: 20_000, rttMs: 100 });
    const gaps = keyframes.slice(1).map((k, i) => k - keyframes[i]!);
    expect(keyframes[0]).toBe(100);
    expect(Math.max(...gaps)).toBeLessThanOrEqual(DEFAULT_PLI_SCHEDULE.steadyMs);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(1300);
  });

  it("keeps asking quickly when the first PLIs are lost", () => {
    const { keyframes, plis } = simulate({ untilMs: 3000, rttMs: 50, firstIdrAfterPlis: 3 });
    expect(plis.slice(0, 4)).toEqual([0, 300, 600, 900]);
    expect(keyframes[0]).toBe(950);
  });

  it("does not ask while natural keyframes keep coming", () => {
    let s = onKeyframe(initialPliState(), 0);
    for (let t = 0; t <= 10_000; t += 1000) {
      s = onKeyframe(s, t);
      expect(pliDue(s, t + 999)).toBe(false);
    }
  });

  it("retries every 300 ms once a keyframe is overdue", () => {
    let s = onKeyframe(initialPliState(), 0);
    expect(pliDue(s, 1299)).toBe(false);
    expect(pliDue(s, 1300)).toBe(true);
    s = onPliSent(s, 1300);
    expect(pliDue(s, 1550)).toBe(false);
    expect(msUntilDue(s, 1550)).toBe(50);
    expect(pliDue(s, 1600)).toBe(true);
  });
});
