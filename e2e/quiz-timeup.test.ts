/**
 * A quiz answer picked but never "Locked in" counts: the student page tells the student
 * it is not locked in yet and sends the pick by itself just before time is up, as a Kahoot
 * or Slido player expects. Ada watches without delay; Bob's video is pinned 3 s behind
 * (`?videoDelay=3`), so his question arrives — and his time runs out — on his own clock.
 */
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { describe, expect, inject, it } from "vitest";
import { joinAsGuest } from "./browser.ts";
import { browsers, openStudio, shotsOnFailure, teacherAdaBob } from "./class-setup.ts";

const base = inject("baseUrl");
const launch = browsers();
const T = { timeout: 15_000 };

async function shot(page: Page, name: string) {
  await page.screenshot({
    path: join(tmpdir(), `mass-class-e2e-quiz-timeup-${name}.png`),
    fullPage: true,
  });
}

describe("quiz time-up", () => {
  it("a picked answer that was never locked in is sent at time-up and scored", async () => {
    const { t, a, b } = await teacherAdaBob(launch);
    shotsOnFailure("quiz-timeup", { teacher: t, ada: a, bob: b });

    const classId = await openStudio(t, base, "Quiz e2e: time-up");
    await Promise.all([
      joinAsGuest(a, `${base}/c/${classId}`, "Ada"),
      joinAsGuest(b, `${base}/c/${classId}?videoDelay=3`, "Bob"),
    ]);
    await t.locator('[data-testid="live-count"][data-count="2"]').waitFor(T);

    await t.getByTestId("studio-polls").getByTestId("poll-new").click();
    await t.getByTestId("poll-kind-quiz").click();
    await t.getByTestId("poll-question").fill("What is 7 × 8?");
    await t.getByTestId("poll-option-0").fill("54");
    await t.getByTestId("poll-option-1").fill("56");
    await t.getByTestId("poll-correct-1").check();
    await t.getByTestId("quiz-time").selectOption("10");
    await t.getByTestId("poll-create-open").click();

    const option = (p: Page, label: string) =>
      p.getByTestId("poll-option").filter({ hasText: label });
    // Both pick, neither presses "Lock in answer".
    for (const [p, label] of [
      [a, "56"],
      [b, "54"],
    ] as const) {
      await p.getByTestId("quiz-countdown").waitFor(T);
      await option(p, label).click();
      // The page says plainly that the pick is not locked in, and what will happen.
      await p.getByTestId("poll-status").filter({ hasText: "Not locked in yet" }).waitFor(T);
    }
    await shot(b, "bob-picked");
    expect(await a.getByTestId("poll-submit").textContent()).toContain("Lock in answer");

    // Time runs out: both picks were sent and count.
    const staffQuiz = t.getByTestId("studio-poll").first();
    await staffQuiz.getByTestId("poll-answered").filter({ hasText: "2 answers" }).waitFor(T);
    await a.getByTestId("quiz-result").filter({ hasText: "Correct!" }).waitFor({ timeout: 25_000 });
    await b
      .getByTestId("quiz-result")
      .filter({ hasText: "Not quite." })
      .waitFor({ timeout: 25_000 });
    expect(await a.getByText("You did not answer this one.").count()).toBe(0);
    expect(await b.getByText("You did not answer this one.").count()).toBe(0);
    await shot(a, "ada-result");
  });
});
