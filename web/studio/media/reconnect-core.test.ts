import { describe, expect, it } from "vitest";
import {
  DEFAULT_RECONNECT,
  initialFrameRateWatch,
  nextReconnectDelay,
  retryable,
  watchFrameRate,
} from "./reconnect-core.ts";

describe("nextReconnectDelay", () => {
  it("tries at once, then backs off to every 10 s", () => {
    const delays = [0, 1, 2, 3, 4, 5, 6, 9].map((a) => nextReconnectDelay(a, 0));
    expect(delays).toEqual([0, 1000, 2000, 4000, 8000, 10_000, 10_000, 10_000]);
  });
  it("gives up once the bridge's grace (2 min) is over", () => {
    expect(nextReconnectDelay(7, 105_000)).toBe(10_000);
    expect(nextReconnectDelay(8, 115_000)).toBeNull();
    expect(DEFAULT_RECONNECT.giveUpAfterMs).toBe(120_000);
  });
  it("does not retry what the teacher must fix", () => {
    expect(retryable("unauthenticated")).toBe(false);
    expect(retryable("forbidden")).toBe(false);
    expect(retryable("publisher-exists")).toBe(true);
    expect(retryable("network")).toBe(true);
    expect(retryable("bridge_unavailable")).toBe(true);
  });
});

describe("watchFrameRate", () => {
  it("republishes after 15 s of a bandwidth-starved frame rate, at most once a minute", () => {
    let w = initialFrameRateWatch();
    const low = { sentFps: 4, drawnFps: 30, limitation: "bandwidth" };
    let fired: number[] = [];
    for (let t = 0; t <= 90_000; t += 1000) {
      const r = watchFrameRate(w, low, t);
      w = r.watch;
      if (r.republish) fired.push(t);
    }
    expect(fired).toEqual([15_000, 75_000]);
    // A full frame rate resets the clock.
    w = initialFrameRateWatch();
    fired = [];
    for (let t = 0; t <= 40_000; t += 1000) {
      const r = watchFrameRate(w, t % 10_000 === 0 ? { ...low, sentFps: 29 } : low, t);
      w = r.watch;
      if (r.republish) fired.push(t);
    }
    expect(fired).toEqual([]);
  });
  it("leaves a CPU-bound or idle compositor alone", () => {
    let w = initialFrameRateWatch();
    for (let t = 0; t <= 30_000; t += 1000) {
      const a = watchFrameRate(w, { sentFps: 4, drawnFps: 30, limitation: "cpu" }, t);
      const b = watchFrameRate(a.watch, { sentFps: 2, drawnFps: 3, limitation: null }, t);
      expect(a.republish || b.republish).toBe(false);
      w = b.watch;
    }
  });
});
