/**
 * Billable-usage counts of a benchmark run (`bench:fanout -- --usage <file>`): the runtime
 * processes run bench/metered-entry.js around the app's bundle, and this module reads,
 * sums and subtracts their counters per phase. `npm run cost -- --from <file>` turns the
 * file into a bill (scripts/cost.ts, docs/cost.md).
 */
import { readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import type { MeasuredPhase, UsageCounts } from "../scripts/cost-core.ts";

/** What one runtime process's `GET /__usage` answers (bench/metered-entry.js). */
interface RawUsage {
  workerRequests: number;
  doCalls: Record<string, number>;
  wsMessagesIn: Record<string, number>;
  alarms: Record<string, number>;
  instances: Record<string, number>;
  d1: { queries: number; queriesWithoutMeta: number; rowsRead: number; rowsWritten: number };
  /** D1 queries by where they were made (`upgrade`, `mint`, `worker`, or the DO class). */
  d1QueriesBy: Record<string, number>;
  r2: { classA: number; classB: number };
  queueMessages: number;
  doStorage: { rowsRead: number; rowsWritten: number };
  d1WritesBySql: Record<string, number>;
  doWritesBySql: Record<string, number>;
}

/**
 * The bundle with bench/metered-entry.js appended and its exports replaced by the metered
 * ones (one module: the runtime hosts load a single script). Returns its path.
 */
export function meteredBundle(scriptPath: string): string {
  const bundle = readFileSync(scriptPath, "utf8");
  const exportsAt = bundle.lastIndexOf("\nexport {");
  const block = bundle.slice(exportsAt);
  const app = /(\w+) as default/.exec(block)?.[1];
  if (!app) throw new Error(`no default export in ${scriptPath}`);
  const entry = readFileSync(new URL("./metered-entry.js", import.meta.url), "utf8").replace(
    "export function meter(",
    "function __meter(",
  );
  const out = `${dirname(scriptPath)}/metered.js`;
  writeFileSync(
    out,
    [
      bundle.slice(0, exportsAt),
      entry,
      `const __m = __meter(${app}, { Classroom, ClassroomShard });`,
      "const __Classroom = __m.Classroom;",
      "const __ClassroomShard = __m.ClassroomShard;",
      "export { __Classroom as Classroom, __ClassroomShard as ClassroomShard, MediaBridge };",
      "export default __m.default;",
      "",
    ].join("\n"),
  );
  return out;
}

const sum = (r: Record<string, number>, pred: (k: string) => boolean = () => true) =>
  Object.entries(r).reduce((n, [k, v]) => (pred(k) ? n + v : n), 0);

/** The counters of every runtime process, summed into the cost model's shape. */
export async function readUsage(ports: number[]): Promise<UsageCounts> {
  const raws = await Promise.all(
    ports.map(
      async (p) => (await (await fetch(`http://127.0.0.1:${p}/__usage`)).json()) as RawUsage,
    ),
  );
  const total = (pick: (r: RawUsage) => number) => raws.reduce((n, r) => n + pick(r), 0);
  return {
    workerRequests: total((r) => r.workerRequests),
    rootRequests: total(
      (r) => sum(r.doCalls, (k) => k.startsWith("Classroom.")) + (r.alarms.Classroom ?? 0),
    ),
    shardRequests: total(
      (r) =>
        sum(r.doCalls, (k) => k.startsWith("ClassroomShard.")) + (r.alarms.ClassroomShard ?? 0),
    ),
    wsMessagesIn: total((r) => sum(r.wsMessagesIn)),
    shardInstances: total((r) => r.instances.ClassroomShard ?? 0),
    d1Queries: total((r) => r.d1.queries),
    d1RowsRead: total((r) => r.d1.rowsRead),
    d1RowsWritten: total((r) => r.d1.rowsWritten),
    doRowsRead: total((r) => r.doStorage.rowsRead),
    doRowsWritten: total((r) => r.doStorage.rowsWritten),
    r2ClassA: total((r) => r.r2.classA),
    r2ClassB: total((r) => r.r2.classB),
    queueMessages: total((r) => r.queueMessages),
  };
}

/**
 * D1 queries by where they were made (`d1:upgrade`, `d1:mint`, `d1:Classroom` …) and
 * Durable Object requests by callee and method (`do:Classroom.directory` …), summed over
 * the runtime processes.
 */
export async function readCallsBy(ports: number[]): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  const add = (k: string, v: number) => {
    out[k] = (out[k] ?? 0) + v;
  };
  for (const p of ports) {
    const r = (await (await fetch(`http://127.0.0.1:${p}/__usage`)).json()) as RawUsage;
    for (const [k, v] of Object.entries(r.d1QueriesBy)) add(`d1:${k}`, v);
    for (const [k, v] of Object.entries(r.doCalls)) add(`do:${k}`, v);
  }
  return out;
}

/** Rows written per statement over the whole run, summed over processes, largest first. */
export async function readWritesBySql(
  ports: number[],
): Promise<{ d1: Record<string, number>; durableObjects: Record<string, number> }> {
  const raws = await Promise.all(
    ports.map(
      async (p) => (await (await fetch(`http://127.0.0.1:${p}/__usage`)).json()) as RawUsage,
    ),
  );
  const merge = (pick: (r: RawUsage) => Record<string, number>) => {
    const out: Record<string, number> = {};
    for (const r of raws) for (const [k, v] of Object.entries(pick(r))) out[k] = (out[k] ?? 0) + v;
    return Object.fromEntries(Object.entries(out).sort((x, y) => y[1] - x[1]));
  };
  return { d1: merge((r) => r.d1WritesBySql), durableObjects: merge((r) => r.doWritesBySql) };
}

/** `b - a`, counter by counter (instances are a level, not a flow: b's value is kept). */
export function usageDelta(a: UsageCounts, b: UsageCounts): UsageCounts {
  const out = { ...b };
  for (const k of Object.keys(b) as (keyof UsageCounts)[])
    if (k !== "shardInstances") out[k] = b[k] - a[k];
  return out;
}

/** One measured phase from two snapshots. */
export function phaseOf(
  name: MeasuredPhase["name"],
  a: { at: number; u: UsageCounts },
  b: { at: number; u: UsageCounts },
  extra: Omit<MeasuredPhase, "name" | "seconds" | "counts">,
): MeasuredPhase {
  return { name, seconds: (b.at - a.at) / 1000, counts: usageDelta(a.u, b.u), ...extra };
}
