/**
 * Screenshots of the web apps against a running stack (default http://127.0.0.1:8799):
 *   node e2e/screens/take.ts [baseUrl] [outDir]
 * Signs up a user, has the demo admin grant them the teacher role, creates a class, joins it as a guest, and captures each page at
 * desktop (1280×800) and phone (360×740) sizes.
 */
import { mkdirSync } from "node:fs";
import { chromium, type Page } from "playwright-core";
import { BASE_FLAGS, CHROMIUM } from "../browser.ts";

const base = process.argv[2] ?? "http://127.0.0.1:8799";
const out = process.argv[3] ?? ".tmp/screens";
mkdirSync(out, { recursive: true });

const browser = await chromium.launch({ executablePath: CHROMIUM, args: BASE_FLAGS });
const sizes = { desktop: { width: 1280, height: 800 }, phone: { width: 360, height: 740 } };

async function shot(page: Page, name: string) {
  for (const [label, size] of Object.entries(sizes)) {
    await page.setViewportSize(size);
    await page.waitForTimeout(150);
    await page.screenshot({ path: `${out}/${name}-${label}.png`, fullPage: true });
  }
}

const stamp = Date.now().toString(36);
const teacher = await browser.newContext();
const t = await teacher.newPage();
await t.goto(`${base}/signup`);
await t.getByTestId("signup-form").waitFor();
await shot(t, "signup");

// A weak password first, to see the inline error.
await t.getByLabel("Display name").fill("Ada Lovelace");
await t.getByLabel("Email").fill(`ada-${stamp}@example.com`);
await t.getByLabel("Password").fill("short");
await t.getByTestId("auth-submit").click();
await t.getByTestId("error-password").waitFor();
await shot(t, "signup-error");

await t.getByLabel("Password").fill("correct-horse-42");
await t.getByTestId("auth-submit").click();
await t.waitForURL((u) => !u.pathname.startsWith("/signup"));
// Sign-up makes a student; grant the teacher role as an admin would (the demo admin).
const admin = await browser.newContext();
const a = await admin.newPage();
await a.goto(`${base}/signin`);
await a.getByLabel("Email").fill("admin@demo.local");
await a.getByLabel("Password").fill("demo-admin-pass-1");
await a.getByTestId("auth-submit").click();
await a.waitForURL((u) => !u.pathname.startsWith("/signin"));
await a.goto(`${base}/admin`);
await a.getByLabel("Search users").fill(`ada-${stamp}@example.com`);
const granted = a.waitForResponse((r) => r.request().method() === "PATCH");
await a.getByLabel("Role of Ada Lovelace").selectOption("teacher");
await granted;
await admin.close();
await t.goto(`${base}/studio`);
await t.getByTestId("create-class-form").waitFor();
await shot(t, "studio-empty");

const form = t.getByTestId("create-class-form");
await form.getByLabel("Title").fill("Introduction to Analytical Engines");
await form
  .getByLabel("Description")
  .fill("Notes on the Analytical Engine: operations, variables and the first program.");
await form.getByLabel("Scheduled start").fill("2030-03-05T14:00");
await form.getByLabel("Allow guests").check();
await form.getByLabel("YouTube video id").fill("dQw4w9WgXcQ");
await form.getByLabel("Stream key").fill("abcd-efgh-ijkl-mnop");
await form.getByTestId("save-class").click();
await t.getByTestId("class-card").first().waitFor();
await shot(t, "studio-list");
const joinUrl = (await t.getByTestId("join-link").first().textContent()) ?? "";

await t.getByTestId("edit-class").first().click();
await t.getByTestId("edit-class-form").waitFor();
await shot(t, "studio-edit");
await t.getByRole("button", { name: "Cancel" }).click();

await t.getByRole("link", { name: "Open studio" }).first().click();
await t.getByTestId("live-studio").waitFor();
await shot(t, "studio-live");

const student = await browser.newContext();
const s = await student.newPage();
await s.goto(joinUrl);
await s.getByTestId("join-gate").waitFor();
await shot(s, "student-gate");
await s.getByTestId("guest-join-form").getByLabel("Your name").fill("Charles B.");
await s.getByTestId("guest-join-submit").click();
await s.getByTestId("waiting-for-teacher").waitFor();
await shot(s, "student-waiting");

await s.goto(`${base}/studio`);
await s
  .getByTestId("access-denied")
  .waitFor()
  .catch(() => {});
await shot(s, "studio-as-guest");

await s.goto(`${base}/c/nosuchclass`);
await s.getByTestId("class-not-found").waitFor();
await shot(s, "student-missing");

await browser.close();
console.log(JSON.stringify({ joinUrl, out }));
