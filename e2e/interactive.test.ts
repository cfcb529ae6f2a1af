/**
 * The interactive class in a real Chromium: the seeded demo teacher runs polls, a quiz,
 * the hand queue and Q&A from the studio; two guests take part — Ada on a desktop with
 * no video delay, Bob on a 360 px phone whose video is pinned 3 s behind
 * (`?videoDelay=3`, the test hook of web/lib/video-delay.ts). Bob must see picture
 * events (poll openings, slide changes) about 3 s after Ada, while Q&A and hands stay
 * real-time for both. Screenshots land in the temp dir (mass-class-e2e-interactive-*.png).
 */
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Locator, Page } from "playwright-core";
import { describe, expect, inject, it } from "vitest";
import { joinAsGuest } from "./browser.ts";
import { browsers, openStudio, shotsOnFailure, teacherAdaBob } from "./class-setup.ts";

const base = inject("baseUrl");
/** This test's own class (created by the teacher). */
let classId = "";
const launch = browsers();

/** Waits are for UI state, bounded well inside the test timeout. */
const T = { timeout: 15_000 };
const DELAY_MS = 3_000;

const joinClass = (page: Page, name: string, query = "") =>
  joinAsGuest(page, `${base}/c/${classId}${query}`, name);

/** Local time (ms) at which `locator` appeared. */
async function seenAt(locator: Locator): Promise<number> {
  await locator.waitFor({ timeout: 20_000 });
  return Date.now();
}

async function shotOf(locator: Locator, name: string) {
  await locator.screenshot({ path: join(tmpdir(), `mass-class-e2e-interactive-${name}.png`) });
}

async function shot(page: Page, name: string) {
  await page.screenshot({
    path: join(tmpdir(), `mass-class-e2e-interactive-${name}.png`),
    fullPage: true,
  });
}

