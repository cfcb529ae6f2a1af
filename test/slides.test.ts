/** Slide deck uploads to R2 through the Worker: who may, what is checked, how pages are served. */
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { BoardView } from "../protocol/board.ts";
import type { PageUploaded, SlideDeck, SlideDeckList } from "../protocol/slides.ts";
import { MAX_PAGE_BYTES, MAX_PDF_BYTES } from "../protocol/slides.ts";
import { type Client, ORIGIN, signUp } from "./helpers.ts";
import { open } from "./realtime/helpers.ts";

/** Bytes that start like a WebP file (the Worker checks magic numbers, not pixels). */
function webp(size = 64, fill = 7): Uint8Array {
  const b = new Uint8Array(size).fill(fill);
  b.set([0x52, 0x49, 0x46, 0x46], 0); // RIFF
  b.set([0x57, 0x45, 0x42, 0x50], 8); // WEBP
  return b;
}
const png = () => new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0]);
const pdf = () => new TextEncoder().encode("%PDF-1.4\n%%EOF\n");

/** A raw-body request as the studio's XMLHttpRequest sends it. */
function put(
  client: Client,
  path: string,
  body: BodyInit,
  headers: Record<string, string> = {},
): Promise<Response> {
  const h = new Headers({ origin: ORIGIN, ...headers });
  if (client.cookie) h.set("cookie", client.cookie);
  return exports.default.fetch(
    new Request(`${ORIGIN}${path}`, {
      method: "PUT",
      headers: h,
      body,
      duplex: "half",
    } as RequestInit),
  );
}

async function classWithDeck() {
  const teacher = await signUp("teacher", "Ada");
  const cls = (await (await teacher.client.post("/api/classes", { title: "Biology" })).json()) as {
    class: { id: string };
  };
  const classId = cls.class.id;
  const res = await teacher.client.post(`/api/classes/${classId}/slides`, {
    name: "Cells",
    pageType: "image/webp",
  });
  expect(res.status).toBe(201);
  const deck = (await res.json()) as SlideDeck;
  return { teacher, classId, deck };
}

const stored = async (deckId: string) =>
  (await env.SLIDES.list({ prefix: `decks/${deckId}/` })).objects.map((o) => o.key);

async function code(res: Response): Promise<string> {
  return ((await res.json()) as { error: { code: string } }).error.code;
}

