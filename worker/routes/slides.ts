/**
 * Slide decks: the teacher (or a moderator) of a class creates a deck, uploads its
 * page images in order (and optionally the original PDF) to R2, and lists the class's
 * decks; anyone holding a page URL (unguessable deck id) gets the image with long
 * cache headers. Each stored page is announced to the class root (`setDeck`), which is
 * what lets `slide.show` put it on screen.
 *
 * Uploads are checked before anything is stored: the declared Content-Length, then the
 * bytes counted while read (the body is never buffered past the limit), then the magic
 * bytes. Mounted ahead of the `/api` sub-app: its 1 MiB JSON body limit is not ours.
 */
import { and, desc, eq } from "drizzle-orm";
import { Hono } from "hono";
import {
  type DeckInfo,
  MAX_DECK_PAGES,
  pageExtension,
  slideImagePath,
} from "../../protocol/board.ts";
import {
  CreateDeckBody,
  MAX_PAGE_BYTES,
  MAX_PDF_BYTES,
  type PageType,
  type PageUploaded,
  type SlideDeck,
} from "../../protocol/slides.ts";
import { randomId } from "../auth/crypto.ts";
import { getDb, schema } from "../db/index.ts";
import { ApiError, readJson } from "../errors.ts";
import type { AppEnv } from "../types.ts";
import { classroomRoot } from "./bridge.ts";
import { classAccess } from "./tickets.ts";

type DeckRow = typeof schema.slideDecks.$inferSelect;

const DECK_ID = /^[A-Za-z0-9_-]{16,40}$/;
const IMAGE_FILE = /^([1-9][0-9]{0,3})\.(webp|png|jpg)$/;

function toDeck(row: DeckRow): SlideDeck {
  return {
    id: row.id,
    classId: row.classId,
    name: row.name,
    pageCount: row.pageCount,
    pageType: row.pageType as PageType,
    createdAt: new Date(row.createdAt).toISOString(),
  };
}

/** The class's teacher or a moderator of it, else 401/403/404 (see `classAccess`). */
async function requireStaff(
  c: { env: Env; get(k: "user"): AppEnv["Variables"]["user"] },
  classId: string,
) {
  const access = await classAccess(c.env, c.get("user"), classId);
  if (access.role !== "teacher" && access.role !== "moderator")
    throw new ApiError(403, "forbidden", "Only the teacher or a moderator can manage slides.");
  return access;
}

async function loadDeck(env: Env, deckId: string): Promise<DeckRow> {
  if (!DECK_ID.test(deckId)) throw new ApiError(404, "not_found", "No such deck.");
  const row = (
    await getDb(env)
      .select()
      .from(schema.slideDecks)
      .where(eq(schema.slideDecks.id, deckId))
      .limit(1)
  )[0];
  if (!row) throw new ApiError(404, "not_found", "No such deck.");
  return row;
}

/** Tell the class root about a deck's pages, so `slide.show` can put them on screen. */
async function announce(env: Env, row: DeckRow): Promise<void> {
  if (row.pageCount === 0) return;
  const info: DeckInfo = {
    id: row.id,
    name: row.name,
    pageCount: row.pageCount,
    pageType: row.pageType,
  };
  await classroomRoot(env, row.classId).setDeck(row.classId, info);
}

const tooLarge = (max: number) =>
  new ApiError(
    413,
    "payload_too_large",
    `The file is larger than ${Math.round(max / 1048576)} MiB.`,
  );

/**
 * Read a request body of at most `max` bytes: refuse a larger Content-Length before
 * reading, and stop reading (cancelling the upload) as soon as the count passes `max`.
 */
export async function readLimited(req: Request, max: number): Promise<Uint8Array> {
  const declared = req.headers.get("content-length");
  if (declared !== null && Number(declared) > max) throw tooLarge(max);
  if (!req.body) throw new ApiError(400, "bad_request", "The request has no body.");
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > max) {
      await reader.cancel().catch(() => {});
      throw tooLarge(max);
    }
    chunks.push(value);
  }
  if (total === 0) throw new ApiError(400, "bad_request", "The request has no body.");
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}

const startsWith = (b: Uint8Array, sig: number[], offset = 0) =>
  b.length >= offset + sig.length && sig.every((x, i) => b[offset + i] === x);
const ascii = (s: string) => [...s].map((ch) => ch.charCodeAt(0));

