/**
 * `npm run sim -- --students N --minutes M --seed S [--seeds a,b,c] [--skip check,…]
 * [--only check,…] [--stop-on-failure] [--attendance-tolerance MIN] [--shard-capacity K]
 * [--accounts K]` (students with accounts; the rest join as guests)
 *
 * Starts a fresh local stack, runs the simulated class (sim/engine.ts) once per seed,
 * prints every broken invariant with its seed, step and the actions before it, and
 * exits 1 if any broke. See sim/README.md.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { ROOT } from "../scripts/stack.ts";
import { CHECKS, type CheckName, runSim, type SimResult } from "./engine.ts";
import { startSimStack } from "./stack.ts";

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function checks(list: string | undefined): CheckName[] | undefined {
  if (!list) return undefined;
  const names = list.split(",").filter(Boolean);
  for (const n of names)
    if (!CHECKS.includes(n as CheckName))
      throw new Error(`unknown check ${n}; checks: ${CHECKS.join(", ")}`);
  return names as CheckName[];
}

const students = Number(arg("students") ?? 20);
const minutes = Number(arg("minutes") ?? 2);
const seeds = (arg("seeds") ?? arg("seed") ?? String(Date.now() % 100_000)).split(",").map(Number);
const only = checks(arg("only"));
const skip = checks(arg("skip")) ?? [];
const enabled = (only ?? [...CHECKS]).filter((c) => !skip.includes(c));
const capacity = Number(arg("shard-capacity") ?? Math.max(3, Math.ceil(students / 4)));
const tolerance = Number(arg("attendance-tolerance") ?? 1);

console.log(`starting the local stack (students per section: ${capacity})…`);
const stack = await startSimStack({
  accounts: Math.ceil(students / 2),
  seeds,
  shardCapacity: capacity,
});
const results: SimResult[] = [];
try {
  for (const seed of seeds) {
    const r = await runSim(stack, {
      students,
      minutes,
      seed,
      checks: enabled,
      attendanceToleranceMin: tolerance,
      stopOnFailure: process.argv.includes("--stop-on-failure"),
      log: (l) => console.log(l),
    });
    results.push(r);
    report(r);
    mkdirSync(`${ROOT}.tmp`, { recursive: true });
    const trace = `${ROOT}.tmp/sim-${seed}.log`;
    writeFileSync(trace, `${r.actionLog.join("\n")}\n`);
    console.log(`  every action: ${trace}`);
  }
} finally {
  await stack.stop();
}
process.exit(results.some((r) => r.violations.length > 0) ? 1 : 0);

function report(r: SimResult): void {
  console.log(`\nseed ${r.seed}: ${r.steps} steps`);
  console.log(
    `  actions: ${Object.entries(r.actions)
      .map(([k, v]) => `${k} ${v}`)
      .join(", ")}`,
  );
  const stats = Object.entries(r.stats).filter(([k]) => !k.startsWith("frame:"));
  console.log(`  observed: ${stats.map(([k, v]) => `${k} ${v}`).join(", ")}`);
  if (r.violations.length === 0) {
    console.log(`  ✓ every invariant held (${enabled.join(", ")})`);
    return;
  }
  const by = new Map<string, typeof r.violations>();
  for (const v of r.violations) by.set(v.check, [...(by.get(v.check) ?? []), v]);
  for (const [check, vs] of by) {
    console.log(
      `\n  ✗ ${check}: ${vs.length} violation(s); first at step ${vs[0]!.step} (cause: step ${vs[0]!.causeStep})`,
    );
    for (const v of vs.slice(0, 5)) console.log(`    - step ${v.step}: ${v.message}`);
    console.log(`    actions up to step ${vs[0]!.causeStep}:`);
    for (const a of vs[0]!.lastActions) console.log(`      ${a}`);
  }
  console.log(
    `\n  re-run: npm run sim -- --students ${students} --minutes ${minutes} --seed ${r.seed}`,
  );
}
