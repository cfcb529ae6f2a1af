/**
 * The short simulated class inside `npm test` (its own phase, scripts/test.ts): a fixed
 * seed, 8 students, 35 s of class with short slow-mode intervals and time-outs, every
 * invariant of sim/engine.ts on. A failure lists each broken invariant with the seed,
 * the step and the actions before it; the command in the failure replays the schedule.
 *
 * `SIM_SKIP=check,…` switches named checks off for a run (CHECKS in sim/engine.ts).
 */
import { afterAll, beforeAll, expect, test } from "vitest";
import { CHECKS, type CheckName, runSim } from "./engine.ts";
import { type SimStack, startSimStack } from "./stack.ts";

const SEED = 1;
const STUDENTS = 8;
/** Seconds of class: enough for ~50 steps of every kind on a loaded 2-core machine. */
const SECONDS = 35;
const skip = (process.env.SIM_SKIP ?? "").split(",").filter(Boolean);
for (const c of skip)
  if (!CHECKS.includes(c as CheckName)) throw new Error(`SIM_SKIP: unknown check ${c}`);

let stack: SimStack;
beforeAll(async () => {
  // Two students with accounts, the rest guests: each sign-in is a deliberately slow PBKDF2.
  stack = await startSimStack({ accounts: 2, seeds: [SEED], shardCapacity: 3 });
}, 120_000);
afterAll(async () => {
  await stack?.stop();
});

test(`a simulated class (seed ${SEED}, ${STUDENTS} students, ${SECONDS} s) keeps every invariant`, async () => {
  const lines: string[] = [];
  const r = await runSim(stack, {
    students: STUDENTS,
    minutes: SECONDS / 60,
    seed: SEED,
    checks: CHECKS.filter((c) => !skip.includes(c)),
    slowModeChoices: [0, 2, 3, 4],
    timeoutChoices: [10, 12],
    // A short class: attendance must be right to 15 s, not just to the minute.
    attendanceToleranceMin: 0.25,
    // CI machines are shared: give answers and deliveries 6 s, not 4.
    deliveryMs: 6000,
    log: (l) => lines.push(l),
  });
  const report = r.violations.map(
    (v) =>
      `[${v.check}] seed ${r.seed} step ${v.step} (cause: step ${v.causeStep}): ${v.message}\n    ${v.lastActions.slice(-8).join("\n    ")}`,
  );
  expect(
    report,
    `npm run sim -- --students ${STUDENTS} --minutes ${(SECONDS / 60).toFixed(2)} --seed ${SEED} --shard-capacity 3 --attendance-tolerance 0.25`,
  ).toEqual([]);
  // The run exercised the protocol, not just connected.
  expect(r.steps).toBeGreaterThan(30);
  expect(r.stats["section messages"] ?? 0).toBeGreaterThan(10);
}, 150_000);
