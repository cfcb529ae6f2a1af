/**
 * Analytics API in workerd against D1: the dashboard numbers, paged tables, CSV exports
 * (quoting, UTF-8, formula neutralisation, streaming) and who may see what.
 */
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import type {
  AttendanceRow,
  EngagementRow,
  Page,
  SessionDashboard,
} from "../protocol/analytics.ts";
import { Client, errorCode, signUp } from "./helpers.ts";

const T0 = Date.UTC(2026, 10, 2, 9, 0, 0); // 09:00 UTC, a minute boundary
const MIN = 60_000;

/** Students with awkward names: formulas, quotes, commas, newlines, non-ASCII. */
const STUDENTS = [
  { id: "u1", name: "Ann", join: T0 + 10_000, seconds: 3000 },
  { id: "u2", name: '=HYPERLINK("http://x")', join: T0 + 20_000, seconds: 1200 },
  { id: "u3", name: 'Zoë "Z", Ørsted', join: T0 + 6 * MIN, seconds: 600 },
  { id: "u4", name: "+1 555", join: T0 + 30_000, seconds: 60 },
  { id: "u5", name: "-minus", join: T0 + 40_000, seconds: 0 },
  { id: "u6", name: "@at\nnewline", join: T0 + 9 * MIN, seconds: 120 },
  { id: "u7", name: "李雷", join: T0 + 50_000, seconds: 2400 },
];

let teacher: Awaited<ReturnType<typeof signUp>>;
let classId = "";
let sessionId = "";

