/** Slide deck uploads to R2 through the Worker: who may, what is checked, how pages are served. */
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { PageUploaded, SlideDeck } from "../protocol/slides.ts";
import { MAX_PAGE_BYTES, MAX_PDF_BYTES } from "../protocol/slides.ts";
import { type Client, ORIGIN, signUp } from "./helpers.ts";

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
