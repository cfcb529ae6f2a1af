/**
 * Turns what the teacher picked — a PDF or some images — into page images ready to
 * upload: each page drawn on a canvas at up to 1920 px wide and encoded as WebP
 * (JPEG where the browser cannot encode WebP). PDFs are rendered in the browser with
 * pdf.js, loaded on first use (a separate chunk; the student page never sees it).
 */
import pdfWorkerUrl from "pdfjs-dist/build/pdf.worker.min.mjs?url";
import { MAX_DECK_PAGES } from "../../../protocol/board.constants.ts";
import { t } from "../../i18n/studio.ts";

/** Widest page image we make. Enough for a projector, small enough for phones. */
export const PAGE_WIDTH = 1920;
/** Tallest page image (portrait pages). */
const PAGE_HEIGHT = 1920;
const QUALITY = 0.86;

/** One rendered page. */
export interface PageImage {
  blob: Blob;
  width: number;
  height: number;
}

/** Progress while rendering: page `done` of `total`. */
export type RenderProgress = (done: number, total: number) => void;

function scaleToFit(w: number, h: number): number {
  return Math.min(PAGE_WIDTH / w, PAGE_HEIGHT / h);
}

async function encode(canvas: HTMLCanvasElement, type: string): Promise<Blob> {
  const blob = await new Promise<Blob | null>((res) => canvas.toBlob(res, type, QUALITY));
  if (!blob) throw new Error(t("studio.slides.encodeFailed"));
  return blob;
}

/**
 * Encode in the deck's type: WebP when the browser can (Safari's toBlob falls back to
 * PNG), else JPEG. Every page of a deck has one type.
 */
async function encodePage(canvas: HTMLCanvasElement): Promise<Blob> {
  const webp = await encode(canvas, "image/webp");
  return webp.type === "image/webp" ? webp : encode(canvas, "image/jpeg");
}

function whiteCanvas(w: number, h: number): [HTMLCanvasElement, CanvasRenderingContext2D] {
  const canvas = document.createElement("canvas");
  canvas.width = w;
  canvas.height = h;
  const ctx = canvas.getContext("2d");
  if (!ctx) throw new Error(t("studio.slides.noCanvas"));
  ctx.fillStyle = "#ffffff";
  ctx.fillRect(0, 0, w, h);
  return [canvas, ctx];
}

/** Render every page of a PDF file. */
export async function renderPdf(file: Blob, onProgress: RenderProgress): Promise<PageImage[]> {
  const pdfjs = await import("pdfjs-dist");
  pdfjs.GlobalWorkerOptions.workerSrc = pdfWorkerUrl;
  const task = pdfjs.getDocument({ data: new Uint8Array(await file.arrayBuffer()) });
  const doc = await task.promise;
  try {
    if (doc.numPages > MAX_DECK_PAGES)
      throw new Error(t("studio.slides.pdfTooLong", { max: MAX_DECK_PAGES, count: doc.numPages }));
    const pages: PageImage[] = [];
    onProgress(0, doc.numPages);
    for (let n = 1; n <= doc.numPages; n++) {
      const page = await doc.getPage(n);
      const base = page.getViewport({ scale: 1 });
      const viewport = page.getViewport({ scale: scaleToFit(base.width, base.height) });
      const [canvas] = whiteCanvas(Math.round(viewport.width), Math.round(viewport.height));
      await page.render({ canvas, viewport }).promise;
      pages.push({ blob: await encodePage(canvas), width: canvas.width, height: canvas.height });
      page.cleanup();
      onProgress(n, doc.numPages);
    }
    return pages;
  } finally {
    void task.destroy();
  }
}

/** Re-encode image files (any type the browser decodes) as pages, in the given order. */
export async function renderImages(
  files: readonly Blob[],
  onProgress: RenderProgress,
): Promise<PageImage[]> {
  if (files.length > MAX_DECK_PAGES)
    throw new Error(t("studio.slides.tooManyImages", { max: MAX_DECK_PAGES }));
  const pages: PageImage[] = [];
  onProgress(0, files.length);
  for (const [i, file] of files.entries()) {
    const bmp = await createImageBitmap(file);
    const scale = Math.min(1, scaleToFit(bmp.width, bmp.height));
    const [canvas, ctx] = whiteCanvas(
      Math.round(bmp.width * scale),
      Math.round(bmp.height * scale),
    );
    ctx.drawImage(bmp, 0, 0, canvas.width, canvas.height);
    bmp.close();
    pages.push({ blob: await encodePage(canvas), width: canvas.width, height: canvas.height });
    onProgress(i + 1, files.length);
  }
  return pages;
}
