/**
 * The Classroom root's D1 outbox: one SQLite table (`d1_outbox`) of pending `OutboxRow`s
 * (outbox-core.ts), written by both the root's effects and the interactive store, and one
 * flush from the root's alarm, in order (a session before its attendance, a poll before
 * its answers: D1 checks foreign keys), in batches of D1_CHUNK through drizzle.
 *
 * Exactly once: rows are taken out synchronously before the first await, so rows added
 * meanwhile stay pending; each D1 batch is its own transaction, so after a failed chunk the
 * earlier ones are committed and only the failed chunk and the ones after it go back, under
 * their old ids (order is what keeps foreign keys satisfied), merged with any newer version
 * of the same key that arrived meanwhile (mergeRows: the newer counts on top).
 */
import { drizzle } from "drizzle-orm/d1";
import { mergeRows, type OutboxRow, rowKey, statementOf } from "./outbox-core.ts";

/** Pending rows per flush, and per D1 batch. */
const FLUSH_ROWS = 2000;
const D1_CHUNK = 200;

/** The tables each kind of row was pending in before the outbox (moved once at load). */
const LEGACY_TABLES = [
  "session_pending",
  "attendance_pending",
  "minute_pending",
  "audit_pending",
  "ix_d1",
] as const;

/** Pending D1 rows in the root's SQLite. */
export class D1Outbox {
  constructor(private readonly sql: SqlStorage) {
    sql.exec(
      "CREATE TABLE IF NOT EXISTS d1_outbox (id INTEGER PRIMARY KEY AUTOINCREMENT, k TEXT UNIQUE, row TEXT NOT NULL)",
    );
  }

  /**
   * Queue `row` for D1. A keyed row (one session, one attendee, one poll…) merges with its
   * pending version in place: it keeps the older position, so a poll's row still flushes
   * before the answers that reference it however often its live tally changes.
   */
  add(row: OutboxRow, key: string | null = rowKey(row)): void {
    if (key !== null) {
      const pending = this.sql
        .exec<{ row: string }>("SELECT row FROM d1_outbox WHERE k = ?", key)
        .toArray()[0];
      if (pending) {
        const merged = mergeRows(JSON.parse(pending.row) as OutboxRow, row);
        this.sql.exec("UPDATE d1_outbox SET row = ? WHERE k = ?", JSON.stringify(merged), key);
        return;
      }
    }
    this.sql.exec("INSERT INTO d1_outbox (k, row) VALUES (?, ?)", key, JSON.stringify(row));
  }

  /** Pending rows now. */
  pending(): number {
    return this.sql.exec<{ n: number }>("SELECT count(*) AS n FROM d1_outbox").one().n;
  }

  /**
   * Write pending rows to D1 in order, in batches of D1_CHUNK. `first`: rows the caller
   * always writes, in a batch of their own ahead of the rest (the live session's row, which
   * the others refer to), unless a pending row of the same key is in this flush. Throws
   * after putting a failed chunk and the ones after it back.
   */
  async flush(d1: D1Database, classId: string, first: OutboxRow[] = []): Promise<void> {
    const rows = this.sql
      .exec<{ id: number; k: string | null; row: string }>(
        `SELECT id, k, row FROM d1_outbox ORDER BY id LIMIT ${FLUSH_ROWS}`,
      )
      .toArray();
    const keys = new Set(rows.map((r) => r.k));
    const lead = first.filter((row) => !keys.has(rowKey(row)));
    const items = rows.map((r) => ({ id: r.id, k: r.k, row: JSON.parse(r.row) as OutboxRow }));
    const db = drizzle(d1);
    const batches = [
      lead,
      ...chunks(
        items.map((x) => x.row),
        D1_CHUNK,
      ),
    ].filter((b) => b.length > 0);
    const stmts = batches.map((b) => b.map((row) => statementOf(db, classId, row)));
    const last = rows[rows.length - 1];
    if (last) this.sql.exec("DELETE FROM d1_outbox WHERE id <= ?", last.id);
    // Rows of `items` the batches before the current one held (the lead batch holds none).
    let done = 0 - lead.length;
    try {
      for (const batch of stmts) {
        await db.batch(batch as [(typeof batch)[number], ...typeof batch]);
        done += batch.length;
      }
    } catch (err) {
      // The caller's own rows are written again at the next flush; pending ones go back.
      for (const x of items.slice(Math.max(0, done))) this.restore(x.id, x.k, x.row);
      throw err;
    }
  }

