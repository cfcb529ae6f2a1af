/**
 * Slide deck uploads over HTTP (worker/routes/slides.ts): request bodies, the deck
 * shape and the size limits, shared by the Worker and the studio. The page images a
 * deck holds are what `slide.show` (protocol/board.ts) puts on every screen.
 */
import * as v from "valibot";
import { DECK_NAME_MAX, PAGE_TYPES, type PageType } from "./slides.constants.ts";

export * from "./slides.constants.ts";

/** `POST /api/classes/:id/slides`: a new, empty deck. */
export const CreateDeckBody = v.strictObject({
  name: v.pipe(v.string(), v.trim(), v.minLength(1), v.maxLength(DECK_NAME_MAX)),
  pageType: v.picklist(PAGE_TYPES),
});
/** Body of `POST /api/classes/:id/slides`. */
export type CreateDeckBody = v.InferOutput<typeof CreateDeckBody>;

/** A slide deck as the API returns it. */
export interface SlideDeck {
  /** 128 random bits, base64url: the page image URLs are unguessable. */
  id: string;
  classId: string;
  /** User text: render as text. */
  name: string;
  /** Pages uploaded so far (uploads go in order: page n needs pages 1…n-1). */
  pageCount: number;
  pageType: PageType;
  createdAt: string;
}

/** `PUT /api/slides/:deckId/pages/:n` answers the deck with its new page count. */
export interface PageUploaded {
  deck: SlideDeck;
  /** The page image URL (long-cached). */
  url: string;
}

/**
 * A teacher's slide storage: every deck of every class they own counts, whoever uploaded
 * it (a moderator's uploads count against the class's teacher).
 */
export interface SlideUsage {
  /** Bytes stored (page images and source PDFs). */
  bytes: number;
  quotaBytes: number;
  decks: number;
  maxDecks: number;
}

/** `GET /api/classes/:id/slides`: the class's decks, newest first, and the owner's usage. */
export interface SlideDeckList {
  decks: SlideDeck[];
  usage: SlideUsage;
}
