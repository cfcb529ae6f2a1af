/**
 * `node scripts/shot-diff.ts BEFORE_DIR AFTER_DIR DIFF_DIR`: compares two sets of page
 * screenshots pixel by pixel in the system Chromium (no image library is installed here)
 * and writes, for each pair that differs, an image with the differing pixels in red.
 *
 * Take the sets with the accessibility test, which visits every page at desktop and phone
 * size: `SHOT_DIR=/tmp/before npm exec -- node scripts/offline.ts vitest run --project e2e
 * e2e/a11y.test.ts` before a change and again after. Live video, times and ids differ
 * from run to run; look at the diff images for anything else.
 */
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { BASE_FLAGS, CHROMIUM } from "../e2e/browser.ts";

/** A channel that moves by more than this counts as a difference (antialiasing noise). */
const TOLERANCE = 8;

const [before, after, out] = process.argv.slice(2);
if (!before || !after || !out) {
  console.error("usage: node scripts/shot-diff.ts BEFORE_DIR AFTER_DIR DIFF_DIR");
  process.exit(2);
}

const browser = await chromium.launch({ executablePath: CHROMIUM, args: BASE_FLAGS });
const page = await browser.newPage();
let differing = 0;
for (const name of readdirSync(before)
  .filter((f) => f.endsWith(".png"))
  .sort()) {
  let b: Buffer;
  let a: Buffer;
  try {
    b = readFileSync(join(before, name));
    a = readFileSync(join(after, name));
  } catch {
    console.log(`${name}: missing after`);
    differing++;
    continue;
  }
  if (a.equals(b)) {
    console.log(`${name}: identical`);
    continue;
  }
  const r = await page.evaluate(
    async ([x, y, tolerance]) => {
      const load = (src: string) =>
        new Promise<HTMLImageElement>((resolve, reject) => {
          const img = new Image();
          img.onload = () => resolve(img);
          img.onerror = reject;
          img.src = src;
        });
      const [i1, i2] = await Promise.all([load(x), load(y)]);
      const w = Math.max(i1.width, i2.width);
      const h = Math.max(i1.height, i2.height);
      const pixels = (img: HTMLImageElement) => {
        const g = new OffscreenCanvas(w, h).getContext("2d")!;
        g.fillStyle = "#f0f"; // outside the smaller image: counts as different
        g.fillRect(0, 0, w, h);
        g.drawImage(img, 0, 0);
        return g.getImageData(0, 0, w, h).data;
      };
      const p1 = pixels(i1);
      const p2 = pixels(i2);
      const canvas = new OffscreenCanvas(w, h);
      const g = canvas.getContext("2d")!;
      g.drawImage(i2, 0, 0);
      const d = g.getImageData(0, 0, w, h);
      let n = 0;
      let top = h;
      let bottom = -1;
      for (let k = 0; k < p1.length; k += 4) {
        const off = [0, 1, 2].some((c) => Math.abs(p1[k + c]! - p2[k + c]!) > tolerance);
        if (off) {
          n++;
          const row = Math.floor(k / 4 / w);
          top = Math.min(top, row);
          bottom = Math.max(bottom, row);
          d.data.set([255, 0, 0, 255], k);
        } else d.data[k + 3] = 60;
      }
      g.putImageData(d, 0, 0);
      const bytes = new Uint8Array(await (await canvas.convertToBlob()).arrayBuffer());
      let s = "";
      for (const v of bytes) s += String.fromCharCode(v);
      return {
        sizes: `${i1.width}×${i1.height} / ${i2.width}×${i2.height}`,
        n,
        top,
        bottom,
        png: btoa(s),
      };
    },
    [
      `data:image/png;base64,${b.toString("base64")}`,
      `data:image/png;base64,${a.toString("base64")}`,
      TOLERANCE,
    ] as const,
  );
  console.log(`${name}: ${r.sizes}; ${r.n} px differ${r.n ? ` (rows ${r.top}–${r.bottom})` : ""}`);
  if (r.n > 0) {
    differing++;
    writeFileSync(join(out, name), Buffer.from(r.png, "base64"));
  }
}
await browser.close();
console.log(`${differing} differing; diff images in ${out}`);
