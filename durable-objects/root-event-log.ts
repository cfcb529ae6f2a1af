/**
 * The Classroom root's event log in its SQLite (`events`): every sequenced event's frame,
 * encoded once. A resume replays from it while the gap is within LOG_SIZE events; the
 * after-class replay reads up to REPLAY_LOG_SIZE. Shell side of RootCore.resumePlan.
 */

/** Events kept for resume. */
export const LOG_SIZE = 1000;
/**
 * Events kept for the after-class replay (`replay`), oldest deleted in steps of 1000: a
 * resume still only reaches back LOG_SIZE events (`oldestLogged`).
 */
export const REPLAY_LOG_SIZE = 50_000;

/** The sequenced events of one class. */
export class EventLog {
  /** The oldest seq a resume may replay from (null: nothing logged yet). */
  oldestLogged: number | null;

  constructor(private readonly sql: SqlStorage) {
    sql.exec("CREATE TABLE IF NOT EXISTS events (seq INTEGER PRIMARY KEY, frame TEXT NOT NULL)");
    const logged = sql
      .exec<{ lo: number | null; hi: number | null }>(
        "SELECT min(seq) AS lo, max(seq) AS hi FROM events",
      )
      .one();
    this.oldestLogged =
      logged.lo === null || logged.hi === null
        ? null
        : Math.max(logged.lo, logged.hi - LOG_SIZE + 1);
  }

  /** Log event `seq` as `frame`, trimming the log in steps of 1000. */
  append(seq: number, frame: string): void {
    this.sql.exec("INSERT INTO events (seq, frame) VALUES (?, ?)", seq, frame);
    this.oldestLogged ??= seq;
    if (seq - this.oldestLogged >= LOG_SIZE + 100) this.oldestLogged = seq - LOG_SIZE + 1;
    if (seq % 1000 === 0) this.sql.exec("DELETE FROM events WHERE seq <= ?", seq - REPLAY_LOG_SIZE);
  }

  /** Every logged frame after `after`, oldest first (a resume's replay). */
  after(after: number): string[] {
    return this.sql
      .exec<{ frame: string }>("SELECT frame FROM events WHERE seq > ? ORDER BY seq", after)
      .toArray()
      .map((r) => r.frame);
  }

  /**
   * Up to `limit` stored events after `after` whose type is in `types`, oldest first;
   * `last`: the seq to continue after (null: no more); `oldest`: the first seq still kept.
   */
  replay(
    after: number,
    limit: number,
    types: string[],
  ): { frames: string[]; last: number | null; oldest: number | null } {
    const rows = this.sql
      .exec<{ seq: number; frame: string }>(
        "SELECT seq, frame FROM events WHERE seq > ? ORDER BY seq LIMIT ?",
        after,
        limit,
      )
      .toArray();
    const wanted = new Set(types);
    return {
      frames: rows
        .map((r) => r.frame)
        .filter((f) => wanted.has((JSON.parse(f) as { type: string }).type)),
      last: rows.length === limit ? (rows[rows.length - 1]?.seq ?? null) : null,
      oldest: this.sql.exec<{ s: number | null }>("SELECT min(seq) AS s FROM events").one().s,
    };
  }
}