describe("slide uploads", () => {
  it("stores pages in order and serves them with immutable cache headers and an ETag", async () => {
    const { teacher, classId, deck } = await classWithDeck();
    expect(deck).toMatchObject({ classId, name: "Cells", pageCount: 0, pageType: "image/webp" });
    expect(deck.id).toMatch(/^[A-Za-z0-9_-]{22}$/);

    const up = await put(teacher.client, `/api/slides/${deck.id}/pages/1`, webp(2000, 1));
    expect(up.status).toBe(201);
    const body = (await up.json()) as PageUploaded;
    expect(body.url).toBe(`/slides/${deck.id}/1.webp`);
    expect(body.deck.pageCount).toBe(1);
    expect((await put(teacher.client, `/api/slides/${deck.id}/pages/2`, webp(900, 2))).status).toBe(
      201,
    );

    const img = await exports.default.fetch(`${ORIGIN}${body.url}`);
    expect(img.status).toBe(200);
    expect(img.headers.get("content-type")).toBe("image/webp");
    expect(img.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    const etag = img.headers.get("etag");
    expect(etag).toBeTruthy();
    expect(new Uint8Array(await img.arrayBuffer())).toEqual(webp(2000, 1));
    const again = await exports.default.fetch(`${ORIGIN}${body.url}`, {
      headers: { "if-none-match": etag! },
    });
    expect(again.status).toBe(304);
    expect(again.headers.get("cache-control")).toContain("immutable");
    expect((await exports.default.fetch(`${ORIGIN}/slides/${deck.id}/3.webp`)).status).toBe(404);

    const list = (await (await teacher.client.get(`/api/classes/${classId}/slides`)).json()) as {
      decks: SlideDeck[];
    };
    expect(list.decks.map((d) => [d.name, d.pageCount])).toEqual([["Cells", 2]]);

    // The original PDF is kept beside the pages.
    expect((await put(teacher.client, `/api/slides/${deck.id}/source`, pdf())).status).toBe(204);
    expect((await stored(deck.id)).sort()).toEqual([
      `decks/${deck.id}/1.webp`,
      `decks/${deck.id}/2.webp`,
      `decks/${deck.id}/source.pdf`,
    ]);
  });

  it("refuses too large, wrong-type and out-of-order uploads with typed errors, storing nothing", async () => {
    const { teacher, deck } = await classWithDeck();
    const path = `/api/slides/${deck.id}/pages/1`;
    // Declared too large: refused before reading.
    const declared = await put(teacher.client, path, webp(100), {
      "content-length": String(MAX_PAGE_BYTES + 1),
    });
    expect([declared.status, await code(declared)]).toEqual([413, "payload_too_large"]);
    // No length declared (streamed): counted while read, refused once past the limit.
    const chunk = webp(256 * 1024);
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(ctl) {
        if (sent > MAX_PAGE_BYTES + chunk.length) return ctl.close();
        sent += chunk.length;
        ctl.enqueue(chunk);
      },
    });
    const streamed = await put(teacher.client, path, stream);
    expect([streamed.status, await code(streamed)]).toEqual([413, "payload_too_large"]);
    // Magic bytes decide, not the name or header: PNG into a WebP deck, text, a PDF.
    for (const bytes of [png(), new TextEncoder().encode("<svg onload=alert(1)>"), pdf()]) {
      const res = await put(teacher.client, path, bytes, { "content-type": "image/webp" });
      expect([res.status, await code(res)]).toEqual([415, "unsupported_media_type"]);
    }
    // Pages go in order.
    const skipped = await put(teacher.client, `/api/slides/${deck.id}/pages/2`, webp());
    expect([skipped.status, await code(skipped)]).toEqual([409, "conflict"]);
    // The PDF is checked the same way.
    const notPdf = await put(teacher.client, `/api/slides/${deck.id}/source`, webp());
    expect([notPdf.status, await code(notPdf)]).toEqual([415, "unsupported_media_type"]);
    const hugePdf = await put(teacher.client, `/api/slides/${deck.id}/source`, pdf(), {
      "content-length": String(MAX_PDF_BYTES + 1),
    });
    expect(hugePdf.status).toBe(413);
    const empty = await put(teacher.client, path, new Uint8Array(0));
    expect(empty.status).toBe(400);

    expect(await stored(deck.id)).toEqual([]);
    const list = (await (
      await teacher.client.get(`/api/classes/${deck.classId}/slides`)
    ).json()) as { decks: SlideDeck[] };
    expect(list.decks[0]!.pageCount).toBe(0);

    // A page already uploaded is not replaced (its URL is cached as immutable).
    expect((await put(teacher.client, path, webp(64, 1))).status).toBe(201);
    const replay = await put(teacher.client, path, webp(64, 2));
    expect([replay.status, await code(replay)]).toEqual([409, "conflict"]);
    const img = await exports.default.fetch(`${ORIGIN}/slides/${deck.id}/1.webp`);
    expect(new Uint8Array(await img.arrayBuffer())).toEqual(webp(64, 1));
  });

  it("lets only the class's teacher and moderators create, upload and list", async () => {
    const { teacher, classId, deck } = await classWithDeck();
    const student = await signUp("student", "Sam");
    const otherTeacher = await signUp("teacher", "Other");
    for (const who of [student.client, otherTeacher.client]) {
      const create = await who.post(`/api/classes/${classId}/slides`, {
        name: "Mine",
        pageType: "image/png",
      });
      expect([create.status, await code(create)]).toEqual([403, "forbidden"]);
      const up = await put(who, `/api/slides/${deck.id}/pages/1`, webp());
      expect([up.status, await code(up)]).toEqual([403, "forbidden"]);
      expect((await who.get(`/api/classes/${classId}/slides`)).status).toBe(403);
    }
    const anon = await put({ cookie: "" } as Client, `/api/slides/${deck.id}/pages/1`, webp());
    expect(anon.status).toBe(401);
    // Cross-site form posts are refused (CSRF), even with the teacher's cookie.
    const csrf = await put(teacher.client, `/api/slides/${deck.id}/pages/1`, webp(), {
      origin: "https://evil.example",
    });
    expect([csrf.status, await code(csrf)]).toEqual([403, "csrf_origin_mismatch"]);
    // Unknown decks and bad names.
    expect(
      (await put(teacher.client, "/api/slides/AAAAAAAAAAAAAAAAAAAAAA/pages/1", webp())).status,
    ).toBe(404);
    const badName = await teacher.client.post(`/api/classes/${classId}/slides`, {
      name: " ",
      pageType: "image/gif",
    });
    expect([badName.status, await code(badName)]).toEqual([400, "validation_failed"]);
    expect(await stored(deck.id)).toEqual([]);

    // A moderator may.
    const ta = await signUp("student", "TA");
    expect(
      (await teacher.client.post(`/api/classes/${classId}/moderators`, { email: ta.email })).status,
    ).toBeLessThan(300);
    expect((await put(ta.client, `/api/slides/${deck.id}/pages/1`, webp())).status).toBe(201);
  });
});

