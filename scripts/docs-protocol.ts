/**
 * `npm run docs:protocol`: rewrite the generated sections of docs/protocol.md (request
 * body/query tables, the limits table) from the code, then list what still disagrees
 * (routes without a block, blocks without a route). `-- --check` only checks: exit 1 when
 * the doc is stale. The logic is worker/protocol-doc.ts; worker/protocol-doc.test.ts runs
 * the same check in `npm test`.
 *
 * Runs under `node --experimental-transform-types` (package.json): it loads the Worker's
 * Hono app, whose sources use TypeScript syntax that type stripping alone cannot run.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { ROOT } from "./stack.ts";

/** The part of worker/protocol-doc.ts used here (loaded by path: it is typed for workerd). */
interface ProtocolDoc {
  generate(doc: string, wranglerToml: string): string;
  problems(doc: string, wranglerToml: string): string[];
}

const tool = (await import(`${ROOT}worker/protocol-doc.ts`)) as ProtocolDoc;
const docPath = `${ROOT}docs/protocol.md`;
const doc = readFileSync(docPath, "utf8");
const toml = readFileSync(`${ROOT}wrangler.toml`, "utf8");
const check = process.argv.includes("--check");

const next = check ? doc : tool.generate(doc, toml);
if (!check && next !== doc) {
  writeFileSync(docPath, next);
  console.log("docs/protocol.md: generated sections rewritten");
}
const problems = tool.problems(next, toml);
for (const p of problems) console.error(`✗ ${p}`);
if (problems.length === 0) console.log("docs/protocol.md agrees with the code");
process.exit(problems.length === 0 ? 0 : 1);
