/**
 * User text cannot break the page around it (issue 12, point 10), in a real Chromium at
 * 1280×800 and 360×740: a guest named with a right-to-left override (U+202E) still reads
 * "Chatting as <name> (guest)" with "(guest)" after the name, and their "late" badge stays
 * after it; a 60-character name stays inside the question card and the attendance table;
 * a 10-option poll's long options wrap without overlapping, on the student page and in the
 * session dashboard. Screenshots: the temp dir, mass-class-e2e-user-text-*.png.
 */
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Locator, Page } from "playwright-core";
import { describe, expect, inject, it } from "vitest";
import { joinAsGuest } from "./browser.ts";
import { browsers, latestSession, openStudio, shotsOnFailure } from "./class-setup.ts";

const base = inject("baseUrl");
const launch = browsers();
const T = { timeout: 15_000 };
const shot = (page: Page, name: string) =>
  page.screenshot({ path: join(tmpdir(), `mass-class-e2e-user-text-${name}.png`), fullPage: true });

/** U+202E RIGHT-TO-LEFT OVERRIDE: without isolation it flips whatever follows it. */
const RLO_NAME = "\u202EAmir";
const LONG_NAME = `Maximilianus${"x".repeat(36)}Longname00`; // 60 characters, no break
const OPTIONS = Array.from(
  { length: 10 },
  (_, i) => `Option ${i + 1}: a rather long answer that has to wrap somewhere sensible`,
);

type Box = { x: number; y: number; width: number; height: number };
async function box(l: Locator): Promise<Box> {
  const b = await l.boundingBox();
  if (!b) throw new Error("not rendered");
  return b;
}
/** `inner` lies inside `outer` (1 px slack for rounding). */
function inside(inner: Box, outer: Box): boolean {
  return (
    inner.x >= outer.x - 1 &&
    inner.y >= outer.y - 1 &&
    inner.x + inner.width <= outer.x + outer.width + 1 &&
    inner.y + inner.height <= outer.y + outer.height + 1
  );
}
function overlap(a: Box, b: Box): boolean {
  return (
    a.x < b.x + b.width - 1 &&
    b.x < a.x + a.width - 1 &&
    a.y < b.y + b.height - 1 &&
    b.y < a.y + a.height - 1
  );
}
/** Every label's box is inside `container` and no two labels overlap. */
async function labelsapart(labels: Locator, container: Locator): Promise<void> {
  const outer = await box(container);
  const boxes = await Promise.all((await labels.all()).map(box));
  expect(boxes.length).toBe(10);
  for (const b of boxes) expect(inside(b, outer)).toBe(true);
  for (let i = 0; i < boxes.length; i++)
    for (let j = i + 1; j < boxes.length; j++) expect(overlap(boxes[i]!, boxes[j]!)).toBe(false);
}

