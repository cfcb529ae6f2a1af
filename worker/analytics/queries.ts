/**
 * Analytics queries over D1 (drizzle): sessions of a class, and per session the
 * attendance, concurrency, per-minute activity, per-student engagement, poll tallies
 * and quiz score distribution. Each function is one or two indexed statements
 * (migration 0003), so a 100,000-student session answers well under 200 ms
 * (`npm run bench:analytics`, docs/benchmarks.md). Access checks live in the routes.
 */
import { and, asc, desc, eq, inArray, sql } from "drizzle-orm";
import type { DrizzleD1Database } from "drizzle-orm/d1";
import {
  type AttendanceRow,
  ENGAGEMENT_KINDS,
  type EngagementKind,
  type EngagementRow,
  LATE_AFTER_MS,
  type PollResult,
  type QuizDistribution,
  type SessionListItem,
  type SessionSummary,
  type Timeline,
} from "../../protocol/analytics.ts";
import * as schema from "../db/schema.ts";

/** A drizzle handle over D1 (the Worker's `getDb`, or a local D1 in bench/analytics.ts). */
export type Db = DrizzleD1Database<typeof schema>;

const MINUTE = 60_000;
/** Longest timeline drawn (a session left open for days is cut at this many minutes). */
export const MAX_TIMELINE_MINUTES = 24 * 60;

/** A session with its class, for access checks and headers. */
export interface SessionHead {
  id: string;
  classId: string;
  classTitle: string;
  teacherId: string;
  teacherName: string;
  startedAt: number;
  endedAt: number | null;
  peakConcurrency: number;
}

/** The session and its class (null when there is no such session). */
export async function sessionHead(db: Db, sessionId: string): Promise<SessionHead | null> {
  const s = schema.classSessions;
  const [row] = await db
    .select({
      id: s.id,
      classId: s.classId,
      classTitle: schema.classes.title,
      teacherId: schema.classes.teacherId,
      teacherName: schema.users.displayName,
      startedAt: s.startedAt,
      endedAt: s.endedAt,
      peakConcurrency: s.peakConcurrency,
    })
    .from(s)
    .innerJoin(schema.classes, eq(schema.classes.id, s.classId))
    .innerJoin(schema.users, eq(schema.users.id, schema.classes.teacherId))
    .where(eq(s.id, sessionId))
    .limit(1);
  return row ?? null;
}

/**
 * A class's sessions, newest first. No attendee counts here: counting a 100k-student
 * session's attendance is a scan of its own (the dashboard's summary does it once).
 */
export async function classSessions(db: Db, classId: string): Promise<SessionListItem[]> {
  const s = schema.classSessions;
  return db
    .select({
      id: s.id,
      startedAt: s.startedAt,
      endedAt: s.endedAt,
      peakConcurrency: s.peakConcurrency,
    })
    .from(s)
    .where(eq(s.classId, classId))
    .orderBy(desc(s.startedAt))
    .limit(200);
}

/** Attendance headline numbers over students (staff are listed apart; one covering-index scan). */
export async function attendanceSummary(
  db: Db,
  head: Pick<SessionHead, "id" | "startedAt">,
): Promise<{ attendees: number; lateJoiners: number; avgMinutesAttended: number }> {
  const a = schema.attendance;
  const [row] = await db
    .select({
      attendees: sql<number>`count(*)`,
      late: sql<number>`coalesce(sum(${a.firstJoinAt} > ${head.startedAt + LATE_AFTER_MS}), 0)`,
      avgSeconds: sql<number>`coalesce(avg(${a.secondsAttended}), 0)`,
    })
    .from(a)
    .where(and(eq(a.sessionId, head.id), eq(a.staff, false)));
  return {
    attendees: row?.attendees ?? 0,
    lateJoiners: row?.late ?? 0,
    avgMinutesAttended: round1((row?.avgSeconds ?? 0) / 60),
  };
}

