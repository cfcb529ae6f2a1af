/**
 * The pages under their security headers, in a real Chromium: the student, studio and
 * admin pages (and the not-found page) load and work with no Content-Security-Policy or
 * Permissions-Policy violation — the studio with camera, compositor worker and a PDF
 * rendered by pdf.js, the student page with the YouTube player (its script and frame are
 * answered locally: no internet here) — and the student's local player (mpegts.js) goes
 * through live → stop → live → stop with no uncaught error.
 */
import { type ChildProcess, spawn } from "node:child_process";
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, describe, expect, inject, it } from "vitest";
import { resolveFfmpeg } from "../bridge/ffmpeg.ts";
import { DEMO } from "../scripts/stack.ts";
import { joinAsGuest, newClass, signIn } from "./browser.ts";
import { browsers, fakeYouTube, pdfOf, played, setYouTubeVideo } from "./class-setup.ts";

const base = inject("baseUrl");
const mediaVars = inject("mediaVars");
const T = { timeout: 20_000 };

const launch = browsers();
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) c.kill("SIGKILL");
});

/**
 * Everything on a page that must not happen: CSP violations (the DOM event, and Chromium's
 * console report), permissions-policy complaints, and uncaught errors.
 */
async function watch(context: BrowserContext): Promise<string[]> {
  const problems: string[] = [];
  await context.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (e) => {
      console.error(
        `securitypolicyviolation: ${e.effectiveDirective} blocked ${e.blockedURI} at ${e.sourceFile}:${e.lineNumber}`,
      );
    });
  });
  const attach = (page: Page) => {
    page.on("pageerror", (err) => problems.push(`pageerror on ${page.url()}: ${err.message}`));
    page.on("console", (msg) => {
      const text = msg.text();
      if (
        /securitypolicyviolation|Content Security Policy|Refused to|Permissions.policy|Unrecognized feature/i.test(
          text,
        )
      )
        problems.push(`console on ${page.url()}: ${text}`);
    });
  };
  context.pages().forEach(attach);
  context.on("page", attach);
  return problems;
}

/** A one-page PDF, written by hand. */
const onePagePdf = () =>
  pdfOf(["0.23 0.36 0.86 rg 0 430 960 110 re f\nBT /F1 48 Tf 60 465 Td (CSP) Tj ET"]);

describe("pages under their security headers", () => {
  it("student, studio, admin and not-found pages load and work with no policy violations", async () => {
    const [teacher, student, admin] = await launch(
      { media: true, viewport: { width: 1280, height: 900 } },
      {},
      {},
    );
    const problems = (
      await Promise.all([teacher, student, admin].map((u) => watch(u.context)))
    ).flat();
    await fakeYouTube(student.context);

    // Studio: sign in, a class with a YouTube video, camera preview, a PDF through pdf.js.
    const t = teacher.page;
    await signIn(t, base, DEMO.teacher);
    const classId = await newClass(t, "CSP e2e");
    expect(await setYouTubeVideo(t, classId, "dQw4w9WgXcQ")).toBe(200);
    const res = await t.goto(`${base}/studio/${classId}`);
    expect(res?.headers()["content-security-policy"]).toContain("frame-ancestors 'none'");
    expect(res?.headers()["permissions-policy"]).toContain("camera=(self)");
    const studio = t.getByTestId("slides-studio");
    await studio.waitFor(T);
    await t.getByTestId("slides-file").setInputFiles({
      name: "csp.pdf",
      mimeType: "application/pdf",
      buffer: onePagePdf(),
    });
    await studio.locator(".decks li").filter({ hasText: "1 page" }).waitFor(T);
    await expect
      .poll(() => t.getByTestId("slide-usage").textContent(), T)
      .toMatch(/MiB used · \d+ of \d+ decks/);

    // Student: the YouTube player's script and frame are allowed.
    const s = student.page;
    await joinAsGuest(s, `${base}/c/${classId}`, "Csp Student");
    await s
      .frameLocator('[data-testid="yt-frame"]')
      .locator("title")
      .waitFor({ state: "attached", ...T });
    await s.getByTestId("unmute").waitFor(T);

    // The teacher deletes the deck from the studio.
    t.once("dialog", (d) => void d.accept());
    await studio.getByTestId("delete-deck").click();
    await expect.poll(() => studio.getByTestId("deck").count(), T).toBe(0);

    // Admin.
    const a = admin.page;
    await signIn(a, base, DEMO.admin);
    await a.goto(`${base}/admin`);
    await a.getByRole("heading").first().waitFor(T);

    // Not found: branded, styled, and under the same policy.
    const nf = await s.goto(`${base}/c/${"x".repeat(300)}`);
    expect(nf?.status()).toBe(404);
    await s.getByRole("heading", { name: "Page not found" }).waitFor(T);
    const styled = await s
      .locator(".brand-mark")
      .evaluate((el) => getComputedStyle(el).borderRadius);
    expect(styled).toBe("8px");
    await s.getByRole("link", { name: "Go to the start page" }).click();
    await s.waitForURL(`${base}/`);

    // Give late reports (workers, frames) a moment.
    await new Promise((r) => setTimeout(r, 1000));
    expect(problems).toEqual([]);
  }, 120_000);
});

