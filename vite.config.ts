/**
 * Builds the four Preact web apps (landing/sign-in, student, studio, admin) as a
 * multi-page app into dist/web, which wrangler serves as static assets. Each page
 * has its own JS entry so the student bundle carries only student code; the build
 * prints every entry's size and fails if the student page outgrows its budget.
 */
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import preact from "@preact/preset-vite";
import { defineConfig, type Plugin } from "vite";
import { staticHeadersFile } from "./worker/security-headers.ts";

const root = fileURLToPath(new URL("./web", import.meta.url));

/** The HTML entries; the Worker maps page paths to these (worker/app.ts PAGES), and
 * serves `not-found` with status 404 for any other page path. */
const pages = ["index", "student", "studio", "admin", "not-found"] as const;

/** Phones on mobile data load the student page first; keep it small. */
const STUDENT_BUDGET_GZIP = 60 * 1024;

interface ChunkLike {
  type: "chunk";
  name: string;
  isEntry: boolean;
  code: string;
  imports: string[];
  viteMetadata?: { importedCss: Set<string>; importedAssets: Set<string> };
}

/** Entries whose JS and CSS the service worker precaches: the pages a phone opens offline. */
const SHELL_ENTRIES = ["index", "student"];

/**
 * Reports raw and gzipped JS per entry (entry chunk + its static imports) and enforces the
 * budget; and the CSS each entry loads at start (the stylesheets of those chunks).
 */
function bundleSize(): Plugin {
  return {
    name: "mass-class:bundle-size",
    apply: "build",
    generateBundle(_options, bundle) {
      const chunks = new Map<string, ChunkLike>();
      for (const [file, out] of Object.entries(bundle)) {
        if (out.type === "chunk") chunks.set(file, out as unknown as ChunkLike);
      }
      const gz = new Map<string, number>();
      const gzipOf = (file: string, code: string) => {
        let n = gz.get(file);
        if (n === undefined) {
          n = gzipSync(code, { level: 9 }).length;
          gz.set(file, n);
        }
        return n;
      };
      const rows: { entry: string; files: number; raw: number; gzip: number }[] = [];
      const cssRows: typeof rows = [];
      for (const [file, chunk] of chunks) {
        if (!chunk.isEntry) continue;
        const seen = new Set<string>();
        const stack = [file];
        while (stack.length > 0) {
          const f = stack.pop()!;
          if (seen.has(f)) continue;
          seen.add(f);
          for (const dep of chunks.get(f)?.imports ?? []) stack.push(dep);
        }
        let raw = 0;
        let gzip = 0;
        for (const f of seen) {
          const c = chunks.get(f);
          if (!c) continue;
          raw += Buffer.byteLength(c.code);
          gzip += gzipOf(f, c.code);
        }
        rows.push({ entry: chunk.name, files: seen.size, raw, gzip });
        const css = new Set(
          [...seen].flatMap((f) => [...(chunks.get(f)?.viteMetadata?.importedCss ?? [])]),
        );
        let cssRaw = 0;
        let cssGzip = 0;
        for (const f of css) {
          const out = bundle[f];
          if (out?.type !== "asset") continue;
          cssRaw += Buffer.byteLength(out.source);
          cssGzip += gzipOf(f, String(out.source));
        }
        cssRows.push({ entry: chunk.name, files: css.size, raw: cssRaw, gzip: cssGzip });
      }
      cssRows.sort((a, b) => a.entry.localeCompare(b.entry));
      rows.sort((a, b) => a.entry.localeCompare(b.entry));
      const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
      const lines = [
        "",
        "JS per entry (entry chunk + static imports)",
        `${"entry".padEnd(10)}${"chunks".padStart(8)}${"raw".padStart(12)}${"gzip".padStart(12)}`,
        ...rows.map(
          (r) =>
            `${r.entry.padEnd(10)}${String(r.files).padStart(8)}${kb(r.raw).padStart(12)}${kb(r.gzip).padStart(12)}`,
        ),
        `student budget: ${kb(STUDENT_BUDGET_GZIP)} gzip`,
        "",
        "CSS per entry (the stylesheets of those chunks; each file gzipped on its own)",
        `${"entry".padEnd(10)}${"files".padStart(8)}${"raw".padStart(12)}${"gzip".padStart(12)}`,
        ...cssRows.map(
          (r) =>
            `${r.entry.padEnd(10)}${String(r.files).padStart(8)}${kb(r.raw).padStart(12)}${kb(r.gzip).padStart(12)}`,
        ),
        "",
      ];
      console.log(lines.join("\n"));
      const student = rows.find((r) => r.entry === "student");
      if (!student) this.error("bundle-size: no 'student' entry was built.");
      if (student.gzip > STUDENT_BUDGET_GZIP) {
        this.error(
          `bundle-size: the student entry is ${kb(student.gzip)} gzipped, over its ${kb(STUDENT_BUDGET_GZIP)} budget.`,
        );
      }
    },
  };
}

