/**
 * Slides and whiteboard through the real root and shards: paging, strokes streaming to
 * students on other shards, bad commands, late joiners, and a root restart.
 */
import { evictDurableObject } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { BoardView } from "../../protocol/board.ts";
import type { SlideDeck } from "../../protocol/slides.ts";
import { ORIGIN, signUp } from "../helpers.ts";
import { createClass, open, type Sock } from "./helpers.ts";

const rootOf = (classId: string) => env.CLASSROOM.get(env.CLASSROOM.idFromName(classId));

function webp(fill: number): Uint8Array {
  const b = new Uint8Array(32).fill(fill);
  b.set([0x52, 0x49, 0x46, 0x46], 0);
  b.set([0x57, 0x45, 0x42, 0x50], 8);
  return b;
}

/** A class whose teacher uploaded a 3-page deck. */
async function classWithDeck() {
  const { classId, teacher } = await createClass();
  const res = await teacher.client.post(`/api/classes/${classId}/slides`, {
    name: "Cells <b>1</b>",
    pageType: "image/webp",
  });
  const deck = (await res.json()) as SlideDeck;
  for (let p = 1; p <= 3; p++) {
    const up = await exports.default.fetch(
      new Request(`${ORIGIN}/api/slides/${deck.id}/pages/${p}`, {
        method: "PUT",
        headers: { cookie: teacher.client.cookie, origin: ORIGIN },
        body: webp(p),
      }),
    );
    expect(up.status).toBe(201);
  }
  return { classId, teacher, deck };
}

const batch = (slide: string, id: string, points: number[][], end = false) => ({
  type: "board.stroke",
  slide,
  id,
  tool: "pen",
  color: "#2563eb",
  size: 6,
  points,
  ...(end ? { end: true } : {}),
});

