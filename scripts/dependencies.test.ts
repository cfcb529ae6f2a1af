/**
 * package.json says what the code uses (docs/decisions/052-dependency-policy.md):
 * every package the sources import is declared, every declared package is used,
 * `dependencies` holds exactly what production code loads (the Worker, the web pages, the
 * bridge image), and the lockfile holds one wrangler, one workerd and one miniflare, so
 * dev, tests and deploy run the same runtime.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};
const lock = JSON.parse(readFileSync(join(ROOT, "package-lock.json"), "utf8")) as {
  packages: Record<string, { version?: string; dev?: boolean }>;
};

const SOURCE_DIRS = [
  "worker",
  "common",
  "durable-objects",
  "protocol",
  "web",
  "bridge",
  "scripts",
  "bench",
  "sim",
  "e2e",
  "test",
];
const ROOT_FILES = ["vite.config.ts", "vitest.config.ts", "drizzle.config.ts"];

function files(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((d) => {
    const path = join(dir, d.name);
    if (d.isDirectory()) return d.name === "fixtures" ? [] : files(path);
    return /\.(ts|tsx|js|mjs)$/.test(d.name) ? [path] : [];
  });
}

/** The package a bare specifier names (`preact/hooks` → `preact`), or null for `node:`, relative and runtime modules. */
function packageOf(spec: string): string | null {
  if (/^(\.|\/|node:|cloudflare:)/.test(spec)) return null;
  const [a, b] = spec.split("/");
  return spec.startsWith("@") ? `${a}/${b}` : a!;
}

