/**
 * After class in a real Chromium (issue 14, point 5): a short class — a two-page deck with
 * its PDF, a slide change and a poll opened, closed and revealed while live — ends; a
 * student finds "Watch the recording" and "Download slides (PDF)" on the class page, opens
 * the replay, and seeks (in YouTube's own player, and with the page's position control):
 * the slide and poll shown follow the recording's time, backwards and forwards. The
 * YouTube IFrame API is a stand-in served at its real URL, a player with a clock that
 * seeks. Screenshots (1280×800, 360×740) land in the temp dir (mass-class-e2e-replay-*.png);
 * axe runs at both sizes.
 */
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BrowserContext, Page } from "playwright-core";
import { describe, expect, inject, it, onTestFailed } from "vitest";
import { DEMO } from "../scripts/stack.ts";
import { blocking, DESKTOP, describeReport, PHONE, runAxe } from "./axe.ts";
import { joinAsGuest, newClass, signIn } from "./browser.ts";
import { browsers, goLive, setYouTubeVideo } from "./class-setup.ts";

const base = inject("baseUrl");
const launch = browsers();
const T = { timeout: 15_000 };
const VIDEO_ID = "rEpLaYvId01";

/**
 * The YouTube IFrame API stand-in: a player whose position is a clock that only runs
 * while playing, and that `seekTo` moves; `window.ytPlayer` is the student's hand on
 * YouTube's own controls, `window.ytSeeks` what the page asked it to seek to.
 */
async function youtubeWithClock(context: BrowserContext): Promise<void> {
  await context.route("https://www.youtube.com/iframe_api", (route) =>
    route.fulfill({
      contentType: "text/javascript",
      body: `window.ytSeeks = [];
        window.YT = { Player: function (el, opts) {
          var f = document.createElement("iframe");
          f.src = "https://www.youtube.com/embed/" + opts.videoId + "?enablejsapi=1";
          f.title = "Class recording";
          el.replaceWith(f);
          var self = this, pos = 0, since = null;
          self.videoId = opts.videoId;
          self.getCurrentTime = function () { return pos + (since === null ? 0 : (Date.now() - since) / 1000); };
          self.seekTo = function (s) { window.ytSeeks.push(s); pos = s; if (since !== null) since = Date.now(); };
          self.playVideo = function () { if (since === null) since = Date.now(); };
          self.pauseVideo = function () { pos = self.getCurrentTime(); since = null; };
          self.getPlayerState = function () { return since === null ? 2 : 1; };
          ["mute", "unMute", "setVolume", "destroy"].forEach(function (n) { self[n] = function () {}; });
          self.isMuted = function () { return true; };
          window.ytPlayer = self;
          f.addEventListener("load", function () { opts.events.onReady({ target: self }); });
        } };
        window.onYouTubeIframeAPIReady && window.onYouTubeIframeAPIReady();`,
    }),
  );
  await context.route("https://www.youtube.com/embed/**", (route) =>
    route.fulfill({ contentType: "text/html", body: "<!doctype html><title>player</title>" }),
  );
}

/** The teacher's page: a two-page PNG deck (drawn on a canvas) with its PDF; returns the deck id. */
function uploadDeck(page: Page, classId: string): Promise<string> {
  return page.evaluate(async (id) => {
    const deck = (await (
      await fetch(`/api/classes/${id}/slides`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ name: "Cells", pageType: "image/png" }),
      })
    ).json()) as { id: string };
    for (const [n, colour] of [
      [1, "#2563eb"],
      [2, "#16a34a"],
    ] as const) {
      const c = new OffscreenCanvas(640, 360);
      const g = c.getContext("2d")!;
      g.fillStyle = colour;
      g.fillRect(0, 0, 640, 360);
      g.fillStyle = "#fff";
      g.font = "bold 48px sans-serif";
      g.fillText(`Cells: page ${n}`, 40, 120);
      const png = await c.convertToBlob({ type: "image/png" });
      const r = await fetch(`/api/slides/${deck.id}/pages/${n}`, { method: "PUT", body: png });
      if (r.status !== 201) throw new Error(`page ${n}: ${r.status}`);
    }
    const pdf = new Blob(["%PDF-1.4\n% Cells\n%%EOF\n"], { type: "application/pdf" });
    const r = await fetch(`/api/slides/${deck.id}/source`, { method: "PUT", body: pdf });
    if (r.status !== 204) throw new Error(`pdf: ${r.status}`);
    return deck.id;
  }, classId);
}

