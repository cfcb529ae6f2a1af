/**
 * The real-time classroom in a real Chromium: the seeded demo teacher runs the studio;
 * two guests (one on a desktop, one on a 360 px phone) chat in their section, read the
 * teacher's class-wide messages, hit the chat rules, and get moderated — delete,
 * timeout, ban — and lose and regain the network, each person in their own browser profile.
 */
import type { Page } from "playwright-core";
import { describe, expect, inject, it } from "vitest";
import { DEMO } from "../scripts/stack.ts";
import { joinAsGuest, signIn, waitConnected } from "./browser.ts";
import { browsers, teacherAdaBob } from "./class-setup.ts";

const base = inject("baseUrl");
const launch = browsers();

/** Waits are for UI state, bounded well inside the test timeout. */
const T = { timeout: 15_000 };

const joinDemo = (page: Page, name: string) => joinAsGuest(page, `${base}/c/${DEMO.classId}`, name);

async function post(page: Page, text: string) {
  await page.getByTestId("chat-input").fill(text);
  await page.getByTestId("chat-send").click();
}

const message = (page: Page, list: string, text: string) =>
  page.getByTestId(list).getByTestId("chat-message").filter({ hasText: text });

describe("real-time classroom", () => {
  it("section chat, class-wide channel, chat rules and moderation, end to end", async () => {
    const { bob, t, a, b } = await teacherAdaBob(launch);

    // The teacher signs in, sets the chat rules in the class set-up, and opens the studio.
    await signIn(t, base, DEMO.teacher);
    await t.goto(`${base}/studio/demo-class/setup`);
    await t.getByTestId("link-policy").selectOption("block", T);
    await t.getByTestId("blocked-words").fill("spoiler, cheat");
    await t.getByTestId("save-chat-settings").click();
    await t.getByTestId("chat-settings-saved").waitFor(T);
    await t.goto(`${base}/studio/demo-class`);
    await waitConnected(t, '[data-testid="studio-chat"]');

    // Two guests join; their connection indicators say so honestly.
    await Promise.all([joinDemo(a, "Ada"), joinDemo(b, "Bob")]);
    await t.locator('[data-testid="live-count"][data-count="2"]').waitFor(T);

    // Section chat: each sees the other's messages, as text (never HTML).
    await post(a, "Hello from Ada <i>not italic</i>");
    await message(b, "section-chat", "Hello from Ada").waitFor(T);
    expect(await b.locator(".chat-text i").count()).toBe(0);
    await post(b, "Hi Ada!");
    await message(a, "section-chat", "Hi Ada!").waitFor(T);
    await post(a, "Question from Ada");
    await message(b, "section-chat", "Question from Ada").waitFor(T);

    // The teacher posts to everyone: the desktop student sees it at once, the phone in its tab.
    await t.getByTestId("studio-chat-input").fill("Welcome, everyone!");
    await t.getByTestId("studio-send").click();
    await message(a, "global-chat", "Welcome, everyone!").waitFor(T);
    await b.getByTestId("tab-global").click();
    await message(b, "global-chat", "Welcome, everyone!").waitFor(T);
    await b.getByTestId("tab-section").click();

    // Chat rules: typed rejections for the sender, the rule in the teacher's feed.
    await post(a, "no spoiler please");
    await a.locator('[data-testid="chat-rejection"][data-reason="blocked_word"]').waitFor(T);
    await post(b, "answers at example.com");
    await b.locator('[data-testid="chat-rejection"][data-reason="link_blocked"]').waitFor(T);
    await t.getByTestId("talk-mod").click();
    await t
      .locator('[data-testid="rejection-item"][data-reason="blocked_word"]')
      .filter({ hasText: "Ada" })
      .waitFor(T);
    await t
      .locator('[data-testid="rejection-item"][data-reason="link_blocked"]')
      .filter({ hasText: "answers at example.com" })
      .waitFor(T);

    // The teacher watches section 1 and deletes Ada's message: gone for Bob.
    await t.getByTestId("talk-chat").click();
    await t.getByTestId("section-picker").selectOption("s1", T);
    const adaHello = message(t, "studio-section-chat", "Hello from Ada");
    await adaHello.waitFor(T);
    await adaHello.getByTestId("delete-message").click();
    await message(b, "section-chat", "Hello from Ada").waitFor({ ...T, state: "detached" });
    await message(a, "section-chat", "Hello from Ada").waitFor({ ...T, state: "detached" });

    // Timeout: Bob sees until when, and cannot post.
    await t.getByTestId("timeout-length").selectOption("600");
    await message(t, "studio-section-chat", "Hi Ada!").getByTestId("timeout-user").click();
    await b.getByTestId("timeout-notice").waitFor(T);
    expect(await b.getByTestId("timeout-notice").textContent()).toMatch(/timed out until \d/i);
    expect(await b.getByTestId("chat-input").isDisabled()).toBe(true);
    expect(await b.getByTestId("chat-send").isDisabled()).toBe(true);
    await t.getByTestId("talk-mod").click();
    await t.getByTestId("timeout-item").filter({ hasText: "Bob" }).waitFor(T);
    await t.getByTestId("talk-chat").click();

    // Ban: Ada is disconnected, told why, and cannot rejoin.
    const adaQuestion = message(t, "studio-section-chat", "Question from Ada");
    await adaQuestion.getByTestId("ban-user").click();
    await adaQuestion.getByTestId("confirm-ban").click();
    await a.getByTestId("banned-notice").waitFor(T);
    await a.locator('[data-testid="connection-status"][data-state="ended"]').waitFor(T);
    expect(await a.getByTestId("chat-input").count()).toBe(0);
    await t.getByTestId("talk-mod").click();
    await t.getByTestId("ban-item").filter({ hasText: "Ada" }).waitFor(T);
    await t.getByTestId("talk-chat").click();
    await a.reload();
    await a.getByTestId("banned-notice").waitFor(T);

    // Bob (timed out, not banned) stays connected; so does the teacher.
    await waitConnected(b);
    await waitConnected(t, '[data-testid="studio-chat"]');

    // The indicator is honest about the network, and a reconnect resumes what was missed.
    await bob.context.setOffline(true);
    await b.locator('[data-testid="connection-status"][data-state="offline"]').waitFor(T);
    await t.getByTestId("studio-chat-input").fill("Sent while Bob was offline");
    await t.getByTestId("studio-send").click();
    await message(t, "studio-global-chat", "Sent while Bob was offline").waitFor(T);
    await bob.context.setOffline(false);
    await waitConnected(b);
    await b.getByTestId("tab-global").click();
    await message(b, "global-chat", "Sent while Bob was offline").waitFor(T);
    const overflow = await b.evaluate(() => document.documentElement.scrollWidth - innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
  });
});
