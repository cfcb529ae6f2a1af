/**
 * Stylesheets live beside their features (issue 15, point 7), and each page loads only
 * the ones it uses: `web/<page>.css`, beside `web/<page>.html`, is that page's ordered
 * list of @imports, loaded by the page's entry module (or linked by a page without
 * script). The lists hold what the page's components use and nothing they do not; all
 * lists keep one cascade order; every stylesheet is reached from some page; no
 * stylesheet grows past MAX_LINES; a selector is styled in one feature stylesheet only,
 * so a rule is found where its feature is; colours come from the shared tokens
 * (web/styles/tokens.css).
 *
 * "Uses" is read from the source: the class names a page's modules (everything its
 * entry reaches through relative imports) and its HTML put in `class` attributes, with
 * `prefix-${…}` counting as every class that starts with `prefix-`. A rule is used by a
 * page when every class in its selector is; a stylesheet when one of its rules is.
 *
 * (web/ is typed for the browser; this check reads files, so it lives here.)
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const WEB = join(ROOT, "web");
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

const rel = (f: string) => relative(ROOT, f);
const read = (f: string) => readFileSync(f, "utf8");
const stripComments = (css: string) => css.replace(/\/\*[\s\S]*?\*\//g, "");

/** The pages: one per web/*.html, each with its stylesheet list web/<page>.css. */
const PAGES = readdirSync(WEB)
  .filter((f) => f.endsWith(".html"))
  .map((f) => f.slice(0, -".html".length))
  .sort();
const listOf = (page: string) => join(WEB, `${page}.css`);
const LISTS = new Set(PAGES.map(listOf));

/** Our own stylesheets (web/public/ holds static files served as they are, e.g. offline.css). */
const allCss = walk(WEB, (f) => f.endsWith(".css")).filter(
  (f) => !f.startsWith(join(WEB, "public")),
);
/** The feature stylesheets: everything but the page lists. */
const sheets = allCss.filter((f) => !LISTS.has(f));

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

/** The stylesheets a list @imports, in order (paths resolved). */
function importsOf(cssFile: string): string[] {
  return [...stripComments(read(cssFile)).matchAll(/@import\s+"([^"]+)"/g)].map((m) =>
    resolve(dirname(cssFile), m[1] as string),
  );
}

/**
 * The static text of the string and template literals in a JS expression (a `class={…}`
 * value): `"a b"` gives "a b"; `` `x ${c ? "y" : ""} z-${k}` `` gives "x ", "y", "", " z-\0".
 * A template's `${` is marked with \0 so that `z-\0` reads as the prefix `z-`.
 */
function literalsOf(expr: string): string[] {
  const out: string[] = [];
  let i = 0;
  const expression = (close: string | null) => {
    while (i < expr.length) {
      const ch = expr[i++] as string;
      if (ch === close) return;
      if (ch === '"' || ch === "'") {
        const end = expr.indexOf(ch, i);
        out.push(expr.slice(i, end));
        i = end + 1;
      } else if (ch === "`") template();
      else if (ch === "{") expression("}");
    }
  };
  const template = () => {
    let text = "";
    while (i < expr.length) {
      const ch = expr[i++] as string;
      if (ch === "`") break;
      if (ch === "$" && expr[i] === "{") {
        i++;
        text += "\0";
        expression("}");
      } else text += ch;
    }
    out.push(text);
  };
  expression(null);
  return out;
}

interface ClassUse {
  names: Set<string>;
  prefixes: Set<string>;
}

/** The class names `source` (TSX or HTML) puts in `class` attributes. */
function classesUsedIn(source: string, use: ClassUse = { names: new Set(), prefixes: new Set() }) {
  for (const m of source.matchAll(/\bclass=/g)) {
    const start = (m.index as number) + m[0].length;
    const open = source[start];
    let expr: string;
    if (open === '"') expr = source.slice(start, source.indexOf('"', start + 1) + 1);
    else if (open === "{") {
      let depth = 0;
      let end = start;
      for (; end < source.length; end++) {
        if (source[end] === "{") depth++;
        else if (source[end] === "}" && --depth === 0) break;
      }
      expr = source.slice(start + 1, end);
    } else continue;
    for (const text of literalsOf(expr)) {
      for (const word of text.split(/\s+/)) {
        // `x-${…}`: every class starting with `x-`; `x${…}`: x, with something after it or not.
        const head = word.split("\0")[0] as string;
        if (!/^[A-Za-z_][\w-]*$/.test(head)) continue;
        if (word !== head && head.endsWith("-")) use.prefixes.add(head);
        else use.names.add(head);
      }
    }
  }
  return use;
}

