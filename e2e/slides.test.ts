/**
 * Slides and whiteboard in a real Chromium: the seeded demo teacher uploads a two-page
 * PDF in the studio (rendered to page images there by pdf.js, uploaded with a progress
 * bar), pages through it and draws a stroke; two guests watch — Ada on a desktop, and
 * Bob on a 360 px phone whose video is pinned 3 s behind (`?videoDelay=3`), so the
 * slide change must reach him about 3 s after Ada. Screenshots land in the temp dir
 * (mass-class-e2e-slides-*.png).
 */
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Locator, Page } from "playwright-core";
import { describe, expect, inject, it } from "vitest";
import { DEMO } from "../scripts/stack.ts";
import { joinAsGuest, newClass, signIn } from "./browser.ts";
import { browsers, pdfOf } from "./class-setup.ts";

const base = inject("baseUrl");
/** This test's own class (created by the teacher). */
let classId = "";
const launch = browsers();

const T = { timeout: 20_000 };
const DELAY_MS = 3_000;

/** A two-page deck, each page a coloured title band and a line of text. */
function twoPagePdf(): Buffer {
  const page = (title: string, band: string) =>
    [
      `${band} rg 0 430 960 110 re f`,
      "BT /F1 54 Tf 1 1 1 rg 60 465 Td",
      `(${title}) Tj ET`,
      "BT /F1 30 Tf 0.1 0.12 0.16 rg 60 330 Td (Mass Class slides, rendered by pdf.js) Tj ET",
      "0.85 0.87 0.9 rg 60 120 840 150 re f",
    ].join("\n");
  return pdfOf([page("Cells: page one", "0.23 0.36 0.86"), page("Page two", "0.17 0.54 0.24")]);
}

const joinClass = (page: Page, name: string, query = "") =>
  joinAsGuest(page, `${base}/c/${classId}${query}`, name);

async function shot(page: Page, name: string, fullPage = true) {
  await page.screenshot({ path: join(tmpdir(), `mass-class-e2e-slides-${name}.png`), fullPage });
}

/** Local time (ms) at which `locator` appeared. */
async function seenAt(locator: Locator): Promise<number> {
  await locator.waitFor(T);
  return Date.now();
}

/** Pixels of the ink canvas that are clearly red (the stroke's colour). */
function redInk(page: Page, stage = "slide-stage"): Promise<number> {
  return page.evaluate((id) => {
    const c = document.querySelector<HTMLCanvasElement>(
      `[data-testid="${id}"] [data-testid="slide-ink"]`,
    );
    const ctx = c?.getContext("2d");
    if (!c || !ctx || c.width === 0) return 0;
    const d = ctx.getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 0; i < d.length; i += 4)
      if (d[i + 3]! > 200 && d[i]! > 180 && d[i + 1]! < 90 && d[i + 2]! < 90) n++;
    return n;
  }, stage);
}

