/**
 * Every pointer in code and docs resolves inside the repository (issue 16, point 1): no
 * reference to documents that live outside it (the design is docs/architecture.md), every
 * relative Markdown link leads to a file, every file path a doc names in backticks exists,
 * and every `docs/…` or `folder/file.ts` a source file names exists — so renaming or
 * moving a file without its pointers fails here.
 */
import { existsSync, statSync } from "node:fs";
import { dirname, join, normalize } from "node:path";
import { describe, expect, it } from "vitest";
import { listed, ROOT, readRepoFile, repoFiles } from "./repo-files.ts";

/**
 * Files that other changes are rewriting right now (bridge/: its test helpers move);
 * each is checked once it leaves this list. Keep it empty otherwise.
 */
const ALLOWLIST: readonly string[] = [];

const SELF = "scripts/pointers.test.ts";
const files = repoFiles();
const basenames = new Set(files.map((f) => f.slice(f.lastIndexOf("/") + 1)));

/** Extensions that make a backticked word a file path. */
const FILE_EXT = "ts|tsx|js|mjs|cjs|json|jsonc|toml|md|sql|sh|css|html|yml|yaml|webmanifest";
const PATH = new RegExp(`^(?:[\\w.-]+/)*[\\w.-]+\\.(?:${FILE_EXT})$`);
/** The repository's top-level folders, as a source file names a path in them. */
const TOP = [
  "bench",
  "bridge",
  "common",
  "docs",
  "durable-objects",
  "e2e",
  "migrations",
  "protocol",
  "scripts",
  "sim",
  "test",
  "web",
  "worker",
];

const isFileOrDir = (p: string) => existsSync(join(ROOT, p));

/**
 * Whether a path named in `from` leads somewhere: relative to the root or to `from`'s
 * folder, or — a bare or partial path, `ingest.ts`, `media/compositor.ts` — the end of a
 * repository file's path. A `:line` or `#anchor` suffix is ignored.
 */
