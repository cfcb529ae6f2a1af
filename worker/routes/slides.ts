/**
 * Slide decks: the teacher (or a moderator) of a class creates a deck, uploads its
 * page images in order (and optionally the original PDF) to R2, and lists the class's
 * decks; anyone holding a page URL (unguessable deck id) gets the image with long
 * cache headers. Each stored page is announced to the class root (`setDeck`), which is
 * what lets `slide.show` put it on screen.
 *
 * Uploads are checked before anything is stored: the declared Content-Length, then the
 * bytes counted while read (the body is never buffered past the limit), then the magic
 * bytes, then the class owner's storage quota (SLIDES_QUOTA_MB over all decks of all
 * their classes, SLIDES_MAX_DECKS decks), reserved atomically in D1 before the R2 write.
 * Staff delete decks: the R2 objects go, and the deck leaves the screen.
 * Mounted ahead of the `/api` sub-app: its 1 MiB JSON body limit is not ours.
 */
import { and, desc, eq } from "drizzle-orm";
import { Hono, type MiddlewareHandler } from "hono";
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
  type SlideDeckList,
  type SlideUsage,
} from "../../protocol/slides.ts";
import { type ClassMemberEnv, classAccess, classroomRoot } from "../auth/access.ts";
import { randomId } from "../auth/crypto.ts";
import { workerConfig } from "../config.ts";
import { getDb, schema } from "../db/index.ts";
import { ApiError } from "../errors.ts";
import type { AppEnv } from "../types.ts";
import { jsonBody } from "../validate.ts";

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

const MiB = 1024 * 1024;
const mib = (n: number) => `${(n / MiB).toFixed(n < 10 * MiB ? 1 : 0)} MiB`;

/** The quota from SLIDES_QUOTA_MB / SLIDES_MAX_DECKS (worker/config.ts). */
function quota(env: Env): { bytes: number; decks: number } {
  const { SLIDES_QUOTA_MB: mb, SLIDES_MAX_DECKS: decks } = workerConfig(env);
  return { bytes: Math.floor(mb * MiB), decks };
}

/** The teacher who owns `classId`: every deck of their classes counts against them. */
async function ownerOf(env: Env, classId: string): Promise<string> {
  const row = await env.DB.prepare("SELECT teacher_id FROM classes WHERE id = ?")
    .bind(classId)
    .first<{ teacher_id: string }>();
  if (!row) throw new ApiError(404, "not_found", "No such class.");
  return row.teacher_id;
}

/** Decks and bytes over every class `teacherId` owns. */
const USAGE_SQL = `SELECT count(*) AS decks, coalesce(sum(d.bytes), 0) AS bytes
  FROM slide_decks d JOIN classes c ON c.id = d.class_id WHERE c.teacher_id = ?`;

async function usage(env: Env, teacherId: string): Promise<SlideUsage> {
  const q = quota(env);
  const row = await env.DB.prepare(USAGE_SQL)
    .bind(teacherId)
    .first<{ decks: number; bytes: number }>();
  return { bytes: row?.bytes ?? 0, quotaBytes: q.bytes, decks: row?.decks ?? 0, maxDecks: q.decks };
}

/**
 * Reserve `delta` bytes on deck `deckId` if its owner stays within quota (one conditional
 * UPDATE, so racing uploads cannot both squeeze under it); 413 `quota_exceeded` if not.
 * Negative deltas (a smaller replacement PDF, a failed write) always apply.
 */
async function reserve(env: Env, deck: DeckRow, delta: number): Promise<void> {
  if (delta === 0) return;
  const teacherId = await ownerOf(env, deck.classId);
  const q = quota(env);
  const row = await env.DB.prepare(
    `UPDATE slide_decks SET bytes = max(0, bytes + ?1) WHERE id = ?2
       AND (?1 <= 0 OR (SELECT coalesce(sum(d.bytes), 0) FROM slide_decks d
              JOIN classes c ON c.id = d.class_id WHERE c.teacher_id = ?3) + ?1 <= ?4)
     RETURNING bytes`,
  )
    .bind(delta, deck.id, teacherId, q.bytes)
    .first<{ bytes: number }>();
  if (row) return;
  const u = await usage(env, teacherId);
  throw new ApiError(
    413,
    "quota_exceeded",
    `Slide storage is full: ${mib(u.bytes)} of ${mib(u.quotaBytes)} used, and this file needs ${mib(delta)}. Delete a deck you no longer need to make room.`,
  );
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

/** `requireStaff` for the class named by `:id`, as middleware: `c.get("access")` after it. */
const staffOnly: MiddlewareHandler<ClassMemberEnv> = async (c, next) => {
  c.set("access", await requireStaff(c, c.req.param("id") ?? ""));
  await next();
};

/** Routes with full paths; mounted at `/` ahead of the `/api` sub-app. */
export const slides = new Hono<AppEnv>()
  .post("/api/classes/:id/slides", staffOnly, jsonBody(CreateDeckBody), async (c) => {
    const classId = c.req.param("id");
    const { user } = c.get("access");
    const body = c.req.valid("json");
    const u = await usage(c.env, await ownerOf(c.env, classId));
    if (u.decks >= u.maxDecks)
      throw new ApiError(
        413,
        "quota_exceeded",
        `A teacher can keep at most ${u.maxDecks} slide decks. Delete a deck you no longer need to make room.`,
      );
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
    return c.json({
      decks: rows.map(toDeck),
      usage: await usage(c.env, await ownerOf(c.env, classId)),
    } satisfies SlideDeckList);
  })
  .delete("/api/slides/:deckId", async (c) => {
    const deck = await loadDeck(c.env, c.req.param("deckId"));
    await requireStaff(c, deck.classId);
    // Off the screen and the list first, so nobody shows a deck whose pages are going.
    await classroomRoot(c.env, deck.classId).removeDeck(deck.classId, deck.id);
    // Then the objects (listed, in pages of 1000), then the row: a failure part-way
    // leaves the row, so deleting again finishes the job.
    let cursor: string | undefined;
    do {
      const list = await c.env.SLIDES.list({ prefix: `decks/${deck.id}/`, cursor });
      if (list.objects.length > 0) await c.env.SLIDES.delete(list.objects.map((o) => o.key));
      cursor = list.truncated ? list.cursor : undefined;
    } while (cursor);
    await getDb(c.env).delete(schema.slideDecks).where(eq(schema.slideDecks.id, deck.id));
    return c.body(null, 204);
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
    await reserve(c.env, deck, bytes.byteLength);
    let row: DeckRow | undefined;
    try {
      await c.env.SLIDES.put(key, bytes, { httpMetadata: { contentType: deck.pageType } });
      // Conditional on the count we checked: two racing uploads of one page cannot both count.
      const updated = await db
        .update(schema.slideDecks)
        .set({ pageCount: page })
        .where(and(eq(schema.slideDecks.id, deck.id), eq(schema.slideDecks.pageCount, page - 1)))
        .returning();
      row = updated[0];
    } finally {
      // The write failed or lost the race: give the reservation back.
      if (!row) await reserve(c.env, deck, -bytes.byteLength);
    }
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
    const key = `decks/${deck.id}/source.pdf`;
    // A replaced PDF counts once: reserve only the difference.
    const before = (await c.env.SLIDES.head(key))?.size ?? 0;
    await reserve(c.env, deck, bytes.byteLength - before);
    try {
      await c.env.SLIDES.put(key, bytes, { httpMetadata: { contentType: "application/pdf" } });
    } catch (err) {
      await reserve(c.env, deck, before - bytes.byteLength);
      throw err;
    }
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