describe("user text", () => {
  it("isolates direction and keeps long names and options inside their boxes", async () => {
    const [teacher, amir, max] = await launch(
      { viewport: { width: 1280, height: 800 } },
      { viewport: { width: 1280, height: 800 } },
      { viewport: { width: 360, height: 740 } },
    );
    const t = teacher.page;
    const a = amir.page;
    const m = max.page;
    shotsOnFailure("user-text", { teacher: t, amir: a, max: m });

    const classId = await openStudio(t, base, "User text e2e");
    await Promise.all([
      joinAsGuest(a, `${base}/c/${classId}`, RLO_NAME),
      joinAsGuest(m, `${base}/c/${classId}`, LONG_NAME),
    ]);

    // "Chatting as ‮Amir (guest)": the suffix is still to the right of the name.
    // Measured on the text itself (ranges), so it holds whatever the markup.
    const seat = a.locator(".seat");
    const { nameRight, guestLeft } = await seat.evaluate((el) => {
      const name = el.querySelector('[data-testid="seat-name"]')!;
      const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
      let guest: Text | null = null;
      while (walker.nextNode()) {
        const n = walker.currentNode as Text;
        if (n.data.includes("(guest)")) guest = n;
      }
      const r = document.createRange();
      r.setStart(guest!, guest!.data.indexOf("("));
      r.setEnd(guest!, guest!.data.indexOf("(") + 1);
      const rects = [...r.getClientRects()];
      return {
        nameRight: name.getBoundingClientRect().right,
        guestLeft: Math.min(...rects.map((x) => x.left)),
      };
    });
    expect(guestLeft).toBeGreaterThanOrEqual(nameRight - 1);
    // The 60-character name fits the phone's side panel.
    const mSeat = m.locator(".seat");
    expect(inside(await box(mSeat.getByTestId("seat-name")), await box(mSeat))).toBe(true);

    // Both chat; the long name stays inside its message.
    await m.getByTestId("chat-input").fill("hello");
    await m.getByTestId("chat-send").click();
    const msg = a.getByTestId("chat-message").filter({ hasText: "hello" });
    await msg.waitFor(T);
    expect(inside(await box(msg.locator(".chat-author")), await box(msg))).toBe(true);

    // The long-named guest asks; the question card holds the name, for everyone.
    await m.getByTestId("mode-qa").click();
    await m.getByTestId("qa-input").fill(`Is ${"w".repeat(80)} a word?`);
    await m.getByTestId("qa-submit").click();
    await a.getByTestId("mode-qa").click();
    const card = a.getByTestId("qa-question").first();
    await card.waitFor(T);
    const cardBox = await box(card);
    expect(inside(await box(card.locator(".ix-question-meta > .muted")), cardBox)).toBe(true);
    expect(inside(await box(card.locator(".ix-question-text")), cardBox)).toBe(true);
    await t.getByTestId("talk-qa").click();
    const staffCard = t.getByTestId("staff-question").first();
    await staffCard.waitFor(T);
    expect(
      inside(await box(staffCard.locator(".ix-question-meta .user-text")), await box(staffCard)),
    ).toBe(true);

    // A ten-option poll with long options: readable, no smear.
    await t.getByTestId("studio-polls").getByTestId("poll-new").click();
    await t.getByTestId("poll-question").fill("Which one?");
    for (let i = 0; i < OPTIONS.length; i++) {
      if (i >= 2) await t.getByTestId("poll-add-option").click();
      await t.getByTestId(`poll-option-${i}`).fill(OPTIONS[i]!);
    }
    await t.getByTestId("poll-create-open").click();
    const mPoll = m.locator('[data-testid="poll-card"][data-state="open"]');
    await mPoll.waitFor(T);
    await labelsApartOptions(mPoll);
    await m.getByTestId("poll-option").nth(3).click();
    await m.getByTestId("poll-submit").click();
    await m.getByTestId("poll-status").filter({ hasText: "Vote counted" }).waitFor(T);
    const staffPoll = t.getByTestId("studio-poll").first();
    await staffPoll.getByTestId("poll-answered").filter({ hasText: "1 answer" }).waitFor(T);
    await labelsapart(staffPoll.locator(".poll-bar-label"), staffPoll);
    await staffPoll.getByTestId("poll-close").click();
    await t.getByTestId("studio-poll").first().getByTestId("poll-reveal").click();
    const revealed = m.locator('[data-testid="poll-card"][data-state="revealed"]');
    await revealed.waitFor(T);
    await labelsapart(revealed.locator(".poll-bar-label"), revealed);
    await Promise.all([shot(a, "student-1280"), shot(m, "student-360"), shot(t, "studio-1280")]);

    // The dashboard: rows appear once the root flushes to D1 (~10 s).
    const sessionId = await latestSession(t, classId);
    await t.goto(`${base}/studio/${classId}/analytics/${sessionId}`);
    const table = t.getByTestId("attendance");
    await expect
      .poll(
        async () => {
          if ((await t.getByTestId("attendance-row").count()) >= 2) return true;
          await t.reload();
          await t.getByTestId("session-dashboard").waitFor(T);
          await t.waitForTimeout(1000);
          return false;
        },
        { timeout: 30_000, interval: 500 },
      )
      .toBe(true);
    // The teacher is listed apart, not as a student.
    await t.getByTestId("staff-row").first().waitFor(T);
    expect(await table.textContent()).not.toContain("Teacher");
    await checkTable(t);
    // The override stays inside its own isolate.
    const amirCell = t.getByTestId("attendance-row").filter({ hasText: "Amir" });
    expect(await amirCell.locator('bdi[dir="auto"]').count()).toBe(1);
    const chart = t.getByTestId("chart-poll").first();
    await labelsapart(chart.locator(".poll-bar-label"), chart);
    await shot(t, "dashboard-1280");

    // Late joiners (the API's rows, served as they would be after 5 minutes): the "late"
    // badge stays after an overriding name, and a 60-character name stays in its cell.
    await t.route(/\/api\/analytics\/sessions\/[^/]+\/attendance\?(?!.*who=staff)/, (route) =>
      route.fulfill({
        contentType: "application/json",
        body: JSON.stringify({
          rows: [RLO_NAME, LONG_NAME].map((displayName, i) => ({
            userId: `late-${i}`,
            displayName,
            firstJoinAt: Date.now() - 60_000,
            lastLeaveAt: null,
            minutesAttended: 1,
            joins: 1,
            late: true,
            staff: false,
          })),
          total: 2,
          offset: 0,
          limit: 50,
        }),
      }),
    );
    await t.reload();
    await t.getByTestId("attendance-row").filter({ hasText: "Amir" }).waitFor(T);
    for (const row of await t.getByTestId("attendance-row").all()) {
      const name = await box(row.locator(".user-text"));
      const badge = await box(row.locator(".badge"));
      expect(badge.x).toBeGreaterThanOrEqual(name.x + name.width - 1);
    }
    await checkTable(t);
    await t
      .getByTestId("attendance")
      .screenshot({ path: join(tmpdir(), "mass-class-e2e-user-text-attendance-late-1280.png") });
    await t.unroute(/\/api\/analytics\/sessions\/[^/]+\/attendance\?(?!.*who=staff)/);
    await t.reload();
    await t.getByTestId("attendance-row").first().waitFor(T);
    await t.setViewportSize({ width: 360, height: 740 });
    await checkTable(t);
    await labelsapart(chart.locator(".poll-bar-label"), chart);
    await shot(t, "dashboard-360");
    for (const id of ["attendance", "staff-attendance", "engagement"])
      await t
        .getByTestId(id)
        .screenshot({ path: join(tmpdir(), `mass-class-e2e-user-text-${id}-360.png`) });
  });
});

