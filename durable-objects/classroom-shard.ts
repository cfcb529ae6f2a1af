/**
 * ClassroomShard: one section of a class. Holds up to SHARD_CAPACITY sockets with
 * the Hibernation API, validates and rate-limits every inbound frame, runs the
 * section chat, and talks to the root in batches. A thin shell around ShardCore.
 */
import { DurableObject } from "cloudflare:workers";
import {
  type Author,
  type ChatMessage,
  type ClassRole,
  CloseCode,
  frameRefs,
  isStaff,
  PING_FRAME,
  PONG_FRAME,
  PROTOCOL_VERSION,
  parseClientMessage,
  type ServerMessage,
} from "../protocol/realtime.ts";
import { errorMessage, logEvent } from "../worker/log.ts";
import { type ChatRules, type ChatUserState, DEFAULT_RULES } from "./chat-policy.ts";
import type { Classroom } from "./classroom.ts";
import { addCommand, countChat, emptyInteractive } from "./interactive-shard.ts";
import type { ShardDelivery, ShardReport } from "./rpc.ts";
import { STAFF_SECTION, shardName, TRUSTED } from "./rpc.ts";
import {
  admitFrame,
  admitHello,
  type ConnGuard,
  droppedErrors,
  newGuard,
  reportRetryDelay,
  requeueReport,
  SECTION_HISTORY,
  ShardCore,
  type ShardEffect,
  strike,
} from "./shard-core.ts";

/** Shard → root flush window, ms. */
export const REPORT_MS = 100;
/** Per-user chat limiter rows older than this are deleted (the longest slow mode is 1 h). */
const CHAT_STATE_TTL_MS = 2 * 3600_000;

/** Per-socket data, namespaced so other features can add their own keys later. */
interface Attachment {
  mc: {
    user: Author;
    joinedAt: number;
    /** Staff: the section this socket watches. */
    watch?: string | null;
  };
}

const ROLES: ClassRole[] = ["teacher", "moderator", "student", "guest"];

/** Close a socket, ignoring codes that may not be sent and sockets already gone. */
function closeQuietly(ws: WebSocket, code: number, reason: string): void {
  try {
    if (code === 1005 || code === 1006 || code === 1015) ws.close();
    else ws.close(code, reason);
  } catch {
    // Already closed.
  }
}

function sendQuietly(ws: WebSocket, frame: string): void {
  try {
    ws.send(frame);
  } catch {
    // The socket closed between listing and sending; its close handler records the leave.
  }
}

function emptyReport(sectionId: string): ShardReport {
  return { sectionId, sockets: 0, joins: [], leaves: [], commands: [], rejections: [], relay: [] };
}