/**
 * The teacher's class, played over their own classroom socket: page 1, then page 2 and a
 * poll opened, then the poll closed and revealed — `gapMs` apart.
 */
function teach(page: Page, classId: string, deckId: string, gapMs: number): Promise<void> {
  return page.evaluate(
    async ({ classId, deckId, gapMs }) => {
      const t = (await (
        await fetch(`/api/classes/${classId}/ticket`, { method: "POST" })
      ).json()) as { url: string };
      const ws = new WebSocket(`${location.origin.replace(/^http/, "ws")}${t.url}`);
      const frames: { type: string; [k: string]: unknown }[] = [];
      const waiters: (() => void)[] = [];
      ws.onmessage = (e) => {
        frames.push(JSON.parse(e.data as string));
        for (const w of waiters.splice(0)) w();
      };
      const next = async (type: string) => {
        for (;;) {
          const i = frames.findIndex((f) => f.type === type);
          if (i >= 0) return frames.splice(i, 1)[0]!;
          await new Promise<void>((r) => waiters.push(r));
        }
      };
      const send = (m: unknown) => ws.send(JSON.stringify(m));
      const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
      await next("welcome");
      send({ type: "slide.show", deckId, page: 1 });
      await next("slide.changed");
      await sleep(gapMs);
      send({ type: "slide.show", deckId, page: 2 });
      await next("slide.changed");
      send({
        type: "poll.create",
        kind: "poll",
        question: "Which organelle makes ATP?",
        options: ["Nucleus", "Mitochondrion"],
        rid: "p1",
      });
      const { pollId } = (await next("poll.created")) as unknown as { pollId: string };
      send({ type: "poll.open", pollId });
      await next("poll.opened");
      await sleep(gapMs);
      send({ type: "poll.close", pollId });
      await next("poll.closed");
      send({ type: "poll.reveal", pollId });
      await next("poll.revealed");
      ws.close();
    },
    { classId, deckId, gapMs },
  );
}

async function shot(page: Page, name: string) {
  await page.screenshot({
    path: join(tmpdir(), `mass-class-e2e-replay-${name}.png`),
    fullPage: true,
  });
}

async function axeBoth(page: Page, name: string) {
  for (const size of [DESKTOP, PHONE]) {
    await page.setViewportSize(size);
    await page.waitForTimeout(300);
    const r = await runAxe(page, `${name} @ ${size.width}×${size.height}`);
    console.log(describeReport(r));
    expect.soft(blocking(r), describeReport(r)).toEqual([]);
    await shot(page, `${name}-${size.width}`);
  }
  await page.setViewportSize(DESKTOP);
}

