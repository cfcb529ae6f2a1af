/**
 * Pure core of the slides and whiteboard at the class root: which slide is on
 * screen, the decks the teacher may page through, and the strokes of every slide
 * (the current one in memory, the others in storage). Commands in; event bodies
 * (the root sequences them), storage operations and typed errors out.
 *
 * No runtime imports: the shell reads a slide's strokes through the injected,
 * synchronous `loadSlide` (Durable Object SQLite is synchronous) and carries out the
 * `BoardStore` operations (durable-objects/board-store.ts). Unit-tested in Node.
 */
import {
  type BoardEvent,
  type BoardMessage,
  type BoardPoint,
  type BoardView,
  blankSlide,
  type DeckInfo,
  MAX_DECKS,
  MAX_POINTS_PER_SLIDE,
  MAX_POINTS_PER_STROKE,
  MAX_STROKES_PER_SLIDE,
  type SlideView,
  type Stroke,
  slideImagePath,
  slideKey,
} from "../protocol/board.ts";
import type { ErrorCode } from "../protocol/realtime.ts";

/** Board state that survives restarts (one JSON row); strokes are stored per slide. */
export interface BoardDurable {
  /** The slide on screen: a deck page, or the blank board (`deckId` null, page 0). */
  current: { deckId: string | null; page: number };
  /** Decks of this class, oldest first (at most MAX_DECKS). */
  decks: DeckInfo[];
  /** Last stroke order number handed out (strokes sort by it when loaded). */
  ord: number;
}

/** A fresh board: the blank board, no decks. */
export function initialBoard(): BoardDurable {
  return { current: { deckId: null, page: 0 }, decks: [], ord: 0 };
}

/** A stroke as stored: its order on the slide, for sorting on load. */
export interface StoredStroke {
  ord: number;
  stroke: Stroke;
}

/** Storage work for the shell. */
export type BoardStore =
  /** Insert or replace stroke `stroke.id` of `slide`. */
  | { op: "stroke"; slide: string; ord: number; stroke: Stroke }
  /** Delete one stroke. */
  | { op: "delete"; slide: string; strokeId: string }
  /** Delete every stroke of a slide. */
  | { op: "clear"; slide: string }
  /** Save `BoardDurable`. */
  | { op: "state" };

type WithoutSeq<T> = T extends unknown ? Omit<T, "seq" | "at"> : never;
/** A board event before the root gives it `seq` and `at`. */
export type BoardEventBody = WithoutSeq<BoardEvent>;

/** What a board command decided. An `error` means nothing changed. */
export interface BoardOutcome {
  events: BoardEventBody[];
  store: BoardStore[];
  error?: { code: ErrorCode; message: string };
}

const none = (): BoardOutcome => ({ events: [], store: [] });
const refuse = (code: ErrorCode, message: string): BoardOutcome => ({
  events: [],
  store: [],
  error: { code, message },
});
/** Four decimals: a tenth of a pixel on a 1000-px slide, and short JSON. */
const round = (n: number) => Math.round(n * 1e4) / 1e4;

/** The board's decisions. Mutates its own state; no I/O except the injected slide loader. */
export class BoardCore {
  /** Strokes of the current slide, in drawing order. */
  private strokes: StoredStroke[];
  private points: number;

  constructor(
    public state: BoardDurable,
    private readonly loadSlide: (key: string) => StoredStroke[],
  ) {
    if (state.current.deckId !== null && !this.deck(state.current.deckId))
      state.current = { deckId: null, page: 0 };
    this.strokes = this.load(this.currentKey());
    this.points = count(this.strokes);
  }

  private load(key: string): StoredStroke[] {
    return this.loadSlide(key).sort((a, b) => a.ord - b.ord);
  }

  private deck(id: string): DeckInfo | undefined {
    return this.state.decks.find((d) => d.id === id);
  }

  /** The key strokes of the slide on screen belong to. */
  currentKey(): string {
    return slideKey(this.state.current.deckId, this.state.current.page);
  }

  /** The slide on screen. */
  slide(): SlideView {
    const { deckId, page } = this.state.current;
    const deck = deckId === null ? undefined : this.deck(deckId);
    if (!deck) return blankSlide();
    return {
      key: slideKey(deck.id, page),
      deckId: deck.id,
      deckName: deck.name,
      page,
      pageCount: deck.pageCount,
      url: slideImagePath(deck.id, page, deck.pageType),
    };
  }

  /** The current slide with its strokes (snapshots and `slide.changed`). */
  view(): BoardView {
    return { slide: this.slide(), strokes: this.strokes.map((s) => s.stroke) };
  }

  /** The decks the root knows, newest first. */
  decks(): DeckInfo[] {
    return [...this.state.decks].reverse();
  }

