import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { expect, it } from "vitest";
import type { Classroom } from "../../durable-objects/classroom.ts";
import { D1Outbox } from "../../durable-objects/outbox.ts";

it("re-queues only the failed D1 chunk and later ones, so committed rows are not written twice", async () => {
  const classId = `flush-${Date.now()}`;
  const root = env.CLASSROOM.get(env.CLASSROOM.idFromName(classId));
  await root.kickUser(classId, "nobody", "bind the class id");
  await runInDurableObject(root, async (_: Classroom, state) => {
    for (let i = 0; i < 251; i++)
      state.storage.sql.exec(
        "INSERT INTO d1_outbox (k, row) VALUES (NULL, ?)",
        JSON.stringify({
          table: "audit_log",
          at: i,
          actorId: "actor",
          // Row 230 (second chunk) violates audit_log's NOT NULL: that chunk fails.
          action: i === 230 ? null : "test",
          target: String(i),
          detail: null,
        }),
      );
    await state.storage.setAlarm(Date.now() + 60_000);
  });
  await expect(runDurableObjectAlarm(root)).rejects.toThrow();
  const count = async () =>
    (
      await env.DB.prepare("SELECT count(*) AS n FROM audit_log WHERE class_id = ?")
        .bind(classId)
        .first<{ n: number }>()
    )?.n;
  expect(await count()).toBe(200);
  await runInDurableObject(root, async (_: Classroom, state) => {
    expect(state.storage.sql.exec("SELECT count(*) AS n FROM d1_outbox").one().n).toBe(51);
    state.storage.sql.exec(
      'UPDATE d1_outbox SET row = replace(row, \'"action":null\', \'"action":"test"\')',
    );
  });
  await runDurableObjectAlarm(root);
  expect(await count()).toBe(251);
});

it("moves rows pending in the tables an older version kept them in to the outbox, sessions first, once", async () => {
  const root = env.CLASSROOM.get(env.CLASSROOM.newUniqueId());
  await runInDurableObject(root, async (_: Classroom, state) => {
    const sql = state.storage.sql;
    // The pending tables as the version before the outbox created them, with a row each.
    sql.exec(`CREATE TABLE attendance_pending (session_id TEXT, user_id TEXT, name TEXT, first_join INTEGER,
        last_leave INTEGER, seconds INTEGER, joins INTEGER, staff INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (session_id, user_id));
      CREATE TABLE session_pending (id TEXT PRIMARY KEY, started_at INTEGER, ended_at INTEGER, peak INTEGER);
      CREATE TABLE minute_pending (session_id TEXT, minute INTEGER, concurrency INTEGER, PRIMARY KEY (session_id, minute));
      CREATE TABLE audit_pending (id INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER, actor_id TEXT,
        action TEXT, target TEXT, detail TEXT);
      CREATE TABLE ix_d1 (id INTEGER PRIMARY KEY AUTOINCREMENT, k TEXT UNIQUE, row TEXT NOT NULL);`);
    sql.exec(
      "INSERT INTO ix_d1 (k, row) VALUES ('poll:p', ?)",
      JSON.stringify({ table: "polls", id: "p" }),
    );
    sql.exec("INSERT INTO attendance_pending VALUES ('s', 'u', 'Ann', 10, 0, 30, 2, 1)");
    sql.exec("INSERT INTO session_pending VALUES ('s', 5, NULL, 3)");
    sql.exec("INSERT INTO minute_pending VALUES ('s', 60000, 3)");
    sql.exec(
      "INSERT INTO audit_pending (at, actor_id, action, target, detail) VALUES (7, 't', 'announce', NULL, NULL)",
    );
    sql.exec("INSERT OR REPLACE INTO state VALUES ('live_dirty', '1')");
    const outbox = new D1Outbox(sql);
    outbox.moveLegacy(() => 99);
    outbox.moveLegacy(() => 99);
    const rows = sql
      .exec<{ k: string | null; row: string }>("SELECT k, row FROM d1_outbox ORDER BY id")
      .toArray()
      .map((r) => ({ k: r.k, ...(JSON.parse(r.row) as object) }));
    expect(rows).toEqual([
      {
        k: "class_sessions:s",
        table: "class_sessions",
        id: "s",
        startedAt: 5,
        endedAt: null,
        peak: 3,
      },
      {
        k: "attendance:s u",
        table: "attendance",
        sessionId: "s",
        userId: "u",
        name: "Ann",
        firstJoin: 10,
        lastLeave: 0,
        seconds: 30,
        joins: 2,
        staff: true,
      },
      {
        k: "session_minutes:s 60000",
        table: "session_minutes",
        sessionId: "s",
        minute: 60000,
        concurrency: 3,
      },
      {
        k: null,
        table: "audit_log",
        at: 7,
        actorId: "t",
        action: "announce",
        target: null,
        detail: null,
      },
      { k: "classes:live_until", table: "classes", liveUntil: 99 },
      { k: "poll:p", table: "polls", id: "p" },
    ]);
    const left = sql
      .exec<{ name: string }>(
        "SELECT name FROM sqlite_master WHERE name IN ('attendance_pending', 'session_pending', 'minute_pending', 'audit_pending', 'ix_d1')",
      )
      .toArray();
    expect(left).toEqual([]);
    expect(sql.exec("SELECT count(*) AS n FROM state WHERE k = 'live_dirty'").one().n).toBe(0);
  });
});
