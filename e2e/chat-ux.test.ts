/**
 * What a student sees of chat rules and moderation, in a real Chromium (issue 12):
 * slow mode turned on while they are connected, banners shrinking the chat list, and a
 * ban that removes the banned user's messages and tells them they are banned after a reload.
 */
import type { Page } from "playwright-core";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { DEMO } from "../scripts/stack.ts";
import { joinAsGuest, newClass, signIn, waitConnected } from "./browser.ts";
import { browsers } from "./class-setup.ts";

const base = inject("baseUrl");
const launch = browsers();

/** Waits are for UI state, bounded well inside the test timeout. */
const T = { timeout: 15_000 };

async function user(viewport = { width: 1280, height: 800 }) {
  const [u] = await launch({ viewport });
  return u.page;
}

async function post(page: Page, text: string) {
  await page.getByTestId("chat-input").fill(text);
  await page.getByTestId("chat-send").click();
}

const message = (page: Page, list: string, text: string) =>
  page.getByTestId(list).getByTestId("chat-message").filter({ hasText: text });

/** Whether the newest message of `list` is on screen inside the list (not scrolled away). */
function lastMessageVisible(page: Page, list: string) {
  return page.evaluate((id) => {
    const el = document.querySelector(`[data-testid="${id}"]`);
    const items = el?.querySelectorAll('[data-testid="chat-message"]');
    const last = items?.[items.length - 1];
    if (!el || !last) return { visible: false, overflowing: false };
    const box = el.getBoundingClientRect();
    const r = last.getBoundingClientRect();
    return {
      visible: r.bottom <= box.bottom + 1 && r.bottom > box.top,
      overflowing: el.scrollHeight > el.clientHeight,
    };
  }, list);
}

/**
 * The chat rules are in the class set-up (`/studio/:id/setup`), apart from the live
 * studio: set slow mode there, then come back to the studio.
 */
async function setSlowMode(t: Page, seconds: string) {
  const studio = new URL(t.url()).pathname;
  await t.goto(`${base}${studio}/setup`);
  await t.getByTestId("slow-mode-input").fill(seconds, T);
  await t.getByTestId("save-chat-settings").click();
  await t.getByTestId("chat-settings-saved").waitFor(T);
  await t.goto(`${base}${studio}`);
  await waitConnected(t, '[data-testid="studio-chat"]');
}

describe("chat as a student sees it", () => {
  let t: Page;
  let classId: string;
  const classUrl = () => `${base}/c/${classId}`;

  beforeAll(async () => {
    t = await user({ width: 1280, height: 1000 });
    await signIn(t, base, DEMO.teacher);
    classId = await newClass(t, "Chat UX");
    await t.goto(`${base}/studio/${classId}`);
    await waitConnected(t, '[data-testid="studio-chat"]');
  });

  it("slow mode turned on while a student is connected: one message per interval, a countdown that moves", async () => {
    const s = await user();
    await joinAsGuest(s, classUrl(), "Sam");
    await post(s, "hello before slow mode");
    await message(s, "section-chat", "hello before slow mode").waitFor(T);
    // Longer than the interval passes before the teacher turns slow mode on.
    await s.waitForTimeout(6000);
    await setSlowMode(t, "5");
    await s.getByText("Slow mode: one message every 5 s").waitFor(T);

    // The last post is older than the interval: the student may send now (was frozen on "N s").
    await s.getByTestId("chat-input").fill("first under slow mode");
    await expect.poll(() => s.getByTestId("chat-send").textContent(), T).toBe("Send");
    await s.getByTestId("chat-send").click();
    await message(s, "section-chat", "first under slow mode").waitFor(T);

    // Then exactly one per interval: a countdown that counts down, then Send again.
    await s.getByTestId("chat-input").fill("second under slow mode");
    const seconds = async () => {
      const label = await s.getByTestId("chat-send").textContent();
      return label === "Send" ? 0 : Number(/^(\d+) s$/.exec(label ?? "")?.[1] ?? Number.NaN);
    };
    const first = await seconds();
    expect(first).toBeGreaterThanOrEqual(1);
    expect(first).toBeLessThanOrEqual(5);
    expect(await s.getByTestId("chat-send").isDisabled()).toBe(true);
    await s.waitForTimeout(1500);
    // It moves (a frozen clock kept showing the same number).
    expect(await seconds()).toBeLessThan(first);
    await expect.poll(() => s.getByTestId("chat-send").isEnabled(), T).toBe(true);
    await s.getByTestId("chat-send").click();
    await message(s, "section-chat", "second under slow mode").waitFor(T);
    expect(await s.getByTestId("chat-rejection").count()).toBe(0);

    await setSlowMode(t, "0");
    await s.getByText("Slow mode: one message every 5 s").waitFor({ ...T, state: "detached" });
  });

  it("keeps the newest message in view when an announcement or a time-out notice shrinks the list", async () => {
    const s = await user({ width: 1280, height: 720 });
    await joinAsGuest(s, classUrl(), "Lena");
    const long = (n: number) =>
      `Message ${n}: ${"a rather long question about the homework that wraps over several lines ".repeat(3)}`;
    for (let i = 1; i <= 4; i++) {
      await post(s, long(i));
      await message(s, "section-chat", `Message ${i}:`).waitFor(T);
    }
    expect(await lastMessageVisible(s, "section-chat")).toEqual({
      visible: true,
      overflowing: true,
    });

    await t.getByTestId("studio-chat-input").fill("Quiz in five minutes: open your notes now.");
    await t.getByTestId("studio-announce").click();
    await s.getByTestId("announcement").waitFor(T);
    await expect
      .poll(async () => (await lastMessageVisible(s, "section-chat")).visible, T)
      .toBe(true);

    await t.getByTestId("section-picker").selectOption("s1", T);
    await message(t, "studio-section-chat", "Message 4:").getByTestId("timeout-user").click();
    await s.getByTestId("timeout-notice").waitFor(T);
    await expect
      .poll(async () => (await lastMessageVisible(s, "section-chat")).visible, T)
      .toBe(true);
  });

  it("bans and removes the user's messages for everyone; after a reload the banned student is told", async () => {
    const [troll, other] = [await user(), await user()];
    await joinAsGuest(troll, classUrl(), "Troll");
    await joinAsGuest(other, classUrl(), "Olli");
    await post(troll, "buy cheap followers now");
    await message(other, "section-chat", "buy cheap followers").waitFor(T);

    await t.getByTestId("section-picker").selectOption("s1", T);
    const spam = message(t, "studio-section-chat", "buy cheap followers");
    await spam.getByTestId("ban-user").click();
    await spam.getByTestId("confirm-ban-purge").click();
    await message(other, "section-chat", "buy cheap followers").waitFor({
      ...T,
      state: "detached",
    });
    await spam.waitFor({ ...T, state: "detached" });
    await troll.getByTestId("banned-notice").waitFor(T);
    await t.getByTestId("talk-mod").click();
    await t.getByTestId("ban-item").filter({ hasText: "Troll" }).waitFor(T);
    await t.getByTestId("talk-chat").click();

    await troll.reload();
    await troll.getByTestId("banned-screen").waitFor(T);
    expect(await troll.getByTestId("banned-screen").textContent()).toMatch(/banned/i);
    expect(await troll.getByTestId("waiting-for-teacher").count()).toBe(0);
    // Olli, reloading too, does not get the message back.
    await other.reload();
    await waitConnected(other);
    await other.getByTestId("section-chat").waitFor(T);
    expect(await message(other, "section-chat", "buy cheap followers").count()).toBe(0);
  });
});
