/**
 * Uploads a rendered deck: create it, then PUT each page (and the original PDF) with
 * XMLHttpRequest, whose upload progress events fetch() still lacks — so the teacher
 * sees a real progress bar over all the bytes.
 */
import type { ApiErrorBody } from "../../../protocol/api.ts";
import type { PageType, SlideDeck } from "../../../protocol/slides.ts";
import { t } from "../../i18n/studio.ts";
import { ApiClientError, call, client, isApiError } from "../../lib/api.ts";
import type { PageImage } from "./pages.ts";

/** Bytes sent so far of the whole upload. */
export type UploadProgress = (sent: number, total: number) => void;

/** PUT `body` to `path` with progress; rejects with an ApiClientError like `api()`. */
export function putWithProgress(
  path: string,
  body: Blob,
  onProgress: (loaded: number) => void,
): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("PUT", path);
    xhr.setRequestHeader("content-type", body.type || "application/octet-stream");
    xhr.upload.onprogress = (e) => onProgress(e.loaded);
    xhr.onerror = () => reject(new ApiClientError(0, "network", t("studio.upload.interrupted")));
    xhr.onload = () => {
      let data: unknown = null;
      try {
        data = xhr.responseText ? JSON.parse(xhr.responseText) : null;
      } catch {
        // not JSON
      }
      if (xhr.status >= 200 && xhr.status < 300) return resolve(data);
      const e = (data as ApiErrorBody | null)?.error;
      reject(
        e
          ? new ApiClientError(xhr.status, e.code, e.message)
          : new ApiClientError(
              xhr.status,
              "internal",
              t("studio.upload.failed", { status: xhr.status }),
            ),
      );
    };
    xhr.send(body);
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Upload one page, retrying a dropped connection or a server error twice. A `conflict`
 * after a retry may mean the first try was stored and only its answer was lost: the
 * deck's page count says whether the page is there.
 */
async function putPage(
  classId: string,
  deckId: string,
  n: number,
  blob: Blob,
  onProgress: (loaded: number) => void,
): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await putWithProgress(`/api/slides/${deckId}/pages/${n}`, blob, onProgress);
      return;
    } catch (err) {
      if (attempt > 1 && isApiError(err, "conflict")) {
        const { decks } = await call(client.classes[":id"].slides.$get({ param: { id: classId } }));
        if ((decks.find((d) => d.id === deckId)?.pageCount ?? 0) >= n) return;
      }
      const transient = isApiError(err, "network") || (isApiError(err) && err.status >= 500);
      if (!transient || attempt >= 3) throw err;
      await sleep(1000 * attempt);
    }
  }
}

/** Create deck `name` on class `classId` and upload `pages` (and `pdf`), in order. */
export async function uploadDeck(
  classId: string,
  name: string,
  pages: readonly PageImage[],
  pdf: Blob | null,
  onProgress: UploadProgress,
): Promise<SlideDeck> {
  const first = pages[0];
  if (!first) throw new Error(t("studio.upload.nothing"));
  const deck = await call(
    client.classes[":id"].slides.$post({
      param: { id: classId },
      json: { name, pageType: first.blob.type as PageType },
    }),
  );
  const total = pages.reduce((n, p) => n + p.blob.size, 0) + (pdf?.size ?? 0);
  let sent = 0;
  onProgress(0, total);
  for (const [i, page] of pages.entries()) {
    await putPage(classId, deck.id, i + 1, page.blob, (loaded) => onProgress(sent + loaded, total));
    sent += page.blob.size;
    onProgress(sent, total);
  }
  if (pdf) {
    await putWithProgress(`/api/slides/${deck.id}/source`, pdf, (loaded) =>
      onProgress(sent + loaded, total),
    );
    sent += pdf.size;
  }
  onProgress(total, total);
  return { ...deck, pageCount: pages.length };
}
