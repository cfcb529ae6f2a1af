/**
 * The slide and whiteboard as a client holds it: a pure reducer over the board
 * events (`slide.changed`, `board.stroke`, `board.undone`, `board.cleared`), fed by
 * classroom-state.ts in `seq` order. Strokes that did not change keep their object
 * identity, so a renderer can cache each finished stroke's outline by object.
 *
 * Types only from protocol/: its runtime code would pull valibot into the student bundle.
 */
import type { BoardEvent, BoardView, Stroke } from "../../protocol/board.ts";

/** The board from a snapshot (null when the server sent none: nothing shown yet). */
export function boardFromSnapshot(board: BoardView | undefined): BoardView | null {
  return board ?? null;
}

/** Apply one board event. Events for a slide other than the one on screen change nothing. */
export function applyBoardEvent(b: BoardView | null, ev: BoardEvent): BoardView | null {
  switch (ev.type) {
    case "slide.changed":
      return ev.board;
    case "board.stroke": {
      if (!b || b.slide.key !== ev.slide) return b;
      const i = b.strokes.findIndex((s) => s.id === ev.stroke.id);
      const strokes = [...b.strokes];
      if (i < 0) strokes.push({ ...ev.stroke, points: ev.points, done: ev.done });
      else {
        const s = strokes[i] as Stroke;
        strokes[i] = { ...s, points: [...s.points, ...ev.points], done: ev.done };
      }
      return { ...b, strokes };
    }
    case "board.undone":
      if (!b || b.slide.key !== ev.slide) return b;
      return { ...b, strokes: b.strokes.filter((s) => s.id !== ev.strokeId) };
    case "board.cleared":
      if (!b || b.slide.key !== ev.slide) return b;
      return { ...b, strokes: [] };
    default:
      return ev satisfies never;
  }
}

/** Whether a server message type is a board event (for routing in the classroom reducer). */
export function isBoardEventType(type: string): boolean {
  return (
    type === "slide.changed" ||
    type === "board.stroke" ||
    type === "board.undone" ||
    type === "board.cleared"
  );
}
