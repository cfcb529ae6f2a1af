/**
 * Seeds a realistic large class session into a local D1 for the analytics dashboard and
 * `npm run bench:analytics`: `node scripts/seed-analytics.ts [--students 100000]
 * [--minutes 80] [--persist-to .state/bench]`.
 *
 * One class (`bench-analytics`), one session of `--minutes`, and for `--students`
 * students: attendance (arrivals bunched at the start, ~12% late, some leave early,
 * reconnects), per-minute concurrency derived from those intervals, ~30k chat /
 * question / upvote / hand events, two polls and three quizzes answered by 20–25% of
 * the class (with their engagement events). Deterministic (seeded PRNG); re-running
 * replaces the session. Rows go in as multi-row INSERTs through the same local D1
 * (workerd, via wrangler's platform proxy) `npm start` uses; pass `--persist-to .state` to seed that one.
 */

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import type { drizzle } from "drizzle-orm/d1";
import { getPlatformProxy } from "wrangler";
import { mulberry32 as prng } from "../sim/prng.ts";
import { migrate, ROOT } from "./stack.ts";

/** Ids of the seeded class, teacher and session. */
export const BENCH_ANALYTICS = {
  teacherId: "bench-analytics-teacher",
  classId: "bench-analytics",
  sessionId: "bench-analytics-session",
};

/** The D1 binding type (Workers types are not global in Node scripts). */
type D1 = Parameters<typeof drizzle>[0];
type D1Statement = ReturnType<D1["prepare"]>;