async function seed() {
  teacher = await signUp("teacher", "Teacher A");
  const res = await teacher.client.post("/api/classes", { title: "Physics: Waves & Optics" });
  classId = ((await res.json()) as { class: { id: string } }).class.id;
  sessionId = `sess-${classId}`;
  const db = env.DB;
  const stmts = [
    db
      .prepare(
        "INSERT INTO class_sessions (id, class_id, started_at, ended_at, peak_concurrency) VALUES (?, ?, ?, ?, ?)",
      )
      .bind(sessionId, classId, T0, T0 + 10 * MIN, 6),
    ...STUDENTS.map((s) =>
      db
        .prepare(
          "INSERT INTO attendance (session_id, user_id, display_name, first_join_at, last_leave_at, seconds_attended, joins) VALUES (?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(sessionId, s.id, s.name, s.join, s.join + s.seconds * 1000, s.seconds, 1),
    ),
    // Minutes 0, 1 and 5 reported; the minutes between carry the last count on.
    ...[
      [0, 4],
      [1, 6],
      [5, 3],
    ].map(([m, n]) =>
      db
        .prepare("INSERT INTO session_minutes (session_id, minute, concurrency) VALUES (?, ?, ?)")
        .bind(sessionId, T0 + m! * MIN, n),
    ),
    ...(
      [
        ["u1", "chat", 1],
        ["u1", "question", 2],
        ["u2", "chat", 2],
        ["u2", "upvote", 2],
        ["u1", "hand_raise", 3],
        ["u1", "hand_ack", 3],
        ["u3", "poll_answer", 7],
        ["u1", "poll_answer", 7],
        ["u1", "quiz_answer", 8],
        ["u3", "quiz_answer", 8],
        ["u7", "quiz_answer", 8],
      ] as const
    ).map(([u, kind, m]) =>
      db
        .prepare(
          "INSERT INTO engagement_events (session_id, user_id, kind, at, value) VALUES (?, ?, ?, ?, ?)",
        )
        // u1's chat row counts two messages (the root batches chat per user per report).
        .bind(sessionId, u, kind, T0 + m * MIN + 5_000, u === "u1" && kind === "chat" ? 2 : null),
    ),
    db
      .prepare(
        "INSERT INTO polls (id, session_id, kind, question, options, multiple, anonymous, correct, opened_at, closed_at, tally) VALUES (?, ?, 'poll', ?, ?, 0, 0, NULL, ?, ?, ?)",
      )
      .bind(
        `${sessionId}-p1`,
        sessionId,
        'Which, "really"?',
        '["Yes","=No"]',
        T0 + 7 * MIN,
        T0 + 8 * MIN,
        "[1,1]",
      ),
    db
      .prepare(
        "INSERT INTO polls (id, session_id, kind, question, options, multiple, anonymous, correct, opened_at, closed_at, tally) VALUES (?, ?, 'quiz', ?, ?, 0, 0, ?, ?, NULL, NULL)",
      )
      .bind(`${sessionId}-q1`, sessionId, "2+2?", '["3","4","5"]', "[1]", T0 + 8 * MIN),
    ...(
      [
        ["p1", "u3", "[0]", null],
        ["p1", "u1", "[1]", null],
        ["q1", "u1", "[1]", 150],
        ["q1", "u3", "[1]", 100],
        ["q1", "u7", "[0]", 0],
      ] as const
    ).map(([p, u, choices, score]) =>
      db
        .prepare(
          "INSERT INTO poll_answers (poll_id, user_id, display_name, choices, correct, score, answered_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(
          `${sessionId}-${p}`,
          u,
          u,
          choices,
          score === null ? null : score > 0 ? 1 : 0,
          score,
          T0 + 8 * MIN,
        ),
    ),
  ];
  await db.batch(stmts);
}

beforeAll(seed);

describe("session dashboard", () => {
  it("sums attendance, concurrency, activity per minute, poll tallies and quiz scores", async () => {
    const res = await teacher.client.get(`/api/analytics/sessions/${sessionId}`);
    expect(res.status).toBe(200);
    const d = (await res.json()) as SessionDashboard;
    expect(d.session).toMatchObject({
      id: sessionId,
      classId,
      classTitle: "Physics: Waves & Optics",
    });
    expect(d.summary).toMatchObject({
      attendees: 7,
      lateJoiners: 2, // u3 at 6 min, u6 at 9 min
      peakConcurrency: 6,
      totals: {
        chat: 3,
        question: 1,
        upvote: 1,
        poll_answer: 2,
        quiz_answer: 3,
        hand_raise: 1,
        hand_ack: 1,
      },
    });
    // 11 minutes (09:00 … 09:10): 4, 6, 6, 6, 6, 3, 3, 3, 3, 3, 3
    expect(d.timeline.minutes).toHaveLength(11);
    expect(d.timeline.minutes[0]).toBe(T0);
    expect(d.timeline.concurrency).toEqual([4, 6, 6, 6, 6, 3, 3, 3, 3, 3, 3]);
    expect(d.summary.avgConcurrency).toBe(Math.round((46 / 11) * 10) / 10);
    expect(d.timeline.activity.chat.slice(0, 3)).toEqual([0, 2, 1]);
    expect(d.timeline.activity.quiz_answer[8]).toBe(3);
    expect(d.summary.avgMinutesAttended).toBe(Math.round((7380 / 7 / 60) * 10) / 10);

    const [poll, quiz] = d.polls;
    expect(poll).toMatchObject({ kind: "poll", tally: [1, 1], respondents: 2 });
    // No stored tally (still open): counted from the answers.
    expect(quiz).toMatchObject({ kind: "quiz", tally: [1, 2, 0], correct: [1], respondents: 3 });
    expect(d.quiz.quizzes).toBe(1);
    expect(d.quiz.students).toBe(3);
    const studentsIn = (score: number) =>
      d.quiz.buckets.find((b) => b.from <= score && score <= b.to)?.students;
    expect(studentsIn(0)).toBe(1);
    expect(studentsIn(100)).toBe(1);
    expect(studentsIn(150)).toBe(1);
    expect(d.quiz.buckets.reduce((x, b) => x + b.students, 0)).toBe(3);
  });

  it("pages attendance in three sort orders and filters late joiners", async () => {
    const page = async (q: string) => {
      const res = await teacher.client.get(`/api/analytics/sessions/${sessionId}/attendance?${q}`);
      expect(res.status).toBe(200);
      return (await res.json()) as Page<AttendanceRow>;
    };
    const joined = await page("limit=3");
    expect(joined.total).toBe(7);
    expect(joined.rows.map((r) => r.userId)).toEqual(["u1", "u2", "u4"]);
    expect((await page("limit=3&offset=3")).rows.map((r) => r.userId)).toEqual(["u5", "u7", "u3"]);
    expect((await page("sort=minutes&limit=2")).rows.map((r) => r.userId)).toEqual(["u1", "u7"]);
    expect((await page("sort=minutes&limit=1")).rows[0]!.minutesAttended).toBe(50);
    const late = await page("late=1");
    expect(late.total).toBe(2);
    expect(late.rows.map((r) => [r.userId, r.late])).toEqual([
      ["u3", true],
      ["u6", true],
    ]);
    const bad = await teacher.client.get(`/api/analytics/sessions/${sessionId}/attendance?limit=0`);
    expect(bad.status).toBe(400);
    expect(await errorCode(bad)).toBe("validation_failed");
    const odd = await teacher.client.get(
      `/api/analytics/sessions/${sessionId}/attendance?sort=evil`,
    );
    expect(odd.status).toBe(400);
  });

  it("lists the students who took part, most active first, with quiz scores", async () => {
    const res = await teacher.client.get(`/api/analytics/sessions/${sessionId}/engagement?limit=2`);
    const page = (await res.json()) as Page<EngagementRow>;
    expect(page.total).toBe(4);
    expect(page.rows[0]).toEqual({
      userId: "u1",
      displayName: "Ann",
      chat: 2,
      questions: 1,
      upvotes: 0,
      pollAnswers: 1,
      quizAnswers: 1,
      quizScore: 150,
      handRaises: 1,
      handAcks: 1,
      total: 7,
    });
    // Ties (u2 and u3 with 2 each) come in a stable order.
    expect(page.rows[1]).toMatchObject({ userId: "u3", pollAnswers: 1, quizScore: 100, total: 2 });
    const next = (await (
      await teacher.client.get(`/api/analytics/sessions/${sessionId}/engagement?limit=2&offset=2`)
    ).json()) as Page<EngagementRow>;
    expect(next.rows.map((r) => [r.userId, r.total])).toEqual([
      ["u2", 2],
      ["u7", 1],
    ]);
  });

  it("lists a class's sessions", async () => {
    const res = await teacher.client.get(`/api/analytics/classes/${classId}/sessions`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { sessions: { id: string }[] };
    expect(body.sessions).toEqual([
      { id: sessionId, startedAt: T0, endedAt: T0 + 10 * MIN, peakConcurrency: 6 },
    ]);
  });
});

/** Parse RFC 4180 text (quoted fields, doubled quotes, CRLF records). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ",") {
      row.push(field);
      field = "";
    } else if (ch === "\r" && text[i + 1] === "\n") {
      row.push(field);
      rows.push(row);
      row = [];
      field = "";
      i++;
    } else field += ch;
  }
  return rows;
}

describe("CSV export", () => {
  it("streams attendance as UTF-8 with a BOM, RFC 4180 quoting and formulas neutralised", async () => {
    const res = await teacher.client.get(`/api/analytics/sessions/${sessionId}/attendance.csv`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect(res.headers.get("content-disposition")).toBe(
      'attachment; filename="physics-waves-optics-2026-11-02-attendance.csv"',
    );
    const bytes = new Uint8Array(await res.arrayBuffer());
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = new TextDecoder("utf-8", { ignoreBOM: true, fatal: true }).decode(bytes.slice(3));
    expect(text.endsWith("\r\n")).toBe(true);
    const rows = parseCsv(text);
    expect(rows[0]).toEqual([
      "user_id",
      "name",
      "first_join",
      "last_leave",
      "minutes_attended",
      "joins",
      "late",
      "staff",
    ]);
    const names = Object.fromEntries(rows.slice(1).map((r) => [r[0], r[1]]));
    expect(names).toEqual({
      u1: "Ann",
      u2: '\'=HYPERLINK("http://x")',
      u3: 'Zoë "Z", Ørsted',
      u4: "'+1 555",
      u5: "'-minus",
      u6: "'@at\nnewline",
      u7: "李雷",
    });
    // The raw text doubles quotes inside a quoted field.
    expect(text).toContain('"\'=HYPERLINK(""http://x"")"');
    expect(rows.find((r) => r[0] === "u3")!.slice(4)).toEqual(["10", "1", "true", "false"]);
    expect(rows.find((r) => r[0] === "u1")![2]).toBe(new Date(T0 + 10_000).toISOString());
  });

  it("exports engagement for every attendee (zeros included) and poll results per option", async () => {
    const res = await teacher.client.get(`/api/analytics/sessions/${sessionId}/engagement.csv`);
    const rows = parseCsv(new TextDecoder().decode(await res.arrayBuffer()));
    expect(rows).toHaveLength(8);
    expect(rows.find((r) => r[0] === "u1")).toEqual([
      "u1",
      "Ann",
      "2",
      "1",
      "0",
      "1",
      "1",
      "150",
      "1",
      "1",
      "7",
    ]);
    expect(rows.find((r) => r[0] === "u5")).toEqual([
      "u5",
      "'-minus",
      "0",
      "0",
      "0",
      "0",
      "0",
      "0",
      "0",
      "0",
      "0",
    ]);

    const polls = await teacher.client.get(`/api/analytics/sessions/${sessionId}/polls.csv`);
    expect(polls.headers.get("content-disposition")).toContain("polls.csv");
    const p = parseCsv(new TextDecoder().decode(await polls.arrayBuffer()));
    expect(p.slice(1).map((r) => r.slice(0, 6))).toEqual([
      ["1", "poll", 'Which, "really"?', "Yes", "1", ""],
      ["1", "poll", 'Which, "really"?', "'=No", "1", ""],
      ["2", "quiz", "2+2?", "3", "1", "false"],
      ["2", "quiz", "2+2?", "4", "2", "true"],
      ["2", "quiz", "2+2?", "5", "0", "false"],
    ]);
  });

  it("pages a large attendance export through D1 without losing or repeating rows", {
    timeout: 30_000,
  }, async () => {
    const sid = `${sessionId}-big`;
    const n = 2500;
    await env.DB.prepare(
      "INSERT INTO class_sessions (id, class_id, started_at, ended_at, peak_concurrency) VALUES (?, ?, ?, ?, 0)",
    )
      .bind(sid, classId, T0, T0 + MIN)
      .run();
    const stmts: D1PreparedStatement[] = [];
    for (let i = 0; i < n; i += 250) {
      const values = Array.from(
        { length: 250 },
        (_, k) => `('${sid}', 'b${String(i + k).padStart(5, "0")}', 'S${i + k}', ${T0}, 60, 1)`,
      );
      stmts.push(
        env.DB.prepare(
          `INSERT INTO attendance (session_id, user_id, display_name, first_join_at, seconds_attended, joins) VALUES ${values.join(",")}`,
        ),
      );
    }
    await env.DB.batch(stmts);
    const res = await teacher.client.get(`/api/analytics/sessions/${sid}/attendance.csv`);
    const rows = parseCsv(new TextDecoder().decode(await res.arrayBuffer())).slice(1);
    expect(rows).toHaveLength(n);
    expect(new Set(rows.map((r) => r[0])).size).toBe(n);
  });
});

describe("analytics access", { timeout: 30_000 }, () => {
  it("lets admins in, and refuses other teachers (403), students (403) and the signed out (401)", async () => {
    const other = await signUp("teacher", "Teacher B");
    const student = await signUp("student", "Stu");
    const admin = await signUp("teacher", "Admin");
    await env.DB.prepare("UPDATE users SET role = 'admin' WHERE id = ?").bind(admin.id).run();
    const paths = [
      `/api/analytics/sessions/${sessionId}`,
      `/api/analytics/sessions/${sessionId}/attendance`,
      `/api/analytics/sessions/${sessionId}/engagement`,
      `/api/analytics/sessions/${sessionId}/attendance.csv`,
      `/api/analytics/sessions/${sessionId}/engagement.csv`,
      `/api/analytics/sessions/${sessionId}/polls.csv`,
      `/api/analytics/classes/${classId}/sessions`,
    ];
    for (const path of paths) {
      const o = await other.client.get(path);
      expect([path, o.status, await errorCode(o)]).toEqual([path, 403, "forbidden"]);
      const s = await student.client.get(path);
      expect([path, s.status]).toEqual([path, 403]);
      expect((await new Client().get(path)).status).toBe(401);
      expect([path, (await admin.client.get(path)).status]).toEqual([path, 200]);
    }
    const missing = await teacher.client.get("/api/analytics/sessions/nope");
    expect([missing.status, await errorCode(missing)]).toEqual([404, "not_found"]);
  });
});
