/**
 * A real headless Chromium (Debian's /usr/bin/chromium) driven by playwright-core.
 * `npx playwright install` cannot download browsers here, so the system one is required.
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BrowserContext, chromium, type Page } from "playwright-core";

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

/** Headless Chromium flags that work on this machine (docs/architecture.md, facts). */
export const BASE_FLAGS = [
  "--headless=new",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** Flags that give headless Chromium a fake camera, microphone and screen. */
export const FAKE_MEDIA_FLAGS = [
  "--use-fake-device-for-media-stream=fps=30",
  "--use-fake-ui-for-media-stream",
  "--allow-loopback-in-peer-connection",
  "--disable-features=WebRtcHideLocalIpsWithMdns",
  "--autoplay-policy=no-user-gesture-required",
];

/**
 * Launch a persistent-profile Chromium with a fresh user-data-dir (one per user, so
 * cookies never leak between the people in a test). Call `close()` when done.
 */
export async function launchUser(
  opts: {
    media?: boolean;
    viewport?: { width: number; height: number };
    /** The browser's language (`navigator.language`, Accept-Language), e.g. "es-ES". */
    locale?: string;
  } = {},
) {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM}. Install it with: sudo apt-get install -y chromium`,
    );
  }
  const dir = mkdtempSync(join(tmpdir(), "mass-class-chromium-"));
  const context: BrowserContext = await chromium.launchPersistentContext(dir, {
    executablePath: CHROMIUM,
    args: [...BASE_FLAGS, ...(opts.media ? FAKE_MEDIA_FLAGS : [])],
    viewport: opts.viewport ?? { width: 1280, height: 800 },
    ...(opts.locale ? { locale: opts.locale } : {}),
  });
  const page = context.pages()[0] ?? (await context.newPage());
  return {
    context,
    page,
    async close() {
      await context.close();
      rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
    },
  };
}

/**
 * A fresh class (guests allowed) owned by the teacher signed in on `page`, so a test's
 * slides, polls or live state never meet another test's in the shared demo class.
 */
export async function newClass(page: Page, title: string): Promise<string> {
  const created = await page.evaluate(async (t) => {
    const res = await fetch("/api/classes", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ title: t, guestAccess: true }),
    });
    if (!res.ok) throw new Error(`create class: HTTP ${res.status} ${await res.text()}`);
    return (await res.json()) as { class: { id: string } };
  }, title);
  return created.class.id;
}

/** Waits in these helpers are for UI state, bounded well inside a test's timeout. */
const UI_WAIT = { timeout: 15_000 };

/** Sign in through the real form (e.g. as `DEMO.teacher`); resolves once signed in. */
export async function signIn(
  page: Page,
  base: string,
  who: { email: string; password: string },
): Promise<void> {
  await page.goto(`${base}/signin`);
  const form = page.getByTestId("signin-form");
  await form.getByLabel("Email").fill(who.email);
  await form.getByLabel("Password").fill(who.password);
  await page.getByTestId("auth-submit").click();
  await page.waitForURL((u) => !u.pathname.startsWith("/signin"), UI_WAIT);
}

/** Resolves once the classroom socket shown in `scope` (a CSS prefix) is connected. */
export async function waitConnected(page: Page, scope = ""): Promise<void> {
  await page
    .locator(`${scope} [data-testid="connection-status"][data-state="connected"]`)
    .waitFor(UI_WAIT);
}

/** Open a class page (`url`) and join it as a guest called `name`, up to a connected socket. */
export async function joinAsGuest(page: Page, url: string, name: string): Promise<void> {
  await page.goto(url);
  await page.getByTestId("guest-join-form").getByLabel("Your name").fill(name);
  await page.getByTestId("guest-join-submit").click();
  await waitConnected(page);
}
