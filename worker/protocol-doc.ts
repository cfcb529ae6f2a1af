/**
 * docs/protocol.md and the code in one place: the doc's request-body tables and its
 * limits table are generated from the real valibot schemas and constants (`npm run
 * docs:protocol` rewrites them), and every route the Hono app registers must have its
 * own block in the doc (checked by worker/protocol-doc.test.ts in `npm test`).
 *
 * Generated sections sit between markers the author places:
 *
 *   <!-- generated:schema protocol/api.ts#SignUpBody -->   a body/query schema as a table
 *   <!-- generated:limits -->                               every limit in LIMITS
 *   <!-- /generated -->                                      ends either
 *
 * A route block is a heading "#### `METHOD /path`" with the path exactly as Hono has it
 * (`:id` parameters, `*` wildcards). Pure: no Node or Workers APIs, so the unit test and
 * the CLI (scripts/docs-protocol.ts) share it.
 *
 * Why ~800 lines: most of it is data — LIMITS, one row per documented limit with its value
 * and the source it is read from, and the schema list — not logic.
 */
import type { Hono } from "hono";
import { BUCKETS, DUPLICATE_WINDOW_MS } from "../durable-objects/chat-policy.ts";
import { HAND_AWAY_MS } from "../durable-objects/interactive-hands.ts";
import { INTERACTIVE_LIMIT } from "../durable-objects/interactive-shard.ts";
import { INTAKE, CAPACITY as QUEUE_CAPACITY } from "../durable-objects/moderation-queue.ts";
import { MAX_OPEN_PER_STUDENT } from "../durable-objects/qa-core.ts";
import { BURST_FRAMES_PER_SEC, BURST_MAX_MS } from "../durable-objects/reaction-tally.ts";
import { GLOBAL_HISTORY } from "../durable-objects/root-chat.ts";
import { MAX_SOCKETS_PER_USER, PRESENCE_MS } from "../durable-objects/root-loads.ts";
import {
  GUARD,
  HELLO_MIN_INTERVAL_MS,
  SECTION_HISTORY,
  STAFF_GUARD,
} from "../durable-objects/shard-core.ts";
import { REACTION_LIMIT, REPORT_LIMIT } from "../durable-objects/shard-social.ts";
import * as admin from "../protocol/admin.ts";
import * as analytics from "../protocol/analytics.ts";
import * as api from "../protocol/api.ts";
import * as board from "../protocol/board.ts";
import * as bridge from "../protocol/bridge.ts";
import * as interactive from "../protocol/interactive.ts";
import * as push from "../protocol/push.ts";
import * as realtime from "../protocol/realtime.ts";
import * as slides from "../protocol/slides.ts";
import { app } from "./app.ts";
import { SESSION_COOKIE, SESSION_TTL_S } from "./auth/session.ts";
import { MAX_JSON_BYTES } from "./errors.ts";
import { passwordWeakness } from "./routes/auth.ts";
import * as bridgeRoutes from "./routes/bridge.ts";
import { STREAM_TOKEN_TTL_S } from "./routes/classes.ts";
import { TICKET_TTL_S } from "./routes/tickets.ts";

// ---------------------------------------------------------------------------
// Routes
// ---------------------------------------------------------------------------

/** `METHOD /path` of every endpoint the app registers (middleware left out), in order. */
export function appRoutes(hono: Pick<Hono, "routes"> = app): string[] {
  const seen = new Set<string>();
  for (const r of hono.routes) {
    // Middleware takes (c, next); endpoints take (c) or nothing.
    if (r.handler.length >= 2) continue;
    seen.add(`${r.method} ${r.path}`);
  }
  return [...seen];
}

const ROUTE_HEADING = /^#{2,4} `((?:GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS|ALL) \S+)`\s*$/gm;

/** `METHOD /path` of every route block in the doc. */
export function documentedRoutes(doc: string): string[] {
  return [...doc.matchAll(ROUTE_HEADING)].map((m) => m[1]!);
}

/** Each route block's text, from its heading to the next heading. */
export function routeBlocks(doc: string): [route: string, body: string][] {
  const heads = [...doc.matchAll(ROUTE_HEADING)];
  return heads.map((m) => {
    const start = m.index + m[0].length;
    const next = /^#{1,4} /m.exec(doc.slice(start));
    return [m[1]!, doc.slice(start, next ? start + next.index : undefined)];
  });
}

