/**
 * The slide on screen with its whiteboard ink: the page image (or a white board) and a
 * transparent canvas of the same box on top. The box keeps the page's own aspect ratio
 * and fits the width it is given (and `maxHeight`), so normalized stroke coordinates land
 * on the same spot of the slide on every screen, phone or projector. The studio passes
 * pointer handlers to draw on the canvas; students only watch.
 */
import { useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";
import type { BoardView } from "../../protocol/board.ts";
import { t } from "../i18n/common.ts";
import { type Drawable, drawStrokes } from "../lib/board-draw.ts";
import { isolate } from "./UserText.tsx";

/** Width / height of a slide before its image says otherwise (and of the blank board). */
const DEFAULT_RATIO = 16 / 9;
/** Aspect ratios of page images seen, by URL, so revisiting a page does not jump. */
const ratios = new Map<string, number>();

/** Pointer handlers the studio draws with. */
interface CanvasHandlers {
  onPointerDown?: (e: PointerEvent) => void;
  onPointerMove?: (e: PointerEvent) => void;
  onPointerUp?: (e: PointerEvent) => void;
  onPointerCancel?: (e: PointerEvent) => void;
}

/** "Slide 3 of 12: <deck>, with drawing" or "Whiteboard, with drawing": the stage's name. */
export function slideLabel(board: BoardView): string {
  const { slide, strokes } = board;
  const base = slide.url
    ? t("common.slide.label", {
        page: slide.page,
        count: slide.pageCount,
        deck: isolate(slide.deckName),
      })
    : t("common.slide.whiteboard");
  return strokes.length === 0 ? base : t("common.slide.ink", { base, count: strokes.length });
}

export function SlideStage(props: {
  board: BoardView;
  /** Strokes drawn here and not yet echoed by the server (studio). */
  extra?: readonly Drawable[];
  /** Largest box height in CSS pixels (default: 75% of the window). */
  maxHeight?: number;
  /** Studio: draw with these (the canvas gets `touch-action: none`). */
  draw?: CanvasHandlers & { cursor: string };
  testId?: string;
}) {
  const { slide, strokes } = props.board;
  const wrap = useRef<HTMLDivElement>(null);
  const canvas = useRef<HTMLCanvasElement>(null);
  const [avail, setAvail] = useState(0);
  const [ratio, setRatio] = useState(() => (slide.url && ratios.get(slide.url)) || DEFAULT_RATIO);

  useLayoutEffect(() => {
    const el = wrap.current;
    if (!el) return;
    const ro = new ResizeObserver(() => setAvail(el.clientWidth));
    ro.observe(el);
    setAvail(el.clientWidth);
    return () => ro.disconnect();
  }, []);

  useEffect(() => {
    if (!slide.url) setRatio(DEFAULT_RATIO);
    else {
      const known = ratios.get(slide.url);
      if (known) setRatio(known);
    }
  }, [slide.url]);

  const maxH = props.maxHeight ?? Math.round(window.innerHeight * 0.75);
  const w = Math.max(0, Math.floor(Math.min(avail, maxH * ratio)));
  const h = Math.floor(w / ratio);

  useEffect(() => {
    const c = canvas.current;
    if (!c || w === 0) return;
    const all = props.extra?.length ? [...strokes, ...props.extra] : strokes;
    const raf = requestAnimationFrame(() => drawStrokes(c, all, w, h));
    return () => cancelAnimationFrame(raf);
  }, [strokes, props.extra, w, h]);

  const onLoad = (e: Event) => {
    const img = e.currentTarget as HTMLImageElement;
    if (!img.naturalWidth || !img.naturalHeight || !slide.url) return;
    const r = img.naturalWidth / img.naturalHeight;
    ratios.set(slide.url, r);
    setRatio(r);
  };

  const { cursor, ...handlers } = props.draw ?? { cursor: "default" };
  return (
    <div
      class="slide-stage"
      ref={wrap}
      data-testid={props.testId ?? "slide-stage"}
      data-slide={slide.key}
      data-strokes={strokes.length}
    >
      {/* One image to assistive technology: the page, or the board, with its ink. Slide
          uploads keep page images only (web/studio/slides/pages.ts rasterises the PDF),
          so the text alternative names the slide and its deck, not the slide's text. */}
      <div
        class="slide-box"
        style={{ width: `${w}px`, height: `${h}px` }}
        role="img"
        aria-label={slideLabel(props.board)}
        data-testid="slide-box"
      >
        {slide.url ? (
          <img class="slide-image" src={slide.url} alt="" onLoad={onLoad} draggable={false} />
        ) : (
          <div class="slide-blank" />
        )}
        <canvas
          ref={canvas}
          class="slide-ink"
          style={{ width: `${w}px`, height: `${h}px`, cursor }}
          data-testid="slide-ink"
          {...(props.draw ? handlers : {})}
        />
      </div>
    </div>
  );
}