describe("slides and whiteboard", () => {
  it("a PDF uploaded in the studio is paged and drawn on; students see it, a 3 s video delay holds it back", async () => {
    const [teacher, ada, bob] = await launch(
      { viewport: { width: 1280, height: 900 } },
      { viewport: { width: 1280, height: 900 } },
      { viewport: { width: 360, height: 740 } },
    );
    const t = teacher.page;
    const a = ada.page;
    const b = bob.page;

    await signIn(t, base, DEMO.teacher);
    classId = await newClass(t, "Slides e2e: optics");
    await t.goto(`${base}/studio/${classId}`);
    const studio = t.getByTestId("slides-studio");
    await studio.waitFor(T);
    await Promise.all([joinClass(a, "Ada"), joinClass(b, "Bob", "?videoDelay=3")]);
    // Nothing on screen yet: students see no slide area.
    expect(await a.getByTestId("slide-stage").count()).toBe(0);

    // Upload: pdf.js renders both pages here; the progress bar reports the upload.
    const progressSeen = t
      .getByTestId("upload-progress")
      .waitFor(T)
      .then(() => true);
    await t.getByTestId("slides-file").setInputFiles({
      name: "cells.pdf",
      mimeType: "application/pdf",
      buffer: twoPagePdf(),
    });
    expect(await progressSeen).toBe(true);
    await studio.locator(".decks li.is-current").filter({ hasText: "2 pages" }).waitFor(T);

    // Page 1 reaches Ada at once and Bob after his video delay; the image is the rendered page.
    const aStage = a.getByTestId("slide-stage");
    await aStage.and(a.locator('[data-slide$="/1"]')).waitFor(T);
    const img = a.locator(".slide-image");
    await expect
      .poll(() => img.evaluate((el: HTMLImageElement) => el.complete && el.naturalWidth), T)
      .toBe(1920);
    expect(await a.getByTestId("slide-caption").textContent()).toMatch(/cells.*1 \/ 2/i);
    await b.locator('[data-testid="slide-stage"][data-slide$="/1"]').waitFor(T);

    // Next page: Bob sees it about 3 s after Ada.
    await studio.getByRole("button", { name: "Next page" }).click();
    const page2 = (p: Page) => p.locator('[data-testid="slide-stage"][data-slide$="/2"]');
    const [adaAt, bobAt] = await Promise.all([seenAt(page2(a)), seenAt(page2(b))]);
    const held = bobAt - adaAt;
    console.log(`slide change: Bob (3 s video delay) saw page 2 ${held} ms after Ada`);
    expect(held).toBeGreaterThan(DELAY_MS - 700);
    expect(held).toBeLessThan(DELAY_MS + 2500);

    // The teacher draws a red stroke on page 2: it streams to the students.
    const canvas = t.locator('[data-testid="studio-stage"] [data-testid="slide-ink"]');
    const box = (await canvas.boundingBox())!;
    await t.mouse.move(box.x + box.width * 0.2, box.y + box.height * 0.62);
    await t.mouse.down();
    for (let i = 1; i <= 30; i++) {
      await t.mouse.move(
        box.x + box.width * (0.2 + i * 0.018),
        box.y + box.height * (0.62 + Math.sin(i / 4) * 0.08),
      );
      await t.waitForTimeout(16);
    }
    await t.mouse.up();
    await a.locator('[data-testid="slide-stage"][data-strokes="1"]').waitFor(T);
    await expect.poll(() => redInk(a), T).toBeGreaterThan(500);
    await b.locator('[data-testid="slide-stage"][data-strokes="1"]').waitFor(T);
    await expect.poll(() => redInk(b), T).toBeGreaterThan(100);
    await expect.poll(() => redInk(t, "studio-stage"), T).toBeGreaterThan(500);

    // A student reloading (a late joiner) gets the slide and the stroke at once.
    await a.reload();
    await a.locator('[data-testid="slide-stage"][data-slide$="/2"][data-strokes="1"]').waitFor(T);
    await expect.poll(() => redInk(a), T).toBeGreaterThan(500);

    await shot(t, "studio");
    await shot(a, "student");
    await shot(b, "phone");

    // On the phone, full screen gives the slide the whole screen.
    const boxWidth = () =>
      b.locator('[data-testid="slide-stage"] .slide-box').evaluate((el) => el.clientWidth);
    const before = await boxWidth();
    await b.getByRole("button", { name: "Full screen" }).click();
    await b.getByRole("button", { name: "Exit full screen" }).waitFor(T);
    await b.setViewportSize({ width: 740, height: 360 }); // turned sideways
    await expect.poll(boxWidth, T).toBeGreaterThan(before);
    await shot(b, "phone-fullscreen", false);
    await b.getByRole("button", { name: "Exit full screen" }).click();
    await b.getByRole("button", { name: "Full screen" }).waitFor(T);

    // Undo removes it everywhere.
    await studio.getByRole("button", { name: /Undo/ }).click();
    await a.locator('[data-testid="slide-stage"][data-strokes="0"]').waitFor(T);
    await expect.poll(() => redInk(a), T).toBe(0);
  });
});