/** Packages each source file loads: static and dynamic imports, `require` and `require.resolve`. */
const importsByFile = new Map<string, Set<string>>();
for (const file of [...SOURCE_DIRS.flatMap(files), ...ROOT_FILES]) {
  const source = readFileSync(join(ROOT, file), "utf8");
  const found = new Set<string>();
  const re =
    /(?:^\s*(?:import|export)\s[^"'`;]*?\sfrom\s|^\s*import\s|\bimport\(|\brequire(?:\.resolve)?\()\s*["']([^"']+)["']/gm;
  for (const m of source.matchAll(re)) {
    const name = packageOf(m[1]!);
    if (name) found.add(name);
  }
  importsByFile.set(file, found);
}

/**
 * Code that runs in production: the Worker and its Durable Objects, the web pages, the
 * bridge image's sources (bridge/Dockerfile, .dockerignore). Tests, test helpers
 * (bridge/testing/, durable-objects/testing/), the local
 * RTMP server, scripts, benchmarks, the simulator and end-to-end tests are not.
 */
function isProduction(file: string): boolean {
  if (/\.test\.tsx?$/.test(file)) return false;
  if (/^bridge\/(testing\/.*|rtmp-server\.ts)$/.test(file)) return false;
  if (/^durable-objects\/testing\//.test(file)) return false;
  return /^(worker|common|durable-objects|protocol|web|bridge)\//.test(file);
}

/** Loaded by production code, but only on a local-development path: dev dependencies. */
const LOCAL_ONLY: Record<string, string> = {
  "mpegts.js":
    "web/student/VideoArea.tsx loads it on demand only for LOCAL_PLAYBACK_URL (HTTP-FLV from the local RTMP server)",
  "@ffmpeg-installer/ffmpeg":
    "bridge/ffmpeg.ts falls back to it when no system ffmpeg runs; the image has Debian's ffmpeg and does not install it",
};

/** Declared and used without an import: CLIs, type packages, binaries. */
const NOT_IMPORTED: Record<string, string> = {
  "@biomejs/biome": "npm run lint / format",
  typescript: "npm run typecheck (tsc)",
  node: "the Node 22 binary npm scripts run on (engines)",
  "@types/node": "Node types (tsconfig.node.json)",
  "@types/ws": "types of ws",
  "@cloudflare/workers-types":
    "miniflare's type declarations import it (bench/ type-checks against Miniflare)",
};

const declared = { ...pkg.dependencies, ...pkg.devDependencies };
const used = new Map<string, string[]>();
for (const [file, names] of importsByFile)
  for (const name of names) used.set(name, [...(used.get(name) ?? []), file]);

describe("package.json", () => {
  it("declares every package the sources import", () => {
    const missing = [...used.keys()]
      .filter((name) => !(name in declared))
      .map((name) => `${name} (imported by ${used.get(name)!.join(", ")})`);
    expect(missing, `not in package.json: ${missing.join("; ")}`).toEqual([]);
    // The scan sees imports of every kind: static, dynamic, require.resolve.
    expect(used.get("hono")?.some((f) => f.startsWith("worker/"))).toBe(true);
    expect(used.get("mpegts.js")).toContain("web/student/VideoArea.tsx");
    expect(used.get("axe-core")).toContain("e2e/axe.ts");
    expect(used.get("miniflare")).toContain("bench/runtime-host.ts");
  });

  it("declares no package nothing uses", () => {
    const unused = Object.keys(declared).filter((name) => !used.has(name) && !NOT_IMPORTED[name]);
    expect(unused, `declared but never imported: ${unused.join(", ")}`).toEqual([]);
  });

  it("lists in dependencies exactly what production code loads", () => {
    const production = new Set(
      [...used].filter(([, by]) => by.some(isProduction)).map(([name]) => name),
    );
    const problems: string[] = [];
    for (const name of production)
      if (LOCAL_ONLY[name]) {
        if (name in pkg.dependencies) problems.push(`${name} is local-only: ${LOCAL_ONLY[name]}`);
      } else if (!(name in pkg.dependencies))
        problems.push(
          `${name} is loaded by ${used.get(name)!.filter(isProduction).join(", ")}: a dependency`,
        );
    for (const name of Object.keys(pkg.dependencies))
      if (!production.has(name))
        problems.push(`${name} is in dependencies, but only ${used.get(name)?.join(", ")} load it`);
    expect(problems, problems.join("\n")).toEqual([]);
  });

  it("installs in the bridge image exactly what its sources load, at the locked versions", () => {
    const dockerfile = readFileSync(join(ROOT, "bridge/Dockerfile"), "utf8");
    const inImage = new Map(
      [...dockerfile.matchAll(/\s((?:@[\w.-]+\/)?[\w.-]+)@(\d[\w.-]*)/g)].map((m) => [
        m[1]!,
        m[2]!,
      ]),
    );
    // The image's sources (.dockerignore): the bridge's runtime files, protocol/, the Calls client.
    const loaded = new Set(
      [...importsByFile]
        .filter(
          ([file]) => isProduction(file) && /^(bridge|protocol|common)\/[^/]+\.ts$/.test(file),
        )
        .flatMap(([, names]) => [...names])
        .filter((name) => !LOCAL_ONLY[name]),
    );
    expect([...inImage.keys()].sort()).toEqual([...loaded].sort());
    for (const [name, version] of inImage)
      expect(lock.packages[`node_modules/${name}`]?.version, name).toBe(version);
    expect(inImage.get("werift")).toBe(pkg.dependencies.werift);
  });

  it("keeps bridge/'s top level to what the image runs (test helpers live in bridge/testing/)", () => {
    // The image copies `bridge/*.ts` (.dockerignore): every such file but the tests and the
    // local RTMP server must be one bridge/main.ts loads, so no test helper ships.
    const reached = new Set<string>();
    const visit = (file: string) => {
      if (reached.has(file)) return;
      reached.add(file);
      const source = readFileSync(join(ROOT, file), "utf8");
      for (const m of source.matchAll(/^\s*(?:import|export)\s[^"'`;]*?from\s+"(\.[^"]+)"/gm)) {
        const target = relative(ROOT, join(ROOT, file, "..", m[1]!));
        if (!m[0].includes("import type")) visit(target);
      }
    };
    visit("bridge/main.ts");
    const topLevel = readdirSync(join(ROOT, "bridge")).filter(
      (f) => f.endsWith(".ts") && !f.endsWith(".test.ts") && f !== "rtmp-server.ts",
    );
    const unused = topLevel.filter((f) => !reached.has(`bridge/${f}`));
    expect(unused, `in bridge/ but not loaded by bridge/main.ts: ${unused.join(", ")}`).toEqual([]);
  });

  it("locks one wrangler, one workerd and one miniflare (dev, tests and deploy alike)", () => {
    const versions = (name: string) =>
      Object.entries(lock.packages)
        .filter(
          ([path]) => path === `node_modules/${name}` || path.endsWith(`/node_modules/${name}`),
        )
        .map(([path, p]) => `${p.version} (${relative("", path)})`);
    for (const name of ["wrangler", "workerd", "miniflare"]) {
      const found = versions(name);
      expect(found, `${name}: ${found.join(", ")}`).toHaveLength(1);
    }
    expect(lock.packages["node_modules/wrangler"]?.version).toBe(pkg.devDependencies.wrangler);
    expect(lock.packages["node_modules/miniflare"]?.version).toBe(pkg.devDependencies.miniflare);
  });
});
