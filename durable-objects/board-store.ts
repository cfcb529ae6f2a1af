/**
 * The root's whiteboard storage: board state and strokes in the Classroom's SQLite.
 * The shell side of board-core.ts — it carries out `BoardStore` operations and loads a
 * slide's strokes — kept apart so classroom.ts only delegates.
 */
import {
  type BoardCore,
  type BoardDurable,
  type BoardStore,
  initialBoard,
  type StoredStroke,
} from "./board-core.ts";

/** Strokes of one slide and the board state row, in the root's SQLite. */
export class BoardStorage {
  constructor(private readonly sql: SqlStorage) {
    sql.exec(`CREATE TABLE IF NOT EXISTS board_strokes (slide TEXT NOT NULL, stroke_id TEXT NOT NULL,
      ord INTEGER NOT NULL, stroke TEXT NOT NULL, PRIMARY KEY (slide, stroke_id))`);
  }

  /** The saved board state, or a fresh one. */
  loadState(): BoardDurable {
    const row = this.sql.exec<{ v: string }>("SELECT v FROM state WHERE k = 'board'").toArray()[0];
    return row ? (JSON.parse(row.v) as BoardDurable) : initialBoard();
  }

  /** Every stroke of `slide` (any order; the core sorts). */
  loadSlide(slide: string): StoredStroke[] {
    return this.sql
      .exec<{ ord: number; stroke: string }>(
        "SELECT ord, stroke FROM board_strokes WHERE slide = ?",
        slide,
      )
      .toArray()
      .map((r) => ({ ord: r.ord, stroke: JSON.parse(r.stroke) as StoredStroke["stroke"] }));
  }

  /** Carry out one storage operation of `board`. */
  apply(board: BoardCore, op: BoardStore): void {
    switch (op.op) {
      case "stroke":
        this.sql.exec(
          "INSERT OR REPLACE INTO board_strokes VALUES (?, ?, ?, ?)",
          op.slide,
          op.stroke.id,
          op.ord,
          JSON.stringify(op.stroke),
        );
        break;
      case "delete":
        this.sql.exec(
          "DELETE FROM board_strokes WHERE slide = ? AND stroke_id = ?",
          op.slide,
          op.strokeId,
        );
        break;
      case "clear":
        this.sql.exec("DELETE FROM board_strokes WHERE slide = ?", op.slide);
        break;
      case "state":
        this.sql.exec(
          "INSERT OR REPLACE INTO state VALUES ('board', ?)",
          JSON.stringify(board.state),
        );
        break;
      default:
        op satisfies never;
    }
  }
}
