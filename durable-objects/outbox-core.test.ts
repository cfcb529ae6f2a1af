import { drizzle } from "drizzle-orm/d1";
import { describe, expect, it } from "vitest";
import { mergeRows, type OutboxRow, outboxRowOf, rowKey, statementOf } from "./outbox-core.ts";

const att = (over: Partial<Extract<OutboxRow, { table: "attendance" }>> = {}): OutboxRow => ({
  table: "attendance",
  sessionId: "s",
  userId: "u",
  name: "Ann",
  firstJoin: 100,
  lastLeave: null,
  seconds: 0,
  joins: 1,
  staff: false,
  ...over,
});

describe("outbox rows", () => {
  it("merges a pending row with a newer one by its D1 upsert's rule", () => {
    // Attendance deltas add up; the earliest join, the latest leave (0: none yet), the newer name.
    expect(
      mergeRows(
        att({ seconds: 30, lastLeave: 500 }),
        att({ name: "Ann B", firstJoin: 50, seconds: 20, joins: 0 }),
      ),
    ).toEqual(att({ name: "Ann B", firstJoin: 50, lastLeave: 500, seconds: 50, joins: 1 }));
    expect(mergeRows(att(), att())).toMatchObject({ lastLeave: 0, joins: 2 });
    // A session keeps its start and highest peak, and takes the newer end.
    const session = (
      endedAt: number | null,
      peak: number,
    ): Extract<OutboxRow, { table: "class_sessions" }> => ({
      table: "class_sessions",
      id: "s",
      startedAt: 1,
      endedAt,
      peak,
    });
    expect(mergeRows(session(null, 9), { ...session(700, 4), startedAt: 2 })).toEqual(
      session(700, 9),
    );
    const minute = (concurrency: number): OutboxRow => ({
      table: "session_minutes",
      sessionId: "s",
      minute: 60_000,
      concurrency,
    });
    expect(mergeRows(minute(7), minute(3))).toEqual(minute(7));
    // Anything else: the newer version replaces the older (a poll's live tally).
    const live = (liveUntil: number | null): OutboxRow => ({ table: "classes", liveUntil });
    expect(mergeRows(live(5), live(null))).toEqual(live(null));
  });

  it("keys the root's rows apart from the interactive core's own keys; audit rows never merge", () => {
    expect(rowKey(att())).toBe("attendance:s u");
    expect(
      rowKey(outboxRowOf({ kind: "minute", sessionId: "s", minute: 60_000, concurrency: 1 })),
    ).toBe("session_minutes:s 60000");
    expect(rowKey(outboxRowOf({ kind: "liveUntil", until: 5 }))).toBe("classes:live_until");
    expect(
      rowKey(
        outboxRowOf({
          kind: "audit",
          at: 1,
          actorId: "t",
          action: "mod.ban",
          target: "u",
          detail: null,
        }),
      ),
    ).toBeNull();
  });

  it("writes attendance with D1's summing upsert, through the schema's column names", () => {
    const db = drizzle({} as Parameters<typeof drizzle>[0]);
    const q = (
      statementOf(db, "c1", att({ lastLeave: 0, staff: true })) as unknown as {
        toSQL(): { sql: string; params: unknown[] };
      }
    ).toSQL();
    expect(q.sql).toContain('insert into "attendance"');
    expect(q.sql).toContain(
      'on conflict ("attendance"."session_id", "attendance"."user_id") do update',
    );
    expect(q.sql).toContain(
      '"seconds_attended" = "attendance"."seconds_attended" + excluded."seconds_attended"',
    );
    // A merged row's 0 is "no leave yet"; staff is D1's 1.
    expect(q.params).toEqual(["s", "u", "Ann", 100, null, 0, 1, 1]);
  });
});
