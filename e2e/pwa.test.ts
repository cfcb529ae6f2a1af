/**
 * Installable: the web app manifest is served and complete (its icons load at their
 * stated sizes), every page links it and the Apple icon, the service worker installs
 * and precaches the shell, and a class page visited once opens offline with the offline
 * notice (an address never visited gets the offline page); back online the page reloads
 * itself. /api is never cached. On iPhone Safari in a tab, the notify toggle explains
 * "Add to Home Screen" instead of offering a button that cannot work.
 */
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, inject, it } from "vitest";
import { DEMO } from "../scripts/stack.ts";
import { newClass, signIn } from "./browser.ts";
import { browsers } from "./class-setup.ts";

const base = inject("baseUrl");
const launch = browsers();
const T = { timeout: 15_000 };
const shot = (name: string) => join(tmpdir(), `mass-class-e2e-pwa-${name}.png`);

interface Manifest {
  name: string;
  short_name: string;
  start_url: string;
  scope: string;
  display: string;
  theme_color: string;
  background_color: string;
  icons: { src: string; sizes: string; type: string; purpose?: string }[];
}

/** Width and height from a PNG's IHDR chunk. */
function pngSize(buf: Buffer): [number, number] {
  expect(buf.subarray(1, 4).toString("latin1")).toBe("PNG");
  return [buf.readUInt32BE(16), buf.readUInt32BE(20)];
}

describe("installable web app", () => {
  it("serves a complete manifest whose icons load at their sizes, linked from every page", async () => {
    const res = await fetch(`${base}/manifest.webmanifest`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/application\/(manifest\+)?json/);
    const m = (await res.json()) as Manifest;
    expect(m).toMatchObject({
      name: "Mass Class",
      short_name: "Mass Class",
      start_url: "/",
      scope: "/",
      display: "standalone",
    });
    // The colours are the page tokens (web/styles/tokens.css --bg).
    expect(m.theme_color).toBe("#f6f7f9");
    expect(m.background_color).toBe("#f6f7f9");
    const png = m.icons.filter((i) => i.type === "image/png");
    for (const want of ["192x192 any", "512x512 any", "192x192 maskable", "512x512 maskable"])
      expect(png.map((i) => `${i.sizes} ${i.purpose ?? "any"}`)).toContain(want);
    for (const icon of m.icons) {
      const r = await fetch(new URL(icon.src, base));
      expect([icon.src, r.status]).toEqual([icon.src, 200]);
      const body = Buffer.from(await r.arrayBuffer());
      if (icon.type === "image/png") {
        const [w, h] = pngSize(body);
        expect(`${w}x${h}`).toBe(icon.sizes);
      }
    }

    // Every page's head (as served, before any script runs) links them.
    for (const path of ["/", "/signin", `/c/${DEMO.classId}`, "/studio", "/admin"]) {
      const html = await (await fetch(`${base}${path}`)).text();
      const head = html.slice(0, html.indexOf("</head>"));
      expect([path, head]).toEqual([
        path,
        expect.stringContaining('rel="manifest" href="/manifest.webmanifest"'),
      ]);
      expect(head).toContain('rel="apple-touch-icon" href="/icons/apple-touch-icon.png"');
      expect(head).toContain('name="apple-mobile-web-app-capable" content="yes"');
    }
    const apple = await fetch(`${base}/icons/apple-touch-icon.png`);
    expect(pngSize(Buffer.from(await apple.arrayBuffer()))).toEqual([180, 180]);
  });

  it("installs the service worker and opens the class page offline with a notice", async () => {
    const [u] = await launch({ viewport: { width: 360, height: 740 } });
    const p = u.page;
    const classUrl = `${base}/c/${DEMO.classId}`;
    await p.goto(classUrl);
    await p.getByTestId("guest-join-form").waitFor(T);
    // Installed and in control (clients.claim), with this build's shell precached.
    await p.waitForFunction(() => navigator.serviceWorker.controller !== null, null, T);
    const cached = await p.evaluate(async () => {
      const names = await caches.keys();
      const shell = names.find((n) => n.startsWith("shell-"));
      if (!shell) return { names, urls: [] as string[] };
      const keys = await (await caches.open(shell)).keys();
      return { names, urls: keys.map((r) => new URL(r.url).pathname) };
    });
    expect(cached.urls).toEqual(
      expect.arrayContaining(["/student.html", "/offline.html", "/manifest.webmanifest"]),
    );
    expect(cached.urls.some((x) => /^\/assets\/student-.*\.js$/.test(x))).toBe(true);
    // A second visit goes through the worker, which keeps this page (network first).
    await p.reload();
    await p.getByTestId("guest-join-form").waitFor(T);

    await u.context.setOffline(true);
    await p.goto(classUrl);
    const notice = p.getByTestId("offline-notice");
    await notice.waitFor(T);
    expect(await notice.textContent()).toMatch(/You are offline/);
    // The shell itself started from the cache: the app rendered into the page.
    await expect
      .poll(() => p.evaluate(() => document.getElementById("app")?.childElementCount ?? 0), T)
      .toBeGreaterThan(0);
    await p.screenshot({ path: shot("class-offline"), fullPage: true });

    // Back online, the page reloads itself (web/public/offline.js), without the notice.
    const reloaded = p.waitForEvent("load", T);
    await u.context.setOffline(false);
    await reloaded;
    await expect.poll(() => notice.count(), T).toBe(0);
    await p.getByTestId("guest-join-form").waitFor(T);

    // An address this device never saved: the offline page.
    await u.context.setOffline(true);
    await p.goto(`${base}/nowhere-saved`).catch(() => undefined);
    await p.getByTestId("offline-page").waitFor(T);
    expect(await p.getByTestId("offline-page").textContent()).toContain("You are offline");
    await p.screenshot({ path: shot("offline-page") });
    // It too reloads itself once the connection is back: the real (not-found) page.
    const again = p.waitForEvent("load", T);
    await u.context.setOffline(false);
    await again;
    await expect.poll(() => p.getByTestId("offline-page").count(), T).toBe(0);

    // Nothing from the API was ever cached.
    const apiCached = await p.evaluate(async () => {
      const all: string[] = [];
      for (const n of await caches.keys())
        for (const r of await (await caches.open(n)).keys()) all.push(new URL(r.url).pathname);
      return all.filter((x) => x.startsWith("/api/") || x.startsWith("/ws/"));
    });
    expect(apiCached).toEqual([]);
  });

  it("tells iPhone Safari in a tab to add the class to the Home Screen for notifications", async () => {
    // A class of its own, so the demo class's attendance stays what other tests expect.
    const [teacher] = await launch({});
    await signIn(teacher.page, base, DEMO.teacher);
    const classId = await newClass(teacher.page, "Installable class");
    const [u] = await launch({ viewport: { width: 390, height: 844 } });
    const p = u.page;
    const cdp = await u.context.newCDPSession(p);
    await cdp.send("Emulation.setUserAgentOverride", {
      userAgent:
        "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
      platform: "iPhone",
    });
    await p.goto(`${base}/c/${classId}`);
    await p.getByTestId("guest-join-form").getByLabel("Your name").fill("Ida");
    await p.getByTestId("guest-join-submit").click();
    await p.getByTestId("class-page").waitFor(T);
    const hint = p.getByTestId("notify-ios-install");
    await hint.waitFor(T);
    expect(await hint.textContent()).toContain("Add to Home Screen");
    expect(await p.getByTestId("notify-toggle").count()).toBe(0);
  });
});
