/**
 * The class set-up the end-to-end tests share, so each test says only what it checks:
 * the people's browsers (closed after the file's tests), the demo teacher with a fresh
 * class open in the studio, going live from the studio with the fake screen and camera,
 * a YouTube video on a class, waiting for a session to reach D1, the YouTube IFrame API
 * stand-in, screenshots of everyone when a test fails, and a PDF written by hand. Browser launching and the single steps
 * (sign in, join as a guest) are in ./browser.ts.
 */
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, expect, onTestFailed } from "vitest";
import { DEMO } from "../scripts/stack.ts";
import { launchUser, newClass, signIn, waitConnected } from "./browser.ts";

export type User = Awaited<ReturnType<typeof launchUser>>;
type LaunchOptions = NonNullable<Parameters<typeof launchUser>[0]>;

/**
 * Call once at the top of a test file: returns `launch`, which opens one browser per
 * options object, all at once; every browser it opened is closed after the file's tests.
 */
export function browsers() {
  const open: User[] = [];
  afterAll(async () => {
    await Promise.all(open.map((u) => u.close()));
  });
  return async function launch<const O extends readonly LaunchOptions[]>(
    ...opts: O
  ): Promise<{ [K in keyof O]: User }> {
    const launched = await Promise.all(opts.map((o) => launchUser(o)));
    open.push(...launched);
    return launched as { [K in keyof O]: User };
  };
}

/** What `browsers()` returns. */
export type Launch = ReturnType<typeof browsers>;

/**
 * The cast of most class tests, launched at once: the teacher on a 1280×900 screen
 * (`teacher` adds launch options, e.g. `media`), Ada on a 1280×800 laptop and Bob on a
 * 360×740 phone; their browsers, and their pages as `t`, `a` and `b`.
 */
export async function teacherAdaBob(launch: Launch, teacher: LaunchOptions = {}) {
  const [tu, au, bu] = await launch(
    { ...teacher, viewport: { width: 1280, height: 900 } },
    { viewport: { width: 1280, height: 800 } },
    { viewport: { width: 360, height: 740 } },
  );
  return { teacher: tu, ada: au, bob: bu, t: tu.page, a: au.page, b: bu.page };
}

/**
 * When the current test fails, a screenshot of each page, named by who holds it, in the
 * temp dir: `mass-class-e2e-<name>-failed-<who>.png`.
 */
export function shotsOnFailure(
  name: string,
  pages: Record<string, Page>,
  opts: { fullPage?: boolean } = {},
): void {
  onTestFailed(async () => {
    await Promise.all(
      Object.entries(pages).map(([who, page]) =>
        page.screenshot({
          path: join(tmpdir(), `mass-class-e2e-${name}-failed-${who}.png`),
          fullPage: opts.fullPage ?? true,
        }),
      ),
    );
  });
}

/**
 * The demo teacher signs in on `page`, creates a fresh class called `title` and opens it
 * in the studio, up to a connected studio chat; returns the class id.
 */
export async function openStudio(page: Page, base: string, title: string): Promise<string> {
  await signIn(page, base, DEMO.teacher);
  const classId = await newClass(page, title);
  await page.goto(`${base}/studio/${classId}`);
  await waitConnected(page, '[data-testid="studio-chat"]');
  return classId;
}

/**
 * Go live from the studio on `studio` (launched with `media: true`): share the fake
 * screen, start the fake camera (and the microphone with `mic`), press Go live, and wait
 * until the studio says live and every page in `students` shows the live stream.
 */
export async function goLive(
  studio: Page,
  students: Page[] = [],
  opts: { mic?: boolean } = {},
): Promise<void> {
  await studio.getByTestId("share-screen").click();
  await studio.getByTestId("start-camera").click();
  if (opts.mic) await studio.getByTestId("start-mic").click();
  await studio.getByTestId("go-live").click();
  await studio
    .locator('[data-testid="live-state"][data-state="live"]')
    .waitFor({ timeout: 30_000 });
  for (const p of students)
    await p.locator('[data-testid="class-page"][data-stream="live"]').waitFor({ timeout: 30_000 });
}

