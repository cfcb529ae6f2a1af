/**
 * (web/ is typed for the browser; this check reads files and runs the build, so it lives here.)
 *
 * The web apps use protocol/'s real values, and no schema library: protocol values live
 * in valibot-free `protocol/*.constants.ts` modules (the schema modules import and
 * re-export them), web/ imports values only from modules that do not pull valibot in,
 * restates none of them, and no bundle the build emits carries valibot.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "vite";
import { describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

/** The part of a Rolldown output chunk this test reads. */
interface Chunk {
  type: "chunk";
  fileName: string;
  name: string;
  isEntry: boolean;
  moduleIds: string[];
  imports: string[];
  dynamicImports: string[];
}
const PROTOCOL = join(ROOT, "protocol");

/** Source files under `dir` (no tests), recursively. */
function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const path = join(dir, d.name);
    if (d.isDirectory()) return sources(path);
    return /\.(ts|tsx)$/.test(d.name) && !/\.test\.tsx?$/.test(d.name) ? [path] : [];
  });
}

/** `import`/`export … from` statements of a source: the module named and whether only types come from it. */
function imports(source: string): { spec: string; typeOnly: boolean }[] {
  const out: { spec: string; typeOnly: boolean }[] = [];
  const re = /^\s*(?:import|export)\s+(type\s+)?(?:[\w*\s{},]*?\s+from\s+)?["']([^"']+)["']/gm;
  // `import { type A } from "m"` still loads m under verbatimModuleSyntax: only `import type` is type-only.
  for (const m of source.matchAll(re)) out.push({ spec: m[2]!, typeOnly: m[1] !== undefined });
  return out;
}

/** Whether loading `file` loads valibot, through its value imports. */
function pullsValibot(file: string, seen = new Set<string>()): boolean {
  if (seen.has(file)) return false;
  seen.add(file);
  for (const { spec, typeOnly } of imports(readFileSync(file, "utf8"))) {
    if (typeOnly) continue;
    if (spec === "valibot" || spec.startsWith("valibot/")) return true;
    if (spec.startsWith(".")) {
      const next = resolve(dirname(file), spec);
      if (existsSync(next) && pullsValibot(next, seen)) return true;
    }
  }
  return false;
}

const CONSTANT_MODULES = readdirSync(PROTOCOL).filter((f) => f.endsWith(".constants.ts"));

/** Every UPPER_SNAKE value the constants modules export: numbers, strings and lists of them. */
async function protocolConstants(): Promise<Map<string, unknown>> {
  const out = new Map<string, unknown>();
  for (const f of CONSTANT_MODULES) {
    const mod = (await import(join(PROTOCOL, f))) as Record<string, unknown>;
    for (const [name, value] of Object.entries(mod))
      if (/^[A-Z][A-Z0-9_]+$/.test(name) && typeof value !== "function") out.set(name, value);
  }
  return out;
}

/** Name parts too common to tie a web constant to a protocol one (`MAX`, `MS`…). */
const GENERIC = new Set(["MAX", "MIN", "N", "MS", "S", "SEC", "CHARS", "BYTES", "DEFAULT", "PER"]);
const parts = (name: string) => name.split("_").filter((p) => p && !GENERIC.has(p));

/**
 * Top-level `const NAME = <literal>` declarations of web/ that restate a protocol value:
 * same value and a name part in common (`ANNOUNCE_MAX = 1000` for `ANNOUNCE_MAX_CHARS`),
 * or the same list of strings; and any `typeof NAME` of a protocol constant, the idiom the
 * restated values used to hide behind.
 */
