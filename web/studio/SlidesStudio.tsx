/**
 * The studio's Slides panel: upload a PDF or images as a deck (rendered to page images
 * here, uploaded with a progress bar), present a deck, page through it (buttons, page
 * box, the cockpit's arrow-key shortcuts), and draw on the slide or a blank board — pen with pressure, colours,
 * sizes, eraser, undo, clear. Strokes go out in batches about every 50 ms while drawing,
 * so students see the ink grow; this screen draws its own stroke at once and lets the
 * server's copy take over when it comes back complete.
 *
 * About 600 lines: one panel whose upload, paging and drawing share the deck state and the
 * pending-stroke batch; rendering PDF pages and the upload are already apart (slides/).
 */
import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import type { ClassPublic } from "../../protocol/api.ts";
import {
  BOARD_COLORS,
  BOARD_SIZES,
  type BoardColor,
  type BoardSize,
  type BoardTool,
  blankSlide,
  MAX_POINTS_PER_BATCH,
  MAX_POINTS_PER_STROKE,
} from "../../protocol/board.constants.ts";
import type { BoardPoint } from "../../protocol/board.ts";
import { MAX_PDF_BYTES } from "../../protocol/slides.constants.ts";
import type { SlideDeck, SlideUsage } from "../../protocol/slides.ts";
import { Notice } from "../components/Notice.tsx";
import { SlideStage } from "../components/SlideStage.tsx";
import { isolate, UserText } from "../components/UserText.tsx";
import { formatNumber } from "../i18n/core.ts";
import { type StudioKey, t } from "../i18n/studio.ts";
import { call, client, errorMessage } from "../lib/api.ts";
import type { Drawable } from "../lib/board-draw.ts";
import { useNow } from "../lib/classroom-hooks.ts";
import type { ClassroomSocket } from "../lib/classroom-socket.ts";
import type { ClassroomState } from "../lib/classroom-state.ts";
import { renderImages, renderPdf } from "./slides/pages.ts";
import { uploadDeck } from "./slides/upload.ts";

/** How often a stroke being drawn is sent, ms. */
const BATCH_MS = 50;

const COLOR_NAMES: Record<BoardColor, StudioKey> = {
  "#111827": "studio.slides.color.black",
  "#ffffff": "studio.slides.color.white",
  "#dc2626": "studio.slides.color.red",
  "#ea580c": "studio.slides.color.orange",
  "#facc15": "studio.slides.color.yellow",
  "#16a34a": "studio.slides.color.green",
  "#2563eb": "studio.slides.color.blue",
  "#9333ea": "studio.slides.color.purple",
};

type Room = { state: ClassroomState; socket: ClassroomSocket };

type UploadState =
  | { phase: "idle" }
  | { phase: "rendering"; done: number; total: number }
  | { phase: "uploading"; sent: number; total: number }
  | { phase: "error"; message: string };

/** A stroke this screen is drawing (or drew and the server has not finished echoing). */
interface LocalStroke extends Drawable {
  id: string;
  slide: string;
  /** Points not yet sent. */
  pending: BoardPoint[];
  /** Local time the pen was lifted. */
  doneAt?: number;
}

/** A finished local stroke the server has not echoed within this time was lost or refused. */
const ECHO_WAIT_MS = 5000;

const round = (n: number) => Math.round(Math.min(1, Math.max(0, n)) * 1e4) / 1e4;
const newStrokeId = () =>
  Date.now().toString(36) +
  Math.random()
    .toString(36)
    .slice(2, 8)
    .replace(/[^a-z0-9]/g, "");

