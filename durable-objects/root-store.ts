/**
 * The Classroom root's own SQLite tables besides the event log (root-event-log.ts), the
 * D1 outbox (outbox.ts), boards and the interactive store: its durable state row, the
 * shard loads (saved by change, RootCore.loadChanges), the connected users, and where
 * students and guests connect from (guest bans). Shell side of RootCore.
 */
import type { ChatRules } from "./chat-policy.ts";
import type { RootCore } from "./classroom-core.ts";
import type { Connected, ShardLoad } from "./root-state.ts";
import type { ClientMarks } from "./rpc.ts";

/** How long a student's or guest's address and device are kept for ban checks, ms. */
const CLIENT_MARKS_MS = 8 * 24 * 3600_000;

/** Root state rows, shard loads, connected users and client marks. */
export class RootStore {
  constructor(private readonly sql: SqlStorage) {
    sql.exec(`CREATE TABLE IF NOT EXISTS state (k TEXT PRIMARY KEY, v TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS section_loads (section_id TEXT PRIMARY KEY, load TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS section_users (section_id TEXT, user_id TEXT, sockets INTEGER NOT NULL,
        PRIMARY KEY (section_id, user_id));
      CREATE TABLE IF NOT EXISTS connected_users (user_id TEXT PRIMARY KEY, since INTEGER NOT NULL,
        name TEXT NOT NULL, staff INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS client_marks (user_id TEXT, kind TEXT, value TEXT, at INTEGER NOT NULL,
        PRIMARY KEY (user_id, kind, value));
      CREATE INDEX IF NOT EXISTS client_marks_at ON client_marks (at);`);
  }

  /** A `state` row (`durable`, `reactions`; `loads` in state saved before loads were split). */
  get(k: string): string | undefined {
    return this.sql.exec<{ v: string }>("SELECT v FROM state WHERE k = ?", k).toArray()[0]?.v;
  }

  /** Write a `state` row. */
  put(k: string, v: string): void {
    this.sql.exec("INSERT OR REPLACE INTO state VALUES (?, ?)", k, v);
  }

  /** Delete a `state` row. */
  delete(k: string): void {
    this.sql.exec("DELETE FROM state WHERE k = ?", k);
  }

  /** Shard loads from their tables: one row per section, one per (section, user) with sockets. */
  loadSections(): ShardLoad[] {
    const loads = new Map<string, ShardLoad>();
    for (const r of this.sql.exec<{ load: string }>("SELECT load FROM section_loads")) {
      const l = JSON.parse(r.load) as ShardLoad;
      loads.set(l.sectionId, { ...l, users: {} });
    }
    for (const r of this.sql.exec<{ section_id: string; user_id: string; sockets: number }>(
      "SELECT section_id, user_id, sockets FROM section_users",
    )) {
      const users = loads.get(r.section_id)?.users;
      if (users) users[r.user_id] = r.sockets;
    }
    return [...loads.values()];
  }

  /** The users connected as of the last save. */
  loadConnected(): [string, Connected][] {
    return this.sql
      .exec<{ user_id: string; since: number; name: string; staff: number }>(
        "SELECT * FROM connected_users",
      )
      .toArray()
      .map((r): [string, Connected] => [
        r.user_id,
        { since: r.since, name: r.name, staff: r.staff === 1 },
      ]);
  }

  /** Save what changed in the shard loads and the connected users since the last save. */
  saveLoads(core: RootCore): void {
    const { sections, users } = core.loadChanges;
    for (const sectionId of sections) {
      const l = core.loads.get(sectionId);
      if (!l) continue;
      const { users: _perUser, ...row } = l;
      this.sql.exec(
        "INSERT OR REPLACE INTO section_loads VALUES (?, ?)",
        sectionId,
        JSON.stringify(row),
      );
    }
    for (const [sectionId, changed] of users)
      for (const [userId, n] of changed) {
        if (n > 0)
          this.sql.exec(
            "INSERT OR REPLACE INTO section_users VALUES (?, ?, ?)",
            sectionId,
            userId,
            n,
          );
        else
          this.sql.exec(
            "DELETE FROM section_users WHERE section_id = ? AND user_id = ?",
            sectionId,
            userId,
          );
      }
    sections.clear();
    users.clear();
    for (const [userId, c] of core.connectedChanges) {
      if (c)
        this.sql.exec(
          "INSERT OR REPLACE INTO connected_users VALUES (?, ?, ?, ?)",
          userId,
          c.since,
          c.name,
          c.staff ? 1 : 0,
        );
      else this.sql.exec("DELETE FROM connected_users WHERE user_id = ?", userId);
    }
    core.connectedChanges.clear();
  }

  /** Remember where a student or guest connects from (kept 8 days: a guest pass lives 7). */
  noteClient(userId: string, client: ClientMarks, now: number): void {
    this.sql.exec("DELETE FROM client_marks WHERE at < ?", now - CLIENT_MARKS_MS);
    for (const [kind, value] of [
      ["ip", client.ip],
      ["device", client.device],
    ] as const)
      if (value)
        this.sql.exec(
          "INSERT INTO client_marks (user_id, kind, value, at) VALUES (?, ?, ?, ?) ON CONFLICT DO UPDATE SET at = excluded.at",
          userId,
          kind,
          value,
          now,
        );
  }

  /**
   * Whether guest `guestId` (null: a guest id about to be minted) is refused because one of
   * the `banned` users was seen from `client`'s device, or from its address. An address is
   * shared (a school NAT), so it refuses only guest ids this class has never seen: the
   * guests who were already in the class from that address keep reconnecting.
   */
  bannedClient(client: ClientMarks, guestId: string | null, banned: string[]): boolean {
    if (!client.ip && !client.device) return false;
    const known =
      guestId !== null &&
      this.sql.exec("SELECT 1 FROM client_marks WHERE user_id = ? LIMIT 1", guestId).toArray()
        .length > 0;
    const ip = known ? null : (client.ip ?? null);
    for (const userId of banned) {
      const hit = this.sql
        .exec(
          "SELECT 1 FROM client_marks WHERE user_id = ? AND ((kind = 'ip' AND value = ?) OR (kind = 'device' AND value = ?)) LIMIT 1",
          userId,
          ip,
          client.device ?? null,
        )
        .toArray();
      if (hit.length > 0) return true;
    }
    return false;
  }

  /** The rules with the device ids banned users connected from (shards refuse those guests). */
  withMarks(rules: ChatRules): ChatRules {
    const users = rules.banned?.users ?? [];
    if (users.length === 0) return rules;
    const devices = new Set<string>();
    for (const userId of users)
      for (const r of this.sql.exec<{ value: string }>(
        "SELECT value FROM client_marks WHERE user_id = ? AND kind = 'device'",
        userId,
      ))
        devices.add(r.value);
    return { ...rules, banned: { users, devices: [...devices] } };
  }
}
