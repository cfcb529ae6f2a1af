/**
 * Student focus in a real Chromium, with the teacher live from the studio (fake camera):
 * Ada on a 1280×800 laptop, Bob on a 360×740 phone. A poll opening shows up where each
 * is looking (beside the video; a sheet over the chat), the phone's video stays docked
 * while Bob writes chat, "the teacher called on you" comes and goes by itself, the
 * player says "Buffering…" when the picture stalls and has labelled volume and full
 * screen controls, and the page passes axe. Screenshots: docs/screenshot-student-phone-poll.png
 * (committed) and the temp dir (mass-class-e2e-focus-*.png).
 */
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { describe, expect, inject, it } from "vitest";
import { DEMO } from "../scripts/stack.ts";
import { blocking, describeReport, runAxe } from "./axe.ts";
import { joinAsGuest, newClass, signIn } from "./browser.ts";
import {
  browsers,
  fakeYouTube,
  goLive,
  openStudio,
  played,
  setYouTubeVideo,
  shotsOnFailure,
  teacherAdaBob,
} from "./class-setup.ts";

const base = inject("baseUrl");
const launch = browsers();
const T = { timeout: 15_000 };

const shot = (p: Page, name: string) =>
  p.screenshot({ path: join(tmpdir(), `mass-class-e2e-focus-${name}.png`) });

/** The element's box, and whether all of it is inside the viewport as scrolled now. */
async function inView(p: Page, testId: string) {
  return p.getByTestId(testId).evaluate((el) => {
    const r = el.getBoundingClientRect();
    return {
      top: r.top,
      bottom: r.bottom,
      left: r.left,
      right: r.right,
      fits: r.top >= 0 && r.bottom <= window.innerHeight && r.height > 0,
      scrollY: window.scrollY,
    };
  });
}