/** The local D1 under `persistTo` (as `wrangler --persist-to`), through wrangler's platform proxy. */
export async function openLocalD1(
  persistTo: string,
): Promise<{ db: D1; dispose: () => Promise<void> }> {
  // Only the D1 binding: a config of its own, so no Durable Object or container starts.
  const dir = mkdtempSync(join(tmpdir(), "mc-analytics-"));
  const d1 = readFileSync(`${ROOT}wrangler.toml`, "utf8").match(/\[\[d1_databases\]\][^[]*/)?.[0];
  if (!d1) throw new Error("wrangler.toml has no [[d1_databases]] block");
  writeFileSync(
    join(dir, "wrangler.toml"),
    `name = "analytics-d1"\ncompatibility_date = "2025-01-01"\n${d1.replace(/migrations_dir.*\n/, "")}`,
  );
  const proxy = await getPlatformProxy<{ DB: D1 }>({
    configPath: join(dir, "wrangler.toml"),
    persist: { path: `${persistTo}/v3` },
  });
  return {
    db: proxy.env.DB,
    dispose: async () => {
      await proxy.dispose();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const q = (s: string) => `'${s.replaceAll("'", "''")}'`;
const MIN = 60_000;

/** Names with the shapes real classes have: accents, CJK, apostrophes, and a few formula-like ones. */
const FIRST = [
  "Ana",
  "Björn",
  "Chloé",
  "Dmitri",
  "Eun-ji",
  "Farah",
  "Giulia",
  "Hiroshi",
  "Ifeoma",
  "José",
  "Kai",
  "Lena",
  "Mateo",
  "Nadia",
  "O'Neil",
  "Priya",
  "Quentin",
  "Rosa",
  "Sven",
  "Thảo",
  "Uma",
  "Viktor",
  "Wen",
  "Ximena",
  "Yusuf",
  "Zoë",
  "李",
  "Zaïd",
];
const LAST = [
  "Almeida",
  "Brown",
  "Çelik",
  "Dubois",
  "Eriksen",
  "Fischer",
  "García",
  "Horváth",
  "Ito",
  "Jensen",
  "Kowalski",
  "López",
  "Müller",
  "Nguyen",
  "O'Brien",
  "Patel",
  "Rossi",
  "Schmidt",
  "Tanaka",
  "Walker",
  "伟",
  "Øster",
];

export async function seedAnalytics(opts: {
  persistTo: string;
  students: number;
  minutes: number;
}): Promise<{ rows: Record<string, number>; ms: number }> {
  const t0 = performance.now();
  await migrate(opts.persistTo);
  const { db, dispose } = await openLocalD1(opts.persistTo);
  try {
    const rnd = prng(42);
    const { teacherId, classId, sessionId } = BENCH_ANALYTICS;
    const duration = opts.minutes * MIN;
    const start = Math.floor((Date.now() - duration - 10 * MIN) / MIN) * MIN;
    const end = start + duration;
    const rows: Record<string, number> = {};
    const sid = q(sessionId);

    // Replace an earlier run's session in small steps: every deleted event and answer also
    // runs a trigger, and one huge statement can outlast the local runtime's request limit.
    // Totals go first, so those triggers find nothing to update.
    const chunked = async (table: string, where: string) => {
      for (;;) {
        const r = await db
          .prepare(
            `DELETE FROM ${table} WHERE rowid IN (SELECT rowid FROM ${table} WHERE ${where} LIMIT 5000)`,
          )
          .run();
        if (!r.meta.changes) break;
      }
    };
    await chunked("engagement_totals", `session_id = ${sid}`);
    await chunked("engagement_minutes", `session_id = ${sid}`);
    await chunked("poll_answers", `poll_id IN (SELECT id FROM polls WHERE session_id = ${sid})`);
    await chunked("engagement_totals", `session_id = ${sid}`);
    await chunked("engagement_events", `session_id = ${sid}`);
    await chunked("engagement_totals", `session_id = ${sid}`);
    await chunked("engagement_minutes", `session_id = ${sid}`);
    await chunked("attendance", `session_id = ${sid}`);
    await db.batch([
      db.prepare(`DELETE FROM polls WHERE session_id = ${sid}`),
      db.prepare(`DELETE FROM session_minutes WHERE session_id = ${sid}`),
      db.prepare(
        `INSERT OR IGNORE INTO users (id, email, display_name, role, password_hash, password_salt, password_iterations, disabled)
         VALUES (${q(teacherId)}, 'bench-analytics@example.test', 'Bench Teacher', 'teacher', 'x', 'x', 1, 1)`,
      ),
      db.prepare(
        `INSERT OR IGNORE INTO classes (id, teacher_id, title, description) VALUES (${q(classId)}, ${q(teacherId)}, 'Analytics benchmark: 100k students', 'Seeded by scripts/seed-analytics.ts')`,
      ),
      db.prepare(`DELETE FROM class_sessions WHERE id = ${sid}`),
    ]);

    // Attendance: when each student came and went.
    const people: { id: string; name: string; join: number; leave: number }[] = [];
    for (let i = 0; i < opts.students; i++) {
      const late = rnd() < 0.12;
      const join = late
        ? start + 5 * MIN + Math.floor(rnd() * (duration - 6 * MIN))
        : start + Math.floor(rnd() ** 2 * 5 * MIN);
      const leavesEarly = rnd() < 0.2;
      const leave = leavesEarly
        ? join + Math.floor(rnd() * (end - join))
        : end - Math.floor(rnd() * 3 * MIN);
      const n = i + 1;
      let name = `${FIRST[n % FIRST.length]} ${LAST[(n * 7) % LAST.length]} ${n}`;
      if (n % 5000 === 0) name = `=cmd|' /C calc'!A0 ${n}`;
      people.push({
        id: `bs${String(n).padStart(6, "0")}`,
        name,
        join,
        leave: Math.max(leave, join + 1000),
      });
    }
    const sessionPeak = { value: 0 };
    const perMinute: number[] = new Array(opts.minutes + 1).fill(0);
    for (const p of people) {
      const a = Math.floor((p.join - start) / MIN);
      const b = Math.min(opts.minutes, Math.floor((p.leave - start) / MIN));
      for (let m = a; m <= b; m++) perMinute[m]!++;
    }
    for (const n of perMinute) sessionPeak.value = Math.max(sessionPeak.value, n);
    await db
      .prepare(
        `INSERT INTO class_sessions (id, class_id, started_at, ended_at, peak_concurrency) VALUES (${sid}, ${q(classId)}, ${start}, ${end}, ${sessionPeak.value})`,
      )
      .run();

    const insert = async (table: string, columns: string, values: string[], per = 500) => {
      rows[table] = (rows[table] ?? 0) + values.length;
      const stmts: D1Statement[] = [];
      for (let i = 0; i < values.length; i += per)
        stmts.push(
          db.prepare(
            `INSERT INTO ${table} (${columns}) VALUES ${values.slice(i, i + per).join(",")}`,
          ),
        );
      // Small requests: each row of engagement_events and poll_answers also runs a trigger,
      // and one huge batch can outlast the local runtime's request limit on a busy machine.
      for (let i = 0; i < stmts.length; i += 8) await db.batch(stmts.slice(i, i + 8));
    };

    await insert(
      "attendance",
      "session_id, user_id, display_name, first_join_at, last_leave_at, seconds_attended, joins",
      people.map((p) => {
        const joins = rnd() < 0.15 ? 2 + Math.floor(rnd() * 3) : 1;
        const seconds = Math.round(((p.leave - p.join) / 1000) * (joins > 1 ? 0.9 : 1));
        return `(${sid}, ${q(p.id)}, ${q(p.name)}, ${p.join}, ${p.leave}, ${seconds}, ${joins})`;
      }),
    );
    await insert(
      "session_minutes",
      "session_id, minute, concurrency",
      perMinute.map((n, m) => `(${sid}, ${start + m * MIN}, ${n})`),
    );

    // Engagement: a minority does most of the talking.
    const events: string[] = [];
    const pick = () => people[Math.floor(rnd() ** 3 * people.length)]!;
    const at = (p: (typeof people)[number]) => p.join + Math.floor(rnd() * (p.leave - p.join));
    const add = (kind: string, count: number) => {
      for (let i = 0; i < count; i++) {
        const p = pick();
        // The root writes chat as one row per student per report, counting its messages.
        const value = kind === "chat" ? String(1 + Math.floor(rnd() ** 4 * 4)) : "NULL";
        events.push(`(${sid}, ${q(p.id)}, '${kind}', ${at(p)}, NULL, ${value})`);
      }
    };
    add("chat", 20_000);
    add("question", 1_500);
    add("upvote", 6_000);
    add("hand_raise", 800);
    add("hand_ack", 200);

    // Polls and quizzes: opened through the session, answered by a fifth to a quarter of the class.
    const polls: string[] = [];
    const answers: string[] = [];
    const specs = [
      {
        kind: "poll",
        question: "Can you hear me clearly?",
        options: ["Yes", "No", "Sometimes"],
        share: 0.25,
      },
      {
        kind: "quiz",
        question: "What is the unit of frequency?",
        options: ["Hertz", "Watt", "Joule", "Newton"],
        share: 0.2,
      },
      {
        kind: "poll",
        question: "Pace of the lecture?",
        options: ["Too slow", "Right", "Too fast"],
        share: 0.22,
      },
      {
        kind: "quiz",
        question: "Speed of light in vacuum (km/s)?",
        options: ["300,000", "150,000", "30,000"],
        share: 0.2,
      },
      {
        kind: "quiz",
        question: "λ = v / f. Doubling f…",
        options: ["halves λ", "doubles λ", "keeps λ"],
        share: 0.2,
      },
    ];
    specs.forEach((s, k) => {
      const id = `${sessionId}-poll${k + 1}`;
      const openedAt = start + Math.floor(((k + 1) * duration) / (specs.length + 1));
      const closedAt = openedAt + 2 * MIN;
      const tally = s.options.map(() => 0);
      const correct = s.kind === "quiz" ? [0] : null;
      const seen = new Set<number>();
      const target = Math.floor(opts.students * s.share);
      while (seen.size < target) {
        const idx = Math.floor(rnd() * people.length);
        if (seen.has(idx)) continue;
        seen.add(idx);
        const p = people[idx]!;
        const choice =
          rnd() < (s.kind === "quiz" ? 0.6 : 0.5)
            ? 0
            : 1 + Math.floor(rnd() * (s.options.length - 1));
        tally[choice]!++;
        const when = openedAt + Math.floor(rnd() ** 2 * 2 * MIN);
        const ok = correct ? correct.includes(choice) : null;
        const score = correct
          ? ok
            ? 100 + Math.round(50 * (1 - (when - openedAt) / (2 * MIN)))
            : 0
          : null;
        answers.push(
          `(${q(id)}, ${q(p.id)}, ${q(p.name)}, '[${choice}]', ${ok === null ? "NULL" : ok ? 1 : 0}, ${score ?? "NULL"}, ${when})`,
        );
        events.push(
          `(${sid}, ${q(p.id)}, '${s.kind}_answer', ${when}, ${q(id)}, ${score ?? "NULL"})`,
        );
      }
      polls.push(
        `(${q(id)}, ${sid}, '${s.kind}', ${q(s.question)}, ${q(JSON.stringify(s.options))}, 0, 0, ${correct ? q(JSON.stringify(correct)) : "NULL"}, ${openedAt}, ${closedAt}, ${q(JSON.stringify(tally))})`,
      );
    });
    await insert(
      "polls",
      "id, session_id, kind, question, options, multiple, anonymous, correct, opened_at, closed_at, tally",
      polls,
    );
    await insert(
      "poll_answers",
      "poll_id, user_id, display_name, choices, correct, score, answered_at",
      answers,
    );
    await insert("engagement_events", "session_id, user_id, kind, at, ref, value", events);
    await db.exec("PRAGMA optimize");
    return { rows, ms: Math.round(performance.now() - t0) };
  } finally {
    await dispose();
  }
}

if (import.meta.main) {
  const { values } = parseArgs({
    options: {
      students: { type: "string", default: "100000" },
      minutes: { type: "string", default: "80" },
      "persist-to": { type: "string", default: `${ROOT}.state/bench` },
    },
  });
  const result = await seedAnalytics({
    persistTo: values["persist-to"]!,
    students: Number(values.students),
    minutes: Number(values.minutes),
  });
  console.log(
    `seeded ${JSON.stringify(result.rows)} into ${values["persist-to"]} in ${(result.ms / 1000).toFixed(1)} s (session ${BENCH_ANALYTICS.sessionId})`,
  );
}
