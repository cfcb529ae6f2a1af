/**
 * Languages in a real Chromium (issue 15, point 5): Layla on a 360×740 phone and Lucía on
 * a 1280×800 laptop join a class. Layla picks Arabic in the header: the page turns right
 * to left (`<html lang="ar" dir="rtl">`) with its words, numbers and dates in Arabic, and
 * keeps her choice across a reload; Lucía's browser asks for Spanish, so her page starts
 * in Spanish without her choosing. A poll with two answers reads "إجابتان" (Arabic's dual)
 * and "2 respuestas"; names and the poll's question stay isolated (`<bdi dir="auto">`).
 * The sign-in page in Arabic passes axe. Screenshots: docs/screenshot-student-ar.png
 * (phone), docs/screenshot-student-ar-desktop.png, and the temp dir
 * (mass-class-e2e-languages-*.png).
 */
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, describe, expect, inject, it, onTestFailed } from "vitest";
import { DEMO } from "../scripts/stack.ts";
import { blocking, describeReport, runAxe } from "./axe.ts";
import { joinAsGuest, launchUser, signIn, waitConnected } from "./browser.ts";

const base = inject("baseUrl");
const users: Awaited<ReturnType<typeof launchUser>>[] = [];
afterAll(async () => {
  await Promise.all(users.map((u) => u.close()));
});
const T = { timeout: 15_000 };
const shot = (p: Page, name: string) =>
  p.screenshot({ path: join(tmpdir(), `mass-class-e2e-languages-${name}.png`) });

/** `<html lang dir>` of the page. */
const langDir = (p: Page) =>
  p.evaluate(() => [document.documentElement.lang, document.documentElement.dir]);
/** Picks `lang` in the header's language menu; resolves once the page has switched. */
async function pick(p: Page, lang: string) {
  await p.getByTestId("language-picker").selectOption(lang);
  await p.waitForFunction((l) => document.documentElement.lang === l, lang, T);
}
/** `n` as the page's `Intl` writes it in `locale`. */
const num = (p: Page, locale: string, n: number) =>
  p.evaluate(([l, x]) => new Intl.NumberFormat(l as string).format(x as number), [locale, n]);

/** A start time three days ahead, at 14:30 local time in the browser (UTC here). */
const START = new Date(Date.UTC(2030, 2, 14, 14, 30)).toISOString();

