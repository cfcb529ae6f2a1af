import * as v from "valibot";
import { describe, expect, it } from "vitest";
import {
  type BoardMessage,
  BoardSchemas,
  MAX_POINTS_PER_SLIDE,
  MAX_POINTS_PER_STROKE,
  MAX_STROKES_PER_SLIDE,
} from "../protocol/board.ts";
import { BoardCore, type BoardStore, initialBoard, type StoredStroke } from "./board-core.ts";

/** Every test command goes through the wire schema first, as the shard does. */
const parseBoardForTest = (m: BoardMessage) => v.parse(BoardSchemas[m.type], m) as BoardMessage;

const DECK = { id: "deckAAAAAAAAAAAAAAAA", name: "Cells", pageCount: 3, pageType: "image/webp" };

/** A board over an in-memory store that applies the core's storage ops, like the shell. */
function setup() {
  const rows = new Map<string, Map<string, StoredStroke>>();
  let saved = initialBoard();
  const load = (key: string) => [...(rows.get(key)?.values() ?? [])].map((r) => structuredClone(r));
  const store = (core: BoardCore, ops: BoardStore[]) => {
    for (const op of ops) {
      if (op.op === "state") saved = structuredClone(core.state);
      else if (op.op === "clear") rows.delete(op.slide);
      else if (op.op === "delete") rows.get(op.slide)?.delete(op.strokeId);
      else {
        if (!rows.has(op.slide)) rows.set(op.slide, new Map());
        rows.get(op.slide)!.set(op.stroke.id, { ord: op.ord, stroke: structuredClone(op.stroke) });
      }
    }
  };
  const core = new BoardCore(initialBoard(), load);
  const run = (m: BoardMessage) => {
    const out = core.command(parseBoardForTest(m));
    store(core, out.store);
    return out;
  };
  store(core, core.setDeck(DECK).store);
  /** A new core from what was stored (a root restart). */
  const restart = () => new BoardCore(structuredClone(saved), load);
  return { core, run, restart };
}

const stroke = (id: string, slide: string, points: number, end = false): BoardMessage => ({
  type: "board.stroke",
  slide,
  id,
  tool: "pen",
  color: "#dc2626",
  size: 6,
  points: Array.from({ length: points }, (_, i) => [i / 100, 0.5, 0.5] as [number, number, number]),
  end,
});

