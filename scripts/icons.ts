/**
 * `node scripts/icons.ts`: renders the app icons (web/public/icons/*.png, committed) from
 * their SVG sources with the system Chromium, since ImageMagick is not installed here.
 * Run it again after editing icon.svg or icon-maskable.svg.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { chromium } from "playwright-core";
import { BASE_FLAGS, CHROMIUM } from "../e2e/browser.ts";

const dir = new URL("../web/public/icons/", import.meta.url);
/** [source, output, size]: `any` icons keep their rounded corners; maskable and Apple ones are full-bleed. */
const OUT: [string, string, number][] = [
  ["icon.svg", "icon-192.png", 192],
  ["icon.svg", "icon-512.png", 512],
  ["icon-maskable.svg", "maskable-192.png", 192],
  ["icon-maskable.svg", "maskable-512.png", 512],
  // iOS puts its own mask on the home-screen icon and shows transparency as black.
  ["icon-maskable.svg", "apple-touch-icon.png", 180],
];

const browser = await chromium.launch({ executablePath: CHROMIUM, args: BASE_FLAGS });
try {
  const page = await browser.newPage();
  for (const [src, out, size] of OUT) {
    const svg = readFileSync(new URL(src, dir), "utf8");
    await page.setViewportSize({ width: size, height: size });
    await page.setContent(
      `<!doctype html><style>html,body{margin:0;background:transparent}img{display:block}</style><img width="${size}" height="${size}" src="data:image/svg+xml;base64,${Buffer.from(svg).toString("base64")}">`,
    );
    await page.locator("img").evaluate((img: HTMLImageElement) => img.decode());
    writeFileSync(
      new URL(out, dir),
      await page.screenshot({
        omitBackground: true,
        clip: { x: 0, y: 0, width: size, height: size },
      }),
    );
    console.log(`web/public/icons/${out} (${size}×${size})`);
  }
} finally {
  await browser.close();
}
