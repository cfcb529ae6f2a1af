/**
 * `npm test`: every test layer, in phases so the CPU-heavy ones do not compete on a
 * small machine: (1) unit + workerd integration, (2) real-media bridge tests,
 * (3) the simulated class (sim/), (4) end-to-end in Chromium. Each phase is a vitest run; the last line is the total
 * as "N passed, N failed". Extra arguments go to every vitest run.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync } from "node:fs";
import { OFFLINE_ENV, toolCommand } from "./offline.ts";
import { ROOT } from "./stack.ts";

const PHASES: [name: string, projects: string[]][] = [
  ["unit + workers", ["unit", "workers", "workers-calls", "workers-turnstile"]],
  ["media", ["media"]],
  ["simulated class", ["sim"]],
  ["e2e", ["e2e"]],
];

const extra = process.argv.slice(2);
mkdirSync(`${ROOT}.tmp`, { recursive: true });
let passed = 0;
let failed = 0;
let ok = true;
for (const [name, projects] of PHASES) {
  console.log(`\n› ${name}`);
  const out = `${ROOT}.tmp/test-results-${projects[0]}.json`;
  const args = [
    "run",
    ...projects.flatMap((p) => ["--project", p]),
    "--reporter=default",
    "--reporter=json",
    `--outputFile.json=${out}`,
    ...extra,
  ];
  const [cmd, argv] = toolCommand("vitest", args);
  const r = spawnSync(cmd, argv, {
    cwd: ROOT,
    stdio: "inherit",
    env: { ...process.env, ...OFFLINE_ENV },
  });
  if (r.status !== 0) ok = false;
  try {
    const json = JSON.parse(readFileSync(out, "utf8")) as {
      numPassedTests: number;
      numFailedTests: number;
      numTotalTests: number;
    };
    passed += json.numPassedTests;
    failed += json.numFailedTests;
    if (json.numTotalTests === 0) ok = false;
  } catch {
    ok = false;
    console.error(`no results from the ${name} phase`);
  }
}
console.log(`\n${passed} passed, ${failed} failed`);
process.exit(ok && failed === 0 ? 0 : 1);