export function SlidesStudio(props: { cls: ClassPublic; room: Room }) {
  const { state, socket } = props.room;
  const [decks, setDecks] = useState<SlideDeck[] | null>(null);
  const [usage, setUsage] = useState<SlideUsage | null>(null);
  const [listError, setListError] = useState<string | null>(null);
  const [deleting, setDeleting] = useState<string | null>(null);
  const [upload, setUpload] = useState<UploadState>({ phase: "idle" });
  const [tool, setTool] = useState<BoardTool>("pen");
  const [color, setColor] = useState<BoardColor>("#dc2626");
  const [size, setSize] = useState<BoardSize>(6);
  const [, setFrame] = useState(0);
  const local = useRef<LocalStroke[]>([]);
  const drawing = useRef<LocalStroke | null>(null);
  const lastDeckSlide = useRef<{ deckId: string; page: number } | null>(null);
  const classId = props.cls.id;
  const connected = state.conn === "connected";
  const board = state.board ?? { slide: blankSlide(), strokes: [] };
  const slide = board.slide;
  if (slide.deckId) lastDeckSlide.current = { deckId: slide.deckId, page: slide.page };

  const refresh = useCallback(() => {
    call(client.classes[":id"].slides.$get({ param: { id: classId } })).then(
      (r) => {
        setDecks(r.decks);
        setUsage(r.usage);
        setListError(null);
      },
      (err) => setListError(errorMessage(err)),
    );
  }, [classId]);
  useEffect(refresh, [refresh]);

  // ---- paging ----------------------------------------------------------------

  const show = (deckId: string | null, page?: number) =>
    socket.send(
      page === undefined ? { type: "slide.show", deckId } : { type: "slide.show", deckId, page },
    );
  const next = () => socket.send({ type: "slide.next" });
  const prev = () => socket.send({ type: "slide.prev" });
  const undo = () => socket.send({ type: "board.undo" });

  // Arrow keys, Page Up/Down and Ctrl+Z are the cockpit's shortcuts (cockpit/shortcuts.ts).

  // ---- drawing -----------------------------------------------------------------

  /** Send what a stroke has not sent yet (in batches of at most 64 points). */
  const flush = useCallback(
    (s: LocalStroke, end: boolean) => {
      do {
        const points = s.pending.splice(0, MAX_POINTS_PER_BATCH);
        const last = end && s.pending.length === 0;
        if (points.length === 0 && !last) return;
        socket.send({
          type: "board.stroke",
          slide: s.slide,
          id: s.id,
          tool: s.tool,
          color: s.color as BoardColor,
          size: s.size as BoardSize,
          points,
          ...(last ? { end: true } : {}),
        });
      } while (s.pending.length > 0);
    },
    [socket],
  );

  useEffect(() => {
    const timer = setInterval(() => {
      const s = drawing.current;
      if (s) flush(s, false);
      const now = Date.now();
      const stale = (x: LocalStroke) => x.doneAt !== undefined && now - x.doneAt > ECHO_WAIT_MS;
      if (local.current.some(stale)) {
        local.current = local.current.filter((x) => !stale(x));
        setFrame((n) => n + 1);
      }
    }, BATCH_MS);
    return () => clearInterval(timer);
  }, [flush]);

  // A refused stroke (board full, slide changed) never comes back: stop drawing it here.
  const refusedAt = state.lastError?.ref === "board.stroke" ? state.lastError.at : 0;
  useEffect(() => {
    if (!refusedAt) return;
    local.current = local.current.filter((x) => !x.done);
    setFrame((n) => n + 1);
  }, [refusedAt]);

  // The server's copy of a finished local stroke is complete: draw that one instead.
  const serverDone = new Set(board.strokes.filter((s) => s.done).map((s) => s.id));
  if (local.current.some((s) => s.done && (serverDone.has(s.id) || s.slide !== slide.key)))
    local.current = local.current.filter(
      (s) => !(s.done && (serverDone.has(s.id) || s.slide !== slide.key)),
    );
  const localIds = new Set(local.current.map((s) => s.id));
  const shown = localIds.size
    ? { slide, strokes: board.strokes.filter((s) => !localIds.has(s.id)) }
    : board;
  const extra = local.current.filter((s) => s.slide === slide.key);

  const pointOf = (e: PointerEvent, r: DOMRect): BoardPoint => {
    const p = e.pointerType === "pen" && e.pressure > 0 ? e.pressure : 0.5;
    return [round((e.clientX - r.left) / r.width), round((e.clientY - r.top) / r.height), round(p)];
  };
  const redraw = () => setFrame((n) => n + 1);

  const begin = (start: BoardPoint) => {
    const s: LocalStroke = {
      id: newStrokeId(),
      slide: slide.key,
      tool,
      color,
      size,
      points: [start],
      pending: [start],
      done: false,
    };
    drawing.current = s;
    local.current = [...local.current, s];
  };
  const end = () => {
    const s = drawing.current;
    if (!s) return;
    drawing.current = null;
    s.done = true;
    s.doneAt = Date.now();
    flush(s, true);
    redraw();
  };

  const draw = connected
    ? {
        cursor: tool === "eraser" ? "cell" : "crosshair",
        onPointerDown: (e: PointerEvent) => {
          if (e.button !== 0) return;
          (e.currentTarget as HTMLElement).setPointerCapture(e.pointerId);
          begin(pointOf(e, (e.currentTarget as HTMLElement).getBoundingClientRect()));
          redraw();
        },
        onPointerMove: (e: PointerEvent) => {
          const s = drawing.current;
          if (!s) return;
          const rect = (e.currentTarget as HTMLElement).getBoundingClientRect();
          const events = e.getCoalescedEvents?.() ?? [];
          for (const ev of events.length ? events : [e]) {
            const pt = pointOf(ev, rect);
            s.points = [...s.points, pt];
            s.pending.push(pt);
            // A stroke holds at most 2000 points: carry on as a new stroke.
            if (s.points.length >= MAX_POINTS_PER_STROKE) {
              end();
              begin(pt);
            }
          }
          redraw();
        },
        onPointerUp: end,
        onPointerCancel: end,
      }
    : undefined;

  // ---- upload --------------------------------------------------------------------

  const onFiles = async (e: Event) => {
    const input = e.currentTarget as HTMLInputElement;
    const files = [...(input.files ?? [])];
    input.value = "";
    if (files.length === 0) return;
    const pdf = files.find((f) => f.type === "application/pdf" || /\.pdf$/i.test(f.name)) ?? null;
    const images = files.filter((f) => f.type.startsWith("image/"));
    const name = (pdf?.name ?? images[0]?.name ?? t("studio.slides.defaultName")).replace(
      /\.[a-z0-9]+$/i,
      "",
    );
    try {
      const onRender = (done: number, total: number) =>
        setUpload({ phase: "rendering", done, total });
      const pages = pdf ? await renderPdf(pdf, onRender) : await renderImages(images, onRender);
      if (pages.length === 0) throw new Error(t("studio.slides.pickFiles"));
      // Say so before uploading anything when the deck cannot fit (the server checks too).
      const keep = pdf && pdf.size <= MAX_PDF_BYTES ? pdf : null;
      const need = pages.reduce((n, p) => n + p.blob.size, 0) + (keep?.size ?? 0);
      if (usage && usage.bytes + need > usage.quotaBytes)
        throw new Error(
          t("studio.slides.noRoom", {
            need: mib(need),
            free: mib(Math.max(0, usage.quotaBytes - usage.bytes)),
            quota: mib(usage.quotaBytes),
          }),
        );
      if (usage && usage.decks >= usage.maxDecks)
        throw new Error(t("studio.slides.tooManyDecks", { count: usage.decks }));
      const deck = await uploadDeck(
        classId,
        name.slice(0, 120) || t("studio.slides.defaultName"),
        pages,
        keep,
        (sent, total) => setUpload({ phase: "uploading", sent, total }),
      );
      setUpload({ phase: "idle" });
      refresh();
      show(deck.id, 1);
    } catch (err) {
      setUpload({
        phase: "error",
        message: err instanceof Error && !("code" in err) ? err.message : errorMessage(err),
      });
      // A deck cut short (quota, network) stays listed, so it can be deleted.
      refresh();
    }
  };

  const remove = async (d: SlideDeck) => {
    if (!confirm(t("studio.slides.confirmDelete", { name: isolate(d.name), count: d.pageCount })))
      return;
    setDeleting(d.id);
    try {
      await call(client.slides[":deckId"].$delete({ param: { deckId: d.id } }));
      if (upload.phase === "error") setUpload({ phase: "idle" });
    } catch (err) {
      setListError(errorMessage(err));
    } finally {
      setDeleting(null);
      refresh();
    }
  };

  const busy = upload.phase === "rendering" || upload.phase === "uploading";
  const listed = decks ?? [];
  const lastBoardError =
    state.lastError && /^(board|slide)\./.test(state.lastError.ref ?? "") ? state.lastError : null;
  // A refusal shows for a few seconds, then gets out of the way.
  const now = useNow(lastBoardError !== null);
  const boardError = lastBoardError && now - lastBoardError.at < 8000 ? lastBoardError : null;

  return (
    <section class="card slides-studio" aria-labelledby="slides-title" data-testid="slides-studio">
      <header class="panel-head">
        <h2 id="slides-title">{t("studio.slides.title")}</h2>
        <span class="muted">
          {slide.deckId
            ? t("studio.slides.deckPage", {
                deck: isolate(slide.deckName),
                page: slide.page,
                count: slide.pageCount,
              })
            : t("studio.slides.blank")}
        </span>
      </header>

      <div class="slides-layout">
        <div class="slides-main">
          <div class="board-toolbar" role="toolbar" aria-label={t("studio.slides.tools")}>
            <fieldset class="tool-group">
              <legend class="visually-hidden">{t("studio.slides.tool")}</legend>
              <button
                type="button"
                class={`tool-btn${tool === "pen" ? " is-active" : ""}`}
                aria-pressed={tool === "pen"}
                onClick={() => setTool("pen")}
                title={t("studio.slides.pen")}
              >
                ✎ {t("studio.slides.pen")}
              </button>
              <button
                type="button"
                class={`tool-btn${tool === "eraser" ? " is-active" : ""}`}
                aria-pressed={tool === "eraser"}
                onClick={() => setTool("eraser")}
                title={t("studio.slides.eraser")}
              >
                ⌫ {t("studio.slides.eraser")}
              </button>
            </fieldset>
            <fieldset class="tool-group swatches">
              <legend class="visually-hidden">{t("studio.slides.colour")}</legend>
              {BOARD_COLORS.map((c) => (
                <button
                  type="button"
                  key={c}
                  class={`swatch${color === c ? " is-active" : ""}`}
                  style={{ background: c }}
                  aria-label={t(COLOR_NAMES[c])}
                  aria-pressed={color === c}
                  title={t(COLOR_NAMES[c])}
                  onClick={() => {
                    setColor(c);
                    setTool("pen");
                  }}
                />
              ))}
            </fieldset>
            <fieldset class="tool-group sizes">
              <legend class="visually-hidden">{t("studio.slides.size")}</legend>
              {BOARD_SIZES.map((s) => (
                <button
                  type="button"
                  key={s}
                  class={`size-btn${size === s ? " is-active" : ""}`}
                  aria-label={t("studio.slides.sizeN", { n: s })}
                  aria-pressed={size === s}
                  onClick={() => setSize(s)}
                >
                  <span
                    style={{
                      width: `${Math.min(22, 3 + s / 2.2)}px`,
                      height: `${Math.min(22, 3 + s / 2.2)}px`,
                    }}
                  />
                </button>
              ))}
            </fieldset>
            <fieldset class="tool-group">
              <legend class="visually-hidden">{t("studio.slides.edit")}</legend>
              <button
                type="button"
                class="tool-btn"
                onClick={undo}
                disabled={!connected}
                title={t("studio.slides.undoTitle")}
              >
                ↶ {t("studio.slides.undo")}
              </button>
              <button
                type="button"
                class="tool-btn"
                onClick={() => {
                  // Undo cannot bring a cleared slide back: ask first.
                  if (confirm(t("studio.slides.confirmClear")))
                    socket.send({ type: "board.clear" });
                }}
                disabled={!connected || board.strokes.length === 0}
              >
                {t("studio.slides.clear")}
              </button>
            </fieldset>
          </div>

          <SlideStage
            board={shown}
            extra={extra}
            draw={draw}
            maxHeight={560}
            testId="studio-stage"
          />

          <div class="slide-nav">
            <button
              type="button"
              class="btn btn-secondary btn-small"
              onClick={prev}
              disabled={!slide.deckId || slide.page <= 1}
            >
              {/* Named "Previous page": the visible "Prev" is part of the name (axe). */}
              <span class="nav-arrow" aria-hidden="true">
                ←{" "}
              </span>
              {t("studio.slides.prev")}
              <span class="visually-hidden">{t("studio.slides.prevHidden")}</span>
            </button>
            {slide.deckId ? (
              <label class="page-box">
                {t("studio.slides.page")}{" "}
                <input
                  type="number"
                  min={1}
                  max={slide.pageCount}
                  value={slide.page}
                  aria-label={t("studio.slides.goToPage")}
                  onChange={(e) => {
                    const n = Number((e.currentTarget as HTMLInputElement).value);
                    if (Number.isInteger(n) && n >= 1 && n <= slide.pageCount)
                      show(slide.deckId, n);
                  }}
                />{" "}
                {t("studio.slides.ofCount", { count: slide.pageCount })}
              </label>
            ) : (
              <span class="page-box muted">{t("studio.slides.blank")}</span>
            )}
            <button
              type="button"
              class="btn btn-secondary btn-small"
              onClick={next}
              disabled={!slide.deckId || slide.page >= slide.pageCount}
            >
              {t("studio.slides.next")}
              <span class="visually-hidden">{t("studio.slides.nextHidden")}</span>
              <span class="nav-arrow" aria-hidden="true">
                {" "}
                →
              </span>
            </button>
            <span class="nav-spacer" />
            {slide.deckId ? (
              <button type="button" class="btn btn-quiet btn-small" onClick={() => show(null)}>
                {t("studio.slides.blank")}
              </button>
            ) : lastDeckSlide.current ? (
              <button
                type="button"
                class="btn btn-quiet btn-small"
                onClick={() => show(lastDeckSlide.current!.deckId, lastDeckSlide.current!.page)}
              >
                {t("studio.slides.backToSlides")}
              </button>
            ) : null}
          </div>
          {boardError ? <Notice kind="error">{boardError.message}</Notice> : null}
        </div>

        <aside class="deck-list" aria-label={t("studio.slides.decks")}>
          <label class={`btn btn-primary btn-block upload-btn${busy ? " is-busy" : ""}`}>
            {t(busy ? "studio.slides.uploading" : "studio.slides.upload")}
            <input
              type="file"
              accept="application/pdf,.pdf,image/png,image/jpeg,image/webp"
              multiple
              disabled={busy}
              onChange={onFiles}
              data-testid="slides-file"
              class="visually-hidden"
            />
          </label>
          <p class="muted upload-hint">{t("studio.slides.uploadHint")}</p>
          {upload.phase === "rendering" ? (
            <Progress
              label={t("studio.slides.preparing", {
                page: Math.min(upload.done + 1, upload.total),
                count: upload.total,
              })}
              value={upload.done}
              max={upload.total}
            />
          ) : upload.phase === "uploading" ? (
            <Progress
              label={t("studio.slides.uploadingPercent", {
                percent: formatNumber(
                  Math.floor((100 * upload.sent) / Math.max(1, upload.total)) / 100,
                  {
                    style: "percent",
                  },
                ),
              })}
              value={upload.sent}
              max={upload.total}
            />
          ) : upload.phase === "error" ? (
            <Notice kind="error">{upload.message}</Notice>
          ) : null}
          {listError ? <Notice kind="error">{listError}</Notice> : null}
          {usage ? (
            <p class="muted slide-usage" data-testid="slide-usage">
              {t("studio.slides.usage", {
                used: mib(usage.bytes),
                quota: mib(usage.quotaBytes),
                decks: usage.decks,
                count: usage.maxDecks,
              })}
            </p>
          ) : null}
          {decks && listed.length === 0 ? (
            <p class="muted deck-empty">{t("studio.slides.noDecks")}</p>
          ) : null}
          <ul class="decks">
            {listed.map((d) => {
              const current = d.id === slide.deckId;
              return (
                <li key={d.id} class={current ? "is-current" : ""} data-testid="deck">
                  <div>
                    <UserText text={d.name} clip class="deck-name" />
                    <span class="muted deck-pages">
                      {d.pageCount === 0
                        ? t("studio.slides.incomplete")
                        : t("studio.slides.pages", { count: d.pageCount })}
                    </span>
                  </div>
                  <div class="deck-actions">
                    {d.pageCount > 0 ? (
                      <button
                        type="button"
                        class="btn btn-small btn-secondary"
                        disabled={!connected || current}
                        onClick={() => show(d.id, 1)}
                      >
                        {t(current ? "studio.slides.onScreen" : "studio.slides.present")}
                      </button>
                    ) : null}
                    <button
                      type="button"
                      class="btn btn-small btn-quiet"
                      disabled={deleting !== null || busy}
                      aria-label={t("studio.slides.deleteDeck", { name: isolate(d.name) })}
                      data-testid="delete-deck"
                      onClick={() => void remove(d)}
                    >
                      {t(deleting === d.id ? "studio.slides.deleting" : "studio.chat.delete")}
                    </button>
                  </div>
                </li>
              );
            })}
          </ul>
        </aside>
      </div>
    </section>
  );
}

/** Bytes as MiB for people: one decimal under 10 MiB. */
function mib(n: number): string {
  const m = n / (1024 * 1024);
  const digits = m < 10 ? 1 : 0;
  return t("studio.slides.mib", {
    n: formatNumber(m, { minimumFractionDigits: digits, maximumFractionDigits: digits }),
  });
}

function Progress(props: { label: string; value: number; max: number }) {
  return (
    <div class="upload-progress" data-testid="upload-progress">
      <span>{props.label}</span>
      <progress value={props.value} max={Math.max(1, props.max)} />
    </div>
  );
}