describe("languages", () => {
  it("switches the class page to Arabic (right to left) and Spanish, with plurals, dates and numbers", async () => {
    const [teacher, layla, lucia] = await Promise.all([
      launchUser({ viewport: { width: 1280, height: 900 } }),
      launchUser({ viewport: { width: 360, height: 740 } }),
      launchUser({ viewport: { width: 1280, height: 800 }, locale: "es-ES" }),
    ]);
    users.push(teacher, layla, lucia);
    const t = teacher.page;
    const l = layla.page;
    const s = lucia.page;
    onTestFailed(async () => {
      await Promise.all([
        shot(t, "failed-teacher"),
        shot(l, "failed-layla"),
        shot(s, "failed-lucia"),
      ]);
    });

    // The sign-in page in Arabic: right to left, translated, and no serious axe violation.
    await l.goto(`${base}/signin`);
    expect(await langDir(l)).toEqual(["en", "ltr"]);
    await pick(l, "ar");
    expect(await langDir(l)).toEqual(["ar", "rtl"]);
    expect(await l.locator("h1").textContent()).toBe("تسجيل الدخول");
    await l.getByTestId("signin-form").getByLabel("البريد الإلكتروني").waitFor(T);
    await shot(l, "signin-ar-phone");
    const signinReport = await runAxe(l, "sign-in (ar, phone)");
    expect(blocking(signinReport), describeReport(signinReport)).toEqual([]);
    // Back to English to join with the usual form labels (joinAsGuest); the choice is kept.
    await pick(l, "en");

    await signIn(t, base, DEMO.teacher);
    const classId = await t.evaluate(async (start) => {
      const res = await fetch("/api/classes", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          title: "Fractions ½ · الكسور",
          guestAccess: true,
          scheduledStart: start,
        }),
      });
      if (!res.ok) throw new Error(`create class: HTTP ${res.status}`);
      return ((await res.json()) as { class: { id: string } }).class.id;
    }, START);
    await t.goto(`${base}/studio/${classId}`);
    await waitConnected(t, '[data-testid="studio-chat"]');

    // Lucía's browser asks for Spanish: her page starts in Spanish.
    await s.goto(`${base}/c/${classId}`);
    await s.getByTestId("guest-join-form").waitFor(T);
    expect(await langDir(s)).toEqual(["es", "ltr"]);
    await s.getByTestId("guest-join-form").getByLabel("Tu nombre").fill("Lucía");
    await s.getByTestId("guest-join-submit").click();
    await waitConnected(s);
    expect(await s.getByTestId("chat-send").textContent()).toBe("Enviar");

    await joinAsGuest(l, `${base}/c/${classId}`, "ليلى \u202Eabc");
    expect(await langDir(l)).toEqual(["en", "ltr"]);
    expect(await l.getByTestId("chat-send").textContent()).toBe("Send");

    // Layla picks Arabic on the live page: same socket, now right to left.
    await pick(l, "ar");
    expect(await langDir(l)).toEqual(["ar", "rtl"]);
    expect(await l.getByTestId("connection-status").getAttribute("data-state")).toBe("connected");
    expect(await l.getByTestId("chat-send").textContent()).toBe("إرسال");
    expect(await l.getByTestId("connection-status").textContent()).toBe("متصل");
    // Numbers and dates through Intl: the character count and the scheduled start.
    expect(await l.getByTestId("chat-count").textContent()).toBe(
      `${await num(l, "ar", 0)}/${await num(l, "ar", 500)}`,
    );
    // The scheduled start (14 March 2030, 14:30 UTC) in Arabic: the month's name, the
    // year, and the evening mark.
    const startAr = await l.getByTestId("class-start").textContent();
    for (const part of ["مارس", "2030", "م"]) expect(startAr).toContain(part);
    expect(startAr).not.toContain("Mar");
    expect(await s.getByTestId("class-start").textContent()).toContain("2030");
    // User text stays isolated: the seat name, the class title, chat authors.
    const bdi = (p: Page, sel: string) =>
      p.locator(sel).evaluate((el) => {
        const b = el.matches("bdi") ? el : el.querySelector("bdi");
        return b ? `${b.tagName.toLowerCase()} ${b.getAttribute("dir")}` : "none";
      });
    expect(await bdi(l, '[data-testid="seat-name"]')).toBe("bdi auto");
    expect(await bdi(l, '[data-testid="class-title"]')).toBe("bdi auto");
    await l.getByTestId("chat-input").fill("مرحبا 123");
    await l.getByTestId("chat-send").click();
    const mine = s.getByTestId("chat-message").filter({ hasText: "مرحبا" });
    await mine.waitFor(T);
    expect(await bdi(s, '[data-testid="chat-message"] .chat-author')).toBe("bdi auto");

    // The choice is kept across a reload.
    await l.reload();
    await waitConnected(l);
    expect(await langDir(l)).toEqual(["ar", "rtl"]);

    // A poll: two answers, then results — Arabic's dual, Spanish's plural.
    await t.getByTestId("studio-polls").getByTestId("poll-new").click();
    await t.getByTestId("poll-question").fill("½ أم ⅓؟ Which is bigger?");
    await t.getByTestId("poll-option-0").fill("½");
    await t.getByTestId("poll-option-1").fill("⅓");
    await t.getByTestId("poll-create-open").click();
    for (const p of [l, s]) {
      const card = p.locator(
        '[data-testid="focus-region"] [data-testid="poll-card"][data-state="open"]',
      );
      await card.waitFor(T);
      expect(await bdi(p, '[data-testid="poll-card"] .poll-question')).toBe("bdi auto");
      await p.getByTestId("poll-option").first().click();
      await p.getByTestId("poll-submit").click();
    }
    await l.getByTestId("poll-status").filter({ hasText: "تم احتساب صوتك" }).waitFor(T);
    await s.getByTestId("poll-status").filter({ hasText: "Voto registrado" }).waitFor(T);
    const staffPoll = t.getByTestId("studio-poll").first();
    await staffPoll.getByTestId("poll-answered").filter({ hasText: "2 answers" }).waitFor(T);
    await staffPoll.getByTestId("poll-close").click();
    await t.getByTestId("studio-poll").first().getByTestId("poll-reveal").click();
    const answered = (p: Page) =>
      p
        .locator('[data-testid="poll-card"][data-state="revealed"] [data-testid="poll-answered"]')
        .textContent(T);
    expect(await answered(l)).toBe("إجابتان");
    expect(await answered(s)).toBe("2 respuestas");
    expect(await l.getByTestId("poll-bar").first().getAttribute("data-votes")).toBe("2");

    // The phone and the laptop in Arabic, for docs/.
    await l.getByTestId("focus-fold").click();
    await l.screenshot({ path: "docs/screenshot-student-ar.png" });
    await pick(s, "ar");
    expect(await langDir(s)).toEqual(["ar", "rtl"]);
    await s.screenshot({ path: "docs/screenshot-student-ar-desktop.png" });
    await s.goto(`${base}/signin`);
    await s.getByTestId("signin-form").waitFor(T);
    expect(await langDir(s)).toEqual(["ar", "rtl"]);
    await shot(s, "signin-ar-desktop");
    await s.goBack();
    await waitConnected(s);
    // And back to Spanish: left to right again.
    await pick(s, "es");
    expect(await langDir(s)).toEqual(["es", "ltr"]);
    expect(await s.getByTestId("chat-send").textContent()).toBe("Enviar");
  });
});