/** One section of a class (named `<classId>/<sectionId>`): hibernating sockets, chat rules, batching. */
export class ClassroomShard extends DurableObject<Env> {
  private readonly sql: SqlStorage;
  private classId = "";
  private core!: ShardCore;
  private report!: ShardReport;
  private reportDirty = false;
  private reportTimer: ReturnType<typeof setTimeout> | null = null;
  /** When the last report flush started (the window is measured from it). */
  private lastReportAt = 0;
  private reportFailures = 0;
  /** Whether a report RPC is awaiting the root's answer. */
  private reportInFlight = false;
  /** Sockets this instance already counted as gone (close and error can both fire). */
  private readonly gone = new WeakSet<WebSocket>();
  private readonly guards = new WeakMap<WebSocket, ConnGuard>();
  /** Sockets waiting for their catch-up: live frames queue here so order holds. */
  private readonly syncing = new Map<WebSocket, string[]>();
  private lastWatching = "[]";
  /** Stamp of the last watch set (see noteWatching). */
  private watchSeq = 0;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    // Answered by the runtime without waking the object (no billing, no hibernation break).
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair(PING_FRAME, PONG_FRAME));
    void ctx.blockConcurrencyWhile(async () => this.load());
  }

  private load(): void {
    this.sql.exec(`CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS section_log (sseq INTEGER PRIMARY KEY, id TEXT NOT NULL, message TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS chat_users (user_id TEXT PRIMARY KEY, at INTEGER NOT NULL, state TEXT NOT NULL);`);
    // Limiter state older than the longest slow mode can no longer refuse anything.
    this.sql.exec("DELETE FROM chat_users WHERE at < ?", Date.now() - CHAT_STATE_TTL_MS);
    const meta = Object.fromEntries(
      this.sql
        .exec<{ k: string; v: string }>("SELECT k, v FROM meta")
        .toArray()
        .map((r) => [r.k, r.v]),
    );
    this.classId = meta.classId ?? "";
    const sectionId = meta.sectionId ?? "";
    this.core = new ShardCore(
      sectionId,
      Number(meta.sseq ?? 0),
      meta.rules ? (JSON.parse(meta.rules) as ChatRules) : DEFAULT_RULES,
      (id) => this.storedMessage(id),
    );
    this.core.setWatched(meta.watched === "1", Number(meta.watchedV ?? 0));
    this.report = emptyReport(sectionId);
  }

  /** A message of this section's stored history (the last SECTION_HISTORY), or null. */
  private storedMessage(messageId: string): ChatMessage | null {
    const row = this.sql
      .exec<{ message: string }>("SELECT message FROM section_log WHERE id = ?", messageId)
      .toArray()[0];
    return row ? (JSON.parse(row.message) as ChatMessage) : null;
  }

  private setMeta(k: string, v: string): void {
    this.sql.exec("INSERT OR REPLACE INTO meta VALUES (?, ?)", k, v);
  }

  private attachment(ws: WebSocket): Attachment["mc"] | null {
    return (ws.deserializeAttachment() as Attachment | null)?.mc ?? null;
  }

  // ---- connect ---------------------------------------------------------------

  /** Upgrade from the Worker, which already authenticated and set the trusted headers. */
  override async fetch(req: Request): Promise<Response> {
    if (req.headers.get("upgrade")?.toLowerCase() !== "websocket")
      return new Response("expected websocket", { status: 426 });
    const h = (k: string) => req.headers.get(k) ?? "";
    const role = h(TRUSTED.role) as ClassRole;
    const classId = h(TRUSTED.classId);
    const sectionId = h(TRUSTED.sectionId);
    const userId = h(TRUSTED.userId);
    if (!classId || !sectionId || !userId || !ROLES.includes(role))
      return new Response("missing identity", { status: 400 });
    if (!this.classId) {
      this.classId = classId;
      this.setMeta("classId", classId);
    }
    if (!this.core.sectionId) {
      this.core = new ShardCore(sectionId, this.core.sseq, this.core.rules, (id) =>
        this.storedMessage(id),
      );
      this.report.sectionId = sectionId;
      this.setMeta("sectionId", sectionId);
    }
    const user: Author = { id: userId, name: decodeURIComponent(h(TRUSTED.userName)), role };
    const resumeRaw = h(TRUSTED.resume);
    const resume = /^\d+$/.test(resumeRaw) ? Number(resumeRaw) : undefined;

    const { 0: client, 1: server } = new WebSocketPair();
    const now = Date.now();
    this.ctx.acceptWebSocket(server, [`user:${userId}`, isStaff(role) ? "staff" : "student"]);
    server.serializeAttachment({ mc: { user, joinedAt: now } } satisfies Attachment);
    this.guards.set(server, newGuard(now, isStaff(role)));
    const welcome: ServerMessage = {
      type: "welcome",
      v: PROTOCOL_VERSION,
      you: user,
      sectionId: this.core.sectionId,
      serverTime: now,
    };
    server.send(JSON.stringify(welcome));
    this.report.joins.push({ user, at: now });
    this.markReport();
    this.syncing.set(server, []);
    void this.syncSocket(server, user, resume, true);
    return new Response(null, { status: 101, webSocket: client });
  }

  /** Send the class state (snapshot or missed events), then release queued live frames. */
  private async syncSocket(
    ws: WebSocket,
    user: Author,
    resume: number | undefined,
    initial: boolean,
  ): Promise<void> {
    if (!this.syncing.has(ws)) this.syncing.set(ws, []);
    try {
      const r = await this.root().sync(
        this.classId,
        this.core.sectionId,
        isStaff(user.role),
        resume,
      );
      if (this.core.adoptRules(r.rules)) this.setMeta("rules", JSON.stringify(this.core.rules));
      this.setWatched(r.watched, r.watchVersion ?? 0);
      for (const f of r.frames) sendQuietly(ws, f);
      const notice = isStaff(user.role) ? null : this.core.timeoutNotice(user.id, Date.now());
      if (notice) sendQuietly(ws, JSON.stringify(notice));
      if (initial) {
        for (const f of r.staff) sendQuietly(ws, f);
        if (!this.core.isStaffShard) sendQuietly(ws, this.sectionSnapshotFrame());
      }
    } catch (err) {
      logEvent({ event: "sync_failed", message: errorMessage(err) });
      sendQuietly(
        ws,
        JSON.stringify({
          type: "error",
          code: "unavailable",
          message: "Class state is briefly unavailable; send hello to retry.",
        } satisfies ServerMessage),
      );
    } finally {
      const queued = this.syncing.get(ws) ?? [];
      this.syncing.delete(ws);
      for (const f of queued) sendQuietly(ws, f);
    }
  }

  private root(): DurableObjectStub<Classroom> {
    return this.env.CLASSROOM.get(this.env.CLASSROOM.idFromName(this.classId));
  }

  // ---- inbound ---------------------------------------------------------------

  /** Hibernation handler: guard, parse (the one parser), decide, act. Never throws to the runtime. */
  override async webSocketMessage(ws: WebSocket, data: string | ArrayBuffer): Promise<void> {
    if (this.gone.has(ws)) return;
    const a = this.attachment(ws);
    if (!a) return;
    const now = Date.now();
    let guard = this.guards.get(ws);
    if (!guard) {
      guard = newGuard(now, isStaff(a.user.role));
      this.guards.set(ws, guard);
    }
    const admitted = admitFrame(guard, now);
    if (admitted === "close") return this.kickSocket(ws, CloseCode.flood, "flood");
    if (admitted === "refuse") {
      // Even a refused frame answers its command's rid (every rid gets exactly one answer).
      return this.reply(ws, {
        type: "error",
        code: "rate_limited",
        message: "Too many frames; slow down.",
        ...frameRefs(data),
      });
    }
    const parsed = parseClientMessage(data);
    if (!parsed.ok) {
      const { code, message, ref, rid } = parsed;
      this.reply(ws, {
        type: "error",
        code,
        message,
        ...(ref !== undefined ? { ref } : {}),
        ...(rid !== undefined ? { rid } : {}),
      });
      if (strike(guard) === "close")
        this.kickSocket(ws, CloseCode.policyViolation, "too many invalid messages");
      return;
    }
    const chatting = parsed.message.type === "chat.send";
    // The limiter is kept by user id in storage, so neither a reconnect nor hibernation resets it.
    if (chatting && !this.core.chatUsers.has(a.user.id)) {
      const row = this.sql
        .exec<{ state: string }>("SELECT state FROM chat_users WHERE user_id = ?", a.user.id)
        .toArray()[0];
      if (row) this.core.chatUsers.set(a.user.id, JSON.parse(row.state) as ChatUserState);
    }
    const effects = this.core.onMessage(a.user, parsed.message, now);
    const chat = chatting ? this.core.chatUsers.get(a.user.id) : undefined;
    if (chat)
      this.sql.exec(
        "INSERT OR REPLACE INTO chat_users VALUES (?, ?, ?)",
        a.user.id,
        now,
        JSON.stringify(chat),
      );
    this.run(effects, ws);
  }

  /** Hibernation handler: reciprocate the close and record the leave. */
  override async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    closeQuietly(ws, code, reason);
    this.leave(ws);
  }

  /** Hibernation handler: the socket failed; record the leave. */
  override async webSocketError(ws: WebSocket): Promise<void> {
    this.leave(ws);
  }

  private leave(ws: WebSocket): void {
    if (this.gone.has(ws)) return;
    this.gone.add(ws);
    this.syncing.delete(ws);
    const a = this.attachment(ws);
    if (!a) return;
    this.report.leaves.push({ user: a.user, joinedAt: a.joinedAt, at: Date.now() });
    if (a.watch) this.noteWatching();
    this.markReport();
  }

  private kickSocket(ws: WebSocket, code: number, reason: string): void {
    closeQuietly(ws, code, reason);
    this.leave(ws);
  }

  private reply(ws: WebSocket, frame: ServerMessage): void {
    sendQuietly(ws, JSON.stringify(frame));
  }

  // ---- root → shard ------------------------------------------------------------

  /** Root: a batch of pre-encoded frames (forwarded verbatim) and control instructions. */
  async deliver(batch: ShardDelivery): Promise<void> {
    const watched = `${this.core.watched}/${this.core.watchedV}`;
    for (const c of batch.control) this.run(this.core.onControl(c));
    if (`${this.core.watched}/${this.core.watchedV}` !== watched) this.saveWatched();
    for (const frame of batch.frames) this.broadcast(frame);
  }

  /**
   * Staff shard (RPC): this section's `section.snapshot` frame for a watcher. With
   * `watchVersion` (the root's answer to the watch), relaying starts now, before the
   * snapshot is taken: a message sent right after it must reach the watcher, and the
   * root's own `watch` control may still be on its way.
   */
  async sectionSnapshot(watchVersion?: number): Promise<string> {
    if (watchVersion !== undefined) this.setWatched(true, watchVersion);
    return this.sectionSnapshotFrame();
  }

  private sectionSnapshotFrame(): string {
    const messages = this.sql
      .exec<{ message: string }>(
        "SELECT message FROM section_log ORDER BY sseq DESC LIMIT ?",
        SECTION_HISTORY,
      )
      .toArray()
      .reverse()
      .map((r) => JSON.parse(r.message) as ChatMessage);
    return JSON.stringify({
      type: "section.snapshot",
      sectionId: this.core.sectionId,
      sseq: this.core.sseq,
      messages,
    } satisfies ServerMessage);
  }

  private broadcast(frame: string, tag?: string): void {
    for (const ws of this.ctx.getWebSockets(tag)) {
      if (this.gone.has(ws)) continue;
      const q = this.syncing.get(ws);
      if (q) q.push(frame);
      else sendQuietly(ws, frame);
    }
  }

  private setWatched(on: boolean, v: number): void {
    if (this.core.setWatched(on, v)) this.saveWatched();
  }

  private saveWatched(): void {
    this.setMeta("watched", this.core.watched ? "1" : "0");
    this.setMeta("watchedV", String(this.core.watchedV));
  }

  private run(effects: ShardEffect[], from?: WebSocket): void {
    for (const fx of effects) {
      switch (fx.kind) {
        case "reply":
          if (from) this.reply(from, fx.frame);
          break;
        case "section": {
          const frame = JSON.stringify(fx.frame);
          this.broadcast(frame);
          if (fx.frame.type === "section.message") {
            const m = fx.frame.message;
            this.sql.exec(
              "INSERT INTO section_log VALUES (?, ?, ?)",
              fx.frame.sseq,
              m.id,
              JSON.stringify(m),
            );
            this.sql.exec(
              "DELETE FROM section_log WHERE sseq <= ?",
              fx.frame.sseq - SECTION_HISTORY,
            );
            // Engagement: student chat is counted per user and reported with the next batch.
            this.report.interactive ??= emptyInteractive();
            countChat(this.report.interactive, m.from.id, m.at);
            this.markReport();
          }
          this.setMeta("sseq", String(this.core.sseq));
          if (this.core.watched) {
            this.report.relay.push(frame);
            this.markReport();
          }
          break;
        }
        case "forget":
          this.sql.exec("DELETE FROM section_log WHERE id = ?", fx.messageId);
          break;
        case "forgetUser":
          this.sql.exec(
            "DELETE FROM section_log WHERE json_extract(message, '$.from.id') = ?",
            fx.userId,
          );
          break;
        case "interactive":
          this.report.interactive ??= emptyInteractive();
          addCommand(this.report.interactive, fx.who, fx.command, Date.now());
          this.markReport();
          break;
        case "upstream":
          this.report.commands.push(fx.command);
          this.markReport();
          break;
        case "rejection":
          this.report.rejections.push(fx.rejection);
          this.markReport();
          break;
        case "resync":
          if (from) {
            const a = this.attachment(from);
            const guard = this.guards.get(from);
            if (!a || !guard) break;
            if (admitHello(guard, this.syncing.has(from), Date.now()) !== "ok") {
              this.reply(from, {
                type: "error",
                code: "rate_limited",
                message: "A resync is in progress or just happened; retry in a few seconds.",
                ref: "hello",
              });
              break;
            }
            void this.syncSocket(from, a.user, fx.resume, false);
          }
          break;
        case "watch":
          if (from) void this.watch(from, fx.sectionId);
          break;
        case "toUser":
          this.broadcast(JSON.stringify(fx.frame), `user:${fx.userId}`);
          break;
        case "kick":
          for (const ws of this.ctx.getWebSockets(`user:${fx.userId}`))
            this.kickSocket(ws, fx.code, fx.reason);
          break;
        case "relay":
          for (const ws of this.ctx.getWebSockets("staff")) {
            if (this.attachment(ws)?.watch === fx.sectionId)
              for (const f of fx.frames) sendQuietly(ws, f);
          }
          break;
        case "rulesChanged":
          this.setMeta("rules", JSON.stringify(this.core.rules));
          break;
        case "social":
          this.markReport();
          break;
        case "peek":
          if (from) void this.peek(from, fx.sectionId);
          break;
        default:
          fx satisfies never;
      }
    }
  }

  /**
   * A staff socket starts (or stops) watching a section: tell the root first (so it
   * forwards that section's relays), then have the section relay from its snapshot on.
   */
  private async watch(ws: WebSocket, sectionId: string | null): Promise<void> {
    const a = this.attachment(ws);
    if (!a) return;
    ws.serializeAttachment({ mc: { ...a, watch: sectionId } } satisfies Attachment);
    const watching = this.noteWatching();
    if (!sectionId || sectionId === STAFF_SECTION) return;
    try {
      const version = await this.root().watch(this.classId, watching.sections, watching.seq);
      const target = this.env.CLASSROOM_SHARD.get(
        this.env.CLASSROOM_SHARD.idFromName(shardName(this.classId, sectionId)),
      );
      sendQuietly(ws, await target.sectionSnapshot(version));
    } catch {
      this.reply(ws, {
        type: "error",
        code: "unavailable",
        message: "That section is unavailable.",
        ref: "section.watch",
      });
    }
  }

  /** Staff: one read of a section's recent messages (`mod.peeked`); the watch is untouched. */
  private async peek(ws: WebSocket, sectionId: string): Promise<void> {
    try {
      if (!/^s\d+$/.test(sectionId)) throw new Error("not a student section");
      const target = this.env.CLASSROOM_SHARD.get(
        this.env.CLASSROOM_SHARD.idFromName(shardName(this.classId, sectionId)),
      );
      const snap = JSON.parse(await target.sectionSnapshot()) as { messages: ChatMessage[] };
      this.reply(ws, { type: "mod.peeked", sectionId, messages: snap.messages });
    } catch {
      this.reply(ws, {
        type: "error",
        code: "not_found",
        message: "That section is unavailable.",
        ref: "mod.peek",
      });
    }
  }

  /**
   * The sections this shard's staff sockets watch, stamped with an increasing `seq`; a
   * change also goes with the next report (the retry path when the direct RPC fails).
   */
  private noteWatching(): { sections: string[]; seq: number } {
    const set = new Set<string>();
    for (const ws of this.ctx.getWebSockets("staff")) {
      if (this.gone.has(ws)) continue;
      const w = this.attachment(ws)?.watch;
      if (w) set.add(w);
    }
    const sections = [...set].sort();
    const next = JSON.stringify(sections);
    if (next !== this.lastWatching) {
      // Wall-clock based so a restarted shard still stamps above what the root has seen.
      this.watchSeq = Math.max(Date.now(), this.watchSeq + 1);
      this.lastWatching = next;
      this.report.watching = sections;
      this.report.watchingSeq = this.watchSeq;
      this.markReport();
    }
    return { sections, seq: this.watchSeq };
  }

  // ---- shard → root ------------------------------------------------------------

  private markReport(): void {
    this.reportDirty = true;
    // While the root fails, back off (100 ms → 5 s) instead of hammering it every window.
    // Otherwise leading edge: the first report after a quiet window goes at once, later
    // ones wait for the window (at most one upstream RPC per REPORT_MS).
    const delay =
      this.reportFailures > 0
        ? reportRetryDelay(this.reportFailures)
        : Math.max(0, this.lastReportAt + REPORT_MS - Date.now());
    if (!this.reportTimer) this.reportTimer = setTimeout(() => void this.flushReport(), delay);
  }

  private openSockets(): number {
    let n = 0;
    for (const ws of this.ctx.getWebSockets()) if (!this.gone.has(ws)) n++;
    return n;
  }

  private async flushReport(): Promise<void> {
    this.reportTimer = null;
    if (!this.reportDirty || !this.classId) return;
    // One report in flight at a time: two could reach the root out of order, and an older
    // socket count landing last makes the root think an occupied section is empty (then
    // it stops sending that section anything). The next one goes when this one is answered.
    if (this.reportInFlight) return;
    this.reportInFlight = true;
    this.lastReportAt = Date.now();
    const r = this.report;
    r.sockets = this.openSockets();
    const social = this.core.social.take();
    if (social) r.social = social;
    this.report = emptyReport(this.core.sectionId);
    this.reportDirty = false;
    if (this.core.pruneTimeouts(Date.now())) this.setMeta("rules", JSON.stringify(this.core.rules));
    try {
      await this.root().report(this.classId, r);
      this.reportFailures = 0;
      this.reportInFlight = false;
      if (this.reportDirty) this.markReport();
    } catch (err) {
      this.reportInFlight = false;
      logEvent({ event: "report_failed", message: errorMessage(err) });
      // Keep what matters (attendance, commands) under a size cap and retry until the root
      // is back (a deploy or restart can take seconds); relays are dropped.
      this.reportFailures++;
      if (r.social) this.core.social.requeue(r.social);
      for (const d of droppedErrors(requeueReport(r, this.report)))
        this.broadcast(JSON.stringify(d.frame), `user:${d.userId}`);
      this.markReport();
    }
  }
}