/** Per-minute concurrency (session_minutes) and activity per kind (engagement_events). */
export async function timeline(
  db: Db,
  head: Pick<SessionHead, "id" | "startedAt" | "endedAt">,
  now = Date.now(),
): Promise<Timeline> {
  const [conc, perMinute] = await Promise.all([
    db
      .select({ minute: schema.sessionMinutes.minute, n: schema.sessionMinutes.concurrency })
      .from(schema.sessionMinutes)
      .where(eq(schema.sessionMinutes.sessionId, head.id))
      .orderBy(asc(schema.sessionMinutes.minute)),
    // Kept per minute and kind by triggers on engagement_events (chat weighted by its count).
    db
      .select({
        minute: schema.engagementMinutes.minute,
        kind: schema.engagementMinutes.kind,
        n: schema.engagementMinutes.n,
      })
      .from(schema.engagementMinutes)
      .where(eq(schema.engagementMinutes.sessionId, head.id)),
  ]);
  const acts = perMinute as { minute: number; kind: EngagementKind; n: number }[];
  const first = Math.floor(head.startedAt / MINUTE) * MINUTE;
  let last = Math.floor((head.endedAt ?? now) / MINUTE) * MINUTE;
  for (const r of conc) last = Math.max(last, r.minute);
  for (const r of acts) last = Math.max(last, r.minute);
  const count = Math.min(MAX_TIMELINE_MINUTES, Math.max(1, (last - first) / MINUTE + 1));
  const minutes = Array.from({ length: count }, (_, i) => first + i * MINUTE);
  const zeros = () => new Array<number>(count).fill(0);
  const activity = Object.fromEntries(ENGAGEMENT_KINDS.map((k) => [k, zeros()])) as Record<
    EngagementKind,
    number[]
  >;
  for (const r of acts) {
    const i = (r.minute - first) / MINUTE;
    const col = activity[r.kind];
    if (col && i >= 0 && i < count) col[i] = (col[i] ?? 0) + r.n;
  }
  // A minute without a row had no joins or leaves reported: the count carried on.
  const concurrency = zeros();
  let j = 0;
  let current = 0;
  for (let i = 0; i < count; i++) {
    while (j < conc.length && conc[j]!.minute <= minutes[i]!) current = conc[j++]!.n;
    concurrency[i] = current;
  }
  return { minutes, concurrency, activity };
}

/** Summary numbers: attendance plus what the timeline already holds. */
export function summarize(
  head: Pick<SessionHead, "peakConcurrency">,
  att: Awaited<ReturnType<typeof attendanceSummary>>,
  t: Timeline,
): SessionSummary {
  const totals = Object.fromEntries(
    ENGAGEMENT_KINDS.map((k) => [k, t.activity[k].reduce((x, y) => x + y, 0)]),
  ) as Record<EngagementKind, number>;
  const peak = Math.max(head.peakConcurrency, ...t.concurrency);
  const avg = t.concurrency.reduce((x, y) => x + y, 0) / Math.max(1, t.concurrency.length);
  return {
    attendees: att.attendees,
    peakConcurrency: peak,
    avgConcurrency: round1(avg),
    lateJoiners: att.lateJoiners,
    avgMinutesAttended: att.avgMinutesAttended,
    totals,
  };
}

/**
 * Polls and quizzes of a session with their tallies: the stored one (final at close, the
 * live one written behind while open), else counted from the answers.
 */
export async function pollResults(db: Db, sessionId: string): Promise<PollResult[]> {
  const p = schema.polls;
  const pa = schema.pollAnswers;
  const polls = await db
    .select()
    .from(p)
    .where(eq(p.sessionId, sessionId))
    .orderBy(asc(p.openedAt))
    .limit(200);
  // A single-choice poll's stored tally already sums to its respondents; count the
  // answers only where it cannot (multiple choice, or no tally stored yet).
  const toCount = polls.filter((x) => !x.anonymous && (x.multiple || !x.tally)).map((x) => x.id);
  const counts = toCount.length
    ? await db
        .select({ pollId: pa.pollId, n: sql<number>`count(*)` })
        .from(pa)
        .where(inArray(pa.pollId, toCount.slice(0, 90)))
        .groupBy(pa.pollId)
    : [];
  const respondents = new Map(counts.map((c) => [c.pollId, c.n]));
  for (const x of polls)
    if (!respondents.has(x.id) && x.tally)
      respondents.set(
        x.id,
        x.tally.reduce((a, b) => a + b, 0),
      );
  return Promise.all(
    polls.map(async (poll): Promise<PollResult> => {
      let tally = poll.tally;
      if (!tally) {
        // Still open (or closed before a tally was stored): count the stored answers.
        const rows = await db.all<{ option: number; n: number }>(
          sql`SELECT j.value AS option, count(*) AS n FROM poll_answers, json_each(poll_answers.choices) j
              WHERE poll_answers.poll_id = ${poll.id} GROUP BY j.value`,
        );
        tally = poll.options.map(() => 0);
        for (const r of rows) if (r.option >= 0 && r.option < tally.length) tally[r.option] = r.n;
      }
      return {
        id: poll.id,
        kind: poll.kind,
        question: poll.question,
        options: poll.options,
        correct: poll.correct ?? null,
        tally,
        respondents: poll.anonymous ? null : (respondents.get(poll.id) ?? 0),
        openedAt: poll.openedAt,
        closedAt: poll.closedAt,
      };
    }),
  );
}

