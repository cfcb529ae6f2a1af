/**
 * Every word the UI shows comes from a message catalog (issue 15, point 5;
 * docs/decisions/060-languages.md). This check parses every component under web/ and fails
 * on text written into the JSX: text between tags, a string or template literal rendered
 * as a child (`{busy ? "Joining…" : "Join"}`), and a literal in an attribute a person
 * sees or hears (aria-label, title, placeholder, alt, and props named like text:
 * `label`, `signOutLabel`, `deniedTitle`, `empty`…). Text without letters ("·", "×",
 * "−", "/") is not language and passes. The catalogs themselves are checked in
 * web/i18n/catalogs.test.ts; that every key exists in every language is a type error.
 *
 * (web/ is typed for the browser; this check reads files, so it lives here.)
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { parseSync } from "vite";
import { describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const WEB = join(ROOT, "web");

/**
 * Folders still being moved to the catalogs (issue 15 point 5, helper i18n2): remove each
 * entry as its folder is converted. The check covers everything else under web/.
 */
const PENDING: string[] = [];

/** Attributes whose value a person reads or hears. */
const TEXT_ATTRIBUTES = new Set([
  "aria-label",
  "aria-description",
  "aria-roledescription",
  "aria-valuetext",
  "aria-placeholder",
  "title",
  "placeholder",
  "alt",
  "label",
  "hint",
  "empty",
  "text",
  "message",
  "heading",
  "caption",
  "description",
]);
/** Component props named for text: `signOutLabel`, `deniedTitle`, `ariaLabel`, `emptyText`… */
const TEXT_PROP = /(Label|Title|Text|Message|Placeholder|Hint|Heading|Caption)$/;

const LETTER = /\p{L}/u;

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const p = join(dir, d.name);
    if (d.isDirectory()) return walk(p);
    return d.name.endsWith(".tsx") ? [p] : [];
  });
}

// biome-ignore lint/suspicious/noExplicitAny: an ESTree walk reads nodes of every kind
type Node = any;

/** The literal UI text an expression renders as it is (not through a call such as `t(…)`). */
function literalText(e: Node): string[] {
  if (!e || typeof e !== "object") return [];
  switch (e.type) {
    case "Literal":
      return typeof e.value === "string" && LETTER.test(e.value) ? [e.value] : [];
    case "TemplateLiteral":
      return [
        ...e.quasis
          .map((q: Node) => q.value.cooked as string)
          .filter((s: string) => LETTER.test(s)),
        ...e.expressions.flatMap(literalText),
      ];
    case "ConditionalExpression":
      return [...literalText(e.consequent), ...literalText(e.alternate)];
    case "LogicalExpression":
      return [...literalText(e.left), ...literalText(e.right)];
    case "BinaryExpression":
      return e.operator === "+" ? [...literalText(e.left), ...literalText(e.right)] : [];
    case "ParenthesizedExpression":
    case "TSAsExpression":
    case "TSNonNullExpression":
    case "TSSatisfiesExpression":
      return literalText(e.expression);
    default:
      return [];
  }
}

function attributeName(a: Node): string {
  return a.name.type === "JSXNamespacedName"
    ? `${a.name.namespace.name}:${a.name.name.name}`
    : a.name.name;
}

/** Bare UI text in one TSX source: `line: what` per finding. */
function bareText(file: string, source: string): string[] {
  const { program, errors } = parseSync(file, source, { lang: "tsx" });
  if (errors.length > 0) return [`${file}: does not parse: ${errors[0]?.message}`];
  const lineOf = (offset: number) => source.slice(0, offset).split("\n").length;
  const found: string[] = [];
  const report = (at: number, what: string) =>
    found.push(`${file}:${lineOf(at)}: ${what.replace(/\s+/g, " ")}`);
  const visit = (n: Node, parent: Node) => {
    if (!n || typeof n !== "object") return;
    if (Array.isArray(n)) {
      for (const c of n) visit(c, parent);
      return;
    }
    if (n.type === "JSXText" && LETTER.test(n.value)) {
      const lead = n.value.length - n.value.trimStart().length;
      report(n.start + lead, `text "${n.value.trim()}"`);
    }
    if (
      n.type === "JSXExpressionContainer" &&
      (parent?.type === "JSXElement" || parent?.type === "JSXFragment")
    )
      for (const s of literalText(n.expression)) report(n.start, `text {"${s}"}`);
    if (n.type === "JSXAttribute") {
      const name = attributeName(n);
      if (TEXT_ATTRIBUTES.has(name) || TEXT_PROP.test(name)) {
        const v = n.value?.type === "JSXExpressionContainer" ? n.value.expression : n.value;
        for (const s of literalText(v)) report(n.start, `${name}="${s}"`);
      }
    }
    for (const [k, v] of Object.entries(n))
      if (k !== "parent" && v && typeof v === "object") visit(v, n);
  };
  visit(program, null);
  return found;
}

describe("UI text comes from the message catalogs", () => {
  it("no component under web/ writes UI text as a literal", () => {
    const files = walk(WEB).filter((f) => !PENDING.some((p) => relative(ROOT, f).startsWith(p)));
    expect(files.length).toBeGreaterThan(30);
    const found = files.flatMap((f) => bareText(relative(ROOT, f), readFileSync(f, "utf8")));
    expect(found, found.join("\n")).toEqual([]);
  });

  it("finds text, text children, text attributes and text props; passes keys and symbols", () => {
    const src = `
      const A = () => (
        <div title="Tooltip" class="btn btn-primary" data-testid="Some id">
          Hello
          {busy ? "Joining…" : t("student.join")}
          {\`\${n} s\`}
          <input placeholder={"Type here"} aria-label={t("a.b")} />
          <img alt="" src="/x.png" />
          <Header signOutLabel="Leave class" kind="class" />
          <span aria-hidden="true"> · </span>{" "}×{n}
          {label ?? "Copy link"}
        </div>
      );`;
    expect(bareText("x.tsx", src)).toEqual([
      'x.tsx:3: title="Tooltip"',
      'x.tsx:4: text "Hello"',
      'x.tsx:5: text {"Joining…"}',
      'x.tsx:6: text {" s"}',
      'x.tsx:7: placeholder="Type here"',
      'x.tsx:9: signOutLabel="Leave class"',
      'x.tsx:11: text {"Copy link"}',
    ]);
  });
});
