/**
 * Accessibility as a test: axe-core (e2e/axe.ts) on every page — start, sign-in and
 * sign-up, the class page before, while and after live, the studio, the admin pages and
 * a session dashboard — at 1280×800 and 360×740, with no serious or critical violation.
 * Each page's counts by impact are logged and written to the temp dir
 * (mass-class-e2e-a11y.json); docs/accessibility.md keeps the figures.
 */
import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, describe, expect, inject, it } from "vitest";
import { DEMO } from "../scripts/stack.ts";
import { type AxeReport, blocking, DESKTOP, describeReport, PHONE, runAxe } from "./axe.ts";
import { joinAsGuest, newClass, signIn, waitConnected } from "./browser.ts";
import {
  browsers,
  fakeYouTube,
  goLive,
  latestSession,
  openStudio,
  setYouTubeVideo,
  shotsOnFailure,
} from "./class-setup.ts";

const base = inject("baseUrl");
const launch = browsers();
const reports: AxeReport[] = [];
afterAll(() => {
  writeFileSync(join(tmpdir(), "mass-class-e2e-a11y.json"), JSON.stringify(reports, null, 2));
});

const T = { timeout: 15_000 };

/** axe on `page` at desktop then phone size; every serious/critical violation fails. */
async function check(page: Page, name: string): Promise<void> {
  for (const size of [DESKTOP, PHONE]) {
    await page.setViewportSize(size);
    // Let layout and any lazy content settle at the new size.
    await page.waitForTimeout(300);
    // SHOT_DIR=dir: keep a screenshot of every page and size, to compare a change's
    // before and after (scripts/shot-diff.ts).
    if (process.env.SHOT_DIR)
      await page.screenshot({
        path: `${process.env.SHOT_DIR}/${name.replace(/[^a-z0-9]+/gi, "_")}_${size.width}.png`,
        fullPage: true,
        animations: "disabled",
        caret: "hide",
      });
    const r = await runAxe(page, `${name} @ ${size.width}×${size.height}`);
    reports.push(r);
    console.log(describeReport(r));
    expect.soft(blocking(r), describeReport(r)).toEqual([]);
  }
  await page.setViewportSize(DESKTOP);
}

/**
 * Press Tab (or Shift+Tab) until the focused element matches `selector`: keyboard only,
 * the selector just says where we want to be. Fails after `max` presses.
 */
async function tabTo(page: Page, selector: string, opts: { back?: boolean; max?: number } = {}) {
  for (let i = 0; i < (opts.max ?? 80); i++) {
    if (await page.evaluate((sel) => document.activeElement?.matches(sel) ?? false, selector))
      return;
    await page.keyboard.press(opts.back ? "Shift+Tab" : "Tab");
  }
  throw new Error(`keyboard focus never reached ${selector}`);
}

