/**
 * Analytics routes (`/api/analytics`): a class's sessions, a session's dashboard,
 * paged attendance and engagement tables, and streamed CSV exports. Teachers see
 * their own classes, admins all; everyone else gets 403 (signed out: 401).
 */

import { eq } from "drizzle-orm";
import type { Context } from "hono";
import { Hono } from "hono";
import * as v from "valibot";
import {
  AttendanceQuery,
  type ClassSessionsResponse,
  EngagementQuery,
  type Page,
  type SessionDashboard,
} from "../../protocol/analytics.ts";
import { csvHeaders, csvStream, safeFilename } from "../analytics/csv.ts";
import {
  attendanceAfter,
  attendancePage,
  attendanceSummary,
  classSessions,
  engagementAfter,
  engagementPage,
  pollResults,
  quizDistribution,
  type SessionHead,
  sessionHead,
  summarize,
  timeline,
} from "../analytics/queries.ts";
import { requireRole } from "../auth/access.ts";
import { getDb, schema } from "../db/index.ts";
import { ApiError } from "../errors.ts";
import type { AppEnv } from "../types.ts";
import { params, query } from "../validate.ts";

/** Rows per D1 query while streaming a CSV. */
const CSV_PAGE = 1000;

const Id = v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{1,64}$/));

/** A session's or class's id in the path; a malformed one names nothing (404). */
const SessionParam = v.object({ sessionId: Id });
const ClassParam = v.object({ classId: Id });
const sessionParam = params(SessionParam, "No such session.");

/** The session, if the signed-in user may see its class's analytics; throws 404/403. */
async function allowedSession<E extends AppEnv>(
  c: Context<E>,
  sessionId: string,
): Promise<SessionHead> {
  const head = await sessionHead(getDb(c.env), sessionId);
  if (!head) throw new ApiError(404, "not_found", "No such session.");
  assertMayView(c, head.teacherId);
  return head;
}

/** Admins see every class's analytics; a teacher only their own classes'. */
function assertMayView<E extends AppEnv>(c: Context<E>, teacherId: string): void {
  const user = c.get("user");
  if (user?.role === "admin" || (user?.role === "teacher" && user.id === teacherId)) return;
  throw new ApiError(403, "forbidden", "Only this class's teacher and admins see its analytics.");
}

function download(body: ReadableStream<Uint8Array>, head: SessionHead, what: string): Response {
  const date = new Date(head.startedAt).toISOString().slice(0, 10);
  return new Response(body, { headers: csvHeaders(safeFilename(head.classTitle, date, what)) });
}

const iso = (ms: number | null) => (ms === null ? "" : new Date(ms).toISOString());