function resolves(path: string, from: string): boolean {
  const p = path
    .replace(/#.*$/, "")
    .replace(/:\d+(?:-\d+)?$/, "")
    .replace(/^\.\//, "");
  if (p === "") return true;
  if (isFileOrDir(p) || isFileOrDir(normalize(join(dirname(from), p)))) return true;
  if (!p.includes("/")) return basenames.has(p);
  return files.some((f) => f.endsWith(`/${p}`));
}

/** Relative link targets of the Markdown links in `text`. */
function markdownLinks(text: string): string[] {
  return [...text.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)]
    .map((m) => m[1]!)
    .filter((t) => !/^(?:[a-z][a-z0-9+.-]*:|#)/i.test(t));
}

/**
 * File paths a doc names in backticks. Globs, templates, URL paths and build output are not
 * pointers; a bare `name.js` is as often a package (`mpegts.js`) as a file, so only paths
 * with a folder are checked among .js names.
 */
function backtickedPaths(text: string): string[] {
  return [...text.matchAll(/`([^`\n]+)`/g)]
    .map((m) => m[1]!.trim().replace(/:\d+(?:-\d+)?$/, ""))
    .filter((t) => PATH.test(t))
    .filter((t) => !/^(?:dist|\.tmp|\.wrangler|node_modules)\//.test(t))
    .filter((t) => t.includes("/") || !/\.js$/.test(t));
}

/**
 * Paths in the repository a source file names (`docs/operations.md`, `web/lib/x.ts`,
 * `docs/decisions/013`): a top-level folder, then a file with an extension or a docs
 * path. Part of a URL (`…/docs/Web/API`) or of a longer path is not one.
 */
function sourcePointers(text: string): string[] {
  const re = new RegExp(`(?<![\\w./@-])((?:${TOP.join("|")})/[\\w./-]*[\\w-])`, "g");
  return [...text.matchAll(re)]
    .map((m) => m[1]!)
    .filter((t) => new RegExp(`\\.(?:${FILE_EXT})$`).test(t) || t.startsWith("docs/"))
    .filter((t) => !t.includes("/dist/"));
}

/** A `docs/decisions/NNN` short form names the decision file that starts with it. */
function sourcePointerResolves(p: string): boolean {
  if (isFileOrDir(p)) return true;
  const decision = /^docs\/decisions\/(\d{3})$/.exec(p);
  return !!decision && files.some((f) => f.startsWith(`docs/decisions/${decision[1]}-`));
}

/** Documents that live outside the repository (the design is docs/architecture.md). */
const OUTSIDE = new RegExp(
  ["ARCHITECTURE", "FACTS", "STYLE"].map((n) => `\\b${n}\\.md\\b`).join("|") +
    String.raw`|\.\./shared\b`,
);

const checked = (f: string) => f !== SELF && !listed(ALLOWLIST, f);

describe("pointers resolve inside the repository", () => {
  it("the readers of these pointers find what they should (self-check)", () => {
    expect(markdownLinks("[a](decisions/001-x.md) [b](https://x.test) [c](#top)")).toEqual([
      "decisions/001-x.md",
    ]);
    expect(
      backtickedPaths("`worker/log.ts:12` `*.ts` `mpegts.js` `web/sw.js` `npm run x`"),
    ).toEqual(["worker/log.ts", "web/sw.js"]);
    expect(
      sourcePointers(
        "see docs/decisions/013 and worker/log.ts; https://developer.mozilla.org/docs/Web/API",
      ),
    ).toEqual(["docs/decisions/013", "worker/log.ts"]);
    expect(resolves("log.ts", "docs/architecture.md")).toBe(true);
    expect(resolves("worker/no-such-file.ts", "docs/architecture.md")).toBe(false);
    expect(sourcePointerResolves("docs/decisions/001")).toBe(true);
    expect(sourcePointerResolves("docs/decisions/999")).toBe(false);
    expect(
      ["see STYLE" + ".md", "../shared/x.ts", "docs/architecture.md"].map((t) => OUTSIDE.test(t)),
    ).toEqual([true, true, false]);
  });

  it("no file points at documents outside the repository", () => {
    const offenders = files
      .filter(checked)
      .filter((f) => /\.(?:ts|tsx|js|mjs|cjs|md|json|toml|css|html|sh|ya?ml)$|^\.ci\//.test(f))
      .filter((f) => statSync(join(ROOT, f)).size < 1_000_000)
      .filter((f) => OUTSIDE.test(readRepoFile(f)));
    expect(offenders).toEqual([]);
  });

  it("every relative Markdown link leads to a file", () => {
    const broken = files
      .filter((f) => f.endsWith(".md") && checked(f))
      .flatMap((f) =>
        markdownLinks(readRepoFile(f))
          .filter((t) => !isFileOrDir(normalize(join(dirname(f), t.replace(/#.*$/, "")))))
          .map((t) => `${f}: ${t}`),
      );
    expect(broken).toEqual([]);
  });

  it("every file path docs/*.md and docs/decisions/*.md name in backticks exists", () => {
    const docs = files.filter((f) => /^docs\/(?:decisions\/)?[^/]+\.md$/.test(f));
    expect(docs.length).toBeGreaterThan(10);
    const broken = docs.flatMap((f) =>
      backtickedPaths(readRepoFile(f))
        .filter((p) => !resolves(p, f))
        .map((p) => `${f}: ${p}`),
    );
    expect(broken).toEqual([]);
  });

  it("every docs/… and folder/file path a source file names exists", () => {
    const sources = files.filter(
      (f) => /\.(?:ts|tsx|js|mjs|cjs|css|html|toml|sh)$/.test(f) && !f.endsWith(".d.ts"),
    );
    const broken = sources.filter(checked).flatMap((f) =>
      sourcePointers(readRepoFile(f))
        .filter((p) => !sourcePointerResolves(p))
        .map((p) => `${f}: ${p}`),
    );
    expect(broken).toEqual([]);
  });
});
