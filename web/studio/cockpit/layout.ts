/**
 * The cockpit's pane sizes: defaults from the window, kept per browser in localStorage,
 * and clamped so every pane keeps a usable minimum whatever the window.
 */

/** Sizes in px: left and right column widths, stream pane and hands pane heights. */
export interface CockpitLayout {
  left: number;
  right: number;
  stream: number;
  hands: number;
}

/** Minimum sizes, px. */
export const MIN = {
  left: 300,
  right: 300,
  center: 360,
  stream: 200,
  polls: 160,
  hands: 120,
  talk: 240,
};

const KEY = "massclass.cockpit.layout";

/** Sensible sizes for a window of `w`×`h` (the cockpit's own height, below the headers). */
export function defaultLayout(w: number, h: number): CockpitLayout {
  const side = Math.round(Math.min(520, Math.max(MIN.left, w * 0.28)));
  return { left: side, right: side, stream: Math.round(h * 0.52), hands: Math.round(h * 0.3) };
}

/** `l` made to fit a cockpit `w`×`h`: columns leave the centre its minimum, rows theirs. */
export function clampLayout(l: CockpitLayout, w: number, h: number): CockpitLayout {
  const clamp = (v: number, lo: number, hi: number) =>
    Math.round(Math.min(Math.max(v, lo), Math.max(lo, hi)));
  const left = clamp(l.left, MIN.left, w - MIN.center - MIN.right - 24);
  const right = clamp(l.right, MIN.right, w - MIN.center - left - 24);
  return {
    left,
    right,
    stream: clamp(l.stream, MIN.stream, h - MIN.polls - 12),
    hands: clamp(l.hands, MIN.hands, h - MIN.talk - 12),
  };
}

/** The stored layout, or null. */
export function loadLayout(): CockpitLayout | null {
  try {
    const v = JSON.parse(localStorage.getItem(KEY) ?? "null") as Partial<CockpitLayout> | null;
    if (!v) return null;
    const ok = (n: unknown) => typeof n === "number" && Number.isFinite(n) && n > 0 && n < 10_000;
    return ok(v.left) && ok(v.right) && ok(v.stream) && ok(v.hands) ? (v as CockpitLayout) : null;
  } catch {
    return null;
  }
}

/** Keep the layout for next time (best effort: private windows may refuse). */
export function saveLayout(l: CockpitLayout): void {
  try {
    localStorage.setItem(KEY, JSON.stringify(l));
  } catch {
    // not kept; the defaults come back next time
  }
}