const KiB = 1024;
async function newClass(teacher: { client: Client }, title = "Biology"): Promise<string> {
  const res = await teacher.client.post("/api/classes", { title });
  return ((await res.json()) as { class: { id: string } }).class.id;
}
async function newDeck(client: Client, classId: string, name = "Deck"): Promise<Response> {
  return client.post(`/api/classes/${classId}/slides`, { name, pageType: "image/webp" });
}
async function listOf(client: Client, classId: string): Promise<SlideDeckList> {
  return (await (await client.get(`/api/classes/${classId}/slides`)).json()) as SlideDeckList;
}

// vitest.config.ts: SLIDES_QUOTA_MB 1, SLIDES_MAX_DECKS 4.
describe("slide storage quota", () => {
  it("holds a teacher to their quota over all their classes and their moderators' uploads", async () => {
    const teacher = await signUp("teacher", "Quota");
    const c1 = await newClass(teacher);
    const c2 = await newClass(teacher, "Chemistry");
    const a = (await (await newDeck(teacher.client, c1, "A")).json()) as SlideDeck;
    expect((await put(teacher.client, `/api/slides/${a.id}/pages/1`, webp(400 * KiB))).status).toBe(
      201,
    );
    expect((await put(teacher.client, `/api/slides/${a.id}/pages/2`, webp(400 * KiB))).status).toBe(
      201,
    );

    // 800 KiB used of 1 MiB: another 400 KiB page does not fit, in this class or another.
    const over = await put(teacher.client, `/api/slides/${a.id}/pages/3`, webp(400 * KiB));
    expect(over.status).toBe(413);
    const err = ((await over.json()) as { error: { code: string; message: string } }).error;
    expect(err.code).toBe("quota_exceeded");
    expect(err.message).toBe(
      "Slide storage is full: 0.8 MiB of 1.0 MiB used, and this file needs 0.4 MiB. Delete a deck you no longer need to make room.",
    );
    const b = (await (await newDeck(teacher.client, c2, "B")).json()) as SlideDeck;
    const other = await put(teacher.client, `/api/slides/${b.id}/pages/1`, webp(300 * KiB));
    expect([other.status, await code(other)]).toEqual([413, "quota_exceeded"]);
    // A moderator's upload counts against the class's teacher.
    const ta = await signUp("student", "TA");
    await teacher.client.post(`/api/classes/${c2}/moderators`, { email: ta.email });
    const byTa = await put(ta.client, `/api/slides/${b.id}/pages/1`, webp(300 * KiB));
    expect([byTa.status, await code(byTa)]).toEqual([413, "quota_exceeded"]);
    // The source PDF counts too.
    const bigPdf = new Uint8Array(300 * KiB).fill(32);
    bigPdf.set(pdf());
    const src = await put(teacher.client, `/api/slides/${a.id}/source`, bigPdf);
    expect([src.status, await code(src)]).toEqual([413, "quota_exceeded"]);
    // What still fits is taken.
    expect((await put(ta.client, `/api/slides/${b.id}/pages/1`, webp(200 * KiB))).status).toBe(201);
    expect(await stored(a.id)).toHaveLength(2);
    expect(await stored(b.id)).toHaveLength(1);
    const { usage } = await listOf(teacher.client, c1);
    expect(usage).toEqual({ bytes: 1000 * KiB, quotaBytes: 1024 * KiB, decks: 2, maxDecks: 4 });
    // Another teacher's storage is their own.
    const other2 = await signUp("teacher", "Other");
    const oc = await newClass(other2);
    const od = (await (await newDeck(other2.client, oc)).json()) as SlideDeck;
    expect((await put(other2.client, `/api/slides/${od.id}/pages/1`, webp(400 * KiB))).status).toBe(
      201,
    );
  });

  it("lets racing uploads take only what fits", async () => {
    const teacher = await signUp("teacher", "Racer");
    const c = await newClass(teacher);
    const decks: SlideDeck[] = [];
    for (let i = 0; i < 4; i++)
      decks.push((await (await newDeck(teacher.client, c)).json()) as SlideDeck);
    // Four 300 KiB pages at once into a 1 MiB quota: three fit.
    const results = await Promise.all(
      decks.map((d) => put(teacher.client, `/api/slides/${d.id}/pages/1`, webp(300 * KiB))),
    );
    expect(results.map((r) => r.status).sort()).toEqual([201, 201, 201, 413]);
    expect((await listOf(teacher.client, c)).usage.bytes).toBe(900 * KiB);
    const objects = (await Promise.all(decks.map((d) => stored(d.id)))).flat();
    expect(objects).toHaveLength(3);
  });

  it("caps decks per teacher", async () => {
    const teacher = await signUp("teacher", "Decks");
    const c = await newClass(teacher);
    for (let i = 0; i < 4; i++) expect((await newDeck(teacher.client, c)).status).toBe(201);
    const fifth = await newDeck(teacher.client, await newClass(teacher, "Other class"));
    expect(fifth.status).toBe(413);
    const err = ((await fifth.json()) as { error: { code: string; message: string } }).error;
    expect(err).toEqual({
      code: "quota_exceeded",
      message:
        "A teacher can keep at most 4 slide decks. Delete a deck you no longer need to make room.",
    });
  });
});

