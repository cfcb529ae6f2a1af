/**
 * Reactions and the moderation queue in a real Chromium: two guests (a desktop, and a
 * 360 px phone that prefers reduced motion) react and report; the teacher sees the counts
 * and acts from the queue (remove, time out), and peeks at a section without leaving it.
 * Screenshots (1280×800 and 360×740) go to the temp dir.
 */
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { describe, expect, inject, it } from "vitest";
import { joinAsGuest } from "./browser.ts";
import { browsers, openStudio } from "./class-setup.ts";

const base = inject("baseUrl");
const launch = browsers();

const T = { timeout: 15_000 };
const shot = (name: string) => join(tmpdir(), `mass-class-e2e-social-${name}.png`);

async function post(page: Page, text: string) {
  await page.getByTestId("chat-input").fill(text);
  await page.getByTestId("chat-send").click();
}
const message = (page: Page, list: string, text: string) =>
  page.getByTestId(list).getByTestId("chat-message").filter({ hasText: text });
const total = (page: Page, scope: string, emoji: string, n: number) =>
  page.locator(
    `${scope} [data-testid="reaction-totals"] [data-emoji="${emoji}"][data-count="${n}"]`,
  );

describe("reactions and the moderation queue", () => {
  it("students react and report; the teacher sees the counts and acts from the queue", async () => {
    const [teacher, ada, bob] = await launch(
      { viewport: { width: 1280, height: 800 } },
      { viewport: { width: 1280, height: 800 } },
      { viewport: { width: 360, height: 740 } },
    );
    const t = teacher.page;
    const a = ada.page;
    const b = bob.page;
    await b.emulateMedia({ reducedMotion: "reduce" });

    const classId = await openStudio(t, base, "Reactions and reports");
    await Promise.all([
      joinAsGuest(a, `${base}/c/${classId}`, "Ada"),
      joinAsGuest(b, `${base}/c/${classId}`, "Bob"),
    ]);

    // Reactions: one each; everyone sees the counts, Ada's page floats them, Bob's does not.
    await a.locator('[data-testid="react"][data-emoji="👍"]').click();
    await b.locator('[data-testid="react"][data-emoji="🎉"]').click();
    await a.locator('[data-testid="react"][data-emoji="👍"]').click();
    for (const [page, scope] of [
      [t, '[data-testid="studio-chat"]'],
      [a, '[data-testid="reaction-bar"]'],
      [b, '[data-testid="reaction-bar"]'],
    ] as const) {
      await total(page, scope, "👍", 2).waitFor(T);
      await total(page, scope, "🎉", 1).waitFor(T);
    }
    await a
      .locator(".reaction-float")
      .first()
      .waitFor({ ...T, state: "attached" });
    expect(await b.locator(".reaction-float").count()).toBe(0);
    await a.screenshot({ path: shot("student-desktop") });

    // Bob posts spam; Ada reports it; the teacher removes it from the queue.
    await post(b, "buy cheap pills now");
    const spam = message(a, "section-chat", "buy cheap pills now");
    await spam.waitFor(T);
    await spam.getByTestId("report-message").click();
    await spam.locator('[data-testid="report-reason"][data-reason="spam"]').click();
    await spam.getByTestId("reported").waitFor(T);
    // Nobody can report their own message.
    expect(
      await message(b, "section-chat", "buy cheap pills now").getByTestId("report-message").count(),
    ).toBe(0);
    await t.getByTestId("talk-mod").click();
    const item = t.getByTestId("mod-queue-item").filter({ hasText: "buy cheap pills now" });
    await item.waitFor(T);
    expect(await item.textContent()).toContain("Reported 1×");
    await t.screenshot({ path: shot("studio-queue"), fullPage: true });
    await item.getByTestId("queue-remove").click();
    await message(a, "section-chat", "buy cheap pills now").waitFor({ ...T, state: "detached" });
    await message(b, "section-chat", "buy cheap pills now").waitFor({ ...T, state: "detached" });
    await t.getByTestId("mod-queue-empty").waitFor(T);

    // Bob reports Ada's message; the teacher times Ada out from the queue.
    await post(a, "you are all wrong");
    const rude = message(b, "section-chat", "you are all wrong");
    await rude.waitFor(T);
    await b.screenshot({ path: shot("student-phone"), fullPage: true });
    await rude.getByTestId("report-message").click();
    await rude.locator('[data-testid="report-reason"][data-reason="abuse"]').click();
    await rude.getByTestId("reported").waitFor(T);
    await t
      .getByTestId("mod-queue-item")
      .filter({ hasText: "you are all wrong" })
      .getByTestId("queue-timeout")
      .click();
    await a.getByTestId("timeout-notice").waitFor(T);
    await message(b, "section-chat", "you are all wrong").waitFor({ ...T, state: "detached" });

    // Peek at the section without leaving the queue (and without watching it).
    await post(b, "still here");
    await message(a, "section-chat", "still here").waitFor(T);
    await t.getByTestId("peek-picker").selectOption("s1", T);
    await t.getByTestId("peek").click();
    await message(t, "mod-peek", "still here").waitFor(T);
    expect(await t.getByTestId("section-picker").inputValue()).toBe("");
    await t.getByTestId("mod-queue").waitFor(T);
    await t.setViewportSize({ width: 360, height: 740 });
    await t.screenshot({ path: shot("studio-phone"), fullPage: true });
  });
});
