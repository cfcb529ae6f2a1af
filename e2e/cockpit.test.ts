/**
 * The studio cockpit in a real Chromium, as a teacher uses it live: at 1280×800 and
 * 1920×1080 the preview, the chat, the raised hands and the open poll's tally are all on
 * screen with no page scrolling; the keyboard shortcuts act (and stay out of the way while
 * typing); a splitter resizes its pane from the keyboard; End stream asks first; class
 * set-up is its own page; on a phone only the moderation views show. axe-core finds no
 * serious or critical violation on any of it.
 */
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { describe, expect, inject, it, onTestFailed } from "vitest";
import { blocking, describeReport, PHONE, runAxe } from "./axe.ts";
import { joinAsGuest, waitConnected } from "./browser.ts";
import { browsers, goLive, openStudio } from "./class-setup.ts";

const base = inject("baseUrl");
const launch = browsers();

const T = { timeout: 15_000 };
const SIZES = [
  { width: 1280, height: 800 },
  { width: 1920, height: 1080 },
];

/**
 * Where `selector` stands on screen: inside the viewport, and not covered or scrolled
 * out of its pane (the element itself is what the browser finds at its centre).
 */
async function onScreen(page: Page, selector: string) {
  return page.evaluate((sel) => {
    const el = document.querySelector(sel);
    if (!el) return { found: false, inViewport: false, hit: false, box: null };
    const r = el.getBoundingClientRect();
    const inViewport =
      r.width > 0 &&
      r.height > 0 &&
      r.left >= 0 &&
      r.top >= 0 &&
      r.right <= innerWidth &&
      r.bottom <= innerHeight;
    const at = document.elementFromPoint(r.left + r.width / 2, r.top + Math.min(r.height / 2, 20));
    return {
      found: true,
      inViewport,
      hit: !!at && (el === at || el.contains(at)),
      box: { x: r.left, y: r.top, w: r.width, h: r.height },
    };
  }, selector);
}

async function axeClean(page: Page, label: string) {
  const r = await runAxe(page, label);
  console.log(describeReport(r));
  expect(blocking(r), describeReport(r)).toEqual([]);
}