describe("interactive class", () => {
  it("polls, a quiz with leaderboard, hands and Q&A; a 3 s video delay holds picture events back", async () => {
    const { t, a, b } = await teacherAdaBob(launch);
    shotsOnFailure("interactive", { teacher: t, ada: a, bob: b });

    classId = await openStudio(t, base, "Interactive e2e: quiz night");

    await Promise.all([joinClass(a, "Ada"), joinClass(b, "Bob", "?videoDelay=3")]);
    await t.locator('[data-testid="live-count"][data-count="2"]').waitFor(T);
    // Bob is told how far his video is behind; Ada (no video playing) is not aligned at all.
    await b.locator('[data-testid="video-delay"][data-delay-ms="3000"]').waitFor(T);
    expect(await b.getByTestId("video-delay").textContent()).toContain("3.0 s behind");
    expect(await a.getByTestId("video-delay").count()).toBe(0);
    // The nudge moves it in half-second steps; Reset goes back to the estimate.
    await b.getByRole("button", { name: /Show slides and polls later/ }).click();
    await b.locator('[data-testid="video-delay"][data-delay-ms="3500"]').waitFor(T);
    expect(await b.getByTestId("video-delay").textContent()).toContain("adjusted +0.5 s");
    await b.getByRole("button", { name: "Reset" }).click();
    await b.locator('[data-testid="video-delay"][data-delay-ms="3000"]').waitFor(T);

    // ---- Poll: the opening reaches Bob ~3 s after Ada. ----
    const studio = t.getByTestId("studio-polls");
    await studio.getByTestId("poll-new").click();
    await t.getByTestId("poll-question").fill("How is the pace so far?");
    await t.getByTestId("poll-option-0").fill("Too slow");
    await t.getByTestId("poll-option-1").fill("Just right");
    await t.getByTestId("poll-add-option").click();
    await t.getByTestId("poll-option-2").fill("Too fast");
    await t.getByTestId("poll-create-open").click();
    const card = (p: Page) => p.locator('[data-testid="poll-card"][data-state="open"]');
    const [adaSaw, bobSaw] = await Promise.all([seenAt(card(a)), seenAt(card(b))]);
    // Everything runs on this machine, so the root's `openedAt` is on our clock. Ada sees
    // the opening on arrival; Bob when his video (3 s behind the root) gets there.
    const openedAt = Number(await a.getByTestId("poll-card").getAttribute("data-opened-at"));
    console.log(
      `poll opening: Ada ${adaSaw - openedAt} ms, Bob (3 s video delay) ${bobSaw - openedAt} ms after the root opened it`,
    );
    expect(adaSaw - openedAt).toBeLessThan(2_000);
    expect(bobSaw - openedAt).toBeGreaterThanOrEqual(DELAY_MS - 50);
    expect(bobSaw - openedAt).toBeLessThan(DELAY_MS + 1_500);

    // Ada votes, then changes her mind; Bob votes once. The teacher's tally follows live.
    const option = (p: Page, label: string) =>
      p.getByTestId("poll-option").filter({ hasText: label });
    await option(a, "Too fast").click();
    await a.getByTestId("poll-submit").click();
    await a.getByTestId("poll-status").filter({ hasText: "Vote counted" }).waitFor(T);
    await option(a, "Just right").click();
    await a.getByTestId("poll-submit").click();
    await a.getByTestId("poll-submit").filter({ hasText: "Change vote" }).waitFor(T);
    await option(b, "Too slow").click();
    await b.getByTestId("poll-submit").click();
    await b.getByTestId("poll-status").filter({ hasText: "Vote counted" }).waitFor(T);
    const staffPoll = t.getByTestId("studio-poll").first();
    await staffPoll.getByTestId("poll-answered").filter({ hasText: "2 answers" }).waitFor(T);
    const votes = await staffPoll
      .getByTestId("poll-bar")
      .evaluateAll((els) => els.map((e) => Number(e.getAttribute("data-votes"))));
    expect(votes).toEqual([1, 1, 0]);
    await shotOf(t.locator("#pane-polls"), "studio-poll");

    // Close, then reveal: students see the results (Bob when his video gets there).
    await staffPoll.getByTestId("poll-close").click();
    await a.locator('[data-testid="poll-card"][data-state="closed"]').waitFor(T);
    expect(await a.getByTestId("poll-status").textContent()).toContain("results appear");
    await t.getByTestId("studio-poll").first().getByTestId("poll-reveal").click();
    for (const p of [a, b]) {
      const bars = p.locator(
        '[data-testid="poll-card"][data-state="revealed"] [data-testid="poll-bars"]',
      );
      await bars.waitFor(T);
      expect(await bars.getByTestId("poll-answered").textContent()).toContain("2 answers");
    }
    expect(await a.locator(".poll-bar.is-mine").textContent()).toContain("Just right");
    await shot(a, "ada-poll-results");

    // ---- Quiz with a leaderboard. ----
    await studio.getByTestId("poll-new").click();
    await t.getByTestId("poll-kind-quiz").click();
    await t.getByTestId("poll-question").fill("What is 7 × 8?");
    await t.getByTestId("poll-option-0").fill("54");
    await t.getByTestId("poll-option-1").fill("56");
    await t.getByTestId("poll-correct-1").check();
    await t.getByTestId("quiz-time").selectOption("60");
    await shotOf(t.getByTestId("poll-composer"), "studio-composer");
    await t.getByTestId("poll-create-open").click();
    for (const p of [a, b]) await p.getByTestId("quiz-countdown").waitFor(T);
    // Nothing a student has before the close reveals the answer.
    expect(await a.locator(".poll-bar.is-correct").count()).toBe(0);
    await option(a, "56").click();
    await a.getByTestId("poll-submit").click();
    await option(b, "54").click();
    await b.getByTestId("poll-submit").click();
    for (const p of [a, b])
      await p.getByTestId("poll-status").filter({ hasText: "Answer locked in" }).waitFor(T);
    await shot(b, "bob-quiz-locked");
    const staffQuiz = t.getByTestId("studio-poll").first();
    await staffQuiz.getByTestId("poll-answered").filter({ hasText: "2 answers" }).waitFor(T);
    await staffQuiz.getByTestId("poll-close").click();
    await a.getByTestId("quiz-result").filter({ hasText: "Correct!" }).waitFor(T);
    await b.getByTestId("quiz-result").filter({ hasText: "Not quite." }).waitFor(T);
    const leaders = a.getByTestId("leaderboard").getByTestId("leader-row");
    await leaders.first().waitFor(T);
    expect(await leaders.first().textContent()).toContain("Ada");
    await t.getByTestId("studio-leaderboard").getByTestId("leader-row").first().waitFor(T);
    await shot(a, "ada-quiz-result");

    // ---- Hands: first raised, first in line; the teacher calls on Ada. ----
    await a.getByTestId("hand-toggle").click();
    await a.getByTestId("hand-status").filter({ hasText: "You are #1 in the queue" }).waitFor(T);
    await b.getByTestId("hand-toggle").click();
    await b.getByTestId("hand-status").filter({ hasText: "You are #2 in the queue" }).waitFor(T);
    await t.locator('[data-testid="hand-count"]').filter({ hasText: "2" }).waitFor(T);
    const rows = t.getByTestId("hand-row");
    await rows.nth(1).waitFor(T);
    expect(await rows.allTextContents()).toEqual([
      expect.stringContaining("Ada"),
      expect.stringContaining("Bob"),
    ]);
    await shotOf(t.locator("#pane-hands"), "studio-hands");
    await rows.first().getByTestId("hand-ack").click();
    await a.getByTestId("hand-status").filter({ hasText: "called on you" }).waitFor(T);
    await b.getByTestId("hand-status").filter({ hasText: "You are #1 in the queue" }).waitFor(T);
    await t.getByTestId("hand-last-ack").filter({ hasText: "Ada" }).waitFor(T);

    // ---- Q&A (real-time for Bob too): Bob asks, Ada upvotes once, the teacher answers. ----
    await b.getByTestId("mode-qa").click();
    await b.getByTestId("qa-input").fill("Will this be on the exam?");
    await b.getByTestId("qa-submit").click();
    await a.getByTestId("mode-qa").click();
    const adaQ = a.getByTestId("qa-question").filter({ hasText: "Will this be on the exam?" });
    await adaQ.waitFor(T);
    await adaQ.getByTestId("qa-vote").click();
    await adaQ.locator('[data-testid="qa-vote"][aria-pressed="true"]').waitFor(T);
    await adaQ.getByTestId("qa-votes").filter({ hasText: "1" }).waitFor(T);
    // Bob cannot upvote his own question.
    const bobQ = b.getByTestId("qa-question").filter({ hasText: "Will this be on the exam?" });
    await bobQ.getByTestId("qa-votes").filter({ hasText: "1" }).waitFor(T);
    expect(await bobQ.getByTestId("qa-vote").isDisabled()).toBe(true);
    await t.getByTestId("talk-qa").click();
    const staffQ = t.getByTestId("staff-question").filter({ hasText: "Will this be on the exam?" });
    await staffQ.getByTestId("qa-answer").click();
    await adaQ.getByTestId("qa-answered").waitFor(T);
    await bobQ.getByTestId("qa-answered").waitFor(T);

    // Pre-moderation: Bob's next question waits for approval, marked so for him only.
    await t.getByTestId("qa-premoderate").check();
    await b.getByTestId("qa-input").fill("Can we get the slides afterwards?");
    await b.getByTestId("qa-submit").click();
    await b
      .getByTestId("qa-pending-mine")
      .filter({ hasText: "Can we get the slides afterwards?" })
      .filter({ hasText: "Awaiting approval" })
      .waitFor(T);
    const pendingAtTeacher = t
      .getByTestId("qa-pending")
      .getByTestId("staff-question")
      .filter({ hasText: "Can we get the slides afterwards?" });
    await pendingAtTeacher.waitFor(T);
    expect(await a.getByText("Can we get the slides afterwards?").count()).toBe(0);
    await shot(b, "bob-qa");
    await pendingAtTeacher.getByTestId("qa-approve").click();
    await a
      .getByTestId("qa-list")
      .getByTestId("qa-question")
      .filter({ hasText: "Can we get the slides afterwards?" })
      .waitFor(T);
    await b.getByTestId("qa-pending-mine").waitFor({ ...T, state: "detached" });
    await shotOf(t.getByTestId("studio-chat"), "studio-qa");

    // ---- The whiteboard (slides engineer's UI): a stroke reaches Bob ~3 s after Ada. ----
    const canvas = t.locator('[data-testid="studio-stage"] [data-testid="slide-ink"]');
    await canvas.scrollIntoViewIfNeeded();
    const box = (await canvas.boundingBox())!;
    const inked = (p: Page) => p.locator('[data-testid="slide-stage"][data-strokes="1"]');
    await t.mouse.move(box.x + box.width * 0.2, box.y + box.height * 0.5);
    await t.mouse.down();
    const drawn = Date.now();
    const strokeSeen = Promise.all([seenAt(inked(a)), seenAt(inked(b))]);
    for (let i = 1; i <= 20; i++) {
      await t.mouse.move(box.x + box.width * (0.2 + i * 0.02), box.y + box.height * 0.5);
      await t.waitForTimeout(16);
    }
    await t.mouse.up();
    const [adaInk, bobInk] = await strokeSeen;
    // The root stamps the stroke after the pen went down, so Bob can never see it sooner
    // than 3 s after that; Ada sees it as soon as it arrives.
    console.log(
      `whiteboard stroke: Ada ${adaInk - drawn} ms, Bob ${bobInk - drawn} ms after the pen went down`,
    );
    expect(adaInk - drawn).toBeLessThan(DELAY_MS - 500);
    expect(bobInk - drawn).toBeGreaterThanOrEqual(DELAY_MS);
    expect(bobInk - drawn).toBeLessThan(DELAY_MS + 2_500);
    await shot(a, "ada-final");

    // Nothing overflows the phone.
    const overflow = await b.evaluate(() => document.documentElement.scrollWidth - innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
  });
});
