/**
 * Screenshots of the studio cockpit while live, against a running stack (`npm start`):
 *   node e2e/screens/cockpit.ts [baseUrl] [outDir] [prefix]
 * The demo teacher goes live with a fake screen and camera, opens a poll; a guest chats,
 * asks, votes and raises a hand. Captures the viewport (not the full page) at 1280×800,
 * 1920×1080 and 360×740, and prints each page's scroll height.
 */
import { mkdirSync } from "node:fs";
import { chromium } from "playwright-core";
import { BASE_FLAGS, FAKE_MEDIA_FLAGS } from "../browser.ts";

const base = process.argv[2] ?? "http://127.0.0.1:8787";
const out = process.argv[3] ?? ".tmp/screens";
const prefix = process.argv[4] ?? "cockpit";
mkdirSync(out, { recursive: true });
const T = { timeout: 30_000 };

const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: [...BASE_FLAGS, ...FAKE_MEDIA_FLAGS],
});
const tc = await browser.newContext({ viewport: { width: 1280, height: 800 } });
const t = await tc.newPage();
await t.goto(`${base}/signin`);
await t.getByTestId("signin-form").getByLabel("Email").fill("teacher@demo.local");
await t.getByTestId("signin-form").getByLabel("Password").fill("demo-teacher-pass-1");
await t.getByTestId("auth-submit").click();
await t.waitForURL((u) => !u.pathname.startsWith("/signin"));
const classId = await t.evaluate(async () => {
  const res = await fetch("/api/classes", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ title: "Linear algebra · week 3", guestAccess: true }),
  });
  return ((await res.json()) as { class: { id: string } }).class.id;
});
await t.goto(`${base}/studio/${classId}`);
await t.locator('[data-testid="connection-status"][data-state="connected"]').first().waitFor(T);

const gc = await browser.newContext({ viewport: { width: 1280, height: 800 } });
const g = await gc.newPage();
await g.goto(`${base}/c/${classId}`);
await g.getByTestId("guest-join-form").getByLabel("Your name").fill("Ada");
await g.getByTestId("guest-join-submit").click();
await g.locator('[data-testid="connection-status"][data-state="connected"]').first().waitFor(T);

await t.getByTestId("share-screen").click();
await t.getByTestId("start-camera").click();
await t.getByTestId("start-mic").click();
await t.getByTestId("go-live").click();
await t.locator('[data-testid="live-state"][data-state="live"]').waitFor(T);

for (const text of ["Good morning!", "Is the quiz today?", "Can you zoom in on the matrix?"]) {
  await g.getByTestId("chat-input").fill(text);
  await g.getByTestId("chat-send").click();
  await g.waitForTimeout(400);
}
const newPoll = t.getByTestId("poll-new");
if (!(await newPoll.isVisible())) await t.getByRole("tab", { name: /Polls/ }).click();
await newPoll.click();
await t.getByTestId("poll-question").fill("Which step lost you?");
await t.getByTestId("poll-option-0").fill("Row reduction");
await t.getByTestId("poll-option-1").fill("Pivots");
await t.getByTestId("poll-add-option").click();
await t.getByTestId("poll-option-2").fill("None, all clear");
await t.getByTestId("poll-create-open").click();
await g.locator('[data-testid="poll-card"][data-state="open"]').waitFor(T);
await g.getByTestId("poll-option").filter({ hasText: "Pivots" }).click();
await g.getByTestId("poll-submit").click();
await g.getByTestId("hand-toggle").click();
await t.getByTestId("hand-row").first().waitFor(T);
// Read section 1's chat, as a teacher would.
await t.getByTestId("section-picker").selectOption("s1");
await t.waitForTimeout(1500);

for (const [label, size] of [
  ["1280x800", { width: 1280, height: 800 }],
  ["1920x1080", { width: 1920, height: 1080 }],
  ["360x740", { width: 360, height: 740 }],
  ["1024x768", { width: 1024, height: 768 }],
] as const) {
  await t.setViewportSize(size);
  await t.waitForTimeout(500);
  // At rest: each pane scrolled to its top (clicks above scrolled some).
  await t.evaluate(() => {
    for (const p of document.querySelectorAll(".cockpit-pane")) p.scrollTop = 0;
  });
  const h = await t.evaluate(() => document.documentElement.scrollHeight);
  console.log(`${label}: page scroll height ${h}px`);
  await t.screenshot({ path: `${out}/${prefix}-${label}.png` });
}
await t.setViewportSize({ width: 1280, height: 800 });
const stop = t.getByTestId("stop-live");
await stop.click();
const confirm = t.getByTestId("confirm-end-stream");
if (await confirm.isVisible().catch(() => false)) await confirm.click();
await browser.close();