const classesOfSelector = (sel: string) =>
  [...sel.matchAll(/\.([A-Za-z_][\w-]*)/g)].map((m) => m[1] as string);
const uses = (use: ClassUse, cls: string) =>
  use.names.has(cls) || [...use.prefixes].some((p) => cls.startsWith(p));

/** The selectors of `sheet` that style something `use` holds (all their classes used; element-only rules always). */
function usedSelectors(sheet: string, use: ClassUse): string[] {
  return selectorsOf(read(sheet)).filter((sel) =>
    classesOfSelector(sel).every((c) => uses(use, c)),
  );
}

interface Page {
  name: string;
  /** The page's list, web/<page>.css, if its HTML or entry loads it. */
  list: string | null;
  /** Every stylesheet the page loads: its list's imports, then those its modules import. */
  css: string[];
  use: ClassUse;
  modules: string[];
}

/** A page: its HTML, the modules its entry reaches, the stylesheets they load, the classes they use. */
function page(name: string): Page {
  const html = join(WEB, `${name}.html`);
  const use = classesUsedIn(read(html));
  const loaded: string[] = [];
  const modules: string[] = [];
  for (const m of read(html).matchAll(/<link rel="stylesheet" href="(\.\/[^"]+\.css)"/g))
    loaded.push(resolve(WEB, m[1] as string));
  const stack = [...read(html).matchAll(/<script type="module" src="\/([^"]+)"/g)].map((m) =>
    join(WEB, m[1] as string),
  );
  while (stack.length > 0) {
    const file = stack.shift() as string;
    if (modules.includes(file)) continue;
    modules.push(file);
    const source = read(file);
    classesUsedIn(source, use);
    for (const m of source.matchAll(/(?:from|import)\s*\(?\s*"(\.{1,2}\/[^"]+)"/g)) {
      const target = resolve(dirname(file), m[1] as string);
      if (target.endsWith(".css")) loaded.push(target);
      else if (existsSync(target)) stack.push(target);
    }
  }
  const list = loaded.find((f) => f === listOf(name)) ?? null;
  const css: string[] = [];
  for (const f of loaded) for (const s of LISTS.has(f) ? importsOf(f) : [f]) css.push(s);
  return { name, list, css: [...new Set(css)], use, modules };
}

const pages = PAGES.map(page);

