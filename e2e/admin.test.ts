/**
 * The admin area and the session dashboard in a real Chromium: the seeded admin opens
 * the moderation console of the demo class and times out a guest, who sees it at once;
 * and then bans them; the ban list and the audit log name the guest, the actor and the
 * class (ids on hover), the log filters by class title, and /admin sums it up; then the teacher opens that session's dashboard
 * from the studio and its uPlot charts draw the session's data (on a desktop and a
 * 390 px phone). Screenshots go to the temp dir.
 */
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { describe, expect, inject, it } from "vitest";
import { DEMO } from "../scripts/stack.ts";
import { signIn } from "./browser.ts";
import { browsers } from "./class-setup.ts";

const base = inject("baseUrl");
const launch = browsers();

const T = { timeout: 15_000 };
const shot = (name: string) => join(tmpdir(), `mass-class-e2e-admin-${name}.png`);

/** Pixels of `rgb` (±24 per channel) on the canvases inside `testId`'s first chart. */
async function pixelsOf(page: Page, testId: string, rgb: [number, number, number]) {
  return page
    .getByTestId(testId)
    .first()
    .evaluate((fig, [r, g, b]) => {
      let n = 0;
      for (const canvas of fig.querySelectorAll("canvas")) {
        const ctx = canvas.getContext("2d");
        if (!ctx || canvas.width === 0) continue;
        const d = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
        for (let i = 0; i < d.length; i += 4)
          if (
            d[i + 3]! > 200 &&
            Math.abs(d[i]! - r) < 24 &&
            Math.abs(d[i + 1]! - g) < 24 &&
            Math.abs(d[i + 2]! - b) < 24
          )
            n++;
      }
      return n;
    }, rgb);
}