/** The open poll's options: inside the card, none overlapping. */
async function labelsApartOptions(cardLocator: Locator): Promise<void> {
  await labelsapart(cardLocator.getByTestId("poll-option"), cardLocator);
}

/** Attendance rows: names inside their cells, badges after names, no column pushed out. */
async function checkTable(t: Page): Promise<void> {
  const wrap = t.locator('[data-testid="attendance"] .table-wrap');
  // Every cell of the three tables lies inside its table's visible frame (a card per
  // student on phones): a long name pushes no column out.
  for (const id of ["attendance", "staff-attendance", "engagement"]) {
    const frame = await box(t.locator(`[data-testid="${id}"] .table-wrap`));
    for (const cell of await t.locator(`[data-testid="${id}"] tbody td`).all())
      expect(inside(await box(cell), frame)).toBe(true);
  }
  for (const row of await t.getByTestId("attendance-row").all()) {
    const cell = row.locator('td[data-label="Name"]');
    const nameBox = await box(cell.locator(".user-text"));
    expect(inside(nameBox, await box(cell))).toBe(true);
    const late = cell.locator(".badge");
    if ((await late.count()) > 0) expect((await box(late)).x).toBeGreaterThanOrEqual(nameBox.x);
    // Every column is visible inside the table's frame (no horizontal spill at 1280).
    if ((t.viewportSize()?.width ?? 0) >= 1280)
      expect(inside(await box(row.locator('td[data-label="Joins"]')), await box(wrap))).toBe(true);
  }
}
