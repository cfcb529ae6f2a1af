import type { BoardView } from "../../protocol/board.ts";
import { SlideStage } from "../components/SlideStage.tsx";

/**
 * The teacher's slides and whiteboard on the student page, under the video. Shown once
 * the teacher puts a deck page on screen or draws on the blank board; updates arrive
 * when this student's video reaches them (the video-delay gate holds `slide.*` and
 * `board.*` events), so the ink matches what the teacher is saying in the picture.
 */
export function SlideArea(props: { board: BoardView | null }) {
  const b = props.board;
  if (!b || (b.slide.deckId === null && b.strokes.length === 0)) return null;
  const { slide } = b;
  return (
    <section class="card slide-area" aria-label="Slides">
      <SlideStage board={b} maxHeight={Math.round(window.innerHeight * 0.7)} />
      <p class="slide-caption" data-testid="slide-caption">
        {slide.deckId ? (
          <>
            <span class="slide-deck-name">{slide.deckName}</span>
            <span class="slide-page">
              {slide.page} / {slide.pageCount}
            </span>
          </>
        ) : (
          <span class="slide-deck-name">Whiteboard</span>
        )}
      </p>
    </section>
  );
}