describe("admin area and dashboards", () => {
  it("an admin times out a student from the console; the student sees it and the audit log records it", async () => {
    const [admin, guest] = await launch(
      { viewport: { width: 1280, height: 900 } },
      { viewport: { width: 390, height: 844 } },
    );
    const a = admin.page;
    const g = guest.page;

    await signIn(a, base, DEMO.admin);
    // An admin lands on the admin area, not the teacher studio.
    await a.waitForURL((u) => u.pathname === "/admin", T);
    await a.goto(`${base}/admin/classes`);
    const card = a.locator(`[data-testid="class-card"][data-class-id="${DEMO.classId}"]`);
    await card.getByTestId("open-console").click();
    await a.waitForURL(/\/admin\/classes\/demo-class\/console$/);
    await a
      .locator(
        '[data-testid="admin-console"] [data-testid="studio-chat"] [data-testid="connection-status"][data-state="connected"]',
      )
      .waitFor(T)
      .catch(async (err) => {
        await a.screenshot({ path: shot("console-failed"), fullPage: true });
        throw err;
      });

    await g.goto(`${base}/c/${DEMO.classId}`);
    await g.getByTestId("guest-join-form").getByLabel("Your name").fill("Gus");
    await g.getByTestId("guest-join-submit").click();
    await g.locator('[data-testid="connection-status"][data-state="connected"]').waitFor(T);
    await g.getByTestId("chat-input").fill("hello from Gus");
    await g.getByTestId("chat-send").click();

    await a.getByTestId("section-picker").selectOption("s1", T);
    const msg = a
      .getByTestId("studio-section-chat")
      .getByTestId("chat-message")
      .filter({ hasText: "hello from Gus" });
    await msg.waitFor(T);
    await a.getByTestId("timeout-length").selectOption("600");
    await msg.getByTestId("timeout-user").click();

    await g.getByTestId("timeout-notice").waitFor(T);
    expect(await g.getByTestId("timeout-notice").textContent()).toMatch(/timed out until \d/i);
    expect(await g.getByTestId("chat-input").isDisabled()).toBe(true);
    await a.screenshot({ path: shot("console"), fullPage: true });
    await g.screenshot({ path: shot("student-timed-out") });

    // Then bans him: the ban list names him as a guest, with his id on hover and to copy —
    // also after the console reloads and has seen none of his messages.
    await msg.getByTestId("ban-user").click();
    await msg.getByTestId("confirm-ban").click();
    await g.getByTestId("banned-screen").or(g.getByTestId("banned-notice")).first().waitFor(T);
    const guestId = await (async () => {
      const ban = a.getByTestId("ban-item").filter({ hasText: "Gus" });
      await ban.waitFor(T);
      expect(await ban.textContent()).toContain("Gus (guest)");
      return (await ban.locator(".named").getAttribute("data-id")) ?? "";
    })();
    expect(guestId).toMatch(/^g_/);
    await a.reload();
    const ban = a.getByTestId("ban-item");
    await ban.first().waitFor(T);
    expect(await ban.first().textContent()).toContain("Gus (guest)");
    expect(await ban.first().textContent()).not.toContain(guestId);
    expect(await ban.first().locator(".named-text").getAttribute("title")).toContain(guestId);
    await ban.first().scrollIntoViewIfNeeded();
    await a.screenshot({ path: shot("ban-list") });

    // The root flushes audit rows to D1 in batches (about every 10 s).
    // Guests have no account: the row names them by the name they attended under.
    const row = a.locator('[data-testid="audit-row"][data-action="mod.timeout"]').filter({
      hasText: "Demo Admin",
    });
    const deadline = Date.now() + 30_000;
    for (;;) {
      await a.goto(`${base}/admin/audit`);
      await a.getByTestId("admin-audit").waitFor(T);
      if (
        await row.waitFor({ timeout: 3000 }).then(
          () => true,
          () => false,
        )
      )
        break;
      if (Date.now() > deadline) throw new Error("the timeout never reached the audit log");
    }
    expect(await row.textContent()).toContain("600");
    // Names, not ids: actor, guest target and class title; the ids are in titles only.
    const text = (await row.textContent()) ?? "";
    expect(text).toContain("Gus (guest)");
    expect(text).toContain("Demo class: how Mass Class works");
    expect(text).not.toMatch(/g_[A-Za-z0-9_-]{6,}|demo-admin|demo-class/);
    // The name is user text: isolated for direction (FSI … PDI) inside the tooltip too.
    expect(await row.getByTestId("audit-target").locator(".named-text").getAttribute("title")).toBe(
      `\u2068Gus\u2069 (guest) · id ${guestId}`,
    );
    await a.screenshot({ path: shot("audit"), fullPage: true });

    // Filtered by class title (resolved to ids by the server), not by a raw id.
    const rows = a.getByTestId("audit-row");
    await a.getByTestId("audit-class-filter").fill("how MASS class");
    await expect.poll(() => rows.filter({ hasText: "Gus (guest)" }).count(), T).toBeGreaterThan(0);
    await a.getByTestId("audit-class-filter").fill("no class is called this");
    await expect.poll(() => rows.count(), T).toBe(0);
    await a.getByText("No entries match.").waitFor(T);
    await a.getByTestId("audit-class-filter").fill("");

    // The landing page: counts, the newest actions by name.
    await a.goto(`${base}/admin`);
    await a.getByTestId("admin-home").waitFor(T);
    await expect.poll(() => a.getByTestId("stat-users").textContent(), T).toMatch(/\d+\s*accounts/);
    await a.getByTestId("admin-home").getByTestId("audit-row").first().waitFor(T);
    expect(await a.getByTestId("admin-home").textContent()).toContain("Gus (guest)");
    for (const [w, h] of [
      [1280, 800],
      [360, 740],
    ] as const) {
      await a.setViewportSize({ width: w, height: h });
      await a.goto(`${base}/admin`);
      await a.getByTestId("admin-home").getByTestId("audit-row").first().waitFor(T);
      await a.screenshot({ path: shot(`home-${w}`), fullPage: true });
      expect(await a.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(w);
      await a.goto(`${base}/admin/audit`);
      await a.getByTestId("audit-row").first().waitFor(T);
      await a.screenshot({ path: shot(`audit-${w}`), fullPage: true });
      expect(await a.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(w);
      await a.goto(`${base}/admin/classes/${DEMO.classId}/console`);
      await a.getByTestId("ban-item").first().waitFor(T);
      await a.getByTestId("ban-item").first().scrollIntoViewIfNeeded();
      await a.screenshot({ path: shot(`ban-list-${w}`) });
    }
  });

  it("a teacher opens the session's dashboard from the studio and its charts draw the data", async () => {
    const [teacher] = await launch({ viewport: { width: 1280, height: 900 } });
    const t = teacher.page;
    await signIn(t, base, DEMO.teacher);
    await t.goto(`${base}/studio`);
    await t
      .locator(`[data-testid="class-analytics"][href="/studio/${DEMO.classId}/analytics"]`)
      .click();
    await t.getByTestId("class-sessions").waitFor(T);
    await t.getByTestId("session-card").first().getByRole("link", { name: "Dashboard" }).click();
    await t.getByTestId("session-dashboard").waitFor(T);

    // Gus attended and chatted: the summary and tables say so. The admin's console socket
    // is listed apart with the staff, not counted as a student.
    await t.getByTestId("attendance-row").filter({ hasText: "Gus" }).waitFor(T);
    expect(await t.getByTestId("summary").textContent()).toMatch(/\b1\s*Attended/);
    await t.getByTestId("staff-row").first().waitFor(T);
    await t.getByTestId("engagement-row").filter({ hasText: "Gus" }).waitFor(T);

    // uPlot (lazy-loaded) drew the concurrency line and the chat series on their canvases.
    await t.locator('[data-testid="chart-concurrency"] canvas').waitFor(T);
    await t.locator('[data-testid="chart-activity"] canvas').waitFor(T);
    await expect.poll(() => pixelsOf(t, "chart-concurrency", [59, 91, 219]), T).toBeGreaterThan(20);
    await expect.poll(() => pixelsOf(t, "chart-activity", [232, 89, 12]), T).toBeGreaterThan(20);
    await t.screenshot({ path: shot("dashboard"), fullPage: true });

    // The CSV download is a real attachment with the attendee in it.
    const csv = await t.evaluate(
      async (href) => {
        const res = await fetch(href);
        return { type: res.headers.get("content-type"), text: await res.text() };
      },
      (await t.getByRole("link", { name: "Attendance CSV" }).getAttribute("href")) ?? "",
    );
    expect(csv.type).toBe("text/csv; charset=utf-8");
    expect(csv.text).toContain(",Gus,");

    // On a 390 px phone the page fits the width and the charts redraw to it.
    await t.setViewportSize({ width: 390, height: 844 });
    await expect
      .poll(() => t.evaluate(() => document.documentElement.scrollWidth), T)
      .toBeLessThanOrEqual(390);
    await expect.poll(() => pixelsOf(t, "chart-concurrency", [59, 91, 219]), T).toBeGreaterThan(20);
    await t.screenshot({ path: shot("dashboard-phone"), fullPage: true });
  });
});
