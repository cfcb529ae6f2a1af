/**
 * Analytics API shapes (`/api/analytics/*`), shared by the Worker and the dashboard.
 * Times are epoch milliseconds. Runtime-neutral: no DOM, Workers or Node imports.
 */
import * as v from "valibot";
import type { EngagementKind } from "./analytics.constants.ts";

export * from "./analytics.constants.ts";

/** One live run of a class, as listed for its teacher. */
export interface SessionListItem {
  id: string;
  startedAt: number;
  endedAt: number | null;
  peakConcurrency: number;
}

/** `GET /api/analytics/classes/:classId/sessions`. */
export interface ClassSessionsResponse {
  class: { id: string; title: string; teacherName: string };
  sessions: SessionListItem[];
}

/** Headline numbers for one session. */
export interface SessionSummary {
  attendees: number;
  peakConcurrency: number;
  /** Mean students connected over the session's minutes. */
  avgConcurrency: number;
  lateJoiners: number;
  avgMinutesAttended: number;
  /** Events per kind over the whole session. */
  totals: Record<EngagementKind, number>;
}

/** Per-minute columns (uPlot's data layout): `minutes[i]` is the start of minute i. */
export interface Timeline {
  minutes: number[];
  concurrency: number[];
  activity: Record<EngagementKind, number[]>;
}

/** One poll or quiz with its tally per option. */
export interface PollResult {
  id: string;
  kind: "poll" | "quiz";
  question: string;
  options: string[];
  /** Correct option indexes (quizzes). */
  correct: number[] | null;
  tally: number[];
  /** Students who answered (null for anonymous polls, whose answers are not stored). */
  respondents: number | null;
  openedAt: number;
  closedAt: number | null;
}

/** Students per total quiz score bucket `[from, to]` over all quizzes of a session. */
export interface QuizDistribution {
  quizzes: number;
  students: number;
  buckets: { from: number; to: number; students: number }[];
}

/** `GET /api/analytics/sessions/:id`: everything the dashboard draws. */
export interface SessionDashboard {
  session: {
    id: string;
    classId: string;
    classTitle: string;
    teacherName: string;
    startedAt: number;
    endedAt: number | null;
  };
  summary: SessionSummary;
  timeline: Timeline;
  polls: PollResult[];
  quiz: QuizDistribution;
}

/** One attendee of a session (one row however often they reconnected or moved shard). */
export interface AttendanceRow {
  userId: string;
  displayName: string;
  firstJoinAt: number;
  lastLeaveAt: number | null;
  minutesAttended: number;
  joins: number;
  late: boolean;
  /** Teacher or moderator (listed apart; not in the summary's student counts). */
  staff: boolean;
}

/** One student's engagement in a session. */
export interface EngagementRow {
  userId: string;
  displayName: string;
  chat: number;
  questions: number;
  upvotes: number;
  pollAnswers: number;
  quizAnswers: number;
  quizScore: number;
  handRaises: number;
  handAcks: number;
  total: number;
}

/** A page of rows; `total` counts all matching rows. */
export interface Page<T> {
  rows: T[];
  total: number;
  offset: number;
  limit: number;
}

const offset = v.optional(
  v.pipe(v.string(), v.regex(/^\d{1,7}$/), v.transform(Number), v.maxValue(10_000_000)),
  "0",
);
const limit = v.optional(
  v.pipe(v.string(), v.regex(/^\d{1,3}$/), v.transform(Number), v.minValue(1), v.maxValue(200)),
  "50",
);

/** Query of `GET /api/analytics/sessions/:id/attendance`. */
export const AttendanceQuery = v.strictObject({
  sort: v.optional(v.picklist(["joined", "minutes", "name"]), "joined"),
  late: v.optional(v.picklist(["0", "1"]), "0"),
  /** `staff`: the teacher and moderators instead of the students. */
  who: v.optional(v.picklist(["students", "staff"]), "students"),
  offset,
  limit,
});
export type AttendanceQuery = v.InferOutput<typeof AttendanceQuery>;

/** Query of `GET /api/analytics/sessions/:id/engagement` (most active first). */
export const EngagementQuery = v.strictObject({ offset, limit });
export type EngagementQuery = v.InferOutput<typeof EngagementQuery>;