/** `_headers`: the Worker's security headers for assets served without it (Cloudflare static assets). */
function securityHeaders(): Plugin {
  return {
    name: "mass-class:security-headers",
    apply: "build",
    generateBundle() {
      this.emitFile({ type: "asset", fileName: "_headers", source: staticHeadersFile() });
    },
  };
}

/**
 * `/sw.js`: web/sw.js with this build's precache list and a version from its content, so
 * every deploy installs a new worker that drops the old shell. Precached: every HTML page,
 * the files of web/public (offline page, manifest, icons) and the JS and CSS the landing
 * and class pages load at start; lazily loaded chunks are cached when first fetched.
 */
function serviceWorker(): Plugin {
  const publicDir = resolve(root, "public");
  const publicFiles = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
      d.isDirectory()
        ? publicFiles(join(dir, d.name))
        : [`/${relative(publicDir, join(dir, d.name)).split("\\").join("/")}`],
    );
  return {
    name: "mass-class:service-worker",
    apply: "build",
    writeBundle(options, bundle) {
      const files = new Set<string>(publicFiles(publicDir));
      const hash = createHash("sha256");
      for (const [file, out] of Object.entries(bundle)) {
        if (out.type === "asset" && file.endsWith(".html")) {
          files.add(`/${file}`);
          hash.update(file).update(out.source);
        }
      }
      const stack = Object.entries(bundle)
        .filter(
          ([, out]) => out.type === "chunk" && out.isEntry && SHELL_ENTRIES.includes(out.name),
        )
        .map(([file]) => file);
      const seen = new Set<string>();
      while (stack.length > 0) {
        const file = stack.pop()!;
        if (seen.has(file)) continue;
        seen.add(file);
        const chunk = bundle[file] as unknown as ChunkLike | undefined;
        if (chunk?.type !== "chunk") continue;
        files.add(`/${file}`);
        for (const css of chunk.viteMetadata?.importedCss ?? []) files.add(`/${css}`);
        stack.push(...chunk.imports);
      }
      files.delete("/sw.js");
      const precache = [...files].sort();
      hash.update(precache.join("\n"));
      const build = { version: hash.digest("hex").slice(0, 16), precache };
      const template = readFileSync(resolve(root, "sw.js"), "utf8");
      const marker = '/* @build */ { version: "dev", precache: [] }';
      if (!template.includes(marker))
        this.error("service-worker: web/sw.js lost its build marker.");
      writeFileSync(
        resolve(options.dir ?? resolve(root, "../dist/web"), "sw.js"),
        template.replace(marker, JSON.stringify(build)),
      );
    },
  };
}

export default defineConfig({
  root,
  plugins: [preact(), bundleSize(), securityHeaders(), serviceWorker()],
  build: {
    outDir: resolve(root, "../dist/web"),
    emptyOutDir: true,
    rolldownOptions: {
      input: Object.fromEntries(pages.map((p) => [p, resolve(root, `${p}.html`)])),
    },
  },
});