/** How many buckets the quiz histogram has at most. */
const QUIZ_BUCKETS = 10;

/**
 * Students per total quiz score (summed over the session's quizzes), in up to 10 buckets;
 * read from engagement_totals (kept by triggers), one index entry per student.
 */
export async function quizDistribution(db: Db, sessionId: string): Promise<QuizDistribution> {
  const [rows, quizCount] = await Promise.all([
    db.all<{ total: number; n: number }>(
      sql`SELECT quiz_score AS total, count(*) AS n FROM engagement_totals
          WHERE session_id = ${sessionId} AND quizzes_answered > 0 GROUP BY quiz_score ORDER BY quiz_score`,
    ),
    db.$count(
      schema.polls,
      and(eq(schema.polls.sessionId, sessionId), eq(schema.polls.kind, "quiz")),
    ),
  ]);
  const students = rows.reduce((x, r) => x + r.n, 0);
  if (rows.length === 0) return { quizzes: quizCount, students: 0, buckets: [] };
  const max = rows[rows.length - 1]!.total;
  const size = Math.max(1, Math.ceil((max + 1) / QUIZ_BUCKETS));
  const buckets = Array.from({ length: Math.ceil((max + 1) / size) }, (_, i) => ({
    from: i * size,
    to: (i + 1) * size - 1,
    students: 0,
  }));
  for (const r of rows) buckets[Math.floor(Math.max(0, r.total) / size)]!.students += r.n;
  return { quizzes: quizCount, students, buckets };
}

/** Sort orders, each served by an attendance index (rowid breaks ties inside the index). */
const ATTENDANCE_ORDER = {
  joined: ["first_join_at", "rowid"],
  minutes: ["seconds_attended DESC", "rowid DESC"],
  name: ["display_name", "rowid"],
} as const;

/**
 * One page of a session's attendance: its students, or (`staff`) its teacher and
 * moderators; `late` keeps only late joiners.
 */
export async function attendancePage(
  db: Db,
  head: Pick<SessionHead, "id" | "startedAt">,
  opts: {
    sort: keyof typeof ATTENDANCE_ORDER;
    late: boolean;
    staff?: boolean;
    offset: number;
    limit: number;
  },
): Promise<{ rows: AttendanceRow[]; total: number }> {
  const lateAt = head.startedAt + LATE_AFTER_MS;
  const staff = opts.staff ? 1 : 0;
  const where = opts.late
    ? sql`session_id = ${head.id} AND staff = ${staff} AND first_join_at > ${lateAt}`
    : sql`session_id = ${head.id} AND staff = ${staff}`;
  const terms = ATTENDANCE_ORDER[opts.sort];
  const order = sql.raw(terms.join(", "));
  const outerOrder = sql.raw(terms.map((t) => `a.${t}`).join(", "));
  const [rows, [count]] = await Promise.all([
    // Page over the index alone (rowids), then read only the page's rows: a deep OFFSET
    // would otherwise load every skipped row from the table.
    db.all<RawAttendance>(
      sql`SELECT a.user_id, a.display_name, a.first_join_at, a.last_leave_at, a.seconds_attended, a.joins, a.staff
          FROM (SELECT rowid AS r FROM attendance WHERE ${where}
                ORDER BY ${order} LIMIT ${opts.limit} OFFSET ${opts.offset}) k
          JOIN attendance a ON a.rowid = k.r ORDER BY ${outerOrder}`,
    ),
    db.all<{ n: number }>(sql`SELECT count(*) AS n FROM attendance WHERE ${where}`),
  ]);
  return { rows: rows.map((r) => toAttendance(r, lateAt)), total: count?.n ?? 0 };
}

/** Attendance rows after `afterUserId` in user id order (CSV export pages). */
export async function attendanceAfter(
  db: Db,
  head: Pick<SessionHead, "id" | "startedAt">,
  afterUserId: string,
  limit: number,
): Promise<AttendanceRow[]> {
  const rows = await db.all<RawAttendance>(
    sql`SELECT user_id, display_name, first_join_at, last_leave_at, seconds_attended, joins, staff
        FROM attendance WHERE session_id = ${head.id} AND user_id > ${afterUserId}
        ORDER BY user_id LIMIT ${limit}`,
  );
  return rows.map((r) => toAttendance(r, head.startedAt + LATE_AFTER_MS));
}

