/**
 * docs/protocol.md cannot drift from the code: every route the Hono app registers has a
 * block in the doc and every block a route; the generated body/query tables and the
 * limits table equal what the valibot schemas and constants say now; and every constant
 * protocol/ exports is in the limits table (or named below as not a limit).
 * A failure says which route or limit to add or fix (`npm run docs:protocol` regenerates).
 */
import { readdirSync, readFileSync } from "node:fs";
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { ROOT } from "../scripts/stack.ts";

/** What the test uses of ./protocol-doc.ts, loaded by path: that module is typed for workerd (tsconfig.json). */
interface ProtocolDoc {
  appRoutes(hono?: unknown): string[];
  documentedRoutes(doc: string): string[];
  routeProblems(doc: string, routes?: string[]): string[];
  problems(doc: string, wranglerToml: string, routes?: string[]): string[];
  generate(doc: string, wranglerToml: string): string;
  limits(wranglerToml: string): { what: string; value: string; source: string }[];
  SCHEMA_MODULES: Record<string, Record<string, unknown>>;
}
const tool = (await import(`${ROOT}worker/protocol-doc.ts`)) as ProtocolDoc;

const doc = readFileSync(`${ROOT}docs/protocol.md`, "utf8");
/** protocol/'s valibot-free value modules (the schema modules re-export them), by path. */
const CONSTANT_MODULES: Record<string, Record<string, unknown>> = Object.fromEntries(
  await Promise.all(
    readdirSync(`${ROOT}protocol`)
      .filter((f) => f.endsWith(".constants.ts"))
      .map(async (f) => [`protocol/${f}`, await import(`${ROOT}protocol/${f}`)] as const),
  ),
);
const toml = readFileSync(`${ROOT}wrangler.toml`, "utf8");

/**
 * Exported constants of protocol/ that are not limits a client must know from the table:
 * who-may-send sets and event-type lists, documented by the message tables.
 */
const NOT_LIMITS = new Set([
  "STAFF_ROLES",
  "STAFF_ONLY",
  "TEACHER_ONLY",
  "INTERACTIVE_STAFF_ONLY",
  "INTERACTIVE_TEACHER_ONLY",
  "BOARD_MESSAGE_TYPES",
  "SOCIAL_STAFF_ONLY",
  "ROLES",
  "LATENCY_MODES",
  "BRIDGE_SESSION_STATES",
]);

describe("docs/protocol.md agrees with the code", () => {
  it("documents every route of the Hono app and no route it lacks", () => {
    const problems = tool.routeProblems(doc);
    expect(problems, problems.join("\n")).toEqual([]);
    // The check sees the real app: the routes a client needs most are among them.
    expect(tool.appRoutes()).toEqual(
      expect.arrayContaining([
        "POST /api/auth/signup",
        "POST /api/classes",
        "POST /api/classes/:id/ticket",
        "GET /ws/classes/:classId",
      ]),
    );
  });

  it("has every generated section (bodies, queries, limits) up to date", () => {
    const problems = tool.problems(doc, toml);
    expect(problems, problems.join("\n")).toEqual([]);
    expect(tool.generate(doc, toml)).toBe(doc);
  });

  it("lists every constant protocol/ exports in the limits table", () => {
    // `file A, B` → the names A and B (realtime.ts re-exports interactive.ts: match by name).
    const named = new Set(
      tool.limits(toml).flatMap((l) => l.source.split(" ").slice(1).join(" ").split(/, ?/)),
    );
    const missing = new Set<string>();
    const modules = { ...tool.SCHEMA_MODULES, ...CONSTANT_MODULES };
    expect(Object.keys(CONSTANT_MODULES)).toContain("protocol/realtime.constants.ts");
    for (const [path, mod] of Object.entries(modules)) {
      if (!path.startsWith("protocol/")) continue;
      for (const [name, value] of Object.entries(mod)) {
        if (!/^[A-Z][A-Z0-9_]+$/.test(name) || NOT_LIMITS.has(name)) continue;
        if (typeof value === "function") continue;
        if (!named.has(name)) missing.add(`${path} ${name}`);
      }
    }
    expect(
      [...missing],
      [...missing]
        .map(
          (m) =>
            `${m} is exported by protocol/ but not in docs/protocol.md's limits table: add it to limits() in worker/protocol-doc.ts (or to NOT_LIMITS in this test if it is no limit), then run \`npm run docs:protocol\`.`,
        )
        .join("\n"),
    ).toEqual([]);
  });
});

describe("the drift check catches drift", () => {
  it("names a route the app has and the doc lacks, and a documented route the app lacks", () => {
    const extra = new Hono().get("/api/classes/:id/invitations", (c) => c.text("x"));
    const routes = [...tool.appRoutes(), ...tool.appRoutes(extra)];
    expect(tool.routeProblems(doc, routes)).toEqual([
      expect.stringContaining(
        'Route `GET /api/classes/:id/invitations` is registered in the Hono app (worker/app.ts, worker/routes/*) but docs/protocol.md has no block for it: add a heading "#### `GET /api/classes/:id/invitations`"',
      ),
    ]);
    const gone = routes.filter((r) => r !== "POST /api/auth/signup");
    expect(tool.routeProblems(doc, gone)).toEqual([
      expect.stringContaining("GET /api/classes/:id/invitations"),
      expect.stringContaining(
        "docs/protocol.md documents `POST /api/auth/signup`, but the Hono app registers no such route",
      ),
    ]);
  });

  it("refuses a route heading without a block under it", () => {
    const hollow = doc.replace(/(#### `GET \/api\/auth\/me`\n)[\s\S]*?(?=\n#### )/, "$1");
    expect(hollow).not.toBe(doc);
    expect(tool.routeProblems(hollow)).toEqual([
      "docs/protocol.md: the block for `GET /api/auth/me` is empty: say who may call it, its body or query, the answer and the errors.",
    ]);
  });

  it("names a limit whose documented value differs from the constant", () => {
    const edited = doc.replace(
      "| Chat message length | 1–500 characters |",
      "| Chat message length | 1–400 characters |",
    );
    expect(edited).not.toBe(doc);
    const problems = tool.problems(edited, toml).join("\n");
    expect(problems).toContain('section "limits" does not match the code');
    expect(problems).toContain("doc says:  | Chat message length | 1–400 characters |");
    expect(problems).toContain(
      "code says: | Chat message length | 1–500 characters | `protocol/realtime.constants.ts CHAT_MAX_CHARS` |",
    );
  });

  it("names a rate limit changed in wrangler.toml", () => {
    const stricter = toml.replace(
      "simple = { limit = 10, period = 60 }",
      "simple = { limit = 5, period = 60 }",
    );
    expect(stricter).not.toBe(toml);
    const problems = tool.problems(doc, stricter).join("\n");
    expect(problems).toContain("code says: | Sign-in attempts per email | 5 per 60 s |");
  });

  it("names a body field the schema has and the doc's table lacks", () => {
    const edited = doc.replace(
      /^\| `guestAccess` \| `boolean` \| no \(default `false`\) \| — \|\n/m,
      "",
    );
    expect(edited).not.toBe(doc);
    const problems = tool.problems(edited, toml).join("\n");
    expect(problems).toContain(
      'section "schema protocol/api.ts#CreateClassBody" does not match the code',
    );
    expect(problems).toContain(
      "code says: | `guestAccess` | `boolean` | no (default `false`) | — |",
    );
  });
});