/** The image type the bytes really are (by magic number), or null. */
export function sniffImage(b: Uint8Array): PageType | null {
  if (startsWith(b, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return "image/png";
  if (startsWith(b, [0xff, 0xd8, 0xff])) return "image/jpeg";
  if (startsWith(b, ascii("RIFF")) && startsWith(b, ascii("WEBP"), 8)) return "image/webp";
  return null;
}

/** Whether the bytes start like a PDF file. */
export function isPdf(b: Uint8Array): boolean {
  return startsWith(b, ascii("%PDF-"));
}

/** Routes with full paths; mounted at `/` ahead of the `/api` sub-app. */
export const slides = new Hono<AppEnv>()
  .post("/api/classes/:id/slides", async (c) => {
    const classId = c.req.param("id");
    const { user } = await requireStaff(c, classId);
    const body = await readJson(c, CreateDeckBody);
    const row: DeckRow = {
      id: randomId(16),
      classId,
      name: body.name,
      pageCount: 0,
      pageType: body.pageType,
      createdBy: user.id,
      createdAt: Date.now(),
      bytes: 0,
    };
    await getDb(c.env).insert(schema.slideDecks).values(row);
    return c.json(toDeck(row), 201);
  })
  .get("/api/classes/:id/slides", async (c) => {
    const classId = c.req.param("id");
    await requireStaff(c, classId);
    const rows = await getDb(c.env)
      .select()
      .from(schema.slideDecks)
      .where(eq(schema.slideDecks.classId, classId))
      .orderBy(desc(schema.slideDecks.createdAt))
      .limit(100);
    return c.json({ decks: rows.map(toDeck) });
  })
  .put("/api/slides/:deckId/pages/:page", async (c) => {
    const deck = await loadDeck(c.env, c.req.param("deckId"));
    await requireStaff(c, deck.classId);
    const page = Number(c.req.param("page"));
    if (!Number.isInteger(page) || page < 1 || page > MAX_DECK_PAGES)
      throw new ApiError(400, "validation_failed", `Pages are numbered 1 to ${MAX_DECK_PAGES}.`);
    if (page <= deck.pageCount) {
      // A retry after a lost answer: make sure the root knows the page, then say so.
      await announce(c.env, deck);
      throw new ApiError(409, "conflict", `Page ${page} is already uploaded.`);
    }
    if (page !== deck.pageCount + 1)
      throw new ApiError(409, "conflict", `Upload page ${deck.pageCount + 1} first.`);
    const bytes = await readLimited(c.req.raw, MAX_PAGE_BYTES);
    const kind = sniffImage(bytes);
    if (kind !== deck.pageType)
      throw new ApiError(
        415,
        "unsupported_media_type",
        kind
          ? `This deck holds ${deck.pageType} pages, not ${kind}.`
          : "That is not a PNG, JPEG or WebP image.",
      );
    const db = getDb(c.env);
    const key = `decks/${deck.id}/${page}.${pageExtension(deck.pageType)}`;
    await c.env.SLIDES.put(key, bytes, { httpMetadata: { contentType: deck.pageType } });
    // Conditional on the count we checked: two racing uploads of one page cannot both count.
    const updated = await db
      .update(schema.slideDecks)
      .set({ pageCount: page })
      .where(and(eq(schema.slideDecks.id, deck.id), eq(schema.slideDecks.pageCount, page - 1)))
      .returning();
    const row = updated[0];
    if (!row) throw new ApiError(409, "conflict", `Page ${page} is already uploaded.`);
    await announce(c.env, row);
    const body: PageUploaded = {
      deck: toDeck(row),
      url: slideImagePath(row.id, page, row.pageType),
    };
    return c.json(body, 201);
  })
  .put("/api/slides/:deckId/source", async (c) => {
    const deck = await loadDeck(c.env, c.req.param("deckId"));
    await requireStaff(c, deck.classId);
    const bytes = await readLimited(c.req.raw, MAX_PDF_BYTES);
    if (!isPdf(bytes)) throw new ApiError(415, "unsupported_media_type", "That is not a PDF file.");
    await c.env.SLIDES.put(`decks/${deck.id}/source.pdf`, bytes, {
      httpMetadata: { contentType: "application/pdf" },
    });
    return c.body(null, 204);
  })
  .get("/slides/:deckId/:file", async (c) => {
    const deckId = c.req.param("deckId");
    const file = IMAGE_FILE.exec(c.req.param("file"));
    if (!DECK_ID.test(deckId) || !file) throw new ApiError(404, "not_found", "No such slide.");
    const ifNoneMatch = c.req.header("if-none-match");
    const obj = await c.env.SLIDES.get(`decks/${deckId}/${file[1]}.${file[2]}`, {
      onlyIf: ifNoneMatch
        ? { etagDoesNotMatch: ifNoneMatch.replace(/^W\//, "").replaceAll('"', "") }
        : undefined,
    });
    if (!obj) throw new ApiError(404, "not_found", "No such slide.");
    const headers = new Headers({
      "cache-control": "public, max-age=31536000, immutable",
      etag: obj.httpEtag,
      "content-type": obj.httpMetadata?.contentType ?? "application/octet-stream",
      "x-content-type-options": "nosniff",
    });
    // `onlyIf` failed: the client's copy is current.
    if (!("body" in obj)) return new Response(null, { status: 304, headers });
    headers.set("content-length", String(obj.size));
    return new Response(obj.body, { headers });
  });
