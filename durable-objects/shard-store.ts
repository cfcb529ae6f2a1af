/**
 * A ClassroomShard's own SQLite (besides its tally, shard-tally-store.ts): its meta
 * (class, section, host, rules, `sseq`, watch flag), the section's recent chat history,
 * each user's chat limiter memory and the join tickets it spent. Part of the shell: the
 * shard hands it `ctx.storage.sql`, nothing else touches these tables.
 */
import type { ChatMessage } from "../protocol/realtime.ts";
import type { ChatUserState } from "./chat-policy.ts";
import { SECTION_HISTORY } from "./shard-core.ts";

/** Per-user chat limiter rows older than this are deleted (the longest slow mode is 1 h). */
const CHAT_STATE_TTL_MS = 2 * 3600_000;

/** The shard's tables other than the tally's. */
export class ShardStore {
  constructor(private readonly sql: SqlStorage) {}

  /** Create the tables, drop stale limiter rows, and return the meta as stored. */
  open(now: number): Record<string, string> {
    this.sql.exec(`CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS section_log (sseq INTEGER PRIMARY KEY, id TEXT NOT NULL, message TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS chat_users (user_id TEXT PRIMARY KEY, at INTEGER NOT NULL, state TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS spent_tickets (id TEXT PRIMARY KEY, expires_at INTEGER NOT NULL);`);
    // Limiter state older than the longest slow mode can no longer refuse anything.
    this.sql.exec("DELETE FROM chat_users WHERE at < ?", now - CHAT_STATE_TTL_MS);
    return Object.fromEntries(
      this.sql
        .exec<{ k: string; v: string }>("SELECT k, v FROM meta")
        .toArray()
        .map((r) => [r.k, r.v]),
    );
  }

  setMeta(k: string, v: string): void {
    this.sql.exec("INSERT OR REPLACE INTO meta VALUES (?, ?)", k, v);
  }

  // ---- section history ----------------------------------------------------------

  /** Keep a posted section message, and only the last SECTION_HISTORY of them. */
  appendMessage(sseq: number, m: ChatMessage): void {
    this.sql.exec("INSERT INTO section_log VALUES (?, ?, ?)", sseq, m.id, JSON.stringify(m));
    this.sql.exec("DELETE FROM section_log WHERE sseq <= ?", sseq - SECTION_HISTORY);
  }

  /** A message of the stored history, or null. */
  message(messageId: string): ChatMessage | null {
    const row = this.sql
      .exec<{ message: string }>("SELECT message FROM section_log WHERE id = ?", messageId)
      .toArray()[0];
    return row ? (JSON.parse(row.message) as ChatMessage) : null;
  }

  /** The stored history, oldest first. */
  recentMessages(): ChatMessage[] {
    return this.sql
      .exec<{ message: string }>(
        "SELECT message FROM section_log ORDER BY sseq DESC LIMIT ?",
        SECTION_HISTORY,
      )
      .toArray()
      .reverse()
      .map((r) => JSON.parse(r.message) as ChatMessage);
  }

  forgetMessage(messageId: string): void {
    this.sql.exec("DELETE FROM section_log WHERE id = ?", messageId);
  }

  /** Drop every stored message of `userId`. */
  forgetUser(userId: string): void {
    this.sql.exec("DELETE FROM section_log WHERE json_extract(message, '$.from.id') = ?", userId);
  }

  // ---- chat limiter memory (by user id: neither a reconnect nor hibernation resets it) ---

  chatUser(userId: string): ChatUserState | null {
    const row = this.sql
      .exec<{ state: string }>("SELECT state FROM chat_users WHERE user_id = ?", userId)
      .toArray()[0];
    return row ? (JSON.parse(row.state) as ChatUserState) : null;
  }

  saveChatUser(userId: string, state: ChatUserState, now: number): void {
    this.sql.exec(
      "INSERT OR REPLACE INTO chat_users VALUES (?, ?, ?)",
      userId,
      now,
      JSON.stringify(state),
    );
  }

  // ---- join tickets (single use: only the shard a ticket names admits it) --------------

  ticketSpent(ticketId: string): boolean {
    return this.sql.exec("SELECT 1 FROM spent_tickets WHERE id = ?", ticketId).toArray().length > 0;
  }

  /** Spend `ticketId` (kept until it expires), dropping tickets expired by `now`. */
  spendTicket(ticketId: string, expiresAt: number, now: number): void {
    this.sql.exec("DELETE FROM spent_tickets WHERE expires_at < ?", now);
    this.sql.exec("INSERT INTO spent_tickets VALUES (?, ?)", ticketId, expiresAt);
  }
}