describe("after class", () => {
  it("offers the recording and the slides' PDF; the replay follows the player's time through seeks", async () => {
    const [teacher] = await launch({ media: true });
    const t = teacher.page;
    await signIn(t, base, DEMO.teacher);
    const classId = await newClass(t, "Replay e2e: cells");
    const deckId = await uploadDeck(t, classId);

    // Live through the local bridge (fake screen + camera); the teacher teaches; Stop.
    await t.goto(`${base}/studio/${classId}`);
    await goLive(t);
    await teach(t, classId, deckId, 2500);
    await t.getByTestId("stop-live").click();
    await t.getByTestId("confirm-end-stream").click();
    await t
      .locator('[data-testid="live-state"]:not([data-state="live"])')
      .waitFor({ timeout: 30_000 });
    const [student] = await launch({});
    await youtubeWithClock(student.context);
    const p = student.page;
    onTestFailed(async () => {
      await Promise.all([shot(t, "failed-teacher"), shot(p, "failed-student")]);
    });
    await joinAsGuest(p, `${base}/c/${classId}`, "Ada");
    const after = p.getByTestId("after-class");
    await after.waitFor(T);

    // Local stack, no video id: no recording exists, and the page says so instead of faking one.
    expect(await after.textContent()).toContain("the local stack keeps no copy of the stream");
    expect(await p.getByTestId("replay-link").textContent()).toBe("Open the replay");
    await p.getByTestId("replay-link").click();
    await p.getByTestId("replay-no-video").waitFor(T);
    expect(await p.getByTestId("replay-no-video").textContent()).toContain(
      "the local stack does not record the stream",
    );
    // Playing runs the replay on its own clock, through the teacher's change to page 2.
    await p.getByTestId("replay-play").click();
    await expect.poll(() => p.getByTestId("slide-caption").textContent(), T).toContain("2 / 2");
    await axeBoth(p, "replay-local");
    await p.goto(`${base}/c/${classId}`);

    // The recording's video id (a teacher on the manual path types it in after class).
    expect(await setYouTubeVideo(t, classId, VIDEO_ID)).toBe(200);

    await p.reload();
    await after.waitFor(T);
    expect(await p.getByTestId("replay-link").textContent()).toBe("Watch the recording");
    const pdfLink = p.getByTestId("slides-pdf");
    expect(await pdfLink.textContent()).toContain("Download slides (PDF): Cells");
    const download = await p.evaluate(
      async (href) => {
        const r = await fetch(href);
        return {
          status: r.status,
          type: r.headers.get("content-type"),
          disposition: r.headers.get("content-disposition"),
          head: (await r.text()).slice(0, 8),
        };
      },
      (await pdfLink.getAttribute("href"))!,
    );
    expect(download).toEqual({
      status: 200,
      type: "application/pdf",
      disposition: `attachment; filename="Cells.pdf"; filename*=UTF-8''Cells.pdf`,
      head: "%PDF-1.4",
    });
    await axeBoth(p, "class-ended");

    // The log as the replay reads it: where the slide change and the poll fall in the recording.
    const events = await p.evaluate(async (id) => {
      const r = await fetch(`/api/classes/${id}/replay/events`);
      return (
        (await r.json()) as {
          events: { type: string; at: number; status?: string; startedAt?: number | null }[];
        }
      ).events;
    }, classId);
    // The stream start the live page used: the bridge's, on the last `stream.status` live.
    const streamStartedAt = events.filter((e) => e.type === "stream.status" && e.startedAt).at(-1)!
      .startedAt!;
    const at = (type: string) => (events.find((e) => e.type === type)!.at - streamStartedAt) / 1000;
    const slide2 = events.filter((e) => e.type === "slide.changed")[1]!;
    const toPage2 = (slide2.at - streamStartedAt) / 1000;
    const opened = at("poll.opened");
    const revealed = at("poll.revealed");
    expect(opened).toBeGreaterThanOrEqual(toPage2);
    expect(revealed - opened).toBeGreaterThan(2);

    await p.getByTestId("replay-link").click();
    await p.waitForURL(`${base}/c/${classId}/replay`);
    await p.getByTestId("replay-page").waitFor(T);
    await p.locator('[data-testid="replay-player"] iframe').waitFor(T);
    expect(
      await p.evaluate(
        () => (window as unknown as { ytPlayer: { videoId: string } }).ytPlayer.videoId,
      ),
    ).toBe(VIDEO_ID);
    const caption = p.getByTestId("slide-caption");
    const poll = p.getByTestId("replay-poll");
    /** Seek in YouTube's own player (the student drags its bar); the replay follows within a tick. */
    const ytSeek = (s: number) =>
      p.evaluate(
        (to) =>
          (window as unknown as { ytPlayer: { seekTo(s: number): void } }).ytPlayer.seekTo(to),
        s,
      );

    // Before the change: page 1, no poll.
    await ytSeek(toPage2 / 2);
    await expect.poll(() => caption.textContent(), T).toContain("1 / 2");
    expect(await poll.count()).toBe(0);
    // While the poll is open: page 2, the poll open without results.
    await ytSeek((opened + revealed) / 2);
    await expect.poll(() => caption.textContent(), T).toContain("2 / 2");
    await expect.poll(() => poll.getAttribute("data-state"), T).toBe("open");
    expect(await p.getByTestId("replay-poll-bars").count()).toBe(0);
    // After the reveal: the results.
    await ytSeek(revealed + 0.5);
    await expect.poll(() => poll.getAttribute("data-state"), T).toBe("revealed");
    await p.getByTestId("replay-poll-bars").waitFor(T);
    expect(await poll.textContent()).toContain("Which organelle makes ATP?");
    await axeBoth(p, "replay-results");
    // Back again, with the page's own position control: it seeks the player too.
    await p.getByTestId("replay-position").evaluate(
      (el, s) => {
        const input = el as HTMLInputElement;
        input.value = String(s);
        input.dispatchEvent(new Event("input", { bubbles: true }));
      },
      Math.floor((toPage2 / 2) * 2) / 2,
    );
    await expect.poll(() => caption.textContent(), T).toContain("1 / 2");
    expect(await poll.count()).toBe(0);
    const seeks = await p.evaluate(() => (window as unknown as { ytSeeks: number[] }).ytSeeks);
    expect(seeks[seeks.length - 1]).toBeCloseTo(Math.floor((toPage2 / 2) * 2) / 2, 1);
    await shot(p, "replay-back-1280");
  }, 120_000);
});
