import { describe, expect, it } from "vitest";
import { countMax, countStep, countTicks } from "./ticks.ts";

describe("count axis ticks", () => {
  it("are whole numbers for small counts (no 0.3 or 0.5 students)", () => {
    for (const max of [1, 1.08, 2, 2.16, 3, 7]) {
      const ticks = countTicks(0, max, 8);
      expect(ticks.length).toBeGreaterThan(0);
      for (const t of ticks) expect(Number.isInteger(t)).toBe(true);
    }
    expect(countTicks(0, 2.16, 8)).toEqual([0, 1, 2]);
    expect(countTicks(0, 1, 10)).toEqual([0, 1]);
  });

  it("use 1-2-5 steps that keep the labels apart for large counts", () => {
    expect(countStep(0, 25_000, 5)).toBe(5000);
    expect(countTicks(0, 108, 6)).toEqual([0, 20, 40, 60, 80, 100]);
    expect(countStep(0, 0, 5)).toBe(1);
  });

  it("top the axis at a whole number", () => {
    expect(countMax(2)).toBe(3);
    expect(countMax(0)).toBe(1);
    expect(Number.isInteger(countMax(12_345))).toBe(true);
  });
});