export const analytics = new Hono<AppEnv>()
  .use(requireRole("teacher"))
  .get("/classes/:classId/sessions", params(ClassParam, "No such session."), async (c) => {
    const db = getDb(c.env);
    const { classId } = c.req.valid("param");
    const [cls] = await db
      .select({
        id: schema.classes.id,
        title: schema.classes.title,
        teacherId: schema.classes.teacherId,
        teacherName: schema.users.displayName,
      })
      .from(schema.classes)
      .innerJoin(schema.users, eq(schema.users.id, schema.classes.teacherId))
      .where(eq(schema.classes.id, classId))
      .limit(1);
    if (!cls) throw new ApiError(404, "not_found", "No such class.");
    assertMayView(c, cls.teacherId);
    const body: ClassSessionsResponse = {
      class: { id: cls.id, title: cls.title, teacherName: cls.teacherName },
      sessions: await classSessions(db, classId),
    };
    return c.json(body);
  })
  .get("/sessions/:sessionId", sessionParam, async (c) => {
    const head = await allowedSession(c, c.req.valid("param").sessionId);
    const db = getDb(c.env);
    const [att, t, polls, quiz] = await Promise.all([
      attendanceSummary(db, head),
      timeline(db, head),
      pollResults(db, head.id),
      quizDistribution(db, head.id),
    ]);
    const body: SessionDashboard = {
      session: {
        id: head.id,
        classId: head.classId,
        classTitle: head.classTitle,
        teacherName: head.teacherName,
        startedAt: head.startedAt,
        endedAt: head.endedAt,
      },
      summary: summarize(head, att, t),
      timeline: t,
      polls,
      quiz,
    };
    return c.json(body);
  })
  .get("/sessions/:sessionId/attendance", query(AttendanceQuery), sessionParam, async (c) => {
    const q = c.req.valid("query");
    const head = await allowedSession(c, c.req.valid("param").sessionId);
    const page = await attendancePage(getDb(c.env), head, {
      ...q,
      late: q.late === "1",
      staff: q.who === "staff",
    });
    return c.json({ ...page, offset: q.offset, limit: q.limit } satisfies Page<unknown>);
  })
  .get("/sessions/:sessionId/engagement", query(EngagementQuery), sessionParam, async (c) => {
    const q = c.req.valid("query");
    const head = await allowedSession(c, c.req.valid("param").sessionId);
    const page = await engagementPage(getDb(c.env), head.id, q);
    return c.json({ ...page, offset: q.offset, limit: q.limit } satisfies Page<unknown>);
  })
  .get("/sessions/:sessionId/attendance.csv", sessionParam, async (c) => {
    const head = await allowedSession(c, c.req.valid("param").sessionId);
    const db = getDb(c.env);
    let after = "";
    const body = csvStream(
      ["user_id", "name", "first_join", "last_leave", "minutes_attended", "joins", "late", "staff"],
      async () => {
        const rows = await attendanceAfter(db, head, after, CSV_PAGE);
        after = rows[rows.length - 1]?.userId ?? after;
        return rows;
      },
      (r) => [
        r.userId,
        r.displayName,
        iso(r.firstJoinAt),
        iso(r.lastLeaveAt),
        r.minutesAttended,
        r.joins,
        r.late,
        r.staff,
      ],
    );
    return download(body, head, "attendance");
  })
  .get("/sessions/:sessionId/engagement.csv", sessionParam, async (c) => {
    const head = await allowedSession(c, c.req.valid("param").sessionId);
    const db = getDb(c.env);
    let after = "";
    const body = csvStream(
      [
        "user_id",
        "name",
        "chat",
        "questions",
        "upvotes",
        "poll_answers",
        "quiz_answers",
        "quiz_score",
        "hand_raises",
        "hand_acks",
        "total",
      ],
      async () => {
        const rows = await engagementAfter(db, head.id, after, CSV_PAGE);
        after = rows[rows.length - 1]?.userId ?? after;
        return rows;
      },
      (r) => [
        r.userId,
        r.displayName,
        r.chat,
        r.questions,
        r.upvotes,
        r.pollAnswers,
        r.quizAnswers,
        r.quizScore,
        r.handRaises,
        r.handAcks,
        r.total,
      ],
    );
    return download(body, head, "engagement");
  })
  .get("/sessions/:sessionId/polls.csv", sessionParam, async (c) => {
    const head = await allowedSession(c, c.req.valid("param").sessionId);
    const polls = await pollResults(getDb(c.env), head.id);
    const rows = polls.flatMap((p, n) => p.options.map((option, i) => ({ p, n, option, i })));
    let sent = false;
    const body = csvStream(
      ["poll", "kind", "question", "option", "votes", "correct", "respondents", "opened_at"],
      async () => {
        if (sent) return [];
        sent = true;
        return rows;
      },
      ({ p, n, option, i }) => [
        n + 1,
        p.kind,
        p.question,
        option,
        p.tally[i] ?? 0,
        p.kind === "quiz" ? (p.correct ?? []).includes(i) : null,
        p.respondents,
        iso(p.openedAt),
      ],
    );
    return download(body, head, "polls");
  });
