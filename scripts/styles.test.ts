/**
 * Stylesheets live beside their features (issue 15, point 7). web/styles.css is only an
 * ordered index of @imports (the cascade order); every other stylesheet under web/ is
 * reached from that index or imported by a component; no stylesheet grows past
 * MAX_LINES; a selector is styled in one feature stylesheet only, so a rule is found where
 * its feature is; colours come from the shared tokens (web/styles/tokens.css).
 *
 * (web/ is typed for the browser; this check reads files, so it lives here.)
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const WEB = join(ROOT, "web");
const INDEX = join(WEB, "styles.css");
const TOKENS = join(WEB, "styles", "tokens.css");
const MAX_LINES = 600;

function walk(dir: string, keep: (f: string) => boolean): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...walk(p, keep));
    else if (keep(p)) out.push(p);
  }
  return out;
}

/** Our own stylesheets (web/public/ holds static files served as they are, e.g. offline.css). */
const sheets = walk(WEB, (f) => f.endsWith(".css")).filter(
  (f) => !f.startsWith(join(WEB, "public")),
);
const rel = (f: string) => relative(ROOT, f);
const stripComments = (css: string) => css.replace(/\/\*[\s\S]*?\*\//g, "");

/**
 * The selectors of every style rule in `css` with the at-rule context they sit in
 * (`@media (min-width: 900px)`), one entry per selector of a selector list. Keyframes'
 * steps (`from`, `50%`) are not selectors and are skipped.
 */
function selectorsOf(css: string): string[] {
  const out: string[] = [];
  const stack: string[] = [];
  let buf = "";
  for (const ch of stripComments(css)) {
    if (ch === "{") {
      const head = buf.trim().replace(/\s+/g, " ");
      buf = "";
      stack.push(head);
      if (head.startsWith("@")) continue;
      if (stack.some((h) => h.startsWith("@keyframes"))) continue;
      const context = stack
        .slice(0, -1)
        .filter((h) => h.startsWith("@"))
        .join(" ");
      for (const sel of head.split(",")) out.push(`${context} ${sel.trim()}`.trim());
    } else if (ch === "}") {
      stack.pop();
      buf = "";
    } else if (ch === ";" && stack.length === 0) {
      buf = ""; // a top-level statement (@import …;)
    } else buf += ch;
  }
  return out;
}

describe("stylesheets beside their features", () => {
  it("web/styles.css is only an index of @imports, in an order that names existing files once", () => {
    const body = stripComments(readFileSync(INDEX, "utf8"))
      .split("\n")
      .map((l) => l.trim())
      .filter(Boolean);
    const imports = body.map((l) => /^@import "(\.\/[^"]+\.css)";$/.exec(l)?.[1] ?? null);
    expect(body.filter((_, i) => imports[i] === null)).toEqual([]);
    expect(imports[0]).toBe("./styles/tokens.css");
    expect(new Set(imports).size).toBe(imports.length);
    const known = new Set(sheets.map(rel));
    for (const i of imports) expect(known).toContain(rel(resolve(WEB, i as string)));
  });

  it("every stylesheet is reached: from the index, another stylesheet or a component", () => {
    const reached = new Set<string>([rel(INDEX)]);
    const importers = [
      ...sheets,
      ...walk(WEB, (f) => /\.(tsx?|html)$/.test(f) && !f.endsWith(".test.ts")),
    ];
    for (const f of importers) {
      const text = readFileSync(f, "utf8");
      for (const m of text.matchAll(/(?:@import|import|href=)\s*"(\.{1,2}\/[^"]+\.css)"/g)) {
        reached.add(rel(resolve(dirname(f), m[1] as string)));
      }
    }
    expect(sheets.map(rel).filter((f) => !reached.has(f))).toEqual([]);
  });

  it(`no stylesheet is longer than ${MAX_LINES} lines`, () => {
    const long = sheets
      .map((f) => ({ f: rel(f), lines: readFileSync(f, "utf8").split("\n").length }))
      .filter((s) => s.lines > MAX_LINES);
    expect(long).toEqual([]);
  });

  it("a selector is styled in one stylesheet only (within the same @media context)", () => {
    const owner = new Map<string, string>();
    const shared: string[] = [];
    for (const f of sheets) {
      for (const sel of new Set(selectorsOf(readFileSync(f, "utf8")))) {
        const first = owner.get(sel);
        if (first && first !== rel(f)) shared.push(`${sel}: ${first} and ${rel(f)}`);
        else owner.set(sel, rel(f));
      }
    }
    expect(shared).toEqual([]);
  });

  it("custom properties for colours, fonts, radii and spacing are defined in tokens.css only", () => {
    const tokens = new Set(
      [...readFileSync(TOKENS, "utf8").matchAll(/(--[a-z0-9-]+)\s*:/g)].map((m) => m[1]),
    );
    expect(tokens.size).toBeGreaterThan(10);
    const redefined: string[] = [];
    for (const f of sheets) {
      if (f === TOKENS) continue;
      for (const m of stripComments(readFileSync(f, "utf8")).matchAll(/(--[a-z0-9-]+)\s*:/g)) {
        if (tokens.has(m[1] as string)) redefined.push(`${m[1]} in ${rel(f)}`);
      }
    }
    expect(redefined).toEqual([]);
  });

  it("selectorsOf reads selector lists, nesting in @media, and skips keyframes", () => {
    expect(
      selectorsOf(
        "/* c { } */ .a, .b > p { x: 1 } @media (min-width: 9px) { .a { y: 2 } } @keyframes k { from { o: 0 } }",
      ),
    ).toEqual([".a", ".b > p", "@media (min-width: 9px) .a"]);
  });
});
