/**
 * Slides and whiteboard on the wire: the teacher's commands (valibot schemas) and the
 * sequenced events every participant applies; the limits both ends share are in
 * ./board.constants.ts (no valibot, imported by the web apps), re-exported here.
 *
 * Only `import type` from ./realtime.ts: realtime.ts spreads `BoardSchemas` into its
 * `ClientSchemas` at module load, so a value import back would hit the circular-import
 * temporal dead zone. Runtime-neutral (no DOM, Workers or Node imports).
 *
 * Coordinates are normalized to the slide: x and y in 0…1 of its width and height
 * (a 16:9 box), so every screen size draws the same picture. docs/protocol.md
 * ("Slides and whiteboard") is the prose companion.
 */
import * as v from "valibot";
import {
  BOARD_COLORS,
  BOARD_SIZES,
  type BoardColor,
  type BoardSize,
  type BoardTool,
  MAX_DECK_PAGES,
  MAX_POINTS_PER_BATCH,
} from "./board.constants.ts";

export * from "./board.constants.ts";

/** `[x, y, pressure]`, each 0…1. */
export type BoardPoint = [number, number, number];

/** What identifies a stroke and how it looks (the points come in batches). */
export interface StrokeStyle {
  /** Client-chosen id, unique per slide. */
  id: string;
  tool: BoardTool;
  color: BoardColor;
  size: BoardSize;
}

/** One whiteboard stroke as stored and redrawn. */
export interface Stroke extends StrokeStyle {
  points: BoardPoint[];
  /** The pen was lifted: no more points will come. */
  done: boolean;
}

/** The slide on screen: a deck page, or the blank board (`deckId` null). */
export interface SlideView {
  /** `BLANK_SLIDE` or `<deckId>/<page>`; strokes belong to a key. */
  key: string;
  deckId: string | null;
  /** Deck name (user text: render as text). Empty for the blank board. */
  deckName: string;
  /** 1-based page; 0 for the blank board. */
  page: number;
  /** Pages in the deck; 0 for the blank board. */
  pageCount: number;
  /** The page image (same-origin path, long-cached), or null for the blank board. */
  url: string | null;
}

/** The board as a late joiner needs it: the current slide and every stroke on it. */
export interface BoardView {
  slide: SlideView;
  /** In drawing order (erasers erase what came before them). */
  strokes: Stroke[];
}

/** A deck the root knows (registered by the upload routes). */
export interface DeckInfo {
  id: string;
  name: string;
  pageCount: number;
  /** Page image content type: image/png, image/jpeg or image/webp. */
  pageType: string;
}

/** Error codes of board commands (in `error` frames, `ref` = the command's type). */
export type BoardErrorCode =
  /** The slide's stroke or point budget is spent, or the stroke is too long: clear or undo. */
  | "board_full"
  /** The stroke names a slide that is not on screen any more (the teacher paged meanwhile). */
  | "stale_slide";

// ---------------------------------------------------------------------------
// Client → server (staff only: STAFF_ONLY in realtime.ts)
// ---------------------------------------------------------------------------

/** Deck ids are server-made (128 random bits, base64url). */
const deckId = v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{16,40}$/));
const strokeId = v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{1,32}$/));
const unit = v.pipe(v.number(), v.minValue(0), v.maxValue(1));
const point = v.tuple([unit, unit, unit]);
const slideRef = v.pipe(v.string(), v.maxLength(64));

/** Board client message schemas, keyed by `type` (spread into `ClientSchemas`). */
export const BoardSchemas = {
  /** Show a deck page (`deckId` + 1-based `page`) or the blank board (`deckId: null`). */
  "slide.show": v.strictObject({
    type: v.literal("slide.show"),
    deckId: v.nullable(deckId),
    page: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(MAX_DECK_PAGES))),
  }),
  /** Next page of the current deck (nothing past the last). */
  "slide.next": v.strictObject({ type: v.literal("slide.next") }),
  /** Previous page of the current deck (nothing before the first). */
  "slide.prev": v.strictObject({ type: v.literal("slide.prev") }),
  /**
   * A batch of points of stroke `stroke.id` on slide `slide` (the current one). The first
   * batch of an id starts the stroke; `end` lifts the pen (a final batch may be empty).
   */
  "board.stroke": v.strictObject({
    type: v.literal("board.stroke"),
    slide: slideRef,
    id: strokeId,
    tool: v.picklist(["pen", "eraser"]),
    color: v.picklist(BOARD_COLORS),
    size: v.picklist(BOARD_SIZES),
    points: v.pipe(v.array(point), v.maxLength(MAX_POINTS_PER_BATCH)),
    end: v.optional(v.boolean()),
  }),
  /** Remove the last stroke of the current slide. */
  "board.undo": v.strictObject({ type: v.literal("board.undo") }),
  /** Remove every stroke of the current slide. */
  "board.clear": v.strictObject({ type: v.literal("board.clear") }),
} as const;

/** Board client message types. */
export type BoardMessageType = keyof typeof BoardSchemas;
/** Any board client message. */
export type BoardMessage = v.InferOutput<(typeof BoardSchemas)[BoardMessageType]>;
/** The board message types, for STAFF_ONLY. */
export const BOARD_MESSAGE_TYPES = Object.keys(BoardSchemas) as BoardMessageType[];

// ---------------------------------------------------------------------------
// Server → client (sequenced class events; `seq` and `at` as every ClassEvent)
// ---------------------------------------------------------------------------

/**
 * Board events. Type names start with `slide.` or `board.` so the student's video-delay
 * gate can hold exactly these back until the student's video reaches `at`.
 */
export type BoardEvent =
  /** The slide on screen changed; `strokes` are the new slide's (redraw from scratch). */
  | { type: "slide.changed"; seq: number; at: number; board: BoardView }
  /**
   * Points appended to stroke `stroke.id` on slide `slide` (created by its first batch).
   * `done` = the pen was lifted.
   */
  | {
      type: "board.stroke";
      seq: number;
      at: number;
      slide: string;
      stroke: StrokeStyle;
      points: BoardPoint[];
      done: boolean;
    }
  /** Stroke `strokeId` was removed from slide `slide` (undo). */
  | { type: "board.undone"; seq: number; at: number; slide: string; strokeId: string }
  /** Every stroke of slide `slide` was removed. */
  | { type: "board.cleared"; seq: number; at: number; slide: string };