describe("accessibility (axe-core)", () => {
  it("start, sign-in and sign-up pages", async () => {
    const [u] = await launch({});
    const p = u.page;
    await p.goto(`${base}/`);
    await p.locator("main").first().waitFor(T);
    await check(p, "start");
    await p.goto(`${base}/signin`);
    await p.getByTestId("signin-form").waitFor(T);
    await check(p, "sign-in");
    await p.goto(`${base}/signup`);
    await p.getByTestId("signup-form").waitFor(T);
    await check(p, "sign-up");
    await p.goto(`${base}/c/${"x".repeat(40)}`);
    await check(p, "not found");
  });

  it("admin pages", async () => {
    const [u] = await launch({});
    const p = u.page;
    await signIn(p, base, DEMO.admin);
    for (const [path, name] of [
      ["/admin", "admin"],
      ["/admin/users", "admin users"],
      ["/admin/classes", "admin classes"],
      ["/admin/audit", "admin audit"],
    ] as const) {
      await p.goto(`${base}${path}`);
      await p.getByRole("heading").first().waitFor(T);
      await p.waitForLoadState("networkidle");
      await check(p, name);
    }
  });

  it("class page before, while and after live; studio; session dashboard", async () => {
    const [teacher, guest] = await launch(
      { media: true, viewport: { width: 1280, height: 900 } },
      {},
    );
    const t = teacher.page;
    const g = guest.page;
    shotsOnFailure("a11y", { teacher: t, guest: g });

    await signIn(t, base, DEMO.teacher);
    await t.goto(`${base}/studio`);
    await t.getByTestId("class-card").first().waitFor(T);
    await check(t, "studio class list");
    const classId = await newClass(t, "A11y e2e: reading aloud");

    // Before live: the join gate, then the waiting class page.
    await g.goto(`${base}/c/${classId}`);
    await g.getByTestId("guest-join-form").waitFor(T);
    await check(g, "class join gate");
    await joinAsGuest(g, `${base}/c/${classId}`, "Reader");
    await g.getByTestId("waiting-for-teacher").waitFor(T);
    await check(g, "class page before live");

    await t.goto(`${base}/studio/${classId}`);
    await waitConnected(t, '[data-testid="studio-chat"]');
    await check(t, "studio before live");

    // While live: the studio publishes a fake screen + camera through the local bridge.
    await goLive(t, [g]);
    // Some activity so the lists, Q&A and polls have content to check.
    await g.getByTestId("chat-input").fill("Hello from the back row");
    await g.getByTestId("chat-send").click();
    await g.getByTestId("mode-qa").click();
    await g.getByTestId("qa-input").fill("Is the reading list online?");
    await g.getByTestId("qa-submit").click();
    await t.getByTestId("studio-polls").getByTestId("poll-new").click();
    await t.getByTestId("poll-question").fill("Ready for part two?");
    await t.getByTestId("poll-option-0").fill("Yes");
    await t.getByTestId("poll-option-1").fill("Not yet");
    await t.getByTestId("poll-create-open").click();
    await g.locator('[data-testid="poll-card"][data-state="open"]').waitFor(T);
    await g.getByTestId("hand-toggle").click();
    await t.getByTestId("hand-row").first().waitFor(T);
    await check(g, "class page while live");
    await check(t, "studio while live");

    // After live.
    await t.getByTestId("stop-live").click();
    await t.getByTestId("confirm-end-stream").click();
    await g.locator('[data-testid="class-page"][data-stream="ended"]').waitFor({ timeout: 30_000 });
    await check(g, "class page after live");

    // The session dashboard of this run (rows reach D1 within ~10 s).
    const sessionId = await latestSession(t, classId);
    await t.goto(`${base}/studio/${classId}/analytics`);
    await t.getByTestId("class-sessions").waitFor(T);
    await check(t, "class sessions");
    await t.goto(`${base}/studio/${classId}/analytics/${sessionId}`);
    await t.getByTestId("session-dashboard").waitFor(T);
    await t.waitForLoadState("networkidle");
    await check(t, "session dashboard");
  }, 180_000);

  it("a student attends a whole class with the keyboard only: joins, chats, raises a hand, votes, upvotes", async () => {
    const [teacher, kbd, other] = await launch({ viewport: { width: 1280, height: 900 } }, {}, {});
    const t = teacher.page;
    const k = kbd.page;
    shotsOnFailure("a11y-kbd", { teacher: t, student: k });
    const classId = await openStudio(t, base, "A11y e2e: keyboard only");

    // The skip link is the first stop and lands in the main content.
    await k.goto(`${base}/c/${classId}`);
    await k.getByTestId("guest-join-form").waitFor(T);
    await k.keyboard.press("Tab");
    expect(await k.evaluate(() => document.activeElement?.textContent?.trim())).toBe(
      "Skip to main content",
    );
    await k.keyboard.press("Enter");
    expect(await k.evaluate(() => document.activeElement?.tagName)).toBe("MAIN");

    // Join as a guest: Tab to the name field, type, Enter.
    await tabTo(k, '[data-testid="guest-join-form"] input');
    await k.keyboard.type("Kay Board");
    await k.keyboard.press("Enter");
    await waitConnected(k);
    await t.locator('[data-testid="live-count"][data-count="1"]').waitFor(T);

    // Chat: Tab to the message field, type, Enter. The teacher's studio gets it.
    await tabTo(k, '[data-testid="chat-input"]');
    await k.keyboard.type("Typed without a mouse");
    await k.keyboard.press("Enter");
    await t.getByTestId("section-picker").selectOption("s1", T);
    await t
      .getByTestId("studio-section-chat")
      .getByTestId("chat-message")
      .filter({ hasText: "Typed without a mouse" })
      .waitFor(T);

    // Raise a hand: Shift+Tab back to the hand button, Space. The teacher's queue has Kay.
    await tabTo(k, '[data-testid="hand-toggle"]', { back: true });
    await k.keyboard.press("Space");
    await t.getByTestId("hand-row").filter({ hasText: "Kay Board" }).waitFor(T);

    // A poll: Tab into the options, arrow keys to pick, Tab to Vote, Enter.
    await t.getByTestId("studio-polls").getByTestId("poll-new").click();
    await t.getByTestId("poll-question").fill("Which part was clearest?");
    await t.getByTestId("poll-option-0").fill("The start");
    await t.getByTestId("poll-option-1").fill("The end");
    await t.getByTestId("poll-create-open").click();
    await k.locator('[data-testid="poll-card"][data-state="open"]').waitFor(T);
    // Forward into the group: the first option takes focus (Space picks it, ↓ moves on).
    await tabTo(k, '[data-testid="poll-option"] input');
    await k.keyboard.press("Space");
    await k.keyboard.press("ArrowDown");
    await tabTo(k, '[data-testid="poll-submit"]');
    await k.keyboard.press("Enter");
    const staffPoll = t.getByTestId("studio-poll").first();
    await staffPoll.getByTestId("poll-answered").filter({ hasText: "1 answer" }).waitFor(T);
    const votes = await staffPoll
      .getByTestId("poll-bar")
      .evaluateAll((els) => els.map((e) => Number(e.getAttribute("data-votes"))));
    expect(votes).toEqual([0, 1]);

    // Q&A: another student asks; Kay reaches the Q&A tab with the arrow keys (the tab
    // list is one Tab stop) and upvotes the question by its name.
    const o = other.page;
    await joinAsGuest(o, `${base}/c/${classId}`, "Otto");
    await o.getByTestId("mode-qa").click();
    await o.getByTestId("qa-input").fill("Could you repeat the last step?");
    await o.getByTestId("qa-submit").click();
    await tabTo(k, '[role="tab"][data-testid="mode-chat"]', { back: true });
    await k.keyboard.press("ArrowRight");
    expect(await k.getByTestId("mode-qa").getAttribute("aria-selected")).toBe("true");
    const upvote = k.getByRole("button", { name: /^Upvote: Could you repeat the last step\?/ });
    await upvote.waitFor(T);
    await tabTo(k, '[data-testid="qa-vote"]:not([disabled])');
    await k.keyboard.press("Space");
    await upvote.and(k.locator('[aria-pressed="true"]')).waitFor(T);
    await t.getByTestId("talk-qa").click();
    await t
      .getByTestId("staff-question")
      .filter({ hasText: "Could you repeat the last step?" })
      .locator(".ix-question-votes")
      .filter({ hasText: "1" })
      .waitFor(T);

    // Lower the hand again: the teacher's queue empties.
    await tabTo(k, '[data-testid="hand-toggle"]', { back: true });
    expect(await k.getByTestId("hand-toggle").textContent()).toContain("Lower hand");
    await k.keyboard.press("Enter");
    await t.getByTestId("hand-row").waitFor({ ...T, state: "detached" });
  });

  it("YouTube class: captions turn on and off from our own control", async () => {
    const [teacher, student] = await launch({}, {});
    await fakeYouTube(student.context);
    const t = teacher.page;
    await signIn(t, base, DEMO.teacher);
    const classId = await newClass(t, "A11y e2e: captions");
    expect(await setYouTubeVideo(t, classId, "dQw4w9WgXcQ")).toBe(200);

    const s = student.page;
    await joinAsGuest(s, `${base}/c/${classId}`, "Cee Cee");
    const cc = s.getByRole("button", { name: "Captions" });
    await cc.waitFor(T);
    expect(await cc.getAttribute("aria-pressed")).toBe("false");
    await cc.click();
    expect(await cc.getAttribute("aria-pressed")).toBe("true");
    const calls = () => s.evaluate(() => (window as unknown as { ytCalls: unknown[] }).ytCalls);
    expect(await calls()).toEqual(
      expect.arrayContaining([
        ["loadModule", "captions"],
        ["setOption", "captions", "track", { languageCode: "en" }],
      ]),
    );
    await check(s, "class page on YouTube");
    await cc.click();
    expect(await cc.getAttribute("aria-pressed")).toBe("false");
    expect(await calls()).toContainEqual(["unloadModule", "captions"]);
  });
});
