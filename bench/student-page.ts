/**
 * The student page on a phone (issue 15, Measures): JS transferred and first contentful
 * paint, on the YouTube path and on the local-player path.
 *
 * Starts the local stack as the end-to-end tests do (e2e/global-setup.ts: D1, the RTMP
 * server and bridge, `wrangler dev` serving the built dist/web), signs the demo teacher in
 * and creates two guest classes: one with a YouTube video id (the IFrame API served by the
 * e2e stand-in, class-setup.ts `fakeYouTube`), one without (the local HTTP-FLV player,
 * mpegts.js). Then, `--runs` times per class, a fresh Chromium context (cold cache) as a
 * 360×740 phone (isMobile, deviceScaleFactor 2, touch) opens the class page as a guest:
 *
 * - join gate: once the guest form shows, first-contentful-paint (paint timing) and the
 *   JS the page fetched so far;
 * - class page: after joining, once the classroom socket is connected and the player is
 *   up (the YouTube frame; or the local player with its mpegts.js chunk), all the JS the
 *   page fetched, and whether any mpegts chunk was requested (must not be on YouTube).
 *
 * JS is this origin's .js/.mjs resources (PerformanceResourceTiming): transferred
 * (`transferSize`, headers included, as wrangler dev sends them), decoded size, and the
 * same files gzipped at level 9 here (what the 60 KB budget in vite.config.ts counts).
 * Service workers are blocked, so every script is fetched by the page itself (a real first
 * visit also precaches the shell after `load`; that is not counted). `--throttle fast3g`
 * adds CDP network throttling (150 ms latency, 1.6 Mbps down, 750 kbps up).
 *
 *   npm run bench:page [-- --runs 5] [--throttle fast3g]
 *
 * Prints a table, then one JSON line (median and max per path). Builds dist/web first
 * (the npm script); stops everything it started.
 */

import { parseArgs } from "node:util";
import { gzipSync } from "node:zlib";
import { type Browser, type BrowserContext, chromium, devices, type Page } from "playwright-core";
import { BASE_FLAGS, CHROMIUM, newClass, signIn, waitConnected } from "../e2e/browser.ts";
import { fakeYouTube, setYouTubeVideo } from "../e2e/class-setup.ts";
import setup from "../e2e/global-setup.ts";
import { DEMO } from "../scripts/stack.ts";

const { values: args } = parseArgs({
  options: {
    runs: { type: "string", default: "5" },
    throttle: { type: "string" },
  },
});
const RUNS = Number(args.runs);
if (!Number.isInteger(RUNS) || RUNS < 1) throw new Error("--runs must be a positive integer");
if (args.throttle !== undefined && args.throttle !== "fast3g")
  throw new Error('--throttle: only "fast3g" is known');

const PHONE = {
  viewport: { width: 360, height: 740 },
  isMobile: true,
  hasTouch: true,
  deviceScaleFactor: 2,
  userAgent: devices["Pixel 5"]!.userAgent,
  serviceWorkers: "block" as const,
};
/** Chrome DevTools' "Fast 3G" as the issue names it. */
const FAST3G = {
  offline: false,
  latency: 150,
  downloadThroughput: 1_600_000 / 8,
  uploadThroughput: 750_000 / 8,
};
const UI_WAIT = { timeout: 30_000 };
const YOUTUBE_VIDEO = "dQw4w9WgXcQ";
/** The local player's lazily loaded chunk (vite names it after the module). */
const MPEGTS = /\/assets\/mpegts[-.][^/]*\.m?js$/;

type PathName = "youtube" | "local";

/** The JS a page has fetched so far, from its resource timing. */
interface Js {
  files: string[];
  transfer: number;
  decoded: number;
  /** Files not from this origin (the YouTube IFrame API): counted, not sized. */
  thirdParty: number;
}

interface Run {
  path: PathName;
  run: number;
  gateFcpMs: number;
  gate: Js & { gzip: number };
  page: Js & { gzip: number };
  mpegts: boolean;
}

/** This origin's scripts (and the other origins' count) in the page's resource timing. */
function scriptsOf(page: Page): Promise<Js> {
  return page.evaluate(() => {
    const js: Js = { files: [], transfer: 0, decoded: 0, thirdParty: 0 };
    for (const e of performance.getEntriesByType("resource") as PerformanceResourceTiming[]) {
      const url = new URL(e.name);
      if (!/\.m?js$/.test(url.pathname) && e.initiatorType !== "script") continue;
      if (url.origin !== location.origin) {
        js.thirdParty++;
        continue;
      }
      if (url.pathname === "/sw.js") continue;
      js.files.push(url.pathname);
      js.transfer += e.transferSize;
      js.decoded += e.decodedBodySize;
    }
    return js;
  });
}

/** First contentful paint of the page's navigation (waits up to 5 s for the entry). */
async function fcpOf(page: Page): Promise<number> {
  const handle = await page.waitForFunction(
    () => performance.getEntriesByName("first-contentful-paint", "paint")[0]?.startTime,
    undefined,
    { timeout: 5000 },
  );
  return (await handle.jsonValue()) as number;
}

const gzipCache = new Map<string, number>();
/** Level-9 gzip size of these files as the stack serves them. */
async function gzipOf(base: string, files: string[]): Promise<number> {
  let sum = 0;
  for (const f of files) {
    let n = gzipCache.get(f);
    if (n === undefined) {
      const res = await fetch(base + f);
      if (!res.ok) throw new Error(`${f}: HTTP ${res.status}`);
      n = gzipSync(Buffer.from(await res.arrayBuffer()), { level: 9 }).length;
      gzipCache.set(f, n);
    }
    sum += n;
  }
  return sum;
}

