/**
 * Draws whiteboard strokes on a canvas with perfect-freehand: each stroke's normalized
 * `[x, y, pressure]` points become a smooth filled outline, scaled to the slide box.
 * Shared by the student page and the studio, so both draw the same picture. The pen
 * adds ink; the eraser cuts ink (`destination-out`) on the transparent ink layer, never
 * the slide image under it.
 */
import { getStroke } from "perfect-freehand";
import type { BoardPoint, Stroke } from "../../protocol/board.ts";

/** A stroke's look, enough to draw it (a `Stroke` or one being drawn locally). */
export type Drawable = Pick<Stroke, "tool" | "color" | "size" | "points" | "done">;

/** Outline polygon of a stroke in a `w`×`h` box (pixels). */
export function strokeOutline(s: Drawable, w: number, h: number): number[][] {
  const size = Math.max(1, (s.size / 1000) * w);
  const pts = s.points.map(([x, y, p]: BoardPoint) => [x * w, y * h, p]);
  return getStroke(pts, {
    size: s.tool === "eraser" ? size * 2 : size,
    thinning: s.tool === "eraser" ? 0 : 0.55,
    smoothing: 0.5,
    streamline: 0.45,
    simulatePressure: false,
    last: s.done,
  });
}

/** The outline as a canvas path. */
export function outlinePath(outline: number[][]): Path2D {
  const path = new Path2D();
  const first = outline[0];
  if (!first) return path;
  path.moveTo(first[0]!, first[1]!);
  // Quadratic curves through midpoints: smooth edges from a coarse polygon.
  for (let i = 0; i < outline.length; i++) {
    const a = outline[i]!;
    const b = outline[(i + 1) % outline.length]!;
    path.quadraticCurveTo(a[0]!, a[1]!, (a[0]! + b[0]!) / 2, (a[1]! + b[1]!) / 2);
  }
  path.closePath();
  return path;
}

/** Outlines of finished strokes, by stroke object and box width (they never change). */
const cache = new WeakMap<object, { w: number; h: number; path: Path2D }>();

function pathOf(s: Drawable, w: number, h: number): Path2D {
  if (!s.done) return outlinePath(strokeOutline(s, w, h));
  const hit = cache.get(s);
  if (hit && hit.w === w && hit.h === h) return hit.path;
  const path = outlinePath(strokeOutline(s, w, h));
  cache.set(s, { w, h, path });
  return path;
}

/** Clear the canvas and draw `strokes` in order, in a box of the canvas's CSS size. */
export function drawStrokes(
  canvas: HTMLCanvasElement,
  strokes: readonly Drawable[],
  cssW: number,
  cssH: number,
): void {
  const ctx = canvas.getContext("2d");
  if (!ctx) return;
  const dpr = Math.min(window.devicePixelRatio || 1, 2);
  const pw = Math.round(cssW * dpr);
  const ph = Math.round(cssH * dpr);
  if (canvas.width !== pw || canvas.height !== ph) {
    canvas.width = pw;
    canvas.height = ph;
  }
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, cssW, cssH);
  for (const s of strokes) {
    if (s.points.length === 0) continue;
    ctx.globalCompositeOperation = s.tool === "eraser" ? "destination-out" : "source-over";
    ctx.fillStyle = s.color;
    ctx.fill(pathOf(s, cssW, cssH));
  }
  ctx.globalCompositeOperation = "source-over";
}
