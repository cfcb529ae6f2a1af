/**
 * Slide deck limits and defaults (page types, sizes, quotas). No valibot: the studio imports
 * this file directly; protocol/slides.ts (the schemas) imports and re-exports it.
 */

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

/** Default slide storage per teacher, MiB (SLIDES_QUOTA_MB). */
export const DEFAULT_SLIDES_QUOTA_MB = 500;
/** Default decks per teacher (SLIDES_MAX_DECKS). */
export const DEFAULT_SLIDES_MAX_DECKS = 100;