describe("slides and whiteboard", { timeout: 30_000 }, () => {
  it("pages a deck and streams strokes to students on every shard; late joiners and a restarted root keep them", async () => {
    const { classId, teacher, deck } = await classWithDeck();
    const t = await open(classId, teacher.client.cookie);
    await t.next("snapshot");
    const students: Sock[] = [];
    for (let i = 0; i < 4; i++)
      students.push(await open(classId, (await signUp("student")).client.cookie));
    expect(students.map((s) => s.frames[0]!.sectionId)).toEqual(["s1", "s1", "s1", "s2"]);
    const far = students[3]!;
    const first = await far.next("snapshot");
    expect((first.state.board as BoardView).slide.key).toBe("blank");

    t.send({ type: "slide.show", deckId: deck.id, page: 1 });
    for (const s of students) {
      const ev = await s.next("slide.changed");
      expect(ev.board.slide).toEqual({
        key: `${deck.id}/1`,
        deckId: deck.id,
        deckName: "Cells <b>1</b>",
        page: 1,
        pageCount: 3,
        url: `/slides/${deck.id}/1.webp`,
      });
    }
    t.send({ type: "slide.next" });
    const p2 = await far.next("slide.changed");
    expect(p2.board.slide.page).toBe(2);
    const key = `${deck.id}/2`;
    const img = await exports.default.fetch(`${ORIGIN}${p2.board.slide.url}`);
    expect(new Uint8Array(await img.arrayBuffer())).toEqual(webp(2));

    // A stroke in two batches reaches a student on another shard while being drawn.
    const sentAt = Date.now();
    t.send(
      batch(key, "k1", [
        [0.1, 0.1, 0.5],
        [0.2, 0.15, 0.6],
      ]),
    );
    const live = await far.next("board.stroke");
    // Staff shard → root (≤100 ms batch) → student shard (≤50 ms batch), locally.
    console.log(`stroke batch, teacher → student on another shard: ${Date.now() - sentAt} ms`);
    expect(live).toMatchObject({ slide: key, stroke: { id: "k1", color: "#2563eb" }, done: false });
    expect(live.points).toEqual([
      [0.1, 0.1, 0.5],
      [0.2, 0.15, 0.6],
    ]);
    t.send(batch(key, "k1", [[0.3, 0.2, 0.7]], true));
    expect(await far.next("board.stroke")).toMatchObject({ points: [[0.3, 0.2, 0.7]], done: true });
    t.send(batch(key, "k2", [[0.5, 0.5, 0.5]], true));
    await far.next("board.stroke", (e) => e.stroke.id === "k2");

    // A late joiner sees the slide and both strokes at once.
    const late = await open(classId, (await signUp("student")).client.cookie);
    const snap = (await late.next("snapshot")).state.board as BoardView;
    expect(snap.slide.key).toBe(key);
    expect(snap.strokes.map((s) => [s.id, s.points.length, s.done])).toEqual([
      ["k1", 3, true],
      ["k2", 1, true],
    ]);

    // Paging away and back brings the strokes back.
    t.send({ type: "slide.next" });
    expect((await far.next("slide.changed")).board.strokes).toEqual([]);
    t.send({ type: "slide.prev" });
    expect((await far.next("slide.changed")).board.strokes.map((s) => s.id)).toEqual(["k1", "k2"]);

    // Undo removes the last stroke.
    t.send({ type: "board.undo" });
    expect(await far.next("board.undone")).toMatchObject({ slide: key, strokeId: "k2" });

    // The root restarts: slide and strokes come back from its storage.
    await evictDurableObject(rootOf(classId));
    const after = await open(classId, (await signUp("student")).client.cookie);
    const kept = (await after.next("snapshot")).state.board as BoardView;
    expect(kept.slide.key).toBe(key);
    expect(kept.strokes.map((s) => s.id)).toEqual(["k1"]);
    expect(kept.strokes[0]!.points).toEqual([
      [0.1, 0.1, 0.5],
      [0.2, 0.15, 0.6],
      [0.3, 0.2, 0.7],
    ]);
    t.send({ type: "board.clear" });
    expect(await after.next("board.cleared")).toMatchObject({ slide: key });
    t.send({ type: "slide.show", deckId: null });
    expect((await after.next("slide.changed")).board.slide).toMatchObject({
      key: "blank",
      url: null,
    });
    for (const s of [t, late, after, ...students]) s.close();
  });

  it("answers bad board input with typed errors and changes nothing", async () => {
    const { classId, teacher, deck } = await classWithDeck();
    const t = await open(classId, teacher.client.cookie);
    const s = await open(classId, (await signUp("student")).client.cookie);
    await s.next("snapshot");
    t.send({ type: "slide.show", deckId: deck.id, page: 1 });
    const shown = await s.next("slide.changed");
    const key = `${deck.id}/1`;

    // Students may not page or draw.
    for (const cmd of [
      { type: "slide.next" },
      { type: "slide.show", deckId: null },
      batch(key, "x", [[0.1, 0.1, 0.1]]),
      { type: "board.clear" },
    ]) {
      s.send(cmd);
      expect(await s.next("error")).toMatchObject({ code: "forbidden", ref: cmd.type });
    }
    // Oversized batch (65 points), a frame over 4096 bytes, bad colour, out-of-range point.
    const many = Array.from({ length: 65 }, () => [0.5, 0.5, 0.5]);
    t.send(batch(key, "big", many));
    expect(await t.next("error")).toMatchObject({ code: "invalid_message" });
    t.send(batch(key, "x".repeat(5000), [[0.1, 0.1, 0.1]]));
    expect(await t.next("error")).toMatchObject({ code: "frame_too_large" });
    t.send({ ...batch(key, "c", [[0.1, 0.1, 0.1]]), color: "red" });
    expect(await t.next("error")).toMatchObject({ code: "invalid_message" });
    t.send(batch(key, "o", [[1.5, 0.1, 0.1]]));
    expect(await t.next("error")).toMatchObject({ code: "invalid_message" });
    // Unknown deck, page past the end, a stroke for a slide not on screen.
    t.send({ type: "slide.show", deckId: "AAAAAAAAAAAAAAAAAAAAAA", page: 1 });
    expect(await t.next("error")).toMatchObject({ code: "not_found", ref: "slide.show" });
    t.send({ type: "slide.show", deckId: deck.id, page: 4 });
    expect(await t.next("error")).toMatchObject({ code: "not_found" });
    t.send(batch(`${deck.id}/2`, "stale", [[0.1, 0.1, 0.1]]));
    expect(await t.next("error")).toMatchObject({ code: "stale_slide", ref: "board.stroke" });

    // Nothing changed: the seq did not move and a new joiner sees page 1 without strokes.
    expect((await rootOf(classId).inspect()).seq).toBe(shown.seq);
    const fresh = await open(classId, (await signUp("student")).client.cookie);
    const board = (await fresh.next("snapshot")).state.board as BoardView;
    expect(board).toEqual({ slide: shown.board.slide, strokes: [] });
    expect(s.all("board.stroke")).toEqual([]);
    for (const x of [t, s, fresh]) x.close();
  });
});