describe("deleting a deck", () => {
  it("removes its R2 objects and its row, takes it off screen, and frees the space", async () => {
    const { teacher, classId, deck } = await classWithDeck();
    for (let p = 1; p <= 2; p++)
      expect(
        (await put(teacher.client, `/api/slides/${deck.id}/pages/${p}`, webp(450 * KiB, p))).status,
      ).toBe(201);
    expect((await put(teacher.client, `/api/slides/${deck.id}/source`, pdf())).status).toBe(204);
    expect(await stored(deck.id)).toHaveLength(3);

    // It is on screen for a student.
    const t = await open(classId, teacher.client.cookie);
    await t.next("snapshot");
    const student = await signUp("student");
    const s = await open(classId, student.client.cookie);
    await s.next("snapshot");
    t.send({ type: "slide.show", deckId: deck.id, page: 2 });
    expect((await s.next("slide.changed")).board.slide.deckId).toBe(deck.id);

    // Only staff of the class may delete.
    const nope = await student.client.request("DELETE", `/api/slides/${deck.id}`);
    expect([nope.status, await code(nope)]).toEqual([403, "forbidden"]);
    const crossSite = await teacher.client.request("DELETE", `/api/slides/${deck.id}`, undefined, {
      origin: "https://evil.example",
    });
    expect(crossSite.status).toBe(403);
    expect(await stored(deck.id)).toHaveLength(3);

    const del = await teacher.client.request("DELETE", `/api/slides/${deck.id}`);
    expect(del.status).toBe(204);
    expect(await stored(deck.id)).toEqual([]);
    expect((await s.next("slide.changed")).board.slide.deckId).toBeNull();
    expect((await exports.default.fetch(`${ORIGIN}/slides/${deck.id}/1.webp`)).status).toBe(404);
    const { decks, usage } = await listOf(teacher.client, classId);
    expect(decks).toEqual([]);
    expect(usage.bytes).toBe(0);
    // It cannot be shown again, and a late joiner sees the blank board.
    t.send({ type: "slide.show", deckId: deck.id, page: 1 });
    expect((await t.next("error")).code).toBe("not_found");
    const late = await open(classId, (await signUp("student")).client.cookie);
    expect(((await late.next("snapshot")).state.board as BoardView).slide.deckId).toBeNull();
    // Deleting again: gone.
    expect((await teacher.client.request("DELETE", `/api/slides/${deck.id}`)).status).toBe(404);
    // The space is back: a 900 KiB deck fits now.
    const again = (await (await newDeck(teacher.client, classId)).json()) as SlideDeck;
    expect(
      (await put(teacher.client, `/api/slides/${again.id}/pages/1`, webp(900 * KiB))).status,
    ).toBe(201);
    for (const sock of [t, s, late]) sock.close();
  });
});