describe("student focus", () => {
  it("a poll shows where the student looks, the phone video stays docked, notices clear, stalls are shown", async () => {
    const { ada, t, a, b } = await teacherAdaBob(launch, { media: true });
    shotsOnFailure("focus", { teacher: t, ada: a, bob: b }, { fullPage: false });
    // Fault injection for the stall: while `__holdAppends` is set, media data is dropped
    // before it reaches the decoder, as when the network stops delivering.
    await ada.context.addInitScript(() => {
      const w = window as unknown as { __holdAppends?: boolean };
      const append = SourceBuffer.prototype.appendBuffer;
      SourceBuffer.prototype.appendBuffer = function (this: SourceBuffer, data: BufferSource) {
        if (w.__holdAppends) return;
        return append.call(this, data);
      };
    });

    const classId = await openStudio(t, base, "Focus e2e: fractions");
    await Promise.all([
      joinAsGuest(a, `${base}/c/${classId}`, "Ada"),
      joinAsGuest(b, `${base}/c/${classId}`, "Bob"),
    ]);
    // Before live, the notify-me button may be offered; while live it is not.
    await goLive(t, [a, b]);
    expect(await a.getByTestId("notify-toggle").count()).toBe(0);
    // Both players play.
    for (const p of [a, b])
      await expect.poll(() => played(p), { timeout: 45_000 }).toBeGreaterThan(1);

    // Player controls: labelled volume and full screen.
    await a.getByRole("slider", { name: "Volume" }).waitFor(T);
    await a.getByRole("button", { name: "Full screen video" }).waitFor(T);
    await a.getByRole("button", { name: "Unmute the class video" }).first().waitFor(T);
    await a.getByRole("slider", { name: "Volume" }).fill("40");
    expect(
      await a.getByTestId("local-video").evaluate((v: HTMLVideoElement) => [v.muted, v.volume]),
    ).toEqual([false, 0.4]);
    await a.getByRole("button", { name: "Full screen video" }).click();
    await expect
      .poll(() => a.evaluate(() => document.fullscreenElement?.className ?? ""), T)
      .toContain("video-frame");
    await a.getByRole("button", { name: "Exit full screen" }).click();
    await expect.poll(() => a.evaluate(() => document.fullscreenElement === null), T).toBe(true);
    // The delay control says it moves slides and polls, not the video (when shown).
    expect(await a.getByRole("button", { name: /Slides come too/ }).count()).toBe(0);

    // A poll opens.
    await shot(a, "ada-before-poll");
    await shot(b, "bob-before-poll");
    await t.getByTestId("studio-polls").getByTestId("poll-new").click();
    await t.getByTestId("poll-question").fill("Which is bigger: 3/8 or 2/5?");
    await t.getByTestId("poll-option-0").fill("3/8");
    await t.getByTestId("poll-option-1").fill("2/5");
    await t.getByTestId("poll-create-open").click();
    const open = (p: Page) =>
      p.locator('[data-testid="focus-region"] [data-testid="poll-card"][data-state="open"]');
    await Promise.all([open(a).waitFor(T), open(b).waitFor(T)]);

    // Laptop: in view without scrolling, beside the video, which is in view too.
    const aPoll = await inView(a, "focus-region");
    const aVideo = await inView(a, "classroom-stage");
    expect(aPoll.scrollY).toBe(0);
    expect(aPoll.fits).toBe(true);
    expect(aPoll.left).toBeGreaterThanOrEqual(aVideo.right);
    expect(aVideo.top).toBeLessThan(aPoll.bottom);
    expect(await a.getByTestId("focus-live").textContent()).toContain("A poll opened.");
    await shot(a, "ada-poll");

    // Phone: a sheet over the chat, at the bottom of the screen, with the video in view.
    const bPoll = await inView(b, "focus-region");
    expect(bPoll.fits).toBe(true);
    expect(bPoll.bottom).toBeCloseTo(740, 0);
    expect((await inView(b, "classroom-stage")).fits).toBe(true);
    expect(await b.getByTestId("focus-live").textContent()).toContain("A poll opened.");
    await b.screenshot({ path: "docs/screenshot-student-phone-poll.png" });
    await b.getByTestId("poll-option").filter({ hasText: "2/5" }).click();
    await b.getByTestId("poll-submit").click();
    await b
      .getByTestId("poll-status")
      .filter({ hasText: "Vote counted" })
      .waitFor({ state: "attached", ...T });
    // Answered: the sheet folds to its bar and gives the chat back.
    await b.locator('[data-testid="focus-region"].is-folded').waitFor(T);
    expect((await inView(b, "focus-fold")).fits).toBe(true);

    // Bob writes chat: the sheet folds to its bar, the video stays docked and visible,
    // also when the keyboard takes the lower part of the screen.
    await b.getByTestId("chat-input").click();
    await b.setViewportSize({ width: 360, height: 420 });
    await b.getByTestId("chat-input").fill("2/5 because 16/40 > 15/40");
    const bVideo = await inView(b, "classroom-stage");
    const bInput = await inView(b, "chat-input");
    expect(bVideo.fits).toBe(true);
    expect(bInput.fits).toBe(true);
    expect(bInput.top).toBeGreaterThanOrEqual(bVideo.bottom);
    expect(bVideo.scrollY).toBeGreaterThan(0); // the page scrolled to the chat; the video stayed
    expect(await b.getByTestId("focus-region").isVisible()).toBe(false);
    // Nothing covers the field being written in.
    expect(
      await b.getByTestId("chat-input").evaluate((el) => {
        const r = el.getBoundingClientRect();
        return document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2) === el;
      }),
    ).toBe(true);
    await shot(b, "bob-chat-keyboard");
    await b.getByTestId("chat-send").click();
    await b.setViewportSize({ width: 360, height: 740 });

    // Called on: the notice appears, is read out, and clears by itself.
    await b.getByTestId("hand-toggle").click();
    await t.getByTestId("hand-row").first().waitFor(T);
    await t.getByTestId("hand-ack").first().click();
    await b.getByTestId("focus-called-on").waitFor(T);
    expect(await b.getByTestId("focus-live").textContent()).toContain("called on you");
    expect(await b.getByTestId("hand-status").textContent()).toContain("called on you");
    await b.getByTestId("focus-called-on").waitFor({ state: "detached", timeout: 30_000 });
    expect(await b.getByTestId("hand-status").count()).toBe(0);
    // The poll is back in the region once the notice is gone.
    await open(b).waitFor(T);

    // axe on both, with the poll in the focus region.
    for (const [p, label] of [
      [a, "class page with poll @ 1280×800"],
      [b, "class page with poll @ 360×740"],
    ] as const) {
      const report = await runAxe(p, label);
      expect(blocking(report), describeReport(report)).toEqual([]);
    }

    // A stall: the picture stops; the player says so instead of a frozen "Live".
    await a.evaluate(() => {
      (window as unknown as { __holdAppends: boolean }).__holdAppends = true;
    });
    await a.locator('[data-testid="video-stall"]').waitFor(T);
    expect(await a.getByTestId("stream-status").textContent()).not.toBe("Live");
    await shot(a, "ada-stall");
    await a.evaluate(() => {
      (window as unknown as { __holdAppends: boolean }).__holdAppends = false;
    });
    // It recovers (the watchdog reconnects if needed) and the overlay goes.
    await a.getByTestId("video-stall").waitFor({ state: "detached", timeout: 60_000 });
    await expect.poll(() => a.getByTestId("stream-status").textContent(), T).toBe("Live");
  });

  it("YouTube class: buffering from the IFrame player's state, volume and full screen from our controls", async () => {
    const [teacher, student] = await launch({}, {});
    await fakeYouTube(student.context);
    const t = teacher.page;
    await signIn(t, base, DEMO.teacher);
    const classId = await newClass(t, "Focus e2e: YouTube");
    expect(await setYouTubeVideo(t, classId, "dQw4w9WgXcQ")).toBe(200);
    const s = student.page;
    await joinAsGuest(s, `${base}/c/${classId}`, "Yu");
    const volume = s.getByRole("slider", { name: "Volume" });
    await volume.waitFor(T);
    await s.getByRole("button", { name: "Full screen video" }).waitFor(T);
    const calls = () => s.evaluate(() => (window as unknown as { ytCalls: unknown[][] }).ytCalls);
    await volume.fill("30");
    expect(await calls()).toEqual(expect.arrayContaining([["setVolume", 30], ["unMute"]]));
    await s.getByRole("button", { name: "Mute the class video" }).click();
    expect((await calls()).at(-1)).toEqual(["mute"]);

    // The IFrame player reports buffering (3), then playing (1).
    const fire = (state: number) =>
      s.evaluate((st) => (window as unknown as { ytFire: (n: number) => void }).ytFire(st), state);
    await fire(3);
    await s.locator('[data-testid="video-stall"][data-phase="buffering"]').waitFor(T);
    await fire(1);
    await s.getByTestId("video-stall").waitFor({ state: "detached", ...T });
  });
});