  /**
   * A deck was created or got more pages (the upload routes tell the root). Keeps the
   * newest MAX_DECKS; a forgotten deck can no longer be shown (the one on screen stays).
   */
  setDeck(deck: DeckInfo): BoardOutcome {
    const known = this.deck(deck.id);
    if (
      known &&
      known.name === deck.name &&
      known.pageCount === deck.pageCount &&
      known.pageType === deck.pageType
    )
      return none();
    const decks = this.state.decks.filter((d) => d.id !== deck.id);
    decks.push({ ...deck });
    while (decks.length > MAX_DECKS) {
      const i = decks.findIndex((d) => d.id !== this.state.current.deckId);
      decks.splice(i, 1);
    }
    this.state.decks = decks;
    const out: BoardOutcome = { events: [], store: [{ op: "state" }] };
    // The deck on screen grew: students' "page n of m" follows.
    if (deck.id === this.state.current.deckId)
      out.events.push({ type: "slide.changed", board: this.view() });
    return out;
  }

  /**
   * A deck was deleted (Worker, `DELETE /api/slides/:deckId`): it can no longer be shown,
   * and if it is on screen the class goes to the blank board.
   */
  removeDeck(deckId: string): BoardOutcome {
    if (!this.deck(deckId) && this.state.current.deckId !== deckId) return none();
    this.state.decks = this.state.decks.filter((d) => d.id !== deckId);
    if (this.state.current.deckId === deckId) {
      const out = this.show(null, 0);
      return { events: out.events, store: [{ op: "state" }] };
    }
    return { events: [], store: [{ op: "state" }] };
  }

  /** Apply one validated staff command. */
  command(m: BoardMessage): BoardOutcome {
    switch (m.type) {
      case "slide.show": {
        if (m.deckId === null) return this.show(null, 0);
        const deck = this.deck(m.deckId);
        if (!deck) return refuse("not_found", "No such deck in this class.");
        const page = m.page ?? 1;
        if (page > deck.pageCount)
          return refuse("not_found", `This deck has ${deck.pageCount} pages.`);
        return this.show(deck.id, page);
      }
      case "slide.next":
      case "slide.prev": {
        const { deckId, page } = this.state.current;
        const deck = deckId === null ? undefined : this.deck(deckId);
        if (!deck) return none();
        const next = page + (m.type === "slide.next" ? 1 : -1);
        if (next < 1 || next > deck.pageCount) return none();
        return this.show(deck.id, next);
      }
      case "board.stroke":
        return this.stroke(m);
      case "board.undo": {
        const last = this.strokes.pop();
        if (!last) return none();
        this.points -= last.stroke.points.length;
        const slide = this.currentKey();
        return {
          events: [{ type: "board.undone", slide, strokeId: last.stroke.id }],
          store: [{ op: "delete", slide, strokeId: last.stroke.id }],
        };
      }
      case "board.clear": {
        if (this.strokes.length === 0) return none();
        this.strokes = [];
        this.points = 0;
        const slide = this.currentKey();
        return { events: [{ type: "board.cleared", slide }], store: [{ op: "clear", slide }] };
      }
      default:
        return m satisfies never;
    }
  }

  private show(deckId: string | null, page: number): BoardOutcome {
    const cur = this.state.current;
    if (cur.deckId === deckId && cur.page === page) return none();
    this.state.current = { deckId, page };
    this.strokes = this.load(this.currentKey());
    this.points = count(this.strokes);
    return { events: [{ type: "slide.changed", board: this.view() }], store: [{ op: "state" }] };
  }

  private stroke(m: Extract<BoardMessage, { type: "board.stroke" }>): BoardOutcome {
    const slide = this.currentKey();
    if (m.slide !== slide) return refuse("stale_slide", "That slide is no longer on screen.");
    const points: BoardPoint[] = m.points.map(([x, y, p]) => [round(x), round(y), round(p)]);
    let entry = this.strokes.find((s) => s.stroke.id === m.id);
    if (entry?.stroke.done) return refuse("invalid_message", "That stroke has ended.");
    if (!entry && points.length === 0) return none();
    if (!entry && this.strokes.length >= MAX_STROKES_PER_SLIDE)
      return refuse("board_full", `A slide holds at most ${MAX_STROKES_PER_SLIDE} strokes.`);
    if ((entry?.stroke.points.length ?? 0) + points.length > MAX_POINTS_PER_STROKE)
      return refuse("board_full", `A stroke holds at most ${MAX_POINTS_PER_STROKE} points.`);
    if (this.points + points.length > MAX_POINTS_PER_SLIDE)
      return refuse("board_full", "This slide is full: undo or clear some strokes.");
    const isNew = !entry;
    if (!entry) {
      this.state.ord++;
      entry = {
        ord: this.state.ord,
        stroke: { id: m.id, tool: m.tool, color: m.color, size: m.size, points: [], done: false },
      };
      this.strokes.push(entry);
    }
    const s = entry.stroke;
    s.points.push(...points);
    this.points += points.length;
    if (m.end) s.done = true;
    if (points.length === 0 && !m.end) return none();
    return {
      events: [
        {
          type: "board.stroke",
          slide,
          stroke: { id: s.id, tool: s.tool, color: s.color, size: s.size },
          points,
          done: s.done,
        },
      ],
      store: isNew
        ? [{ op: "stroke", slide, ord: entry.ord, stroke: s }, { op: "state" }]
        : [{ op: "stroke", slide, ord: entry.ord, stroke: s }],
    };
  }
}

function count(strokes: StoredStroke[]): number {
  let n = 0;
  for (const s of strokes) n += s.stroke.points.length;
  return n;
}