describe("stylesheets beside their features, each page loading only its own", () => {
  it("there are the five pages, and each loads its own list web/<page>.css and no other", () => {
    expect(PAGES).toEqual(["admin", "index", "not-found", "student", "studio"]);
    for (const p of pages) {
      expect(p.list, `${p.name}.html or its entry loads web/${p.name}.css`).toBe(listOf(p.name));
      const otherLists = pages.filter((q) => q !== p).map((q) => listOf(q.name));
      const loads = p.modules.flatMap((m) =>
        [...read(m).matchAll(/import\s+"(\.{1,2}\/[^"]+\.css)"/g)].map((x) =>
          resolve(dirname(m), x[1] as string),
        ),
      );
      expect(loads.filter((f) => otherLists.includes(f))).toEqual([]);
    }
  });

  it("each list is only @imports of existing feature stylesheets, tokens first, each once", () => {
    for (const p of PAGES) {
      const body = stripComments(read(listOf(p)))
        .split("\n")
        .map((l) => l.trim())
        .filter(Boolean);
      expect(
        body.filter((l) => !/^@import "\.\/[^"]+\.css";$/.test(l)),
        p,
      ).toEqual([]);
      const imports = importsOf(listOf(p));
      expect(imports[0], p).toBe(TOKENS);
      expect(new Set(imports).size, p).toBe(imports.length);
      for (const f of imports) expect(sheets, p).toContain(f);
    }
  });

  it("all lists keep one cascade order (two stylesheets on two pages come in the same order)", () => {
    const conflicts: string[] = [];
    const lists = PAGES.map((p) => ({ p, order: importsOf(listOf(p)) }));
    for (const a of lists)
      for (const b of lists) {
        const common = a.order.filter((f) => b.order.includes(f));
        const inB = b.order.filter((f) => common.includes(f));
        if (common.join() !== inB.join()) conflicts.push(`${a.p} / ${b.p}`);
      }
    expect(conflicts).toEqual([]);
  });

  it("each page loads every stylesheet that styles a class its components use", () => {
    const missing: string[] = [];
    for (const p of pages) {
      for (const s of sheets) {
        if (p.css.includes(s)) continue;
        const used = usedSelectors(s, p.use).filter((sel) => classesOfSelector(sel).length > 0);
        if (used.length > 0) missing.push(`${p.name}: ${rel(s)} (${used.slice(0, 3).join(", ")})`);
      }
    }
    expect(missing).toEqual([]);
  });

  it("no page loads a stylesheet none of whose rules it uses", () => {
    const unused = pages.flatMap((p) =>
      p.css.filter((s) => usedSelectors(s, p.use).length === 0).map((s) => `${p.name}: ${rel(s)}`),
    );
    expect(unused).toEqual([]);
    // The pages do differ: the sign-in page does not carry the studio's stylesheets.
    const index = pages.find((p) => p.name === "index") as Page;
    expect(index.css.map(rel)).not.toContain("web/studio/media/media.css");
  });

  it("every stylesheet is loaded by some page (no orphans)", () => {
    const loaded = new Set(pages.flatMap((p) => p.css));
    expect(sheets.map(rel).filter((f) => !loaded.has(join(ROOT, f)))).toEqual([]);
  });

  it(`no stylesheet is longer than ${MAX_LINES} lines`, () => {
    const long = allCss
      .map((f) => ({ f: rel(f), lines: read(f).split("\n").length }))
      .filter((s) => s.lines > MAX_LINES);
    expect(long).toEqual([]);
  });

  it("a selector is styled in one stylesheet only (within the same @media context)", () => {
    const owner = new Map<string, string>();
    const shared: string[] = [];
    for (const f of sheets) {
      for (const sel of new Set(selectorsOf(read(f)))) {
        const first = owner.get(sel);
        if (first && first !== rel(f)) shared.push(`${sel}: ${first} and ${rel(f)}`);
        else owner.set(sel, rel(f));
      }
    }
    expect(shared).toEqual([]);
  });

  it("custom properties for colours, fonts, radii and spacing are defined in tokens.css only", () => {
    const tokens = new Set([...read(TOKENS).matchAll(/(--[a-z0-9-]+)\s*:/g)].map((m) => m[1]));
    expect(tokens.size).toBeGreaterThan(10);
    const redefined: string[] = [];
    for (const f of sheets) {
      if (f === TOKENS) continue;
      for (const m of stripComments(read(f)).matchAll(/(--[a-z0-9-]+)\s*:/g)) {
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

  it("classesUsedIn reads class attributes: strings, conditionals and prefix templates", () => {
    // TSX source as text: "$" + "{" keeps it from reading as a template here.
    const $ = "$" + "{";
    const use = classesUsedIn(
      [
        '<p class="a b-c" data-x="not-a-class">',
        `<i class={\`d${$}on ? " is-on" : ""} conn-${$}state}\`} />`,
        '<b class={props.class ?? "e"} />',
        `<u class={\`f ${$}g(\`h\`)}\`} />`,
      ].join("\n"),
    );
    expect([...use.names].sort()).toEqual(["a", "b-c", "d", "e", "f", "h", "is-on"]);
    expect([...use.prefixes]).toEqual(["conn-"]);
    expect(uses(use, "conn-offline")).toBe(true);
    expect(uses(use, "not-a-class")).toBe(false);
  });
});
