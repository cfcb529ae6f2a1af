/**
 * Slides and whiteboard values: the palette, stroke sizes, the limits both ends share and
 * the slide-key helpers. No valibot: the web apps import this file directly;
 * protocol/board.ts (the schemas) imports and re-exports it.
 *
 * Only `import type` from ./board.ts: board.ts imports values from here.
 */
import type { SlideView } from "./board.ts";

/** Pen colours a stroke may use (the studio's palette). */
export const BOARD_COLORS = [
  "#111827",
  "#ffffff",
  "#dc2626",
  "#ea580c",
  "#facc15",
  "#16a34a",
  "#2563eb",
  "#9333ea",
] as const;
/** One of `BOARD_COLORS`. */
export type BoardColor = (typeof BOARD_COLORS)[number];
/** Stroke sizes, in thousandths of the slide width. */
export const BOARD_SIZES = [3, 6, 12, 24, 48] as const;
/** One of `BOARD_SIZES`. */
export type BoardSize = (typeof BOARD_SIZES)[number];
/** Drawing tools: the pen adds ink, the eraser removes ink under it (never the slide image). */
export type BoardTool = "pen" | "eraser";

/** Most points in one `board.stroke` batch (the client sends one batch about every 50 ms). */
export const MAX_POINTS_PER_BATCH = 64;
/** Most points in one stroke; longer strokes are refused with `board_full` (start a new stroke). */
export const MAX_POINTS_PER_STROKE = 2000;
/** Most strokes kept on one slide. */
export const MAX_STROKES_PER_SLIDE = 300;
/** Most points kept on one slide (all its strokes): bounds the `slide.changed` frame (~170 KB). */
export const MAX_POINTS_PER_SLIDE = 8000;
/** Most decks a class's root remembers for paging (the oldest are forgotten first). */
export const MAX_DECKS = 100;
/** Most pages in one deck. */
export const MAX_DECK_PAGES = 300;

/** The slide key of the blank board. Deck pages are keyed `<deckId>/<page>`. */
export const BLANK_SLIDE = "blank";

/** The slide key of deck `deckId`, page `page`. */
export function slideKey(deckId: string | null, page: number): string {
  return deckId === null ? BLANK_SLIDE : `${deckId}/${page}`;
}

/** File extension of a page image content type. */
export function pageExtension(pageType: string): string {
  return pageType === "image/png" ? "png" : pageType === "image/jpeg" ? "jpg" : "webp";
}

/** The stable, long-cached URL path of a page image. */
export function slideImagePath(deckId: string, page: number, pageType: string): string {
  return `/slides/${deckId}/${page}.${pageExtension(pageType)}`;
}

/** The blank board view. */
export function blankSlide(): SlideView {
  return { key: BLANK_SLIDE, deckId: null, deckName: "", page: 0, pageCount: 0, url: null };
}
