/**
 * The push opt-in and the service worker in a real Chromium. A real subscription needs
 * the browser vendor's push service on the internet (headless Chromium subscribes through
 * Google's), so the push itself is handed to the service worker through DevTools
 * (`ServiceWorker.deliverPushMessage`) — exactly the plaintext the Worker encrypts.
 * Encryption and delivery are covered by worker/push/send.test.ts and test/push.test.ts.
 */
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { describe, expect, inject, it } from "vitest";
import { browsers } from "./class-setup.ts";

const base = inject("baseUrl");
const launch = browsers();

async function joinDemoClass(page: Page, name: string) {
  await page.goto(`${base}/c/demo-class`);
  await page.getByTestId("guest-join-form").getByLabel("Your name").fill(name);
  await page.getByTestId("guest-join-submit").click();
  await page.getByTestId("class-page").waitFor();
}

const shownNotifications = (page: Page) =>
  page.evaluate(async () => {
    const reg = await navigator.serviceWorker.ready;
    return (await reg.getNotifications()).map((n) => ({
      title: n.title,
      body: n.body,
      tag: n.tag,
      data: n.data as unknown,
    }));
  });

describe("push notifications in the browser", () => {
  it("offers the opt-in; the service worker shows a pushed notice that points at the class", async () => {
    const [u] = await launch({});
    const page = u.page;
    await joinDemoClass(page, "Pia");
    const toggle = page.getByTestId("notify-toggle");
    // Enabled once the Worker has said whether this browser is subscribed.
    await expect.poll(() => toggle.isEnabled(), { timeout: 15_000 }).toBe(true);
    expect(await toggle.textContent()).toContain("Notify me when this class goes live");
    expect(await toggle.getAttribute("aria-pressed")).toBe("false");
    // For a person to look at (never the repository).
    await page.screenshot({
      path: join(tmpdir(), "mass-class-e2e-push-optin.png"),
      fullPage: true,
    });

    await u.context.grantPermissions(["notifications"], { origin: base });
    const cdp = await u.context.newCDPSession(page);
    const registrationId = new Promise<string>((resolve) => {
      cdp.on("ServiceWorker.workerRegistrationUpdated", (e) => {
        const r = e.registrations.find((x) => x.scopeURL === `${base}/` && !x.isDeleted);
        if (r) resolve(r.registrationId);
      });
    });
    await cdp.send("ServiceWorker.enable");
    // What enablePush() does before pushManager.subscribe (which needs the internet).
    await page.evaluate(async () => {
      await navigator.serviceWorker.register("/sw.js", { scope: "/" });
      await navigator.serviceWorker.ready;
    });
    const id = await registrationId;
    const deliver = (notice: object) =>
      cdp.send("ServiceWorker.deliverPushMessage", {
        origin: base,
        registrationId: id,
        data: JSON.stringify(notice),
      });

    // A push handed over while the freshly activated worker is still starting can be
    // dropped by DevTools on a busy machine; a real push service redelivers, so do we.
    // The same tag replaces, so a second delivery never shows a second notice.
    const deliverUntilShown = async (notice: Record<string, string> & { body: string }) => {
      for (let attempt = 0; attempt < 4; attempt++) {
        await deliver(notice);
        const deadline = Date.now() + 6_000;
        while (Date.now() < deadline) {
          const shown = await shownNotifications(page);
          if (shown.some((n) => n.body === notice.body)) return;
          await new Promise((r) => setTimeout(r, 250));
        }
      }
    };
    await deliverUntilShown({
      kind: "live",
      title: "Demo class: how Mass Class works",
      body: "Live now — tap to join.",
      url: "/c/demo-class",
      tag: "class-demo-class",
    });
    await expect
      .poll(() => shownNotifications(page), { timeout: 5_000 })
      .toEqual([
        {
          title: "Demo class: how Mass Class works",
          body: "Live now — tap to join.",
          tag: "class-demo-class",
          data: { path: "/c/demo-class" },
        },
      ]);

    // A newer notice for the class replaces the older (same tag); a foreign URL in a
    // payload is never what a click opens.
    await deliverUntilShown({
      kind: "reminder",
      title: "Demo class",
      body: "Starts in 10 min.",
      url: "https://evil.example/phish",
      tag: "class-demo-class",
    });
    await expect
      .poll(async () => (await shownNotifications(page)).map((n) => [n.body, n.data]), {
        timeout: 5_000,
      })
      .toEqual([["Starts in 10 min.", { path: "/" }]]);
  });

  it("explains blocked notifications instead of offering a button that cannot work", async () => {
    const [u] = await launch({ viewport: { width: 360, height: 740 } });
    const cdp = await u.context.newCDPSession(u.page);
    await cdp.send("Browser.setPermission", {
      permission: { name: "notifications" },
      setting: "denied",
      origin: base,
    });
    await joinDemoClass(u.page, "Dee");
    await u.page.getByTestId("notify-denied").waitFor();
    await u.page.screenshot({
      path: join(tmpdir(), "mass-class-e2e-push-denied.png"),
      fullPage: true,
    });
    expect(await u.page.getByTestId("notify-toggle").count()).toBe(0);
  });
});