/** Routes the app has and the doc lacks, and the reverse, as messages for the author. */
export function routeProblems(doc: string, routes = appRoutes()): string[] {
  const documented = documentedRoutes(doc);
  const problems: string[] = [];
  for (const r of routes)
    if (!documented.includes(r))
      problems.push(
        `Route \`${r}\` is registered in the Hono app (worker/app.ts, worker/routes/*) but docs/protocol.md has no block for it: add a heading "#### \`${r}\`" under "6. HTTP API" with who may call it, the body/query (a generated:schema marker for its valibot schema), the answer and the errors.`,
      );
  for (const r of documented)
    if (!routes.includes(r))
      problems.push(
        `docs/protocol.md documents \`${r}\`, but the Hono app registers no such route: fix the method/path to match the app (Hono syntax, e.g. \`:id\`) or remove the block.`,
      );
  const twice = documented.filter((r, i) => documented.indexOf(r) !== i);
  for (const r of new Set(twice)) problems.push(`docs/protocol.md has two blocks for \`${r}\`.`);
  for (const [route, body] of routeBlocks(doc))
    if (body.replace(/\s+/g, " ").trim().length < 20)
      problems.push(
        `docs/protocol.md: the block for \`${route}\` is empty: say who may call it, its body or query, the answer and the errors.`,
      );
  return problems;
}

// ---------------------------------------------------------------------------
// Schemas → tables
// ---------------------------------------------------------------------------

/** The modules a `generated:schema` marker may name, and what they export. */
export const SCHEMA_MODULES: Record<string, Record<string, unknown>> = {
  "protocol/admin.ts": admin,
  "protocol/analytics.ts": analytics,
  "protocol/api.ts": api,
  "protocol/board.ts": board,
  "protocol/bridge.ts": bridge,
  "protocol/interactive.ts": interactive,
  "protocol/push.ts": push,
  "protocol/realtime.ts": realtime,
  "protocol/slides.ts": slides,
  "worker/routes/bridge.ts": bridgeRoutes,
};

/** The parts of a valibot schema or action this renderer reads. */
interface Node {
  kind: "schema" | "validation" | "transformation" | "metadata";
  type: string;
  entries?: Record<string, Node>;
  wrapped?: Node;
  default?: unknown;
  options?: readonly unknown[];
  literal?: unknown;
  item?: Node;
  items?: Node[];
  pipe?: Node[];
  requirement?: unknown;
  message?: unknown;
}

const isSchema = (x: unknown): x is Node =>
  typeof x === "object" && x !== null && (x as Node).kind === "schema";

const code = (s: string) => `\`${s.replaceAll("|", "\\|")}\``;
const json = (x: unknown) => code(JSON.stringify(x));

/** One row per field; nested objects are flattened into `a.b` rows. */
interface Row {
  field: string;
  type: string;
  required: string;
  rules: string;
}

function describe(node: Node): { type: string; rules: string[]; children?: Record<string, Node> } {
  const actions = node.pipe ? node.pipe.slice(1) : [];
  const base = node.pipe ? node.pipe[0]! : node;
  let type: string;
  const rules: string[] = [];
  const transforms: string[] = [];
  let children: Record<string, Node> | undefined;
  let isArray = false;
  switch (base.type) {
    case "object":
    case "strict_object":
    case "loose_object":
      type = "object";
      children = base.entries;
      break;
    case "picklist":
      type = (base.options ?? []).map((o) => json(o)).join(" \\| ");
      break;
    case "literal":
      type = json(base.literal);
      break;
    case "array": {
      const inner = describe(base.item!);
      type = `${inner.type.includes("|") ? `(${inner.type})` : inner.type}[]`;
      for (const r of inner.rules) rules.push(`each: ${r}`);
      isArray = true;
      break;
    }
    case "tuple":
      type = `[${(base.items ?? []).map((i) => describe(i).type).join(", ")}]`;
      break;
    case "nullable": {
      const inner = describe(base.wrapped!);
      return { ...inner, type: `${inner.type} \\| \`null\`` };
    }
    default:
      type = code(base.type);
  }
  const min = actions.find((a) => a.type === "min_length")?.requirement;
  const max = actions.find((a) => a.type === "max_length")?.requirement;
  const unit = isArray ? "items" : "characters";
  if (min !== undefined && max !== undefined) rules.push(`${min}–${max} ${unit}`);
  else if (min !== undefined) rules.push(`at least ${min} ${unit}`);
  else if (max !== undefined) rules.push(`at most ${max} ${unit}`);
  const minV = actions.find((a) => a.type === "min_value")?.requirement;
  const maxV = actions.find((a) => a.type === "max_value")?.requirement;
  if (minV !== undefined && maxV !== undefined) rules.push(`${minV}–${maxV}`);
  else if (minV !== undefined) rules.push(`≥ ${minV}`);
  else if (maxV !== undefined) rules.push(`≤ ${maxV}`);
  for (const a of actions) {
    switch (a.type) {
      case "integer":
        type = code("integer");
        break;
      case "trim":
        transforms.push("trimmed");
        break;
      case "to_lower_case":
        transforms.push("lower-cased");
        break;
      case "email":
        rules.push("an email address");
        break;
      case "iso_timestamp":
        rules.push("ISO 8601 date-time, e.g. `2026-12-07T18:00:00.000Z`");
        break;
      case "regex":
        rules.push(`matches ${code(String(a.requirement))}`);
        break;
      case "transform":
        rules.push("read as a number");
        break;
      case "check":
        rules.push(typeof a.message === "string" ? a.message : "checked by the server");
        break;
    }
  }
  rules.unshift(...transforms);
  return children ? { type, rules, children } : { type, rules };
}