interface RawAttendance {
  user_id: string;
  display_name: string;
  first_join_at: number;
  last_leave_at: number | null;
  seconds_attended: number;
  joins: number;
  staff: number;
}

function toAttendance(r: RawAttendance, lateAt: number): AttendanceRow {
  const staff = r.staff === 1;
  return {
    userId: r.user_id,
    displayName: r.display_name,
    firstJoinAt: r.first_join_at,
    lastLeaveAt: r.last_leave_at,
    minutesAttended: round1(r.seconds_attended / 60),
    joins: r.joins,
    // Staff are not students: "late" says nothing about them.
    late: !staff && r.first_join_at > lateAt,
    staff,
  };
}

interface RawEngagement {
  user_id: string;
  display_name: string | null;
  chat: number | null;
  questions: number | null;
  upvotes: number | null;
  poll_answers: number | null;
  quiz_answers: number | null;
  hand_raises: number | null;
  hand_acks: number | null;
  total: number | null;
  quiz_score: number | null;
}

function toEngagement(r: RawEngagement): EngagementRow {
  return {
    userId: r.user_id,
    displayName: r.display_name ?? r.user_id,
    chat: r.chat ?? 0,
    questions: r.questions ?? 0,
    upvotes: r.upvotes ?? 0,
    pollAnswers: r.poll_answers ?? 0,
    quizAnswers: r.quiz_answers ?? 0,
    quizScore: r.quiz_score ?? 0,
    handRaises: r.hand_raises ?? 0,
    handAcks: r.hand_acks ?? 0,
    total: r.total ?? 0,
  };
}

/** Columns of engagement_totals `t` as RawEngagement. */
const TOTALS_COLUMNS = sql.raw(
  "t.user_id, t.chat, t.questions, t.upvotes, t.poll_answers, t.quiz_answers, t.hand_raises, t.hand_acks, t.total, t.quiz_score",
);

/** One page of the students who took part, most active first (engagement_totals, by index). */
export async function engagementPage(
  db: Db,
  sessionId: string,
  opts: { offset: number; limit: number },
): Promise<{ rows: EngagementRow[]; total: number }> {
  const [rows, [count]] = await Promise.all([
    db.all<RawEngagement>(
      sql`SELECT ${TOTALS_COLUMNS}, a.display_name
          FROM (SELECT rowid AS r FROM engagement_totals WHERE session_id = ${sessionId} AND total > 0
                ORDER BY total DESC, user_id DESC LIMIT ${opts.limit} OFFSET ${opts.offset}) k
          JOIN engagement_totals t ON t.rowid = k.r
          LEFT JOIN attendance a ON a.session_id = t.session_id AND a.user_id = t.user_id
          ORDER BY t.total DESC, t.user_id DESC`,
    ),
    db.all<{ n: number }>(
      sql`SELECT count(*) AS n FROM engagement_totals WHERE session_id = ${sessionId} AND total > 0`,
    ),
  ]);
  return { rows: rows.map(toEngagement), total: count?.n ?? 0 };
}

/**
 * Engagement of every attendee after `afterUserId` in user id order, zeros included
 * (CSV export pages): one attendance page, then the same key range of engagement_totals.
 */
export async function engagementAfter(
  db: Db,
  sessionId: string,
  afterUserId: string,
  limit: number,
): Promise<EngagementRow[]> {
  const people = await db.all<{ user_id: string; display_name: string }>(
    sql`SELECT user_id, display_name FROM attendance WHERE session_id = ${sessionId}
        AND user_id > ${afterUserId} ORDER BY user_id LIMIT ${limit}`,
  );
  if (people.length === 0) return [];
  const lastId = people[people.length - 1]!.user_id;
  const totals = await db.all<RawEngagement>(
    sql`SELECT ${TOTALS_COLUMNS} FROM engagement_totals t WHERE t.session_id = ${sessionId}
        AND t.user_id > ${afterUserId} AND t.user_id <= ${lastId}`,
  );
  const byUser = new Map(totals.map((e) => [e.user_id, e]));
  return people.map((p) =>
    toEngagement({
      ...(byUser.get(p.user_id) ?? emptyEngagement(p.user_id)),
      display_name: p.display_name,
    }),
  );
}

function emptyEngagement(userId: string): RawEngagement {
  return {
    user_id: userId,
    display_name: null,
    chat: 0,
    questions: 0,
    upvotes: 0,
    poll_answers: 0,
    quiz_answers: 0,
    hand_raises: 0,
    hand_acks: 0,
    total: 0,
    quiz_score: 0,
  };
}

function round1(x: number): number {
  return Math.round(x * 10) / 10;
}