/** One cold visit: a fresh phone context opens the class page and joins as a guest. */
async function visit(
  browser: Browser,
  base: string,
  path: PathName,
  classId: string,
  run: number,
): Promise<Run> {
  const context: BrowserContext = await browser.newContext(PHONE);
  try {
    if (path === "youtube") await fakeYouTube(context);
    const page = await context.newPage();
    if (args.throttle) {
      const cdp = await context.newCDPSession(page);
      await cdp.send("Network.enable");
      await cdp.send("Network.emulateNetworkConditions", FAST3G);
    }
    await page.goto(`${base}/c/${classId}`);
    const form = page.getByTestId("guest-join-form");
    await form.waitFor(UI_WAIT);
    const gateFcpMs = await fcpOf(page);
    const gate = await scriptsOf(page);
    await form.getByLabel("Your name").fill(`Phone ${path} ${run}`);
    await page.getByTestId("guest-join-submit").click();
    await waitConnected(page);
    if (path === "youtube") {
      await page.getByTestId("yt-frame").waitFor(UI_WAIT);
      // Anything the page would still pull in after the player is up.
      await page.waitForTimeout(1500);
    } else {
      await page.getByTestId("local-video").waitFor(UI_WAIT);
      await page.waitForFunction(
        (re) =>
          performance
            .getEntriesByType("resource")
            .some((e) => new RegExp(re).test(new URL(e.name).pathname)),
        MPEGTS.source,
        UI_WAIT,
      );
    }
    const all = await scriptsOf(page);
    return {
      path,
      run,
      gateFcpMs,
      gate: { ...gate, gzip: await gzipOf(base, gate.files) },
      page: { ...all, gzip: await gzipOf(base, all.files) },
      mpegts: all.files.some((f) => MPEGTS.test(f)),
    };
  } finally {
    await context.close();
  }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const kb = (n: number) => (n / 1024).toFixed(1);

async function main() {
  const provided: Record<string, unknown> = {};
  const teardown = await setup({
    provide: (key, value) => {
      provided[key] = value;
    },
  });
  const base = provided.baseUrl as string;
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: BASE_FLAGS });
  try {
    const teacher = await browser.newPage();
    await signIn(teacher, base, DEMO.teacher);
    const classes: Record<PathName, string> = {
      youtube: await newClass(teacher, "Phone bench: YouTube"),
      local: await newClass(teacher, "Phone bench: local player"),
    };
    const status = await setYouTubeVideo(teacher, classes.youtube, YOUTUBE_VIDEO);
    if (status !== 200) throw new Error(`set YouTube video: HTTP ${status}`);
    await teacher.close();

    const runs: Run[] = [];
    for (let i = 1; i <= RUNS; i++) {
      for (const path of ["youtube", "local"] as const) {
        runs.push(await visit(browser, base, path, classes[path], i));
      }
    }

    console.log(
      `\nStudent page on a phone (360×740, DPR 2), cold cache per run${args.throttle ? `, throttled ${args.throttle}` : ""}; KB = 1024 bytes`,
    );
    console.log(
      "path     run  gate FCP ms  gate JS: files transfer decoded gzip9   page JS: files transfer decoded gzip9  mpegts",
    );
    for (const r of runs) {
      console.log(
        `${r.path.padEnd(8)}${String(r.run).padStart(4)}${r.gateFcpMs.toFixed(0).padStart(13)}` +
          `${String(r.gate.files.length).padStart(16)}${kb(r.gate.transfer).padStart(9)}${kb(r.gate.decoded).padStart(8)}${kb(r.gate.gzip).padStart(6)}` +
          `${String(r.page.files.length).padStart(18)}${kb(r.page.transfer).padStart(9)}${kb(r.page.decoded).padStart(8)}${kb(r.page.gzip).padStart(6)}` +
          `  ${r.mpegts ? "yes" : "no"}`,
      );
    }
    const summary: Record<string, unknown> = {};
    for (const path of ["youtube", "local"] as const) {
      const rs = runs.filter((r) => r.path === path);
      const stat = (f: (r: Run) => number, round = 1) => {
        const xs = rs.map(f);
        const q = (x: number) => Math.round(x * round) / round;
        return { median: q(median(xs)), max: q(Math.max(...xs)) };
      };
      summary[path] = {
        gateFcpMs: stat((r) => r.gateFcpMs),
        gateJsTransferKB: stat((r) => r.gate.transfer / 1024, 10),
        gateJsDecodedKB: stat((r) => r.gate.decoded / 1024, 10),
        gateJsGzipKB: stat((r) => r.gate.gzip / 1024, 10),
        pageJsTransferKB: stat((r) => r.page.transfer / 1024, 10),
        pageJsDecodedKB: stat((r) => r.page.decoded / 1024, 10),
        pageJsGzipKB: stat((r) => r.page.gzip / 1024, 10),
        pageJsFiles: stat((r) => r.page.files.length),
        thirdPartyScripts: stat((r) => r.page.thirdParty),
        mpegtsRequested: rs.filter((r) => r.mpegts).length,
      };
    }
    const youtubeLoadedPlayer = runs.some((r) => r.path === "youtube" && r.mpegts);
    console.log(
      youtubeLoadedPlayer
        ? "\nFAIL: the YouTube path loaded the local player (mpegts.js)."
        : "\nThe YouTube path never requested the local player (mpegts.js).",
    );
    console.log(
      JSON.stringify({
        bench: "student-page",
        runs: RUNS,
        throttle: args.throttle ?? null,
        viewport: "360x740@2",
        ...summary,
      }),
    );
    if (youtubeLoadedPlayer) process.exitCode = 1;
  } finally {
    await browser.close();
    await teardown();
  }
}

await main();