function rows(entries: Record<string, Node>, prefix: string, out: Row[]): void {
  for (const [key, raw] of Object.entries(entries)) {
    let node = raw;
    let required = "yes";
    // `v.partial` wraps fields that were optional already: unwrap every layer.
    while (node.type === "optional" || node.type === "exact_optional") {
      if (required === "yes") required = "no";
      if (node.default !== undefined)
        required = `no (default ${json(typeof node.default === "function" ? node.default() : node.default)})`;
      node = node.wrapped!;
    }
    const d = describe(node);
    out.push({ field: code(prefix + key), type: d.type, required, rules: d.rules.join("; ") });
    if (d.children) rows(d.children, `${prefix}${key}.`, out);
  }
}

/** A markdown table of an object schema's fields (types, required, limits), and what it does with unknown fields. */
export function renderSchema(schema: unknown): string {
  if (!isSchema(schema) || !schema.entries)
    throw new Error("generated:schema needs an object schema (v.object / v.strictObject)");
  const out: Row[] = [];
  rows(schema.entries, "", out);
  const lines = [
    "| field | type | required | rules |",
    "|---|---|---|---|",
    ...out.map((r) => `| ${r.field} | ${r.type} | ${r.required} | ${r.rules || "—"} |`),
  ];
  lines.push(
    "",
    schema.type === "strict_object"
      ? "Any other field: 400 `validation_failed`."
      : "Other fields are ignored.",
  );
  return lines.join("\n");
}

/** Resolve `module#Export` to a schema (factories are called with no arguments: production settings). */
export function resolveSchema(ref: string): unknown {
  const [path, name] = ref.split("#");
  const mod = SCHEMA_MODULES[path ?? ""];
  if (!mod)
    throw new Error(
      `generated:schema ${ref}: unknown module; add it to SCHEMA_MODULES in worker/protocol-doc.ts`,
    );
  const value = mod[name ?? ""];
  if (value === undefined) throw new Error(`generated:schema ${ref}: ${path} exports no ${name}`);
  return typeof value === "function" ? (value as () => unknown)() : value;
}

// ---------------------------------------------------------------------------
// Limits
// ---------------------------------------------------------------------------

/** One documented limit: its value is computed from the constant it names. */
export interface Limit {
  what: string;
  value: string;
  /** Where the value comes from: `file NAME`. */
  source: string;
}

const s = (ms: number) => `${ms / 1000} s`;
const kib = (bytes: number) =>
  bytes >= 1048576 ? `${bytes / 1048576} MiB` : `${bytes / 1024} KiB`;
const list = (xs: readonly unknown[]) => xs.map((x) => json(x)).join(", ");
const bucket = (b: { burst: number; perSec: number }) => `burst ${b.burst}, then ${b.perSec} per s`;

/** The rate limits of wrangler.toml's `[[ratelimits]]` blocks (Workers Rate Limiting bindings). */
export function parseRateLimits(toml: string): Record<string, { limit: number; period: number }> {
  const out: Record<string, { limit: number; period: number }> = {};
  for (const block of toml.split("[[ratelimits]]").slice(1)) {
    const name = /^name\s*=\s*"([^"]+)"/m.exec(block)?.[1];
    const simple = /^simple\s*=\s*\{\s*limit\s*=\s*(\d+)\s*,\s*period\s*=\s*(\d+)\s*\}/m.exec(
      block,
    );
    if (name && simple) out[name] = { limit: Number(simple[1]), period: Number(simple[2]) };
  }
  return out;
}