function restatements(file: string, source: string, constants: Map<string, unknown>): string[] {
  const found: string[] = [];
  for (const name of constants.keys())
    if (new RegExp(`\\btypeof\\s+${name}\\b`).test(source))
      found.push(`${file}: \`typeof ${name}\` restates a protocol value; import ${name}`);
  const decl = /^(?:export\s+)?const\s+([A-Za-z_][\w]*)\s*(?::[^=]+)?=\s*([^;]+);/gm;
  for (const m of source.matchAll(decl)) {
    const local = m[1]!;
    const raw = m[2]!.trim();
    let value: unknown;
    if (/^-?[\d_]+(\.\d+)?$/.test(raw)) value = Number(raw.replaceAll("_", ""));
    else if (/^"[^"]*"$/.test(raw)) value = raw.slice(1, -1);
    else if (/^\[(\s*"[^"]*"\s*,?)+\]$/.test(raw))
      value = [...raw.matchAll(/"([^"]*)"/g)].map((x) => x[1]);
    else continue;
    for (const [name, protocolValue] of constants) {
      const sameList =
        Array.isArray(value) &&
        Array.isArray(protocolValue) &&
        value.length === protocolValue.length &&
        [...value].sort().join("\n") === [...protocolValue].map(String).sort().join("\n");
      const sameValue = !Array.isArray(value) && value === protocolValue;
      const related = parts(local.toUpperCase()).some((p) => parts(name).includes(p));
      if (sameList || (sameValue && related))
        found.push(`${file}: \`${local}\` restates protocol ${name}; import it`);
    }
  }
  return found;
}

describe("web/ and the protocol's values", () => {
  it("has valibot-free constants modules, re-exported by their schema modules", () => {
    expect(CONSTANT_MODULES.length).toBeGreaterThan(0);
    for (const f of CONSTANT_MODULES) {
      expect(pullsValibot(join(PROTOCOL, f)), `${f} pulls valibot`).toBe(false);
      const schemaModule = join(PROTOCOL, f.replace(".constants.ts", ".ts"));
      expect(readFileSync(schemaModule, "utf8")).toContain(`export * from "./${f}";`);
    }
    // The check sees valibot where it is: the schema modules.
    expect(pullsValibot(join(PROTOCOL, "realtime.ts"))).toBe(true);
  });

  it("imports protocol values only from modules that do not load valibot", () => {
    const bad: string[] = [];
    for (const file of sources(join(ROOT, "web"))) {
      for (const { spec, typeOnly } of imports(readFileSync(file, "utf8"))) {
        if (typeOnly) continue;
        if (spec === "valibot") bad.push(`${relative(ROOT, file)} imports valibot`);
        if (!spec.startsWith(".")) continue;
        const target = resolve(dirname(file), spec);
        if (target.startsWith(PROTOCOL) && pullsValibot(target))
          bad.push(
            `${relative(ROOT, file)} imports values from ${relative(ROOT, target)}, which loads valibot: import types with \`import type\`, values from its .constants.ts module`,
          );
      }
    }
    expect(bad, bad.join("\n")).toEqual([]);
  });

  it("restates no protocol constant", async () => {
    const constants = await protocolConstants();
    expect(constants.get("CHAT_MAX_CHARS")).toBe(500);
    const found = sources(join(ROOT, "web")).flatMap((file) =>
      restatements(relative(ROOT, file), readFileSync(file, "utf8"), constants),
    );
    expect(found, found.join("\n")).toEqual([]);
    // The check finds what it is for.
    expect(
      restatements(
        "x.ts",
        'const ANNOUNCE_MAX = 1000;\nconst MAX_OPTIONS: typeof POLL_MAX_OPTIONS = 10;\nconst PING = "ping";',
        constants,
      ),
    ).toEqual([
      "x.ts: `typeof POLL_MAX_OPTIONS` restates a protocol value; import POLL_MAX_OPTIONS",
      "x.ts: `ANNOUNCE_MAX` restates protocol ANNOUNCE_MAX_CHARS; import it",
      "x.ts: `MAX_OPTIONS` restates protocol POLL_MAX_OPTIONS; import it",
      "x.ts: `PING` restates protocol PING_FRAME; import it",
    ]);
  });

  it("builds every page without valibot (npm run build:web's config)", {
    timeout: 120_000,
  }, async () => {
    const result = (await build({
      configFile: join(ROOT, "vite.config.ts"),
      logLevel: "silent",
      build: { write: false },
    })) as unknown as { output: (Chunk | { type: "asset" })[] }[] | { output: Chunk[] };
    const chunks = (Array.isArray(result) ? result : [result])
      .flatMap((r) => r.output)
      .filter((o): o is Chunk => o.type === "chunk");
    const student = chunks.find((c) => c.isEntry && c.name === "student");
    expect(student, "the build has a student entry").toBeDefined();
    // Module ids are absolute paths: the student page carries preact, so the check can see a package.
    const byFile = new Map(chunks.map((c) => [c.fileName, c]));
    const studentModules = new Set<string>();
    const seen = new Set<string>();
    const stack = [student!.fileName];
    while (stack.length > 0) {
      const file = stack.pop()!;
      const c = byFile.get(file);
      if (!c || seen.has(file)) continue;
      seen.add(file);
      for (const id of c.moduleIds) studentModules.add(id);
      stack.push(...c.imports, ...c.dynamicImports);
    }
    expect([...studentModules].some((id) => id.includes("/node_modules/preact/"))).toBe(true);
    const withValibot = chunks
      .filter((c) => c.moduleIds.some((id) => id.includes("/node_modules/valibot/")))
      .map((c) => `${c.fileName} (${c.isEntry ? "entry" : "chunk"})`);
    expect(withValibot, `chunks carrying valibot: ${withValibot.join(", ")}`).toEqual([]);
  });
});
