import { useEffect, useRef, useState } from "preact/hooks";
import type { BoardView } from "../../protocol/board.ts";
import { SlideStage } from "../components/SlideStage.tsx";
import { UserText } from "../components/UserText.tsx";
import { t } from "../i18n/student.ts";

/**
 * The teacher's slides and whiteboard on the student page, under the video. Shown once
 * the teacher puts a deck page on screen or draws on the blank board; updates arrive
 * when this student's video reaches them (the video-delay gate holds `slide.*` and
 * `board.*` events), so the ink matches what the teacher is saying in the picture.
 * A full-screen button gives phones the whole screen for the slide.
 */
export function SlideArea(props: { board: BoardView | null }) {
  const area = useRef<HTMLElement>(null);
  const [full, setFull] = useState(false);
  const [, setSize] = useState(0);
  useEffect(() => {
    const onChange = () => setFull(document.fullscreenElement === area.current);
    // The stage's height limit follows the window (rotating a phone, leaving full screen).
    const onResize = () => setSize(window.innerHeight);
    document.addEventListener("fullscreenchange", onChange);
    window.addEventListener("resize", onResize);
    return () => {
      document.removeEventListener("fullscreenchange", onChange);
      window.removeEventListener("resize", onResize);
    };
  }, []);
  const b = props.board;
  if (!b || (b.slide.deckId === null && b.strokes.length === 0)) return null;
  const { slide } = b;
  const toggle = () => {
    if (document.fullscreenElement) void document.exitFullscreen();
    else void area.current?.requestFullscreen().catch(() => {});
  };
  return (
    <section class="card slide-area" aria-label={t("student.after.slides")} ref={area}>
      <SlideStage
        board={b}
        maxHeight={Math.round(full ? window.innerHeight - 56 : window.innerHeight * 0.7)}
      />
      <p class="slide-caption" data-testid="slide-caption">
        {slide.deckId ? (
          <>
            <UserText text={slide.deckName} clip class="slide-deck-name" />
            <span class="slide-page">
              {t("student.slides.page", { page: slide.page, count: slide.pageCount })}
            </span>
          </>
        ) : (
          <span class="slide-deck-name">{t("common.slide.whiteboard")}</span>
        )}
        {document.fullscreenEnabled ? (
          <button type="button" class="btn btn-quiet btn-small slide-full" onClick={toggle}>
            {full ? t("student.slides.exitFullscreen") : t("student.slides.fullscreen")}
          </button>
        ) : null}
      </p>
    </section>
  );
}