/** The shortest password `passwordWeakness` accepts (it is a rule, not a constant: ask it). */
export function minPasswordLength(): number {
  const sample = "a1b2c3d4e5f6g7h8i9j0".repeat(10);
  for (let n = 1; n <= sample.length; n++)
    if (passwordWeakness(sample.slice(0, n), "someone@example.com") === null) return n;
  throw new Error("passwordWeakness accepts no password of letters and digits");
}

/** A length bound (`max_length` / `min_length`) a schema's pipe sets. */
function bound(schema: unknown, type: "max_length" | "min_length"): number {
  const value = (schema as Node).pipe?.find((a) => a.type === type)?.requirement;
  if (typeof value !== "number") throw new Error(`the schema sets no ${type}`);
  return value;
}
const maxLength = (schema: unknown) => bound(schema, "max_length");
const minLength = (schema: unknown) => bound(schema, "min_length");

/** The schema of a field of an object schema, through optional wrappers; `"[]"` steps into an array's items. */
function field(schema: unknown, ...path: string[]): Node {
  let node = schema as Node;
  for (const step of path) {
    while (node.type === "optional" || node.type === "nullable") node = node.wrapped!;
    const base = node.pipe ? node.pipe[0]! : node;
    const next = step === "[]" ? base.item : base.entries?.[step];
    if (!next) throw new Error(`the schema has no field ${path.join(".")}`);
    node = next;
  }
  while (node.type === "optional" || node.type === "nullable") node = node.wrapped!;
  return node;
}

