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
  wrangler,
} from "./deploy-check.ts";

const ROOT = join(import.meta.dirname, "..");
const read = (p: string) => readFileSync(join(ROOT, p), "utf8");

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

/** `wrangler <path> --help`, offline: the command lines it lists, as word arrays with a leaf flag. */
function wranglerHelp(path: string[]): Promise<{ words: string[]; leaf: boolean }[]> {
  return wrangler([...path, "--help"]).then(({ out }) =>
    [...out.matchAll(/^ {2}wrangler ((?:[a-z0-9][a-z0-9-]* ?)+)([<[])?/gm)].map((m) => ({
      words: m[1]!.trim().split(" "),
      leaf: Boolean(m[2]),
    })),
  );
}

describe("docs/operations.md", () => {
  it("names only wrangler commands the pinned wrangler has (checked offline with --help)", {
    timeout: 240_000,
  }, async () => {
    const text = `${read("docs/operations.md")}\n${read("README.md")}`;
    const commands = [
      ...new Set(
        [...text.matchAll(/npm run wrangler -- ([a-z0-9][a-z0-9-]*(?: [a-z0-9][a-z0-9-]*)*)/g)].map(
          (m) => m[1]!,
        ),
      ),
    ].map((c) => c.split(" "));
    expect(commands.length).toBeGreaterThan(10);
    const helps = new Map<string, ReturnType<typeof wranglerHelp>>();
    const help = (path: string[]) => {
      const key = path.join(" ");
      if (!helps.has(key)) helps.set(key, wranglerHelp(path));
      return helps.get(key)!;
    };
    const unknown: string[] = [];
    for (const words of commands) {
      const path: string[] = [];
      for (const word of words) {
        const children = await help(path);
        const child = children.find(
          (c) =>
            c.words.length === path.length + 1 && c.words.join(" ") === [...path, word].join(" "),
        );
        if (child) {
          path.push(word);
          if (child.leaf) break; // the rest are its arguments
          continue;
        }
        // A command without subcommands: the rest are its arguments.
        if (!children.some((c) => c.words.length > path.length)) break;
        path.length = 0;
        break;
      }
      if (path.length === 0) unknown.push(words.join(" "));
    }
    expect(unknown).toEqual([]);
  });
});
