/**
 * The Classroom root's D1 outbox, pure part: every row the root writes behind to D1 —
 * its own records (sessions, attendance, minutes, audit, `live_until`) and the interactive
 * store's (polls, answers, questions, engagement) — is one `OutboxRow`, named by its D1
 * table. Here: how a pending row and a newer one of the same key become one (the upserts'
 * own rule, so a pending row never holds more than D1 would), and each row's drizzle
 * statement over `worker/db/schema.ts` (a renamed column fails the typecheck). The shell
 * side (outbox.ts) keeps the rows in the root's SQLite and flushes them from its alarm.
 */
import { eq, type SQL, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { DrizzleD1Database } from "drizzle-orm/d1";
import type { AnySQLiteColumn } from "drizzle-orm/sqlite-core";
import {
  attendance,
  auditLog,
  classes,
  classSessions,
  engagementEvents,
  pollAnswers,
  polls,
  questions,
  sessionMinutes,
} from "../worker/db/schema.ts";
import type { D1Row } from "./interactive-core.ts";
import type { AttendanceDelta, RootEffect } from "./root-state.ts";

/** One row pending for D1, discriminated by its table. */
export type OutboxRow =
  | { table: "class_sessions"; id: string; startedAt: number; endedAt: number | null; peak: number }
  | ({ table: "attendance" } & AttendanceDelta)
  | { table: "session_minutes"; sessionId: string; minute: number; concurrency: number }
  | {
      table: "audit_log";
      at: number;
      actorId: string;
      action: string;
      target: string | null;
      detail: string | null;
    }
  /** The class's `live_until` (null: not live); the newest value wins. */
  | { table: "classes"; liveUntil: number | null }
  /** Polls, answers, questions and engagement (interactive-core.ts). */
  | D1Row;

/**
 * The key under which a root row coalesces with its pending versions (null: never; every
 * audit record is its own row). The interactive core names its own keys (`poll:…`,
 * `answer:…`, `question:…`), so these are prefixed by table to stay apart.
 */
export function rowKey(row: OutboxRow): string | null {
  switch (row.table) {
    case "class_sessions":
      return `class_sessions:${row.id}`;
    case "attendance":
      return `attendance:${row.sessionId} ${row.userId}`;
    case "session_minutes":
      return `session_minutes:${row.sessionId} ${row.minute}`;
    case "classes":
      return "classes:live_until";
    case "audit_log":
    case "polls":
    case "poll_answers":
    case "questions":
    case "engagement_events":
      return null;
    default:
      return row satisfies never;
  }
}

/**
 * One pending row from an older and a newer version of the same key, by the rule of its D1
 * upsert: attendance deltas add up (first join the earliest, last leave the latest), a
 * session keeps its start and highest peak and takes the newer end, a minute keeps its
 * highest count; anything else is replaced by the newer version.
 */
export function mergeRows(older: OutboxRow, newer: OutboxRow): OutboxRow {
  if (older.table === "attendance" && newer.table === "attendance")
    return {
      ...older,
      name: newer.name,
      firstJoin: Math.min(older.firstJoin, newer.firstJoin),
      lastLeave: Math.max(older.lastLeave ?? 0, newer.lastLeave ?? 0),
      seconds: older.seconds + newer.seconds,
      joins: older.joins + newer.joins,
      staff: newer.staff,
    };
  if (older.table === "class_sessions" && newer.table === "class_sessions")
    return { ...older, endedAt: newer.endedAt, peak: Math.max(older.peak, newer.peak) };
  if (older.table === "session_minutes" && newer.table === "session_minutes")
    return { ...older, concurrency: Math.max(older.concurrency, newer.concurrency) };
  return newer;
}

/** The root's effects that are D1 rows. */
export type D1Effect = Extract<
  RootEffect,
  { kind: "audit" | "attendance" | "session" | "minute" | "liveUntil" }
>;

/** The outbox row of one of the root's D1 effects. */
export function outboxRowOf(fx: D1Effect): OutboxRow {
  switch (fx.kind) {
    case "session":
      return { table: "class_sessions", ...fx.session };
    case "attendance":
      return { table: "attendance", ...fx.delta };
    case "minute":
      return {
        table: "session_minutes",
        sessionId: fx.sessionId,
        minute: fx.minute,
        concurrency: fx.concurrency,
      };
    case "audit": {
      const { kind: _kind, ...audit } = fx;
      return { table: "audit_log", ...audit };
    }
    case "liveUntil":
      return { table: "classes", liveUntil: fx.until };
    default:
      return fx satisfies never;
  }
}

/** `excluded.<column>` in an upsert: the value the insert brought. */
function excluded(column: AnySQLiteColumn): SQL {
  return sql`excluded.${sql.identifier(column.name)}`;
}

/** The larger of the stored and the inserted value. */
function keepMax(column: AnySQLiteColumn): SQL {
  return sql`max(${column}, ${excluded(column)})`;
}

/** The D1 statement of one pending row of class `classId`. */
export function statementOf(
  db: DrizzleD1Database,
  classId: string,
  r: OutboxRow,
): BatchItem<"sqlite"> {
  switch (r.table) {
    case "class_sessions":
      return db
        .insert(classSessions)
        .values({
          id: r.id,
          classId,
          startedAt: r.startedAt,
          endedAt: r.endedAt,
          peakConcurrency: r.peak,
        })
        .onConflictDoUpdate({
          target: classSessions.id,
          set: {
            endedAt: excluded(classSessions.endedAt),
            peakConcurrency: keepMax(classSessions.peakConcurrency),
          },
        });
    case "attendance": {
      const a = attendance;
      return db
        .insert(a)
        .values({
          sessionId: r.sessionId,
          userId: r.userId,
          displayName: r.name,
          firstJoinAt: r.firstJoin,
          // A merged pending row without a leave holds 0 (mergeRows): no leave yet.
          lastLeaveAt: r.lastLeave || null,
          secondsAttended: r.seconds,
          joins: r.joins,
          staff: r.staff,
        })
        .onConflictDoUpdate({
          target: [a.sessionId, a.userId],
          set: {
            displayName: excluded(a.displayName),
            firstJoinAt: sql`min(${a.firstJoinAt}, ${excluded(a.firstJoinAt)})`,
            lastLeaveAt: sql`CASE WHEN ${excluded(a.lastLeaveAt)} IS NULL THEN ${a.lastLeaveAt}
              ELSE max(coalesce(${a.lastLeaveAt}, 0), ${excluded(a.lastLeaveAt)}) END`,
            secondsAttended: sql`${a.secondsAttended} + ${excluded(a.secondsAttended)}`,
            joins: sql`${a.joins} + ${excluded(a.joins)}`,
            staff: excluded(a.staff),
          },
        });
    }
    case "session_minutes":
      return db
        .insert(sessionMinutes)
        .values({ sessionId: r.sessionId, minute: r.minute, concurrency: r.concurrency })
        .onConflictDoUpdate({
          target: [sessionMinutes.sessionId, sessionMinutes.minute],
          set: { concurrency: keepMax(sessionMinutes.concurrency) },
        });
    case "audit_log":
      return db.insert(auditLog).values({
        at: r.at,
        actorId: r.actorId,
        classId,
        action: r.action,
        target: r.target,
        detail: r.detail,
      });
    case "classes":
      return db.update(classes).set({ liveUntil: r.liveUntil }).where(eq(classes.id, classId));
    case "polls":
      return db
        .insert(polls)
        .values({
          id: r.id,
          sessionId: r.sessionId,
          kind: r.kind,
          question: r.question,
          options: r.options,
          multiple: r.multiple,
          anonymous: r.anonymous,
          correct: r.correct ?? null,
          openedAt: r.openedAt,
          closedAt: r.closedAt,
          tally: r.tally ?? null,
        })
        .onConflictDoUpdate({
          target: polls.id,
          set: { closedAt: excluded(polls.closedAt), tally: excluded(polls.tally) },
        });
    case "poll_answers":
      return db
        .insert(pollAnswers)
        .values({
          pollId: r.pollId,
          userId: r.userId,
          displayName: r.name,
          choices: r.choices,
          correct: r.correct,
          score: r.score,
          answeredAt: r.at,
        })
        .onConflictDoUpdate({
          target: [pollAnswers.pollId, pollAnswers.userId],
          set: {
            choices: excluded(pollAnswers.choices),
            correct: excluded(pollAnswers.correct),
            score: excluded(pollAnswers.score),
            answeredAt: excluded(pollAnswers.answeredAt),
          },
        });
    case "questions":
      return db
        .insert(questions)
        .values({
          id: r.id,
          sessionId: r.sessionId,
          userId: r.userId,
          displayName: r.name,
          text: r.text,
          state: r.state,
          upvotes: r.upvotes,
          askedAt: r.askedAt,
          answeredAt: r.answeredAt,
        })
        .onConflictDoUpdate({
          target: questions.id,
          set: {
            state: excluded(questions.state),
            upvotes: excluded(questions.upvotes),
            answeredAt: excluded(questions.answeredAt),
          },
        });
    case "engagement_events":
      return db.insert(engagementEvents).values({
        sessionId: r.sessionId,
        userId: r.userId,
        kind: r.kind,
        at: r.at,
        ref: r.ref,
        value: r.value,
      });
    default:
      return r satisfies never;
  }
}
