/** Composite layouts the studio offers; pure values, shared by the UI and the compositor worker. */

/** Which corner the webcam sits in for picture-in-picture. */
export type Corner = "top-left" | "top-right" | "bottom-left" | "bottom-right";

/** How the screen and the camera are arranged in the one outgoing 1280×720 picture. */
export type Layout = { kind: "pip"; corner: Corner } | { kind: "screen" } | { kind: "camera" };

/** The composite's size: YouTube's 720p ladder, and what OpenH264 encodes in real time. */
export const OUTPUT = { width: 1280, height: 720, fps: 30 } as const;

/** A rectangle in output pixels. */
export interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** Fit a `sw`×`sh` source inside `box` without cropping (letterboxed). */
export function contain(sw: number, sh: number, box: Rect): Rect {
  if (sw <= 0 || sh <= 0) return box;
  const scale = Math.min(box.w / sw, box.h / sh);
  const w = Math.round(sw * scale);
  const h = Math.round(sh * scale);
  return { x: box.x + Math.round((box.w - w) / 2), y: box.y + Math.round((box.h - h) / 2), w, h };
}

/** The webcam's picture-in-picture box: a quarter of the width, inset from the chosen corner. */
export function pipRect(corner: Corner, sw: number, sh: number): Rect {
  const w = Math.round(OUTPUT.width / 4);
  const h = Math.round(sw > 0 && sh > 0 ? (w * sh) / sw : (w * 9) / 16);
  const m = 24;
  const x = corner.endsWith("left") ? m : OUTPUT.width - w - m;
  const y = corner.startsWith("top") ? m : OUTPUT.height - h - m;
  return { x, y, w, h };
}
