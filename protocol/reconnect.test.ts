import { describe, expect, it } from "vitest";
import { ReconnectPolicy } from "./reconnect.ts";

describe("ReconnectPolicy (full jitter)", () => {
  it("doubles the ceiling from 500 ms up to the 30 s cap", () => {
    const p = new ReconnectPolicy({ random: () => 0.999999 });
    const delays = Array.from({ length: 9 }, () => p.nextDelay());
    expect(delays).toEqual([499, 999, 1999, 3999, 7999, 15999, 29999, 29999, 29999]);
  });

  it("spreads delays uniformly below the ceiling (full jitter)", () => {
    const p = new ReconnectPolicy({ random: () => 0 });
    expect(p.nextDelay()).toBe(0);
    let r = 0.5;
    const half = new ReconnectPolicy({ random: () => r });
    expect(half.nextDelay()).toBe(250);
    r = 0.25;
    expect(half.nextDelay()).toBe(250);
  });

  it("gives up after maxAttempts and starts over after reset", () => {
    const p = new ReconnectPolicy({ maxAttempts: 2, random: () => 0.5 });
    expect(p.nextDelay()).toBe(250);
    expect(p.nextDelay()).toBe(500);
    expect(p.nextDelay()).toBeNull();
    expect(p.attempt).toBe(2);
    p.reset();
    expect(p.nextDelay()).toBe(250);
  });

  it("never exceeds the cap even after many attempts", () => {
    const p = new ReconnectPolicy();
    for (let i = 0; i < 200; i++) {
      const d = p.nextDelay()!;
      expect(d).toBeGreaterThanOrEqual(0);
      expect(d).toBeLessThan(30_000);
    }
  });
});