/** Every limit a client meets, with the constant it comes from. */
export function limits(wranglerToml: string): Limit[] {
  const rl = parseRateLimits(wranglerToml);
  const rate = (name: string) => {
    const r = rl[name];
    if (!r) throw new Error(`wrangler.toml has no [[ratelimits]] ${name}`);
    return `${r.limit} per ${r.period} s`;
  };
  return [
    // HTTP
    {
      what: "JSON request body",
      value: `at most ${kib(MAX_JSON_BYTES)}`,
      source: "worker/errors.ts MAX_JSON_BYTES",
    },
    {
      what: "Password (sign-up)",
      value: `${minPasswordLength()}–${maxLength(api.SignInBody.entries.password)} characters`,
      source: "worker/routes/auth.ts passwordWeakness, protocol/api.ts SignInBody",
    },
    {
      what: "Session lifetime (cookie and token)",
      value: `${SESSION_TTL_S / 86400} days`,
      source: "worker/auth/session.ts SESSION_TTL_S",
    },
    {
      what: "Class id in the media bridge's paths and health reports",
      value: code(String(bridge.BRIDGE_CLASS_ID)),
      source: "protocol/bridge.ts BRIDGE_CLASS_ID",
    },
    {
      what: "Session cookie name",
      value: code(SESSION_COOKIE),
      source: "worker/auth/session.ts SESSION_COOKIE",
    },
    {
      what: "Join ticket lifetime",
      value: `${TICKET_TTL_S} s`,
      source: "worker/routes/tickets.ts TICKET_TTL_S",
    },
    {
      what: "OBS stream token lifetime",
      value: `${STREAM_TOKEN_TTL_S / 3600} h`,
      source: "worker/routes/classes.ts STREAM_TOKEN_TTL_S",
    },
    {
      what: "Sign-in attempts per email",
      value: rate("AUTH_LIMITER"),
      source: "wrangler.toml AUTH_LIMITER",
    },
    {
      what: "Sign-ups, sign-ins and guest joins per client IP",
      value: rate("IP_LIMITER"),
      source: "wrangler.toml IP_LIMITER",
    },
    {
      what: "Join tickets per user (ticket route and cookie upgrades; 429 with Retry-After)",
      value: rate("TICKET_LIMITER"),
      source: "wrangler.toml TICKET_LIMITER",
    },
    {
      what: "Slide page image",
      value: `at most ${kib(slides.MAX_PAGE_BYTES)}`,
      source: "protocol/slides.constants.ts MAX_PAGE_BYTES",
    },
    {
      what: "Slide source PDF",
      value: `at most ${kib(slides.MAX_PDF_BYTES)}`,
      source: "protocol/slides.constants.ts MAX_PDF_BYTES",
    },
    {
      what: "Slide page image types",
      value: list(slides.PAGE_TYPES),
      source: "protocol/slides.constants.ts PAGE_TYPES",
    },
    {
      what: "Deck name",
      value: `1–${slides.DECK_NAME_MAX} characters`,
      source: "protocol/slides.constants.ts DECK_NAME_MAX",
    },
    {
      what: "Pages per deck",
      value: `${board.MAX_DECK_PAGES}`,
      source: "protocol/board.constants.ts MAX_DECK_PAGES",
    },
    {
      what: "Decks the class remembers for `slide.show`",
      value: `${board.MAX_DECKS} (oldest forgotten first)`,
      source: "protocol/board.constants.ts MAX_DECKS",
    },
    {
      what: "Push endpoint length",
      value: `at most ${push.MAX_ENDPOINT_LENGTH} characters`,
      source: "protocol/push.constants.ts MAX_ENDPOINT_LENGTH",
    },
    {
      what: "Push subscriptions per user and class",
      value: `${push.MAX_SUBSCRIPTIONS_PER_USER}`,
      source: "protocol/push.constants.ts MAX_SUBSCRIPTIONS_PER_USER",
    },
    {
      what: "Push subscriptions per client address and class (default, `PUSH_MAX_PER_ADDRESS`)",
      value: `${push.DEFAULT_MAX_SUBSCRIPTIONS_PER_ADDRESS}`,
      source: "protocol/push.constants.ts DEFAULT_MAX_SUBSCRIPTIONS_PER_ADDRESS",
    },
    {
      what: "Push subscriptions per class (default, `PUSH_MAX_PER_CLASS`)",
      value: `${push.DEFAULT_MAX_SUBSCRIPTIONS_PER_CLASS}`,
      source: "protocol/push.constants.ts DEFAULT_MAX_SUBSCRIPTIONS_PER_CLASS",
    },
    {
      what: "Push service hosts (default, `PUSH_HOSTS`)",
      value: list(push.DEFAULT_PUSH_HOSTS),
      source: "protocol/push.constants.ts DEFAULT_PUSH_HOSTS",
    },
    {
      what: "Slide storage per teacher (default, `SLIDES_QUOTA_MB`)",
      value: `${slides.DEFAULT_SLIDES_QUOTA_MB} MiB`,
      source: "protocol/slides.constants.ts DEFAULT_SLIDES_QUOTA_MB",
    },
    {
      what: "Slide decks per teacher (default, `SLIDES_MAX_DECKS`)",
      value: `${slides.DEFAULT_SLIDES_MAX_DECKS}`,
      source: "protocol/slides.constants.ts DEFAULT_SLIDES_MAX_DECKS",
    },
    {
      what: "Admin class list filters",
      value: list(admin.CLASS_STATUSES),
      source: "protocol/admin.constants.ts CLASS_STATUSES",
    },
    {
      what: "Late joiner (analytics)",
      value: `first join later than start + ${analytics.LATE_AFTER_MS / 60000} min`,
      source: "protocol/analytics.constants.ts LATE_AFTER_MS",
    },
    {
      what: "Engagement kinds (analytics)",
      value: list(analytics.ENGAGEMENT_KINDS),
      source: "protocol/analytics.constants.ts ENGAGEMENT_KINDS",
    },
    // Socket
    {
      what: "Protocol version (`?v=`, `hello.v`)",
      value: `${realtime.PROTOCOL_VERSION}`,
      source: "protocol/realtime.constants.ts PROTOCOL_VERSION",
    },
    {
      what: "Client frame size",
      value: `at most ${realtime.MAX_FRAME_BYTES} bytes (UTF-8)`,
      source: "protocol/realtime.constants.ts MAX_FRAME_BYTES",
    },
    {
      what: "Keep-alive frame / answer",
      value: `${code(realtime.PING_FRAME)} / ${code(realtime.PONG_FRAME)}`,
      source: "protocol/realtime.constants.ts PING_FRAME, PONG_FRAME",
    },
    {
      what: "Open sockets per user and class",
      value: `${MAX_SOCKETS_PER_USER} (more: close 4009)`,
      source: "durable-objects/root-loads.ts MAX_SOCKETS_PER_USER",
    },
    {
      what: "Frame guard, student and guest sockets (all frames; over it: `error rate_limited`)",
      value: `${bucket(GUARD)}; ${GUARD.closeAfterRefused} refused in a row: close 4029`,
      source: "durable-objects/shard-core.ts GUARD",
    },
    {
      what: "Frame guard, staff sockets (staff commands have no other rate limit; staff chat has its own below)",
      value: bucket(STAFF_GUARD),
      source: "durable-objects/shard-core.ts STAFF_GUARD",
    },
    {
      what: "Invalid-frame strikes",
      value: `more than ${GUARD.maxStrikes} (one forgiven per s): close 4008`,
      source: "durable-objects/shard-core.ts GUARD.maxStrikes",
    },
    {
      what: "`hello` resyncs",
      value: `one at a time, at most one per ${s(HELLO_MIN_INTERVAL_MS)}`,
      source: "durable-objects/shard-core.ts HELLO_MIN_INTERVAL_MS",
    },
    {
      what: "Chat message length",
      value: `1–${realtime.CHAT_MAX_CHARS} characters`,
      source: "protocol/realtime.constants.ts CHAT_MAX_CHARS",
    },
    {
      what: "Chat rate, students and guests",
      value: bucket(BUCKETS.student),
      source: "durable-objects/chat-policy.ts BUCKETS.student",
    },
    {
      what: "Chat rate, staff",
      value: bucket(BUCKETS.staff),
      source: "durable-objects/chat-policy.ts BUCKETS.staff",
    },
    {
      what: "Duplicate message window",
      value: s(DUPLICATE_WINDOW_MS),
      source: "durable-objects/chat-policy.ts DUPLICATE_WINDOW_MS",
    },
    {
      what: "Slow mode (`settings.update.slowModeSec`)",
      value: `0–${realtime.SLOW_MODE_MAX_S} s (0 = off)`,
      source: "protocol/realtime.constants.ts SLOW_MODE_MAX_S",
    },
    {
      what: "Announcement length",
      value: `1–${realtime.ANNOUNCE_MAX_CHARS} characters`,
      source: "protocol/realtime.constants.ts ANNOUNCE_MAX_CHARS",
    },
    {
      what: "Time-out (`mod.timeout.seconds`)",
      value: `${realtime.TIMEOUT_MIN_S}–${realtime.TIMEOUT_MAX_S} s`,
      source: "protocol/realtime.constants.ts TIMEOUT_MIN_S, TIMEOUT_MAX_S",
    },
    {
      what: "Time-out / ban reason (`reason`)",
      value: `at most ${maxLength(field(realtime.ClientSchemas["mod.ban"], "reason"))} characters`,
      source: "protocol/realtime.ts ClientSchemas",
    },
    {
      what: "Blocked words (`settings.update.blockedWords`)",
      value: `at most ${maxLength(field(realtime.ClientSchemas["settings.update"], "blockedWords"))} words, each ${minLength(field(realtime.ClientSchemas["settings.update"], "blockedWords", "[]"))}–${maxLength(field(realtime.ClientSchemas["settings.update"], "blockedWords", "[]"))} characters`,
      source: "protocol/realtime.ts ClientSchemas",
    },
    {
      what: "Reactions (`reaction.send` emoji)",
      value: realtime.REACTIONS.join(" "),
      source: "protocol/social.constants.ts REACTIONS",
    },
    {
      what: "Reactions per student",
      value: `burst ${REACTION_LIMIT.burst}, then 1 per ${REACTION_LIMIT.everyMs / 1000} s`,
      source: "durable-objects/shard-social.ts REACTION_LIMIT",
    },
    {
      what: "Reaction bursts (`reaction.burst`)",
      value: `staff every ${realtime.REACTION_BURST_MS} ms; everyone at least ${realtime.REACTION_BURST_MS} ms apart, within ~${BURST_FRAMES_PER_SEC.toLocaleString("en")} frames/s in all, at most ${BURST_MAX_MS / 1000} s apart`,
      source:
        "protocol/social.constants.ts REACTION_BURST_MS, durable-objects/reaction-tally.ts BURST_FRAMES_PER_SEC, BURST_MAX_MS",
    },
    {
      what: "Report reasons (`chat.report`)",
      value: realtime.REPORT_REASONS.map(code).join(", "),
      source: "protocol/social.constants.ts REPORT_REASONS",
    },
    {
      what: "Reports per student",
      value: `burst ${REPORT_LIMIT.burst}, then 1 per ${REPORT_LIMIT.everyMs / 1000} s`,
      source: "durable-objects/shard-social.ts REPORT_LIMIT",
    },
    {
      what: "Moderation queue",
      value: `takes ${INTAKE.perSec} new items/s after a burst of ${INTAKE.burst}, holds ${QUEUE_CAPACITY}; the rest counted in \`overflow\``,
      source: "durable-objects/moderation-queue.ts INTAKE, CAPACITY",
    },
    {
      what: "Moderation queue items sent to staff",
      value: `the ${realtime.MOD_QUEUE_VIEW} of highest priority`,
      source: "protocol/social.constants.ts MOD_QUEUE_VIEW",
    },
    {
      what: "Queue actions (`mod.resolve`)",
      value: `${realtime.RESOLVE_ACTIONS.map(code).join(", ")}; a time-out lasts ${realtime.RESOLVE_TIMEOUT_S} s unless \`seconds\` says`,
      source: "protocol/social.constants.ts RESOLVE_ACTIONS, RESOLVE_TIMEOUT_S",
    },
    {
      what: "`rid` (your request id, echoed back)",
      value: `at most ${maxLength(field(realtime.ClientSchemas["chat.send"], "rid"))} characters`,
      source: "protocol/realtime.ts ClientSchemas",
    },
    {
      what: "Global chat kept in a snapshot",
      value: `last ${GLOBAL_HISTORY} messages`,
      source: "durable-objects/root-chat.ts GLOBAL_HISTORY",
    },
    {
      what: "Section chat kept in `section.snapshot`",
      value: `last ${SECTION_HISTORY} messages`,
      source: "durable-objects/shard-core.ts SECTION_HISTORY",
    },
    {
      what: "Presence frames",
      value: `at most every ${s(PRESENCE_MS)} (less often above 20,000 students)`,
      source: "durable-objects/root-loads.ts PRESENCE_MS",
    },
    {
      what: "`poll.answer`, `hand.raise`, `hand.lower`, `qa.ask`, `qa.vote` per user (over it: `error rate_limited`)",
      value: bucket(INTERACTIVE_LIMIT),
      source: "durable-objects/interactive-shard.ts INTERACTIVE_LIMIT",
    },
    {
      what: "Poll options",
      value: `${interactive.POLL_MIN_OPTIONS}–${interactive.POLL_MAX_OPTIONS}`,
      source: "protocol/interactive.constants.ts POLL_MIN_OPTIONS, POLL_MAX_OPTIONS",
    },
    {
      what: "Poll question / option",
      value: `1–${interactive.POLL_QUESTION_MAX_CHARS} / 1–${interactive.POLL_OPTION_MAX_CHARS} characters`,
      source: "protocol/interactive.constants.ts POLL_QUESTION_MAX_CHARS, POLL_OPTION_MAX_CHARS",
    },
    {
      what: "Quiz time limit",
      value: `${interactive.QUIZ_MIN_SEC}–${interactive.QUIZ_MAX_SEC} s`,
      source: "protocol/interactive.constants.ts QUIZ_MIN_SEC, QUIZ_MAX_SEC",
    },
    {
      what: "Quiz speed bonus",
      value: `0–${interactive.QUIZ_MAX_SPEED_BONUS} points`,
      source: "protocol/interactive.constants.ts QUIZ_MAX_SPEED_BONUS",
    },
    {
      what: "Quiz deadline grace for video delay",
      value: `at most ${s(interactive.MAX_DEADLINE_GRACE_MS)}`,
      source: "protocol/latency.ts MAX_DEADLINE_GRACE_MS",
    },
    {
      what: "Video delay a quiz answer may claim, per latency mode (only while live)",
      value: Object.entries(interactive.MODE_MAX_DELAY_MS)
        .map(([mode, ms]) => `${mode} ${s(ms)}`)
        .join(", "),
      source: "protocol/latency.ts MODE_MAX_DELAY_MS",
    },
    {
      what: "Latency mode assumed until the class's own is known",
      value: code(interactive.DEFAULT_LATENCY_MODE),
      source: "protocol/latency.ts DEFAULT_LATENCY_MODE",
    },
    {
      what: "Quiz leaderboard",
      value: `top ${interactive.LEADERBOARD_N}`,
      source: "protocol/interactive.constants.ts LEADERBOARD_N",
    },
    {
      what: "Question length (`qa.ask`)",
      value: `1–${interactive.QUESTION_MAX_CHARS} characters`,
      source: "protocol/interactive.constants.ts QUESTION_MAX_CHARS",
    },
    {
      what: "Waiting questions per student",
      value: `${MAX_OPEN_PER_STUDENT}`,
      source: "durable-objects/qa-core.ts MAX_OPEN_PER_STUDENT",
    },
    {
      what: "Public question list (`qa.top`)",
      value: `top ${interactive.QA_TOP_N}`,
      source: "protocol/interactive.constants.ts QA_TOP_N",
    },
    {
      what: "Hand queue window / `hand.page.limit`",
      value: `${interactive.HAND_WINDOW} / 1–${interactive.HAND_PAGE_MAX}`,
      source: "protocol/interactive.constants.ts HAND_WINDOW, HAND_PAGE_MAX",
    },
    {
      what: "Raised hand kept without a socket",
      value: s(HAND_AWAY_MS),
      source: "durable-objects/interactive-hands.ts HAND_AWAY_MS",
    },
    {
      what: "Board colours (`board.stroke.color`)",
      value: list(board.BOARD_COLORS),
      source: "protocol/board.constants.ts BOARD_COLORS",
    },
    {
      what: "Board sizes (`board.stroke.size`, thousandths of the slide width)",
      value: list(board.BOARD_SIZES),
      source: "protocol/board.constants.ts BOARD_SIZES",
    },
    {
      what: "Points per `board.stroke` batch",
      value: `at most ${board.MAX_POINTS_PER_BATCH}`,
      source: "protocol/board.constants.ts MAX_POINTS_PER_BATCH",
    },
    {
      what: "Points per stroke",
      value: `at most ${board.MAX_POINTS_PER_STROKE}`,
      source: "protocol/board.constants.ts MAX_POINTS_PER_STROKE",
    },
    {
      what: "Strokes / points per slide",
      value: `${board.MAX_STROKES_PER_SLIDE} / ${board.MAX_POINTS_PER_SLIDE}`,
      source: "protocol/board.constants.ts MAX_STROKES_PER_SLIDE, MAX_POINTS_PER_SLIDE",
    },
    {
      what: "Blank board slide key",
      value: code(board.BLANK_SLIDE),
      source: "protocol/board.constants.ts BLANK_SLIDE",
    },
  ];
}

