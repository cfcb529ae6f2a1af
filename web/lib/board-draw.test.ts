import { describe, expect, it } from "vitest";
import { type Drawable, strokeOutline } from "./board-draw.ts";

const line: Drawable = {
  tool: "pen",
  color: "#dc2626",
  size: 12,
  done: true,
  points: Array.from({ length: 20 }, (_, i) => [0.1 + i * 0.02, 0.5, 0.5]),
};

/** Height of an outline's bounding box: the drawn line's thickness for a horizontal stroke. */
function thickness(outline: number[][]): number {
  const ys = outline.map((p) => p[1]!);
  return Math.max(...ys) - Math.min(...ys);
}

describe("whiteboard stroke outlines", () => {
  it("scale with the slide box, so every screen draws the same picture", () => {
    const small = strokeOutline(line, 360, 202.5);
    const big = strokeOutline(line, 1440, 810);
    expect(small.length).toBeGreaterThan(4);
    // Thickness is thousandths of the width: four times the box, four times the line.
    expect(thickness(big) / thickness(small)).toBeCloseTo(4, 0);
    const xs = big.map((p) => p[0]!);
    expect(Math.min(...xs)).toBeGreaterThan(1440 * 0.1 - 20);
    expect(Math.max(...xs)).toBeLessThan(1440 * 0.48 + 20);
  });

  it("draws the eraser wider than the pen of the same size, and nothing for no points", () => {
    const pen = thickness(strokeOutline(line, 1000, 562.5));
    const eraser = thickness(strokeOutline({ ...line, tool: "eraser" }, 1000, 562.5));
    expect(eraser).toBeGreaterThan(pen * 1.5);
    expect(strokeOutline({ ...line, points: [] }, 1000, 562.5)).toEqual([]);
  });
});