describe("studio cockpit", () => {
  it("fits one screen while live, with shortcuts, a keyboard splitter and End stream confirmation", async () => {
    const [teacher, guest] = await launch({ media: true, viewport: SIZES[0] }, {});
    const t = teacher.page;
    const g = guest.page;
    onTestFailed(async () => {
      await t.screenshot({ path: join(tmpdir(), "mass-class-e2e-cockpit-failed.png") });
    });

    const classId = await openStudio(t, base, "Cockpit e2e");
    await joinAsGuest(g, `${base}/c/${classId}`, "Ada");

    // Live, with a prepared (draft) poll, a chat message and a raised hand.
    await goLive(t, [], { mic: true });
    await t.getByTestId("poll-new").click();
    await t.getByTestId("poll-question").fill("Ready for the proof?");
    await t.getByTestId("poll-option-0").fill("Yes");
    await t.getByTestId("poll-option-1").fill("Not yet");
    await t.getByTestId("poll-save").click();
    await t.locator('[data-testid="studio-poll"][data-state="draft"]').waitFor(T);
    await g.getByTestId("chat-input").fill("Hello from Ada");
    await g.getByTestId("chat-send").click();
    await t.getByTestId("section-picker").selectOption("s1", T);
    await t.getByTestId("studio-section-chat").getByText("Hello from Ada").waitFor(T);
    await g.getByTestId("hand-toggle").click();
    await t.getByTestId("hand-row").first().waitFor(T);

    // P opens the prepared poll (focus on the page, not in a field).
    await t.locator("body").click({ position: { x: 2, y: 2 } });
    await t.keyboard.press("p");
    await t.locator('[data-testid="studio-poll"][data-state="open"]').waitFor(T);
    await g.locator('[data-testid="poll-card"][data-state="open"]').waitFor(T);
    await g.getByTestId("poll-option").filter({ hasText: "Yes" }).click();
    await g.getByTestId("poll-submit").click();
    await t
      .getByTestId("studio-poll")
      .first()
      .getByTestId("poll-answered")
      .filter({ hasText: "1 answer" })
      .waitFor(T);

    // Everything a live teacher watches is on one screen, at both sizes, with no page scroll.
    for (const size of SIZES) {
      await t.setViewportSize(size);
      await t.waitForTimeout(400);
      await t.evaluate(() => {
        for (const p of document.querySelectorAll(".cockpit-pane")) p.scrollTop = 0;
      });
      const page = await t.evaluate(() => ({
        scroll: document.documentElement.scrollHeight,
        inner: innerHeight,
        scrollW: document.documentElement.scrollWidth,
        innerW: innerWidth,
      }));
      expect(page.scroll, `page height at ${size.width}×${size.height}`).toBeLessThanOrEqual(
        page.inner,
      );
      expect(page.scrollW).toBeLessThanOrEqual(page.innerW);
      for (const sel of [
        '[data-testid="studio-preview"]',
        '[data-testid="live-state"]',
        '[data-testid="stop-live"]',
        '[data-testid="studio-section-chat"] .chat-msg',
        '[data-testid="hand-row"]',
        '[data-testid="studio-poll"][data-state="open"] [data-testid="studio-poll-bars"]',
        '[data-testid="studio-stage"]',
        '[data-testid="talk-qa"]',
      ]) {
        const where = await onScreen(t, sel);
        expect(where, `${sel} at ${size.width}×${size.height}`).toMatchObject({
          found: true,
          inViewport: true,
          hit: true,
        });
      }
      await t.screenshot({
        path: join(tmpdir(), `mass-class-e2e-cockpit-${size.width}x${size.height}.png`),
      });
      await axeClean(t, `studio cockpit live @ ${size.width}×${size.height}`);
    }
    await t.setViewportSize(SIZES[0]!);

    // Typing P in a field types a P: the poll stays open.
    await t.getByTestId("studio-chat-input").fill("");
    await t.getByTestId("studio-chat-input").press("p");
    expect(await t.getByTestId("studio-chat-input").inputValue()).toBe("p");
    await t.waitForTimeout(500);
    expect(await t.locator('[data-testid="studio-poll"][data-state="open"]').count()).toBe(1);
    await t.getByTestId("studio-chat-input").fill("");

    // M mutes the microphone, H calls on the next hand, P closes the open poll.
    await t.locator("body").click({ position: { x: 2, y: 2 } });
    await t.keyboard.press("m");
    await t.locator('[data-testid="mute-mic"][aria-pressed="true"]').waitFor(T);
    await t.getByTestId("shortcut-status").filter({ hasText: "Microphone muted" }).waitFor(T);
    await t.keyboard.press("h");
    await t.getByTestId("hand-last-ack").filter({ hasText: "Ada" }).waitFor(T);
    expect(await t.getByTestId("hand-row").count()).toBe(0);
    await t.keyboard.press("p");
    await t.locator('[data-testid="studio-poll"][data-state="closed"]').waitFor(T);

    // The shortcuts are listed in the studio: the button and "?" open the list.
    await t.getByTestId("shortcuts-open").click();
    const list = t.getByTestId("shortcuts-dialog");
    await list.waitFor(T);
    for (const action of [
      "Next slide",
      "Previous slide",
      "Open the prepared poll, or close the open one",
      "Call on the next raised hand",
      "Mute or unmute your microphone",
    ])
      await list.getByText(action).waitFor(T);
    await axeClean(t, "studio shortcuts dialog");
    await t.keyboard.press("Escape");
    await list.waitFor({ ...T, state: "hidden" });
    await t.keyboard.press("?");
    await list.waitFor(T);
    // Single-key shortcuts can be turned off (WCAG 2.1.4); then M does nothing.
    await t.getByTestId("single-keys").uncheck();
    await t.keyboard.press("Escape");
    await list.waitFor({ ...T, state: "hidden" });
    await t.keyboard.press("m");
    await t.waitForTimeout(300);
    expect(await t.getByTestId("mute-mic").getAttribute("aria-pressed")).toBe("true");
    await t.getByTestId("shortcuts-open").click();
    await t.getByTestId("single-keys").check();
    await t.keyboard.press("Escape");

    // A splitter resizes its pane from the keyboard.
    const before = (await t.locator("#pane-stream").boundingBox())!.width;
    await t.getByTestId("split-left").focus();
    await t.keyboard.press("ArrowRight");
    await t.keyboard.press("ArrowRight");
    await expect
      .poll(async () => (await t.locator("#pane-stream").boundingBox())!.width, T)
      .toBeCloseTo(before + 48, 0);
    expect(await t.getByTestId("split-left").getAttribute("aria-valuenow")).toBe(
      String(Math.round(before + 48)),
    );

    // Slow mode from the cockpit, while a student is connected: no trip to the set-up page,
    // and the student's composer says so at once; links and blocked words are untouched.
    await t.locator("#talk-tab-mod").click();
    const quick = t.getByTestId("quick-slow-mode").locator("select");
    await quick.selectOption("10");
    await g.getByText("Slow mode: one message every 10 s").waitFor(T);
    await quick.selectOption("0");
    await g.getByText("Slow mode: one message every 10 s").waitFor({ ...T, state: "hidden" });
    await axeClean(t, "studio moderation tab");

    // End stream asks first: Cancel keeps the class live, End stream ends it.
    await t.getByTestId("stop-live").click();
    const dialog = t.getByTestId("end-stream-dialog");
    await dialog.waitFor(T);
    await axeClean(t, "studio end stream dialog");
    await dialog.getByRole("button", { name: "Cancel" }).click();
    await dialog.waitFor({ ...T, state: "hidden" });
    await t.waitForTimeout(500);
    expect(await t.getByTestId("live-state").getAttribute("data-state")).toBe("live");
    await t.getByTestId("stop-live").click();
    await t.getByTestId("confirm-end-stream").click();
    await t.locator('[data-testid="live-state"][data-state="ended"]').waitFor(T);
    await g.locator('[data-testid="class-page"][data-stream="ended"]').waitFor({ timeout: 30_000 });

    // On a phone: moderation only, said plainly.
    await t.setViewportSize(PHONE);
    await t.waitForTimeout(300);
    await t.getByTestId("phone-moderation-note").waitFor(T);
    expect(await t.getByTestId("studio-preview").isVisible()).toBe(false);
    expect(await t.getByTestId("slides-studio").isVisible()).toBe(false);
    expect(await t.getByTestId("studio-hands").isVisible()).toBe(true);
    expect(await t.getByTestId("talk-chat").isVisible()).toBe(true);
    await axeClean(t, "studio cockpit @ phone");
    await t.setViewportSize(SIZES[0]!);

    // Class set-up is its own page, linked from the studio.
    await t.getByTestId("class-setup-link").click();
    await t.getByTestId("class-setup").waitFor(T);
    expect(new URL(t.url()).pathname).toBe(`/studio/${classId}/setup`);
    await t.getByTestId("edit-class-form").waitFor(T);
    await t.getByTestId("chat-settings").waitFor(T);
    await t.getByTestId("moderators").waitFor(T);
    expect(await t.getByTestId("live-studio").count()).toBe(0);
    await axeClean(t, "class set-up");
    await t.getByTestId("back-to-studio").click();
    await waitConnected(t, '[data-testid="studio-chat"]');
    expect(await t.getByTestId("chat-settings").count()).toBe(0);
  });
});