  /** Put a row whose write failed back at its old position, merged with a newer version. */
  private restore(id: number, key: string | null, row: OutboxRow): void {
    const newer =
      key === null
        ? undefined
        : this.sql.exec<{ row: string }>("SELECT row FROM d1_outbox WHERE k = ?", key).toArray()[0];
    if (newer) {
      const merged = mergeRows(row, JSON.parse(newer.row) as OutboxRow);
      this.sql.exec(
        "UPDATE d1_outbox SET id = ?, row = ? WHERE k = ?",
        id,
        JSON.stringify(merged),
        key,
      );
      return;
    }
    this.sql.exec(
      "INSERT OR IGNORE INTO d1_outbox (id, k, row) VALUES (?, ?, ?)",
      id,
      key,
      JSON.stringify(row),
    );
  }

  /**
   * Move rows pending in the tables used before the outbox (an object that ran an older
   * version keeps its SQLite across the deploy) into it, sessions first so foreign keys
   * hold, then drop those tables. `liveUntil`: the current value, if the old flag said it
   * was still to be written. Runs once; a no-op afterwards.
   */
  moveLegacy(liveUntil: () => number | null): void {
    const present = new Set(
      this.sql
        .exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table'")
        .toArray()
        .map((t) => t.name),
    );
    const all = <T extends Record<string, SqlStorageValue>>(table: string, order = "") =>
      present.has(table) ? this.sql.exec<T>(`SELECT * FROM ${table} ${order}`).toArray() : [];
    for (const s of all<{ id: string; started_at: number; ended_at: number | null; peak: number }>(
      "session_pending",
    ))
      this.add({
        table: "class_sessions",
        id: s.id,
        startedAt: s.started_at,
        endedAt: s.ended_at,
        peak: s.peak,
      });
    for (const a of all<{
      session_id: string;
      user_id: string;
      name: string;
      first_join: number;
      last_leave: number | null;
      seconds: number;
      joins: number;
      staff: number;
    }>("attendance_pending"))
      this.add({
        table: "attendance",
        sessionId: a.session_id,
        userId: a.user_id,
        name: a.name,
        firstJoin: a.first_join,
        lastLeave: a.last_leave,
        seconds: a.seconds,
        joins: a.joins,
        // Rows saved before staff was recorded apart lack the column.
        staff: a.staff === 1,
      });
    for (const m of all<{ session_id: string; minute: number; concurrency: number }>(
      "minute_pending",
    ))
      this.add({
        table: "session_minutes",
        sessionId: m.session_id,
        minute: m.minute,
        concurrency: m.concurrency,
      });
    for (const a of all<{
      at: number;
      actor_id: string;
      action: string;
      target: string | null;
      detail: string | null;
    }>("audit_pending", "ORDER BY id"))
      this.add({
        table: "audit_log",
        at: a.at,
        actorId: a.actor_id,
        action: a.action,
        target: a.target,
        detail: a.detail,
      });
    if (this.sql.exec("SELECT 1 FROM state WHERE k = 'live_dirty'").toArray().length > 0) {
      this.add({ table: "classes", liveUntil: liveUntil() });
      this.sql.exec("DELETE FROM state WHERE k = 'live_dirty'");
    }
    for (const r of all<{ k: string | null; row: string }>("ix_d1", "ORDER BY id"))
      this.add(JSON.parse(r.row) as OutboxRow, r.k);
    for (const table of LEGACY_TABLES) if (present.has(table)) this.sql.exec(`DROP TABLE ${table}`);
  }
}

/** `list` in consecutive pieces of at most `size`. */
function chunks<T>(list: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
}