/** Set the class's YouTube video, as its teacher signed in on `page`; returns the HTTP status. */
export function setYouTubeVideo(page: Page, classId: string, videoId: string): Promise<number> {
  return page.evaluate(
    async ({ id, video }) =>
      (
        await fetch(`/api/classes/${id}`, {
          method: "PATCH",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ youtubeVideoId: video }),
        })
      ).status,
    { id: classId, video: videoId },
  );
}

/**
 * The id of the class's latest session once the root has flushed it to D1 (within ~10 s),
 * read as its teacher signed in on `page`.
 */
export async function latestSession(page: Page, classId: string): Promise<string> {
  let sessionId = "";
  await expect
    .poll(
      async () => {
        sessionId = await page.evaluate(async (id) => {
          const r = await fetch(`/api/analytics/classes/${id}/sessions`);
          return ((await r.json()) as { sessions: { id: string }[] }).sessions[0]?.id ?? "";
        }, classId);
        return sessionId;
      },
      { timeout: 30_000, interval: 1000 },
    )
    .not.toBe("");
  return sessionId;
}

/** Seconds the student's local player has played (grows while the stream flows). */
export const played = (p: Page) =>
  p.getByTestId("local-video").evaluate((v: HTMLVideoElement) => v.currentTime);

/**
 * A stand-in for the YouTube IFrame API (no internet here), served by route at the real
 * script URL. Its player puts an iframe of `https://www.youtube.com/embed/…` on the page
 * (data-testid `yt-frame`, so a page's script-src and frame-src are what let it in),
 * records every call it gets in `window.ytCalls`, and `window.ytFire(state)` plays a
 * player state change (3 buffering, 1 playing).
 */
export async function fakeYouTube(context: BrowserContext): Promise<void> {
  await context.route("https://www.youtube.com/iframe_api", (route) =>
    route.fulfill({
      contentType: "text/javascript",
      body: `window.ytCalls = [];
        window.YT = { Player: function (el, opts) {
          var f = document.createElement("iframe");
          f.src = "https://www.youtube.com/embed/" + opts.videoId + "?enablejsapi=1";
          f.title = "Class video";
          f.setAttribute("data-testid", "yt-frame");
          el.replaceWith(f);
          var self = this;
          var state = -1;
          var rec = function (name) { return function () {
            window.ytCalls.push([name].concat([].slice.call(arguments)));
          }; };
          ["mute", "unMute", "setVolume", "playVideo", "destroy", "loadModule", "unloadModule",
           "setOption"].forEach(function (n) { self[n] = rec(n); });
          self.isMuted = function () { return true; };
          self.getCurrentTime = function () { return 0; };
          self.getPlayerState = function () { return state; };
          window.ytFire = function (n) { state = n; opts.events.onStateChange({ data: n, target: self }); };
          f.addEventListener("load", function () { opts.events.onReady({ target: self }); });
        } };
        window.onYouTubeIframeAPIReady && window.onYouTubeIframeAPIReady();`,
    }),
  );
  await context.route("https://www.youtube.com/embed/**", (route) =>
    route.fulfill({ contentType: "text/html", body: "<!doctype html><title>player</title>" }),
  );
}

/**
 * A small valid PDF with one 16:9 page (960×540 pt) per content stream in `pages`, with
 * Helvetica as /F1 — written by hand (objects, content streams and a correct xref
 * table), no PDF library.
 */
export function pdfOf(pages: string[]): Buffer {
  const font = 3 + 2 * pages.length;
  const objects = [
    "<< /Type /Catalog /Pages 2 0 R >>",
    `<< /Type /Pages /Kids [${pages.map((_, i) => `${3 + 2 * i} 0 R`).join(" ")}] /Count ${pages.length} >>`,
    ...pages.flatMap((content, i) => [
      `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 960 540] /Contents ${4 + 2 * i} 0 R /Resources << /Font << /F1 ${font} 0 R >> >> >>`,
      `<< /Length ${content.length} >>\nstream\n${content}\nendstream`,
    ]),
    "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
  ];
  let out = "%PDF-1.4\n";
  const offsets: number[] = [];
  objects.forEach((body, i) => {
    offsets.push(out.length);
    out += `${i + 1} 0 obj\n${body}\nendobj\n`;
  });
  const xref = out.length;
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const o of offsets) out += `${String(o).padStart(10, "0")} 00000 n \n`;
  out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, "latin1");
}