/** Publish a test pattern to the local RTMP server for `classId` until stopped. */
function publish(classId: string): ChildProcess {
  const ffmpeg = resolveFfmpeg();
  if (!ffmpeg) throw new Error("no ffmpeg");
  const url = mediaVars.LOCAL_RTMP_URL!.replace("{classId}", classId);
  const child = spawn(
    ffmpeg.path,
    [
      "-nostdin",
      "-v",
      "error",
      "-re",
      "-f",
      "lavfi",
      "-i",
      "testsrc=size=320x180:rate=15",
      "-f",
      "lavfi",
      "-i",
      "sine=frequency=440:sample_rate=44100",
      "-c:v",
      "libx264",
      "-preset",
      "ultrafast",
      "-tune",
      "zerolatency",
      "-g",
      "15",
      "-pix_fmt",
      "yuv420p",
      "-c:a",
      "aac",
      "-f",
      "flv",
      url,
    ],
    { stdio: "ignore" },
  );
  children.push(child);
  return child;
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once("exit", r));
  child.kill("SIGINT");
  await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
  child.kill("SIGKILL");
}

describe("the student's local player", () => {
  it("goes live, stops, goes live again and stops with no uncaught error", async () => {
    const [teacher, student] = await launch({}, {});
    const problems = await watch(student.context);
    // Fault injection: once the test says so, appends throw the way Chromium's do after a
    // decode error (HTMLMediaElement.error set) — what a stream whose encoding changes
    // mid-flight (the bridge switching to its filler slate) does to the player.
    await student.context.addInitScript(() => {
      const w = window as unknown as { __breakAppends?: number };
      const append = SourceBuffer.prototype.appendBuffer;
      SourceBuffer.prototype.appendBuffer = function (this: SourceBuffer, data: BufferSource) {
        if (w.__breakAppends && w.__breakAppends > 0) {
          w.__breakAppends--;
          throw new DOMException(
            "Failed to execute 'appendBuffer' on 'SourceBuffer': The HTMLMediaElement.error attribute is not null.",
            "InvalidStateError",
          );
        }
        return append.call(this, data);
      };
    });
    const errors: string[] = [];
    student.page.on("pageerror", (e) => errors.push(e.message));
    await signIn(teacher.page, base, DEMO.teacher);
    const classId = await newClass(teacher.page, "Player e2e");
    const s = student.page;
    await joinAsGuest(s, `${base}/c/${classId}`, "Player Student");
    await s.getByTestId("local-video").waitFor({ state: "attached", ...T });

    for (let round = 1; round <= 2; round++) {
      const ffmpeg = publish(classId);
      // Playing: the picture moves (the player retries until the stream is up).
      const start = await played(s);
      await expect.poll(() => played(s), { timeout: 45_000 }).toBeGreaterThan(start + 2);
      if (round === 1) {
        // The picture breaks mid-stream: the player starts over and plays again.
        await s.evaluate(() => {
          (window as unknown as { __breakAppends: number }).__breakAppends = 1;
        });
        await expect
          .poll(
            () =>
              s.evaluate(() => (window as unknown as { __breakAppends: number }).__breakAppends),
            T,
          )
          .toBe(0);
        await new Promise((r) => setTimeout(r, 2000));
        const again = await played(s);
        await expect.poll(() => played(s), { timeout: 45_000 }).toBeGreaterThan(again + 1);
      }
      await stop(ffmpeg);
      // The player notices the end and tears itself down to retry.
      await s.getByTestId("waiting-for-teacher").waitFor({ timeout: 30_000 });
      await new Promise((r) => setTimeout(r, 4000));
    }
    expect(errors).toEqual([]);
    expect(problems).toEqual([]);
  }, 180_000);
});
