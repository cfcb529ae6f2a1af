/**
 * Slide deck uploads over HTTP (worker/routes/slides.ts): request bodies, the deck
 * shape and the size limits, shared by the Worker and the studio. The page images a
 * deck holds are what `slide.show` (protocol/board.ts) puts on every screen.
 */
import * as v from "valibot";

/** Page image types a deck may hold. */
export const PAGE_TYPES = ["image/webp", "image/png", "image/jpeg"] as const;
/** One of `PAGE_TYPES`. */
export type PageType = (typeof PAGE_TYPES)[number];
/** Largest page image, in bytes. */
export const MAX_PAGE_BYTES = 5 * 1024 * 1024;
/** Largest original PDF kept beside a deck, in bytes. */
export const MAX_PDF_BYTES = 25 * 1024 * 1024;
/** Longest deck name, in characters. */
export const DECK_NAME_MAX = 120;

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

/** Default slide storage per teacher, MiB (SLIDES_QUOTA_MB). */
export const DEFAULT_SLIDES_QUOTA_MB = 500;
/** Default decks per teacher (SLIDES_MAX_DECKS). */
export const DEFAULT_SLIDES_MAX_DECKS = 100;

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
