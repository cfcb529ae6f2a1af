/**
 * The production build (issue 14, point 6): `wrangler deploy --dry-run` of wrangler.toml,
 * offline, must carry no loopback URL and no placeholder D1 id — in the config, the
 * bindings wrangler would upload, or our own code in the bundle.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import {
  checkBuild,
  configValues,
  dryRun,
  findLocalValues,
  findLocalValuesInBundle,
} from "./deploy-check.ts";

const ROOT = join(import.meta.dirname, "..");

describe("findLocalValues", () => {
  it("finds loopback URLs of every scheme and spelling, and the zeroed D1 id", () => {
    for (const s of [
      'BRIDGE_URL = "http://127.0.0.1:8790"',
      "https://localhost/x",
      "ws://[::1]:8787/ws",
      "rtmp://127.1.2.3/live",
      "http://0.0.0.0:80",
      'database_id = "00000000-0000-4000-8000-000000000000"',
    ])
      expect(findLocalValues(s), s).toHaveLength(1);
  });

  it("leaves public URLs and bare words alone", () => {
    expect(
      findLocalValues(
        'https://rtc.live.cloudflare.com/v1 "localhost" http://localhost.example.org BRIDGE_HOST: "0.0.0.0" ::1',
      ),
    ).toEqual([]);
  });

  it("skips library modules of a bundle but not ours", () => {
    const bundle = [
      "// node_modules/hono/dist/utils/url.js",
      'const u = new URL("http://localhost");',
      "// worker/routes/whip.ts",
      'const bridge = "http://127.0.0.1:8790";',
    ].join("\n");
    expect(findLocalValuesInBundle(bundle)).toEqual([
      expect.stringMatching(/^worker\/routes\/whip\.ts: .*127\.0\.0\.1/),
    ]);
  });

  it("reads the config's values, not its comments", () => {
    expect(configValues('# locally "http://127.0.0.1:8790"\nBRIDGE_URL = ""')).toBe(
      'BRIDGE_URL = ""',
    );
  });
});

describe("the production dry run", () => {
  it("bundles wrangler.toml offline with no loopback URL and no placeholder D1 id", {
    timeout: 120_000,
  }, async () => {
    if (!existsSync(join(ROOT, "dist", "web"))) throw new Error("run `npm run build:web` first");
    const outdir = mkdtempSync(join(tmpdir(), "mass-class-deploy-"));
    try {
      const output = await dryRun(relative(ROOT, outdir));
      expect(output).toContain("--dry-run: exiting now.");
      // The bindings a deploy would upload: containers for the bridge, no local URL.
      expect(output).toMatch(/env\.BRIDGE_URL \(""\)/);
      expect(output).toMatch(/env\.DB \(mass-class\)/);
      expect(existsSync(join(outdir, "index.js"))).toBe(true);
      const toml = readFileSync(join(ROOT, "wrangler.toml"), "utf8");
      expect(checkBuild(toml, output, outdir)).toEqual([]);
      expect(toml).not.toMatch(/^\s*database_id\s*=/m);
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  });
});
