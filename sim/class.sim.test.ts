/**
 * The short simulated class inside `npm test` (its own phase, scripts/test.ts): a fixed
 * seed, 10 students, 40 s of class with short slow-mode intervals and time-outs, every
 * invariant of sim/engine.ts on. A failure lists each broken invariant with the seed,
 * the step and the actions before it; `npm run sim -- --seed 1 …` replays the schedule.
 *
 * `SIM_SKIP=check,…` switches named checks off for a run (CHECKS in sim/engine.ts).
 */
import { afterAll, beforeAll, expect, test } from "vitest";
import { CHECKS, type CheckName, runSim } from "./engine.ts";
import { type SimStack, startSimStack } from "./stack.ts";

const SEED = 1;
const STUDENTS = 10;
const skip = (process.env.SIM_SKIP ?? "").split(",").filter(Boolean);
for (const c of skip)
  if (!CHECKS.includes(c as CheckName)) throw new Error(`SIM_SKIP: unknown check ${c}`);

let stack: SimStack;
beforeAll(async () => {
  stack = await startSimStack({ accounts: STUDENTS / 2, seeds: [SEED], shardCapacity: 3 });
}, 120_000);
afterAll(async () => {
  await stack?.stop();
});

test(`a simulated class (seed ${SEED}, ${STUDENTS} students, 40 s) keeps every invariant`, async () => {
  const lines: string[] = [];
  const r = await runSim(stack, {
    students: STUDENTS,
    minutes: 40 / 60,
    seed: SEED,
    checks: CHECKS.filter((c) => !skip.includes(c)),
    slowModeChoices: [0, 2, 3, 4],
    timeoutChoices: [10, 12],
    // A 40 s class: attendance must be right to 15 s, not just to the minute.
    attendanceToleranceMin: 0.25,
    log: (l) => lines.push(l),
  });
  const report = r.violations.map(
    (v) =>
      `[${v.check}] seed ${r.seed} step ${v.step} (cause: step ${v.causeStep}): ${v.message}\n    ${v.lastActions.slice(-8).join("\n    ")}`,
  );
  expect(report, `npm run sim -- --students ${STUDENTS} --minutes 0.67 --seed ${SEED}`).toEqual([]);
  // The run exercised the protocol, not just connected.
  expect(r.steps).toBeGreaterThan(40);
  expect(r.stats["section messages"] ?? 0).toBeGreaterThan(10);
}, 150_000);
