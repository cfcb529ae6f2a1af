/**
 * Analytics benchmark: `npm run bench:analytics [-- --runs 9] [--persist-to .state/bench]
 * [--seed] [--students 100000] [--json]`.
 *
 * Times each dashboard query (worker/analytics/queries.ts, the code the routes run)
 * against the local D1 seeded by scripts/seed-analytics.ts (`--seed` seeds first),
 * through the same workerd D1 `npm start` uses. Each query runs once to warm up, then
 * `--runs` times; prints p50 and max per query beside a plain baseline (`SELECT 1`:
 * one D1 round trip, no work) and checks the 200 ms target. Results: docs/benchmarks.md.
 */
import { cpus, totalmem } from "node:os";
import { parseArgs } from "node:util";
import { drizzle } from "drizzle-orm/d1";
import { BENCH_ANALYTICS, openLocalD1, seedAnalytics } from "../scripts/seed-analytics.ts";
import { ROOT } from "../scripts/stack.ts";
import {
  attendanceAfter,
  attendancePage,
  attendanceSummary,
  classSessions,
  engagementAfter,
  engagementPage,
  pollResults,
  quizDistribution,
  sessionHead,
  summarize,
  timeline,
} from "../worker/analytics/queries.ts";
import * as schema from "../worker/db/schema.ts";

/** Each dashboard query must answer within this (issue #6). */
const TARGET_MS = 200;

const { values: args } = parseArgs({
  options: {
    runs: { type: "string", default: "9" },
    "persist-to": { type: "string", default: `${ROOT}.state/bench` },
    seed: { type: "boolean", default: false },
    students: { type: "string", default: "100000" },
    json: { type: "boolean", default: false },
  },
});
const runs = Math.max(1, Number(args.runs));
const persistTo = args["persist-to"]!;

if (args.seed) {
  const seeded = await seedAnalytics({ persistTo, students: Number(args.students), minutes: 80 });
  console.log(`seeded ${JSON.stringify(seeded.rows)} in ${(seeded.ms / 1000).toFixed(1)} s`);
}

const { db: d1, dispose } = await openLocalD1(persistTo);
try {
  const db = drizzle(d1, { schema });
  const head = await sessionHead(db, BENCH_ANALYTICS.sessionId);
  if (!head)
    throw new Error("no seeded session: run `node scripts/seed-analytics.ts` or pass --seed");
  const counts = await d1
    .prepare(
      `SELECT (SELECT count(*) FROM attendance WHERE session_id = ?1) AS attendance,
              (SELECT count(*) FROM engagement_events WHERE session_id = ?1) AS events,
              (SELECT count(*) FROM poll_answers WHERE poll_id IN (SELECT id FROM polls WHERE session_id = ?1)) AS answers,
              (SELECT count(*) FROM session_minutes WHERE session_id = ?1) AS minutes`,
    )
    .bind(head.id)
    .first<Record<string, number>>();

  const cases: [string, () => Promise<unknown>][] = [
    ["baseline: SELECT 1 (one D1 round trip)", () => d1.prepare("SELECT 1").first()],
    ["session head (access check)", () => sessionHead(db, head.id)],
    ["class sessions list", () => classSessions(db, head.classId)],
    ["attendance summary (count, late, avg minutes)", () => attendanceSummary(db, head)],
    ["timeline (concurrency + activity per minute)", () => timeline(db, head)],
    ["poll results (tally per option)", () => pollResults(db, head.id)],
    ["quiz score distribution", () => quizDistribution(db, head.id)],
    [
      "attendance page 1, by join time",
      () => attendancePage(db, head, { sort: "joined", late: false, offset: 0, limit: 50 }),
    ],
    [
      "attendance page, by minutes, offset 50k",
      () => attendancePage(db, head, { sort: "minutes", late: false, offset: 50_000, limit: 50 }),
    ],
    [
      "attendance page, late joiners by name",
      () => attendancePage(db, head, { sort: "name", late: true, offset: 0, limit: 50 }),
    ],
    [
      "engagement page 1 (most active first)",
      () => engagementPage(db, head.id, { offset: 0, limit: 50 }),
    ],
    [
      "whole dashboard (the 4 queries of GET /sessions/:id, in parallel)",
      async () => {
        const [att, t] = await Promise.all([
          attendanceSummary(db, head),
          timeline(db, head),
          pollResults(db, head.id),
          quizDistribution(db, head.id),
        ]);
        return summarize(head, att, t);
      },
    ],
    ["CSV page: 1000 attendance rows (keyset)", () => attendanceAfter(db, head, "bs050000", 1000)],
    [
      "CSV page: 1000 engagement rows (keyset)",
      () => engagementAfter(db, head.id, "bs050000", 1000),
    ],
  ];

  const results: { name: string; p50: number; max: number; ok: boolean }[] = [];
  for (const [name, fn] of cases) {
    await fn();
    const times: number[] = [];
    for (let i = 0; i < runs; i++) {
      const t = performance.now();
      await fn();
      times.push(performance.now() - t);
    }
    times.sort((a, b) => a - b);
    const p50 = times[Math.floor(times.length / 2)]!;
    const max = times[times.length - 1]!;
    results.push({ name, p50, max, ok: max <= TARGET_MS });
  }

  if (args.json) {
    console.log(JSON.stringify({ counts, runs, results }));
  } else {
    console.log(
      `analytics benchmark · ${new Date().toISOString()} · ${cpus().length}× ${cpus()[0]?.model ?? "cpu"}, ${Math.round(totalmem() / 2 ** 30)} GiB · Node ${process.version}`,
    );
    console.log(`session ${head.id}: ${JSON.stringify(counts)} · ${runs} runs after 1 warm-up\n`);
    const w = Math.max(...results.map((r) => r.name.length));
    console.log(`${"query".padEnd(w)}  p50 ms  max ms  ≤ ${TARGET_MS} ms`);
    for (const r of results)
      console.log(
        `${r.name.padEnd(w)}  ${r.p50.toFixed(1).padStart(6)}  ${r.max.toFixed(1).padStart(6)}  ${r.name.startsWith("baseline") ? "" : r.ok ? "yes" : "NO"}`,
      );
  }
  process.exitCode = results.every((r) => r.ok) ? 0 : 1;
} finally {
  await dispose();
}
