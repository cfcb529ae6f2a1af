/**
 * The studio cockpit and the admin console in Arabic, in a real Chromium whose language
 * is Arabic (the locale comes from the browser when the user has not picked one): the
 * document says `lang="ar"` and `dir="rtl"`, the UI text comes from the Arabic catalogs,
 * and the layout mirrors (logical CSS: the stream column starts at the right edge, the
 * right-hand column at the left). Saves docs/screenshot-studio-ar.png (1280×800).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { afterAll, describe, expect, inject, it, onTestFailed } from "vitest";
import { DEMO } from "../scripts/stack.ts";
import { BASE_FLAGS, CHROMIUM, newClass } from "./browser.ts";

const base = inject("baseUrl");
const T = { timeout: 15_000 };
const closers: (() => Promise<void>)[] = [];
afterAll(async () => {
  await Promise.all(closers.map((c) => c()));
});

/** A fresh Chromium profile whose language (navigator.language, Accept-Language) is `locale`. */
async function launchIn(locale: string): Promise<Page> {
  const dir = mkdtempSync(join(tmpdir(), "mass-class-chromium-"));
  const context: BrowserContext = await chromium.launchPersistentContext(dir, {
    executablePath: CHROMIUM,
    args: BASE_FLAGS,
    locale,
    viewport: { width: 1280, height: 800 },
  });
  closers.push(async () => {
    await context.close();
    rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
  });
  return context.pages()[0] ?? (await context.newPage());
}

/** Sign in through the API (the sign-in form's labels are in the browser's language too). */
async function signInApi(page: Page, who: { email: string; password: string }) {
  await page.goto(`${base}/signin`);
  await page.evaluate(
    async (body) => {
      const res = await fetch("/api/auth/signin", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      if (!res.ok) throw new Error(`sign in: HTTP ${res.status}`);
    },
    { email: who.email, password: who.password },
  );
}

async function documentLanguage(page: Page) {
  return page.evaluate(() => ({
    lang: document.documentElement.lang,
    dir: document.documentElement.dir,
  }));
}

describe("studio and admin in Arabic", () => {
  it("the cockpit is in Arabic, right to left, and mirrored", async () => {
    const t = await launchIn("ar");
    onTestFailed(async () => {
      await t.screenshot({ path: join(tmpdir(), "mass-class-e2e-languages-studio-failed.png") });
    });
    await signInApi(t, DEMO.teacher);
    const classId = await newClass(t, "صف الفيزياء");
    await t.goto(`${base}/studio/${classId}`);
    const chat = t.getByTestId("studio-chat");
    await chat.locator('[data-testid="connection-status"][data-state="connected"]').waitFor(T);

    expect(await documentLanguage(t)).toEqual({ lang: "ar", dir: "rtl" });
    // Text from the Arabic studio catalog, English nowhere in the chrome.
    await expect.poll(() => t.getByTestId("talk-chat").textContent()).toContain("الدردشة");
    expect(await t.getByTestId("talk-qa").textContent()).toContain("الأسئلة");
    expect(await t.getByTestId("shortcuts-open").textContent()).toBe("اختصارات لوحة المفاتيح");
    expect(await t.getByTestId("class-setup-link").textContent()).toBe("إعداد الصف");
    expect(await t.getByTestId("go-live").textContent()).toBe("بدء البث المباشر");
    expect(await t.getByTestId("studio-send").textContent()).toBe("إرسال");
    expect(await t.getByTestId("hand-clear").textContent()).toBe("إنزال الكل");
    const chrome = await t.locator(".cockpit-bar, .cockpit-tabs, .studio-hands").allTextContents();
    expect(chrome.join(" ")).not.toMatch(/Keyboard shortcuts|Class set-up|Lower all|Questions/);

    // Mirrored: the stream column starts at the right, the hands/chat column at the left.
    const box = async (sel: string) => (await t.locator(sel).boundingBox())!;
    const left = await box("#pane-left");
    const right = await box("#pane-right");
    expect(left.x).toBeGreaterThan(right.x);
    expect(left.x + left.width).toBeGreaterThan(1280 - 40);

    // The shortcuts list is in Arabic too.
    await t.getByTestId("shortcuts-open").click();
    const list = await t.getByTestId("shortcuts-list").textContent();
    expect(list).toContain("الشريحة التالية");
    await t.keyboard.press("Escape");

    await t.screenshot({ path: "docs/screenshot-studio-ar.png", animations: "disabled" });
  }, 90_000);

  it("the admin area and console are in Arabic and right to left", async () => {
    const a = await launchIn("ar");
    onTestFailed(async () => {
      await a.screenshot({ path: join(tmpdir(), "mass-class-e2e-languages-admin-failed.png") });
    });
    await signInApi(a, DEMO.admin);
    await a.goto(`${base}/admin`);
    await a.getByTestId("admin-home").waitFor(T);
    expect(await documentLanguage(a)).toEqual({ lang: "ar", dir: "rtl" });
    expect(await a.locator("main h1").textContent()).toBe("الإدارة");
    expect(await a.locator("nav.tabs").textContent()).toContain("سجل التدقيق");

    await a.goto(`${base}/admin/classes/${DEMO.classId}/console`);
    const console_ = a.getByTestId("admin-console");
    await console_
      .locator(
        '[data-testid="studio-chat"] [data-testid="connection-status"][data-state="connected"]',
      )
      .waitFor(T);
    expect(await console_.locator(".class-meta").textContent()).toContain("لوحة الإشراف");
    expect(await console_.getByTestId("mod-queue").locator("h3").textContent()).toContain(
      "قائمة الإشراف",
    );
    expect(await documentLanguage(a)).toEqual({ lang: "ar", dir: "rtl" });

    // The audit log's dates come from Intl in Arabic, its headers from the catalog.
    await a.goto(`${base}/admin/audit`);
    await a.getByTestId("admin-audit").waitFor(T);
    expect(await a.locator(".audit-table thead").textContent()).toContain("الإجراء");
    await a.screenshot({ path: join(tmpdir(), "mass-class-e2e-admin-ar.png") });
  }, 90_000);

  it("Spanish from the browser: the cockpit's tabs and plural forms", async () => {
    const t = await launchIn("es-ES");
    await signInApi(t, DEMO.teacher);
    const classId = await newClass(t, "Clase de física");
    await t.goto(`${base}/studio/${classId}`);
    await t
      .getByTestId("studio-chat")
      .locator('[data-testid="connection-status"][data-state="connected"]')
      .waitFor(T);
    expect(await documentLanguage(t)).toEqual({ lang: "es", dir: "ltr" });
    expect(await t.getByTestId("talk-qa").textContent()).toContain("Preguntas");
    expect(await t.getByTestId("go-live").textContent()).toBe("Emitir en directo");
  }, 90_000);
});
