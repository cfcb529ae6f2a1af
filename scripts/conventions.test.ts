/**
 * The conventions of docs/architecture.md ("Conventions") as a test, so a file that breaks
 * one fails here rather than in review: private class members use TypeScript's `private`,
 * never an ECMAScript `#name`; every log event name in a runtime's union (`worker/log.ts`
 * for the Worker and the Durable Objects, `bridge/log.ts` for the bridge) is snake_case
 * `subject_past_participle`.
 */
import { describe, expect, it } from "vitest";
import { listed, readRepoFile, repoFiles } from "./repo-files.ts";

/**
 * Files that other changes are converting right now (bridge/: its own pure core and
 * typed log union; the studio's media classes). Each is checked once it leaves this list;
 * keep it empty otherwise.
 */
const ALLOWLIST: readonly string[] = [];

/** Source files (not tests): what the Worker, the bridge, the pages and the tools run. */
function sources(): string[] {
  return repoFiles().filter(
    (f) => /\.(ts|tsx|js|mjs|cjs)$/.test(f) && !/\.test\.tsx?$/.test(f) && !f.endsWith(".d.ts"),
  );
}

/**
 * The lines of `text` that declare or use an ECMAScript private member (`#name` fields,
 * methods and accessors, `this.#name`, `#name in obj`), 1-based. A `#` in a string or a
 * comment (`"#fff"`, `#pane-polls`) is not one.
 */
function privateHashLines(text: string): number[] {
  const declared =
    /^\s*(?:(?:static|readonly|async|get|set|override|accessor)\s+)*\*?#[A-Za-z_$][\w$]*\s*[=;:(<!?]/;
  const used = /(?:\bthis|\))\s*\.\s*#[A-Za-z_$]|(?:^|[\s(!])#[A-Za-z_$][\w$]*\s+in\s/;
  const lines = text.split("\n");
  return lines.flatMap((line, i) => {
    const code = line.replace(/\/\/.*$/, "").replace(/(["'`])(?:\\.|(?!\1).)*\1/g, '""');
    return declared.test(code) || used.test(code) ? [i + 1] : [];
  });
}

/**
 * The event names a log module declares: `event: "…"` members of its union, and bare string
 * literals of a `type …Event… =` union (`"session_created" | "ffmpeg_exited"`).
 */
function logEventNames(text: string): string[] {
  const names = [...text.matchAll(/\bevent\s*:\s*"([^"]*)"/g)].map((m) => m[1]!);
  for (const decl of text.matchAll(/\btype\s+\w*Event\w*\s*=([^;]*);/g))
    for (const m of decl[1]!.matchAll(/(?:^|[=|])\s*"([^"]*)"/g)) names.push(m[1]!);
  return [...new Set(names)];
}

/** snake_case with at least a subject and what happened to it (`sync_failed`). */
const SNAKE_EVENT = /^[a-z][a-z0-9]*(?:_[a-z0-9]+)+$/;

describe("private members use TypeScript's private", () => {
  it("finds # members, and nothing in strings or comments", () => {
    const sample = [
      "class A {",
      "  readonly #base: string;",
      "  #count = 0;",
      "  static #cache = new Map<string, string>();",
      "  async #call(path: string) {",
      "    return this.#base + path;",
      "  }",
      "  get #size() { return 1; }",
      "  has(o: object) { return #count in o; }",
      '  colour = "#fff"; // #not-a-member',
      // A template literal with a placeholder: `#top-${n}`.
      "  private readonly ok = `#top-$" + "{n}`;",
      '  selector = "#pane-polls";',
      "}",
    ].join("\n");
    expect(privateHashLines(sample)).toEqual([2, 3, 4, 5, 6, 8, 9]);
  });

  it("no source file declares or uses a #name member", () => {
    const files = sources();
    expect(files.length).toBeGreaterThan(100);
    const offenders = files
      .filter((f) => !listed(ALLOWLIST, f))
      .flatMap((f) => privateHashLines(readRepoFile(f)).map((line) => `${f}:${line}`));
    expect(offenders).toEqual([]);
  });
});

describe("log event names are snake_case, one union per runtime", () => {
  it("reads the names of both union styles", () => {
    expect(
      logEventNames(
        'type LogEvent = Base & ({ event: "sync_failed"; check: "d1" } | { event: "push_delivered" });',
      ),
    ).toEqual(["sync_failed", "push_delivered"]);
    expect(logEventNames('export type BridgeEvent = "session_created" | "ffmpeg_exited";')).toEqual(
      ["session_created", "ffmpeg_exited"],
    );
    expect(SNAKE_EVENT.test("session.created")).toBe(false);
    expect(SNAKE_EVENT.test("sessionCreated")).toBe(false);
    expect(SNAKE_EVENT.test("created")).toBe(false);
    expect(SNAKE_EVENT.test("d1_flush_failed")).toBe(true);
  });

  for (const file of ["worker/log.ts", "bridge/log.ts"])
    it.skipIf(listed(ALLOWLIST, file))(`${file}: every event is snake_case`, () => {
      const names = logEventNames(readRepoFile(file));
      expect(names.length).toBeGreaterThan(0);
      expect(names.filter((n) => !SNAKE_EVENT.test(n))).toEqual([]);
    });
});