/** The limits table as markdown. */
export function renderLimits(wranglerToml: string): string {
  return [
    "| limit | value | source |",
    "|---|---|---|",
    ...limits(wranglerToml).map((l) => `| ${l.what} | ${l.value} | \`${l.source}\` |`),
  ].join("\n");
}

// ---------------------------------------------------------------------------
// The doc
// ---------------------------------------------------------------------------

const SECTION = /^(<!-- generated:(schema [^\s]+|limits) -->\n)([\s\S]*?)^(<!-- \/generated -->)/gm;

/** The doc with every generated section rewritten from the code. Throws on a bad marker. */
export function generate(doc: string, wranglerToml: string): string {
  return doc.replace(SECTION, (_all, open: string, what: string, _old: string, close: string) => {
    const body =
      what === "limits" ? renderLimits(wranglerToml) : renderSchema(resolveSchema(what.slice(7)));
    return `${open}${body}\n${close}`;
  });
}

/** Every way the doc disagrees with the code, as messages that say what to fix. */
export function problems(doc: string, wranglerToml: string, routes = appRoutes()): string[] {
  const out = routeProblems(doc, routes);
  const opens = doc.match(/^<!-- generated:/gm)?.length ?? 0;
  const closes = doc.match(/^<!-- \/generated -->/gm)?.length ?? 0;
  const matched = [...doc.matchAll(SECTION)];
  if (opens !== matched.length || closes !== matched.length)
    out.push(
      "docs/protocol.md: a `<!-- generated:… -->` marker has no matching `<!-- /generated -->` (or the reverse).",
    );
  if (!matched.some((m) => m[2] === "limits"))
    out.push("docs/protocol.md has no `<!-- generated:limits -->` section.");
  for (const m of matched) {
    const what = m[2]!;
    let want: string;
    try {
      want =
        what === "limits" ? renderLimits(wranglerToml) : renderSchema(resolveSchema(what.slice(7)));
    } catch (e) {
      out.push(`docs/protocol.md: ${(e as Error).message}`);
      continue;
    }
    const have = m[3]!.replace(/\n$/, "");
    if (have === want) continue;
    const haveRows = new Set(have.split("\n"));
    const wantRows = new Set(want.split("\n"));
    const stale = [...haveRows].filter((r) => !wantRows.has(r));
    const fresh = [...wantRows].filter((r) => !haveRows.has(r));
    out.push(
      `docs/protocol.md section "${what}" does not match the code — run \`npm run docs:protocol\`.\n` +
        stale.map((r) => `    doc says:  ${r}`).join("\n") +
        (stale.length ? "\n" : "") +
        fresh.map((r) => `    code says: ${r}`).join("\n"),
    );
  }
  return out;
}
