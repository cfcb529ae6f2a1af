import { describe, expect, it } from "vitest";
import type { BoardView, SlideView } from "../../protocol/board.ts";
import { applyBoardEvent, boardFromSnapshot } from "./board-state.ts";

const page = (n: number): SlideView => ({
  key: `deckAAAAAAAAAAAAAAAA/${n}`,
  deckId: "deckAAAAAAAAAAAAAAAA",
  deckName: "Cells",
  page: n,
  pageCount: 3,
  url: `/slides/deckAAAAAAAAAAAAAAAA/${n}.webp`,
});
const style = { id: "s1", tool: "pen", color: "#dc2626", size: 6 } as const;
const base = { seq: 1, at: 0 };

describe("board state", () => {
  it("starts from the snapshot's board, or nothing", () => {
    expect(boardFromSnapshot(undefined)).toBeNull();
    const b: BoardView = { slide: page(1), strokes: [] };
    expect(boardFromSnapshot(b)).toBe(b);
  });

  it("grows a stroke batch by batch and keeps untouched strokes by identity", () => {
    let b: BoardView | null = { slide: page(1), strokes: [] };
    b = applyBoardEvent(b, {
      ...base,
      type: "board.stroke",
      slide: page(1).key,
      stroke: { ...style, id: "old" },
      points: [[0, 0, 0.5]],
      done: true,
    });
    const old = b!.strokes[0];
    b = applyBoardEvent(b, {
      ...base,
      type: "board.stroke",
      slide: page(1).key,
      stroke: style,
      points: [[0.1, 0.1, 0.5]],
      done: false,
    });
    b = applyBoardEvent(b, {
      ...base,
      type: "board.stroke",
      slide: page(1).key,
      stroke: style,
      points: [[0.2, 0.2, 0.6]],
      done: true,
    });
    expect(b!.strokes[0]).toBe(old);
    expect(b!.strokes[1]).toEqual({
      ...style,
      points: [
        [0.1, 0.1, 0.5],
        [0.2, 0.2, 0.6],
      ],
      done: true,
    });
  });

  it("ignores strokes, undos and clears for another slide", () => {
    const b: BoardView = { slide: page(2), strokes: [] };
    const other = page(1).key;
    expect(
      applyBoardEvent(b, {
        ...base,
        type: "board.stroke",
        slide: other,
        stroke: style,
        points: [[0, 0, 0]],
        done: true,
      }),
    ).toBe(b);
    expect(applyBoardEvent(b, { ...base, type: "board.cleared", slide: other })).toBe(b);
    expect(
      applyBoardEvent(b, { ...base, type: "board.undone", slide: other, strokeId: "s1" }),
    ).toBe(b);
  });

  it("replaces everything on a slide change, removes undone strokes, empties on clear", () => {
    const withStroke: BoardView = {
      slide: page(1),
      strokes: [{ ...style, points: [[0, 0, 0]], done: true }],
    };
    const next = applyBoardEvent(null, { ...base, type: "slide.changed", board: withStroke });
    expect(next).toBe(withStroke);
    expect(
      applyBoardEvent(next, { ...base, type: "board.undone", slide: page(1).key, strokeId: "s1" })!
        .strokes,
    ).toEqual([]);
    expect(
      applyBoardEvent(next, { ...base, type: "board.cleared", slide: page(1).key })!.strokes,
    ).toEqual([]);
  });
});