describe("board core", () => {
  it("starts on the blank board and pages through a registered deck", () => {
    const { core, run } = setup();
    expect(core.view().slide).toMatchObject({ key: "blank", deckId: null, url: null });
    const shown = run({ type: "slide.show", deckId: DECK.id, page: 2 });
    expect(shown.events).toEqual([
      {
        type: "slide.changed",
        board: {
          slide: {
            key: `${DECK.id}/2`,
            deckId: DECK.id,
            deckName: "Cells",
            page: 2,
            pageCount: 3,
            url: `/slides/${DECK.id}/2.webp`,
          },
          strokes: [],
        },
      },
    ]);
    expect(run({ type: "slide.next" }).events[0]).toMatchObject({ board: { slide: { page: 3 } } });
    // Nothing past the last page, nothing before the first.
    expect(run({ type: "slide.next" }).events).toEqual([]);
    run({ type: "slide.show", deckId: DECK.id, page: 1 });
    expect(run({ type: "slide.prev" }).events).toEqual([]);
    // Showing the slide already on screen is not news.
    expect(run({ type: "slide.show", deckId: DECK.id, page: 1 }).events).toEqual([]);
  });

  it("refuses unknown decks and pages with not_found and stays put", () => {
    const { core, run } = setup();
    run({ type: "slide.show", deckId: DECK.id, page: 1 });
    expect(run({ type: "slide.show", deckId: "nopeAAAAAAAAAAAAAAAA", page: 1 }).error?.code).toBe(
      "not_found",
    );
    expect(run({ type: "slide.show", deckId: DECK.id, page: 4 }).error?.code).toBe("not_found");
    expect(core.currentKey()).toBe(`${DECK.id}/1`);
  });

  it("streams a stroke in batches, ends it, and keeps it with its slide when paging", () => {
    const { core, run } = setup();
    run({ type: "slide.show", deckId: DECK.id, page: 1 });
    const key = `${DECK.id}/1`;
    const first = run(stroke("s1", key, 3));
    expect(first.events[0]).toMatchObject({
      type: "board.stroke",
      slide: key,
      stroke: { id: "s1", tool: "pen", color: "#dc2626", size: 6 },
      done: false,
    });
    run(stroke("s1", key, 2, true));
    expect(core.view().strokes).toHaveLength(1);
    expect(core.view().strokes[0]).toMatchObject({ id: "s1", done: true });
    expect(core.view().strokes[0]!.points).toHaveLength(5);
    // An ended stroke takes no more points.
    expect(run(stroke("s1", key, 1)).error?.code).toBe("invalid_message");

    const away = run({ type: "slide.next" });
    expect(away.events[0]).toMatchObject({ board: { strokes: [] } });
    const back = run({ type: "slide.prev" });
    expect(back.events[0]).toMatchObject({ board: { slide: { key }, strokes: [{ id: "s1" }] } });
  });

  it("refuses a batch for a slide no longer on screen (stale_slide), changing nothing", () => {
    const { core, run } = setup();
    const out = run(stroke("s1", `${DECK.id}/1`, 2));
    expect(out.error?.code).toBe("stale_slide");
    expect(out.events).toEqual([]);
    expect(core.view().strokes).toEqual([]);
  });

  it("undoes the last stroke and clears a slide", () => {
    const { core, run } = setup();
    run(stroke("a", "blank", 2, true));
    run(stroke("b", "blank", 2, true));
    expect(run({ type: "board.undo" }).events).toEqual([
      { type: "board.undone", slide: "blank", strokeId: "b" },
    ]);
    expect(core.view().strokes.map((s) => s.id)).toEqual(["a"]);
    expect(run({ type: "board.clear" }).events).toEqual([
      { type: "board.cleared", slide: "blank" },
    ]);
    expect(core.view().strokes).toEqual([]);
    expect(run({ type: "board.undo" }).events).toEqual([]);
  });

  it("bounds strokes per slide, points per stroke and points per slide (board_full)", () => {
    const { core, run } = setup();
    for (let i = 0; i < MAX_STROKES_PER_SLIDE; i++) run(stroke(`s${i}`, "blank", 1, true));
    const full = run(stroke("one-more", "blank", 1));
    expect(full.error?.code).toBe("board_full");
    expect(core.view().strokes).toHaveLength(MAX_STROKES_PER_SLIDE);
    run({ type: "board.clear" });

    let n = 0;
    for (; n + 64 <= MAX_POINTS_PER_STROKE; n += 64) run(stroke("long", "blank", 64));
    const tooLong = run(stroke("long", "blank", 64));
    expect(tooLong.error?.code).toBe("board_full");
    expect(core.view().strokes[0]!.points).toHaveLength(n);
    run({ type: "board.clear" });

    let total = 0;
    for (let s = 0; total + 64 <= MAX_POINTS_PER_SLIDE; s++) {
      for (let k = 0; k < 25 && total + 64 <= MAX_POINTS_PER_SLIDE; k++, total += 64)
        run(stroke(`p${s}`, "blank", 64));
      run(stroke(`p${s}`, "blank", 0, true));
    }
    const over = run(stroke("last", "blank", 64));
    expect(over.error?.code).toBe("board_full");
    const kept = core.view().strokes.reduce((a, s) => a + s.points.length, 0);
    expect(kept).toBe(total);
  });

  it("rounds points to four decimals", () => {
    const { core, run } = setup();
    run({
      type: "board.stroke",
      slide: "blank",
      id: "r",
      tool: "eraser",
      color: "#111827",
      size: 24,
      points: [[0.123456789, 0.987654321, 0.33333333]],
    });
    expect(core.view().strokes[0]!.points).toEqual([[0.1235, 0.9877, 0.3333]]);
  });

  it("keeps the slide and its strokes (in order) across a restart", () => {
    const { run, restart } = setup();
    run({ type: "slide.show", deckId: DECK.id, page: 2 });
    run(stroke("x", `${DECK.id}/2`, 2, true));
    run(stroke("y", `${DECK.id}/2`, 3));
    const again = restart();
    expect(again.view().slide.key).toBe(`${DECK.id}/2`);
    expect(again.view().strokes.map((s) => [s.id, s.points.length, s.done])).toEqual([
      ["x", 2, true],
      ["y", 3, false],
    ]);
  });

  it("announces a deck on screen that gained pages, and forgets the oldest decks past the cap", () => {
    const { core, run } = setup();
    run({ type: "slide.show", deckId: DECK.id, page: 1 });
    const grown = core.setDeck({ ...DECK, pageCount: 5 });
    expect(grown.events[0]).toMatchObject({ board: { slide: { pageCount: 5 } } });
    // Told again (an upload retry re-announces it): nothing to say.
    expect(core.setDeck({ ...DECK, pageCount: 5 })).toEqual({ events: [], store: [] });
    for (let i = 0; i < 120; i++)
      core.setDeck({ ...DECK, id: `deck${String(i).padStart(16, "0")}`, pageCount: 1 });
    expect(core.decks()).toHaveLength(100);
    // The deck on screen is never the one forgotten.
    expect(core.decks().some((d) => d.id === DECK.id)).toBe(true);
  });

  it("takes a deleted deck off the list, and off the screen to the blank board", () => {
    const { core, run } = setup();
    const other = { ...DECK, id: "deckBBBBBBBBBBBBBBBB" };
    core.setDeck(other);
    run({ type: "slide.show", deckId: DECK.id, page: 2 });
    // Not on screen: just forgotten.
    expect(core.removeDeck(other.id)).toEqual({ events: [], store: [{ op: "state" }] });
    expect(core.decks().map((d) => d.id)).toEqual([DECK.id]);
    // On screen: everyone goes to the blank board.
    const gone = core.removeDeck(DECK.id);
    expect(gone.events).toHaveLength(1);
    expect(gone.events[0]).toMatchObject({
      type: "slide.changed",
      board: { slide: { deckId: null } },
    });
    expect(core.decks()).toEqual([]);
    expect(core.command({ type: "slide.show", deckId: DECK.id }).error?.code).toBe("not_found");
    // Deleting again changes nothing.
    expect(core.removeDeck(DECK.id)).toEqual({ events: [], store: [] });
  });
});
