/**
 * ClassroomShard: one section of a class. Holds up to SHARD_CAPACITY sockets with
 * the Hibernation API, validates and rate-limits every inbound frame, runs the
 * section chat, and talks to the root in batches. A thin shell around ShardCore.
 */
import { DurableObject } from "cloudflare:workers";
import type { ApiErrorBody, ApiErrorCode } from "../protocol/api.ts";
import {
  type Author,
  type ChatMessage,
  type ClientMessage,
  CloseCode,
  frameRefs,
  isStaff,
  PING_FRAME,
  PONG_FRAME,
  PROTOCOL_VERSION,
  parseClientMessage,
  type ServerMessage,
} from "../protocol/realtime.ts";
import { verifyJoinTicket } from "../worker/auth/join-ticket.ts";
import { workerConfig } from "../worker/config.ts";
import { errorMessage, logEvent } from "../worker/log.ts";
import { countMetric, type DeliveryKind, type MetricsDataset } from "../worker/metrics.ts";
import { type AdmitRefusal, admitAtShard, closedByRules, SyncCache } from "./admission-core.ts";
import { ChatHomes, mergeChatUser } from "./chat-home.ts";
import { type ChatRules, type ChatUserState, DEFAULT_RULES, freshUser } from "./chat-policy.ts";
import type { Classroom } from "./classroom.ts";
import { addCommand, countChat, emptyInteractive, type ShardAnswer } from "./interactive-shard.ts";
import { MetricWindow, utf8Length, WindowClock } from "./metric-window.ts";
import type { ClientMarks, ReportAnswer, ShardDelivery, ShardReport, TallyControl } from "./rpc.ts";
import { parseTallyTarget, STAFF_SECTION, shardName, shardNamespace, TRUSTED } from "./rpc.ts";
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
import {
  answerFrame,
  type Handover,
  type HeldAnswer,
  type ShardCounts,
  type ShardPoll,
  ShardTally,
  type TallyOutcome,
} from "./shard-tally.ts";
import { ShardTallyStore } from "./shard-tally-store.ts";

/** Shard → root flush window, ms. */
export const REPORT_MS = 100;
/** Longest wait before the tally's changes are stored (and their acks sent), ms. */
const TALLY_COMMIT_MS = 50;
/** Tries to hand a moved student's answers to their new shard (then they are kept here). */
const HANDOVER_TRIES = 5;
/** Per-user chat limiter rows older than this are deleted (the longest slow mode is 1 h). */
const CHAT_STATE_TTL_MS = 2 * 3600_000;

/** Per-socket data, namespaced so other features can add their own keys later. */
interface Attachment {
  mc: {
    user: Author;
    joinedAt: number;
    /** Staff: the section this socket watches. */
    watch?: string | null;
    /** Staff: the `sseq` of that section's snapshot it got; relays up to it are not sent again. */
    watchFrom?: number;
    /** The device id it connected from (a ban keeps that device out, decision 014). */
    device?: string;
    /** The admitting ticket's issue time and token version (a later revocation covers it). */
    ticket?: { issuedAt: number; tokenVersion?: number };
  };
}

/** The `sseq` of a pre-encoded section frame (snapshot, message, deletion); 0 if none. */
function sseqOf(frame: string): number {
  try {
    const f = JSON.parse(frame) as { sseq?: unknown };
    return typeof f.sseq === "number" ? f.sseq : 0;
  } catch {
    return 0;
  }
}

/** Close a socket, ignoring codes that may not be sent and sockets already gone. */
function closeQuietly(ws: WebSocket, code: number, reason: string): void {
  try {
    if (code === 1005 || code === 1006 || code === 1015) ws.close();
    else ws.close(code, reason);
  } catch {
    // Already closed.
  }
}

/** Send a frame; false if the socket was already closed. */
function sendQuietly(ws: WebSocket, frame: string): boolean {
  try {
    ws.send(frame);
    return true;
  } catch {
    // The socket closed between listing and sending; its close handler records the leave.
    return false;
  }
}

/** The tally's root → shard instructions (handled by this shell, not by ShardCore). */
function isTallyControl(c: ShardDelivery["control"][number]): c is TallyControl {
  return c.kind.startsWith("tally.");
}

/** A held answer as its voter sees it again (after a reconnect or a move). */
function answeredFrame(a: HeldAnswer): string {
  return JSON.stringify({
    type: "poll.answered",
    pollId: a.pollId,
    choices: a.choices,
  } satisfies ServerMessage);
}

/** Sockets per section shard when SHARD_CAPACITY is unset (docs/decisions/001). */
const DEFAULT_CAPACITY = 2000;

/** An HTTP refusal of an upgrade, as the Worker's typed error body. */
function refuse(status: number, code: ApiErrorCode, message: string): Response {
  return Response.json({ error: { code, message } } satisfies ApiErrorBody, { status });
}

/** Accept and close at once with `code`, so a browser can read why (an HTTP error shows only 1006). */
function closedSocket(code: number, reason: string): Response {
  const { 0: client, 1: server } = new WebSocketPair();
  server.accept();
  server.close(code, reason);
  return new Response(null, { status: 101, webSocket: client });
}

/** The answer to a refused ticket (decision 014): a typed HTTP error or a close code. */
function refusal(code: AdmitRefusal): Response {
  switch (code) {
    case "wrong_shard":
      return refuse(403, "wrong_shard", "This join ticket is for another section.");
    case "ticket_used":
      return refuse(401, "unauthenticated", "This join ticket was already used.");
    case "expired":
      return refuse(401, "unauthenticated", "The join ticket is invalid or expired.");
    case "revoked":
      return refuse(401, "unauthenticated", "This session has ended. Sign in again.");
    case "guests_off":
      return refuse(403, "guest_access_disabled", "This class does not allow guests.");
    case "section_full":
      return refuse(503, "section_full", "This section is full; ask for a new ticket.");
    case "banned":
      return closedSocket(CloseCode.banned, "banned");
    case "too_many_sockets":
      return closedSocket(CloseCode.tooManySockets, "too many sockets");
    default:
      return code satisfies never;
  }
}

function emptyReport(sectionId: string): ShardReport {
  return { sectionId, sockets: 0, joins: [], leaves: [], commands: [], rejections: [], relay: [] };
}

/** One section of a class (named `<classId>/<sectionId>`): hibernating sockets, chat rules, batching. */
export class ClassroomShard extends DurableObject<Env> {
  private readonly sql: SqlStorage;
  private classId = "";
  /** Shard host of this section (local multi-process topology), from its first ticket. */
  private host = "";
  /** Whether the rules came from the root while this instance held sockets (see fetch). */
  private rulesFresh = false;
  /** Open sockets in all and per user (socketCounts). */
  private counts: { open: number; byUser: Map<string, number> } | null = null;
  /** The shared class-state request in flight (syncShard). */
  private shardSync: Promise<void> | null = null;
  /**
   * Devices of sockets this instance closed for a ban, with the banned user (memory; the
   * root's rules list them soon). A device counts only while its user is still banned in
   * the rules: an unban lets the guest back on this shard too.
   */
  private readonly bannedDevices = new Map<string, string>();
  /** The class state joining students are served from (admission-core.ts SyncCache). */
  private readonly syncCache = new SyncCache();
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
  /**
   * Staff sockets waiting for a watched section's snapshot: its relays queue here. A relay
   * travels section → root → here a report window later than the snapshot's direct RPC,
   * so it can arrive before the snapshot or after it with messages the snapshot holds.
   */
  private readonly watchQueue = new Map<WebSocket, { sectionId: string; frames: string[] }>();
  /** Handovers of moved students' answers still on their way (see tallySettle). */
  private readonly handovers = new Set<Promise<void>>();
  /** Stamp of the last watch set (see noteWatching). */
  private watchSeq = 0;
  /** This shard's voters' answers and the counts it reports (docs/decisions/013). */
  private tally!: ShardTally;
  private tallyStore!: ShardTallyStore;
  private commitTimer: ReturnType<typeof setTimeout> | null = null;
  /** Acks waiting for the next commit. */
  private readonly tallyAcks: (() => void)[] = [];
  /** Students whose chat waits for their limiter memory (docs/decisions/015), and their held messages. */
  private readonly chatHomes = new ChatHomes();
  private readonly heldChats = new Map<string, { ws: WebSocket; message: ClientMessage }[]>();
  private homeTimer: ReturnType<typeof setTimeout> | null = null;
  /** Frames and bytes sent to sockets, written to METRICS once per window (`deliveries`). */
  private readonly sent = new MetricWindow<DeliveryKind>();
  private readonly metricsClock = new WindowClock();
  /** Where the window goes (tests put an Analytics Engine stand-in here). */
  private metricsSink: { METRICS?: MetricsDataset } = this.env;

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
      CREATE TABLE IF NOT EXISTS chat_users (user_id TEXT PRIMARY KEY, at INTEGER NOT NULL, state TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS spent_tickets (id TEXT PRIMARY KEY, expires_at INTEGER NOT NULL);`);
    // Limiter state older than the longest slow mode can no longer refuse anything.
    this.sql.exec("DELETE FROM chat_users WHERE at < ?", Date.now() - CHAT_STATE_TTL_MS);
    const meta = Object.fromEntries(
      this.sql
        .exec<{ k: string; v: string }>("SELECT k, v FROM meta")
        .toArray()
        .map((r) => [r.k, r.v]),
    );
    this.classId = meta.classId ?? "";
    this.host = meta.host ?? "";
    const sectionId = meta.sectionId ?? "";
    this.core = new ShardCore(
      sectionId,
      Number(meta.sseq ?? 0),
      meta.rules ? (JSON.parse(meta.rules) as ChatRules) : DEFAULT_RULES,
      (id) => this.storedMessage(id),
    );
    this.core.setWatched(meta.watched === "1", Number(meta.watchedV ?? 0));
    this.report = emptyReport(sectionId);
    this.tallyStore = new ShardTallyStore(this.sql);
    this.tally = new ShardTally();
    const saved = this.tallyStore.load();
    for (const p of saved.polls) this.tally.setPoll(p);
    this.tally.restore(saved.saved);
    this.tally.ops.length = 0;
    // A restarted shard reports its counts once more (the root ignores what it has).
    if (this.tally.hasReport) this.markReport();
  }

  /**
   * The tally changed: store it within TALLY_COMMIT_MS (group commit) and report it with
   * the next batch. Why not at once: every storage write holds the object's output until it
   * is durable, and one commit per answer (~200/s per shard at 10,000 students) made the
   * reports, and so the teacher's tally, 13 s late; one commit per window does not.
   */
  private saveTally(): void {
    if (this.tally.ops.length > 0 || this.tallyAcks.length > 0) {
      this.commitTimer ??= setTimeout(() => this.commitTally(), TALLY_COMMIT_MS);
    }
    if (this.tally.hasReport) this.markReport();
  }

  /** Store the tally's pending changes now, then send the acks that waited for them. */
  private commitTally(): void {
    if (this.commitTimer) clearTimeout(this.commitTimer);
    this.commitTimer = null;
    this.tallyStore.apply(this.tally.ops.splice(0));
    // Sent after the writes: the runtime releases them once those are durable, so an
    // acked answer survives a restart of this shard.
    for (const send of this.tallyAcks.splice(0)) send();
    if (this.tally.hasReport) this.markReport();
  }

  /** Send `send` (an ack) with the next commit. */
  private queueAck(send: () => void): void {
    this.tallyAcks.push(send);
    this.saveTally();
  }

  private shardStub(to: string): DurableObjectStub<ClassroomShard> {
    const { sectionId, host } = parseTallyTarget(to);
    const ns = shardNamespace(this.env, host);
    return ns.get(ns.idFromName(shardName(this.classId, sectionId)));
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

  /**
   * Upgrade from the Worker, which verified the join ticket's signature and set the client
   * marks. The shard admits alone (docs/decisions/014-admission-at-the-shard.md): the ticket
   * must name this shard, be unspent here, and pass the bans, revocations and guest rule
   * the root pushed; no D1 query and, on a warm shard, no request to the root.
   */
  override async fetch(req: Request): Promise<Response> {
    if (req.headers.get("upgrade")?.toLowerCase() !== "websocket")
      return new Response("expected websocket", { status: 426 });
    const h = (k: string) => req.headers.get(k) ?? "";
    const t = await verifyJoinTicket(h(TRUSTED.ticket), workerConfig(this.env).JWT_SECRET);
    if (!t) return refuse(401, "unauthenticated", "The join ticket is invalid or expired.");
    // The ticket binds one shard: the first ticket names a new shard (the Worker routed it
    // by that very ticket), every later one must name the same class and section.
    if (
      this.classId &&
      this.core.sectionId &&
      (t.classId !== this.classId || t.sectionId !== this.core.sectionId)
    )
      return refuse(403, "wrong_shard", "This join ticket is for another section.");
    if (!this.classId) {
      this.classId = t.classId;
      this.setMeta("classId", t.classId);
    }
    if (!this.core.sectionId) {
      this.core = new ShardCore(t.sectionId, this.core.sseq, this.core.rules, (id) =>
        this.storedMessage(id),
      );
      this.report.sectionId = t.sectionId;
      this.setMeta("sectionId", t.sectionId);
    }
    if (t.host && !this.host) {
      this.host = t.host;
      this.setMeta("host", t.host);
    }
    const client: ClientMarks = {};
    if (h(TRUSTED.ip)) client.ip = h(TRUSTED.ip);
    if (h(TRUSTED.device)) client.device = h(TRUSTED.device);
    // An empty shard's rules may be stale (the root delivers only to occupied sections):
    // one request to the root, shared by every socket joining meanwhile.
    if (this.socketCounts().open === 0 || !this.rulesFresh) {
      try {
        await this.syncShard();
      } catch (err) {
        logEvent({ event: "sync_failed", message: errorMessage(err) });
        return refuse(503, "internal", "The class is briefly unavailable; try again.");
      }
    }
    const now = Date.now();
    const counts = this.socketCounts();
    const open = counts.open;
    const ofUser = counts.byUser.get(t.user.id) ?? 0;
    const spent =
      this.sql.exec("SELECT 1 FROM spent_tickets WHERE id = ?", t.ticketId).toArray().length > 0;
    const rules = this.core.rules;
    const verdict = admitAtShard(t, {
      classId: this.classId,
      sectionId: this.core.sectionId,
      // Devices this shard saw banned users on, until the root's rules list them too.
      rules: this.withSeenDevices(rules),
      open,
      openOfUser: ofUser,
      capacity: this.core.isStaffShard
        ? Number.POSITIVE_INFINITY
        : Number(workerConfig(this.env).SHARD_CAPACITY) || DEFAULT_CAPACITY,
      spent,
      client,
      now,
    });
    if (!verdict.ok) return refusal(verdict.code);
    // A guest is marked by the device their pass was issued to (decision 050).
    if (t.device) client.device = t.device;
    // Single use: the spent set lives with the only shard that admits this ticket.
    this.sql.exec("DELETE FROM spent_tickets WHERE expires_at < ?", now);
    this.sql.exec("INSERT INTO spent_tickets VALUES (?, ?)", t.ticketId, t.expiresAt);

    const role = t.role;
    const userId = t.user.id;
    const user: Author = { id: userId, name: t.user.name, role };
    const resumeRaw = h(TRUSTED.resume);
    const resume = /^\d+$/.test(resumeRaw) ? Number(resumeRaw) : undefined;

    const { 0: client_, 1: server } = new WebSocketPair();
    this.ctx.acceptWebSocket(server, [`user:${userId}`, isStaff(role) ? "staff" : "student"]);
    counts.open++;
    counts.byUser.set(userId, ofUser + 1);
    const mc: Attachment["mc"] = { user, joinedAt: now, ticket: { issuedAt: t.issuedAt } };
    if (t.tokenVersion !== undefined) mc.ticket!.tokenVersion = t.tokenVersion;
    if (client.device) mc.device = client.device;
    server.serializeAttachment({ mc } satisfies Attachment);
    this.guards.set(server, newGuard(now, isStaff(role)));
    const welcome: ServerMessage = {
      type: "welcome",
      v: PROTOCOL_VERSION,
      you: user,
      sectionId: this.core.sectionId,
      serverTime: now,
    };
    const welcomeFrame = JSON.stringify(welcome);
    server.send(welcomeFrame);
    this.countSent(this.sentKind(), 1, utf8Length(welcomeFrame));
    const join: ShardReport["joins"][number] = { user, at: now };
    if (client.ip || client.device) join.client = client;
    this.report.joins.push(join);
    // Their chat is decided once this shard knows it holds their newest limiter memory.
    if (!isStaff(role) && !this.core.isStaffShard) this.chatHomes.joined(userId, now);
    this.markReport();
    // A student joining a warm shard is brought up to date from its copy of the class state.
    const cached =
      resume === undefined && !isStaff(role) && !this.core.isStaffShard
        ? this.syncCache.serve(now)
        : null;
    if (cached) {
      for (const f of cached) this.send(server, f);
      const notice = this.core.timeoutNotice(userId, now);
      if (notice) this.send(server, JSON.stringify(notice));
      this.send(server, this.sectionSnapshotFrame());
      // The student's answers this shard holds (a reconnect to the same section).
      for (const a of this.tally.answersOf(userId)) this.send(server, answeredFrame(a));
    } else {
      this.syncing.set(server, []);
      void this.syncSocket(server, user, resume, true);
    }
    return new Response(null, { status: 101, webSocket: client_ });
  }

  /**
   * Open sockets, in all and per user, kept as they change: counting them per admission
   * (reading every socket's attachment) made a join cost O(sockets). Rebuilt once after a wake.
   */
  private socketCounts(): { open: number; byUser: Map<string, number> } {
    if (!this.counts) {
      const byUser = new Map<string, number>();
      let open = 0;
      for (const ws of this.ctx.getWebSockets()) {
        if (this.gone.has(ws)) continue;
        const id = this.attachment(ws)?.user.id;
        if (!id) continue;
        open++;
        byUser.set(id, (byUser.get(id) ?? 0) + 1);
      }
      this.counts = { open, byUser };
    }
    return this.counts;
  }

  /** `rules` with the devices this shard saw users banned on, for users still banned. */
  private withSeenDevices(rules: ChatRules): ChatRules {
    const users = rules.banned?.users ?? [];
    const seen = [...this.bannedDevices].filter(([, u]) => users.includes(u)).map(([d]) => d);
    if (seen.length === 0) return rules;
    return { ...rules, banned: { users, devices: [...(rules.banned?.devices ?? []), ...seen] } };
  }

  /** New rules: keep them, and close the sockets they no longer admit (bans, revocations, guests). */
  private rulesChanged(): void {
    // An unban lifts the devices this shard saw that user banned on.
    const still = new Set(this.core.rules.banned?.users ?? []);
    for (const [d, u] of this.bannedDevices) if (!still.has(u)) this.bannedDevices.delete(d);
    this.setMeta("rules", JSON.stringify(this.core.rules));
    for (const ws of this.ctx.getWebSockets()) {
      const a = this.attachment(ws);
      if (!a || this.gone.has(ws)) continue;
      const out = closedByRules(a.user, a.joinedAt, this.core.rules, a.ticket);
      if (out?.code === "banned" && a.device) this.bannedDevices.set(a.device, a.user.id);
      if (out) this.kickSocket(ws, CloseCode[out.code], out.reason);
    }
  }

  /**
   * One class-state request for the shard (rules, watch flag, and the snapshot joining
   * students are served from), shared by every socket that waits for it.
   */
  private syncShard(): Promise<void> {
    this.shardSync ??= (async () => {
      try {
        const r = await this.root().sync(
          this.classId,
          this.core.sectionId,
          false,
          undefined,
          this.host || undefined,
        );
        if (this.core.adoptRules(r.rules)) this.rulesChanged();
        for (const p of r.tallyPolls ?? []) this.tally.setPoll(p);
        this.saveTally();
        this.setWatched(r.watched, r.watchVersion ?? 0);
        if (!this.core.isStaffShard) this.syncCache.fill(r.frames, Date.now());
        this.rulesFresh = true;
      } finally {
        this.shardSync = null;
      }
    })();
    return this.shardSync;
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
        this.host || undefined,
      );
      if (this.core.adoptRules(r.rules)) this.rulesChanged();
      for (const p of r.tallyPolls ?? []) this.tally.setPoll(p);
      this.saveTally();
      this.setWatched(r.watched, r.watchVersion ?? 0);
      for (const f of r.frames) this.send(ws, f);
      const notice = isStaff(user.role) ? null : this.core.timeoutNotice(user.id, Date.now());
      if (notice) this.send(ws, JSON.stringify(notice));
      if (initial) {
        for (const f of r.staff) this.send(ws, f);
        if (!this.core.isStaffShard) this.send(ws, this.sectionSnapshotFrame());
        // The student's answers this shard holds (a reconnect to the same section).
        for (const a of this.tally.answersOf(user.id)) this.send(ws, answeredFrame(a));
      }
    } catch (err) {
      logEvent({ event: "sync_failed", message: errorMessage(err) });
      this.send(
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
      for (const f of queued) this.send(ws, f);
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
    if (chatting && this.holdChat(ws, a.user, parsed.message)) return;
    // The limiter is kept by user id in storage, so neither a reconnect nor hibernation resets it.
    if (chatting) this.chatStateOf(a.user.id);
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

  /** The user's limiter memory (loaded from storage into the core), or null if they never chatted here. */
  private chatStateOf(userId: string): ChatUserState | null {
    if (!this.core.chatUsers.has(userId)) {
      const row = this.sql
        .exec<{ state: string }>("SELECT state FROM chat_users WHERE user_id = ?", userId)
        .toArray()[0];
      if (row) this.core.chatUsers.set(userId, JSON.parse(row.state) as ChatUserState);
    }
    return this.core.chatUsers.get(userId) ?? null;
  }

  private saveChatState(userId: string, state: ChatUserState, now: number): void {
    this.core.chatUsers.set(userId, state);
    this.sql.exec(
      "INSERT OR REPLACE INTO chat_users VALUES (?, ?, ?)",
      userId,
      now,
      JSON.stringify(state),
    );
  }

  /**
   * Hold a student's message while slow mode is on and this shard does not yet know it holds
   * their newest limiter memory (a reload may have brought them from another section), or
   * while earlier ones of theirs are held (order). Decided in `releaseChats`.
   */
  private holdChat(ws: WebSocket, user: Author, message: ClientMessage): boolean {
    const held = this.heldChats.get(user.id);
    if (!held && (this.core.rules.slowModeSec === 0 || !this.chatHomes.holds(user.id)))
      return false;
    if (held) held.push({ ws, message });
    else this.heldChats.set(user.id, [{ ws, message }]);
    this.armHomeTimer();
    return true;
  }

  /** Decide `userId`'s held messages now, in order (on sockets still open). */
  private releaseChats(userId: string): void {
    const held = this.heldChats.get(userId);
    if (!held) return;
    this.heldChats.delete(userId);
    for (const { ws, message } of held) {
      const a = this.gone.has(ws) ? null : this.attachment(ws);
      if (!a) continue;
      const now = Date.now();
      this.chatStateOf(userId);
      const effects = this.core.onMessage(a.user, message, now);
      const chat = this.core.chatUsers.get(userId);
      if (chat) this.saveChatState(userId, chat, now);
      this.run(effects, ws);
    }
  }

  /** Waits past HOME_WAIT_MS: decide with `lastAt` no earlier than the wait began. */
  private armHomeTimer(): void {
    if (this.homeTimer) return;
    const at = this.chatHomes.nextExpiry();
    if (at === null) return;
    this.homeTimer = setTimeout(
      () => {
        this.homeTimer = null;
        const now = Date.now();
        for (const { userId, since } of this.chatHomes.expired(now)) {
          logEvent({ event: "chat_home_wait_expired", userId });
          // Only students are held: a fresh memory is a student's.
          const prev = this.chatStateOf(userId) ?? freshUser("student", now);
          if (prev.lastAt < since) this.saveChatState(userId, { ...prev, lastAt: since }, now);
          this.releaseChats(userId);
        }
        if (this.heldChats.size > 0) this.armHomeTimer();
      },
      Math.max(0, at - Date.now()) + 5,
    );
  }

  /** The root answered a report: students whose home is settled here may chat. */
  private homesAnswered(answer: ReportAnswer | undefined, joined: string[]): void {
    for (const userId of this.chatHomes.answered(answer?.homes, joined)) this.releaseChats(userId);
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
    // Counted before this socket is marked gone (a rebuild after a wake must include it).
    const counts = this.socketCounts();
    this.gone.add(ws);
    this.syncing.delete(ws);
    this.watchQueue.delete(ws);
    const a = this.attachment(ws);
    if (!a) return;
    this.report.leaves.push({ user: a.user, joinedAt: a.joinedAt, at: Date.now() });
    if (a.watch) this.noteWatching();
    this.markReport();
    counts.open = Math.max(0, counts.open - 1);
    const mine = (counts.byUser.get(a.user.id) ?? 1) - 1;
    if (mine > 0) counts.byUser.set(a.user.id, mine);
    else counts.byUser.delete(a.user.id);
    // Empty, the shard stops receiving deliveries: its copies of state and rules go stale.
    if (counts.open === 0) {
      this.syncCache.clear();
      this.rulesFresh = false;
    }
  }

  private kickSocket(ws: WebSocket, code: number, reason: string): void {
    closeQuietly(ws, code, reason);
    this.leave(ws);
  }

  private reply(ws: WebSocket, frame: ServerMessage): void {
    this.send(ws, JSON.stringify(frame));
  }

  // ---- root → shard ------------------------------------------------------------

  /** Root: a batch of pre-encoded frames (forwarded verbatim) and control instructions. */
  async deliver(batch: ShardDelivery): Promise<void> {
    const watched = `${this.core.watched}/${this.core.watchedV}`;
    for (const c of batch.control)
      if (isTallyControl(c)) this.onTallyControl(c);
      else this.run(this.core.onControl(c));
    if (`${this.core.watched}/${this.core.watchedV}` !== watched) this.saveWatched();
    for (const frame of batch.frames) {
      this.broadcast(frame);
      this.syncCache.delivered(frame);
    }
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
    let n = 0;
    for (const ws of this.ctx.getWebSockets(tag)) {
      if (this.gone.has(ws)) continue;
      const q = this.syncing.get(ws);
      if (q) q.push(frame);
      else if (sendQuietly(ws, frame)) n++;
    }
    if (n > 0) this.countSent(this.sentKind(), n, n * utf8Length(frame));
  }

  /** Send one frame to one socket, counted for the `deliveries` metric. */
  private send(ws: WebSocket, frame: string, kind: DeliveryKind = this.sentKind()): void {
    if (sendQuietly(ws, frame)) this.countSent(kind, 1, utf8Length(frame));
  }

  /** Staff sockets live on the staff shard only (admission-core.ts), students elsewhere. */
  private sentKind(): DeliveryKind {
    return this.core.isStaffShard ? "staff" : "student";
  }

  /** Count frames sent; the window is written once due (metric-window.ts WindowClock: no timer). */
  private countSent(kind: DeliveryKind, frames: number, bytes: number): void {
    this.sent.add(kind, frames, bytes);
    if (this.metricsClock.due(Date.now())) this.flushMetrics();
  }

  /** Write this window's `deliveries`, one data point per kind. */
  private flushMetrics(): void {
    this.metricsClock.reset();
    for (const w of this.sent.take())
      countMetric(this.metricsSink, {
        name: "deliveries",
        classId: this.classId,
        kind: w.label,
        frames: w.count,
        bytes: w.value,
      });
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
          if (fx.command.type === "poll.answer" && this.tally.polls.has(fx.command.pollId)) {
            if (from) void this.tallyAnswer(from, fx.who, fx.command);
            break;
          }
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
        case "kick": {
          let socks = this.ctx
            .getWebSockets(`user:${fx.userId}`)
            .filter((ws) => !this.gone.has(ws));
          // Over the per-class socket cap: close the user's newest sockets only.
          if (fx.newest !== undefined)
            socks = socks
              .sort(
                (a, b) => (this.attachment(b)?.joinedAt ?? 0) - (this.attachment(a)?.joinedAt ?? 0),
              )
              .slice(0, fx.newest);
          for (const ws of socks) {
            const device = this.attachment(ws)?.device;
            if (fx.code === CloseCode.banned && device) this.bannedDevices.set(device, fx.userId);
            this.kickSocket(ws, fx.code, fx.reason);
          }
          break;
        }
        case "relay":
          for (const ws of this.ctx.getWebSockets("staff")) {
            const a = this.attachment(ws);
            if (a?.watch !== fx.sectionId) continue;
            const q = this.watchQueue.get(ws);
            if (q?.sectionId === fx.sectionId) q.frames.push(...fx.frames);
            else
              for (const f of fx.frames)
                if (sseqOf(f) > (a.watchFrom ?? 0)) this.send(ws, f, "relay");
          }
          break;
        case "rulesChanged":
          this.rulesChanged();
          break;
        case "pullRules":
          this.syncShard().catch((err: unknown) =>
            logEvent({ event: "sync_failed", message: errorMessage(err) }),
          );
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
    const { watchFrom: _old, ...rest } = a;
    ws.serializeAttachment({ mc: { ...rest, watch: sectionId } } satisfies Attachment);
    const watching = this.noteWatching();
    if (!sectionId || sectionId === STAFF_SECTION) {
      this.watchQueue.delete(ws);
      return;
    }
    const queue = { sectionId, frames: [] as string[] };
    this.watchQueue.set(ws, queue);
    try {
      const version = await this.root().watch(this.classId, watching.sections, watching.seq);
      const target = this.env.CLASSROOM_SHARD.get(
        this.env.CLASSROOM_SHARD.idFromName(shardName(this.classId, sectionId)),
      );
      const snapshot = await target.sectionSnapshot(version);
      // Superseded by a newer section.watch of this socket: that one answers.
      if (this.watchQueue.get(ws) !== queue) return;
      this.watchQueue.delete(ws);
      const from = sseqOf(snapshot);
      const now = this.attachment(ws);
      if (now) ws.serializeAttachment({ mc: { ...now, watchFrom: from } } satisfies Attachment);
      this.send(ws, snapshot, "relay");
      // Exactly once: what the snapshot holds is not sent again, what came after it is.
      for (const f of queue.frames) if (sseqOf(f) > from) this.send(ws, f, "relay");
    } catch {
      if (this.watchQueue.get(ws) === queue) this.watchQueue.delete(ws);
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

  // ---- tally (docs/decisions/013) -----------------------------------------------

  /** A voter's answer to a poll the shards count: decided and acked here. */
  private async tallyAnswer(
    ws: WebSocket,
    who: Author,
    m: { pollId: string; choices: number[]; delayMs?: number; rid?: string },
  ): Promise<void> {
    const out = await this.answerHere(who, m.pollId, m.choices, Date.now(), m.delayMs ?? 0, 0);
    const frame = answerFrame(out, m.pollId, m.rid);
    this.queueAck(() => this.reply(ws, frame));
  }

  /** Count an answer here, or where the voter's answers moved (one RPC per hop). */
  private async answerHere(
    who: { id: string; name: string },
    pollId: string,
    choices: number[],
    at: number,
    delayMs: number,
    via: number,
  ): Promise<Exclude<TallyOutcome, { code: "moved" }> | { ok: false; code: "unavailable" }> {
    const out = this.tally.answer(who, pollId, choices, at, delayMs, undefined, via);
    this.saveTally();
    if (out.ok || out.code !== "moved") return out;
    const poll = this.tally.polls.get(pollId);
    try {
      return await this.shardStub(out.to).tallyForward(
        this.classId,
        { id: who.id, name: who.name },
        pollId,
        choices,
        at,
        delayMs,
        out.gen,
        poll ?? null,
      );
    } catch (err) {
      logEvent({ event: "tally_forward_failed", message: errorMessage(err) });
      return { ok: false, code: "unavailable" };
    }
  }

  /** Shard (RPC): an answer of a voter whose answers this shard holds, from the shard their socket is on. */
  async tallyForward(
    classId: string,
    who: { id: string; name: string },
    pollId: string,
    choices: number[],
    at: number,
    delayMs: number,
    via: number,
    poll: ShardPoll | null,
  ): Promise<Exclude<TallyOutcome, { code: "moved" }> | { ok: false; code: "unavailable" }> {
    if (!this.classId) {
      this.classId = classId;
      this.setMeta("classId", classId);
    }
    if (poll) this.tally.setPoll(poll);
    const out = await this.answerHere(who, pollId, choices, at, delayMs, via);
    // Durable before the answer goes back (the response waits for the commit).
    this.commitTally();
    return out;
  }

  private onTallyControl(c: TallyControl): void {
    if (c.kind === "tally.poll" || c.kind === "tally.drop") {
      if (c.kind === "tally.poll") this.tally.setPoll(c.poll);
      else this.tally.dropPoll(c.pollId);
      this.saveTally();
      return;
    }
    if (c.kind === "tally.answers") {
      for (const p of c.polls) this.tally.setPoll(p);
      this.saveTally();
      for (const a of c.answers) void this.answerSentBack(a);
      return;
    }
    const h = this.tally.release(c.userId, c.to, c.gen);
    // The limiter memory follows the student (slow mode is class-wide, decision 015).
    const chat = this.chatStateOf(c.userId);
    if (chat) h.chat = chat;
    // Stored before the handover leaves: a restart must not count them here again.
    this.commitTally();
    const handing = this.handOver(c.to, h);
    this.handovers.add(handing);
    void handing.finally(() => this.handovers.delete(handing));
  }

  /** An answer the root sent back (see `tally.answers`): count it and ack every rid it carries. */
  private async answerSentBack(a: ShardAnswer): Promise<void> {
    const out = await this.answerHere(a.user, a.pollId, a.choices, a.at, a.delayMs ?? 0, 0);
    const rids = a.rids?.length ? a.rids : [undefined];
    this.queueAck(() => {
      for (const rid of rids)
        this.broadcast(JSON.stringify(answerFrame(out, a.pollId, rid)), `user:${a.user.id}`);
    });
  }

  /** Send a moved student's answers to their new shard; after HANDOVER_TRIES, keep them here. */
  private async handOver(to: string, h: Handover, via = 0): Promise<void> {
    const polls = h.answers
      .map((a) => this.tally.polls.get(a.pollId))
      .filter((p): p is ShardPoll => p !== undefined);
    for (let i = 0; i < HANDOVER_TRIES; i++) {
      try {
        await this.shardStub(to).tallyAdopt(this.classId, h, via, polls);
        return;
      } catch (err) {
        logEvent({ event: "tally_handover_failed", message: errorMessage(err) });
        await new Promise((r) => setTimeout(r, 200 * 2 ** i));
      }
    }
    // Never lose a counted answer: it counts here again (a change made meanwhile on the
    // new shard may then count twice until the next move; see decision 013).
    this.tally.adopt({ ...h, gen: Number.MAX_SAFE_INTEGER });
    this.saveTally();
  }

  /**
   * Root (RPC), closing polls `pollIds`: they are closed here now, and this shard's counts
   * of them come back once the handovers it has in flight have landed (an answer moving
   * to another shard is then counted there) — so the close's tally holds every answer
   * acked before it (docs/decisions/013, "Closing a poll").
   */
  async tallySettle(
    classId: string,
    pollIds: string[],
  ): Promise<{ counts: Record<string, ShardCounts>; waited: number }> {
    if (!this.classId || classId !== this.classId) return { counts: {}, waited: 0 };
    const waited = this.handovers.size;
    await Promise.allSettled([...this.handovers]);
    const counts = this.tally.settle(pollIds);
    this.commitTally();
    return { counts, waited };
  }

  /** Shard (RPC): a moved student's answers arrive; they count here now (or go on to where they moved since). */
  async tallyAdopt(classId: string, h: Handover, via: number, polls: ShardPoll[]): Promise<void> {
    if (!this.classId) {
      this.classId = classId;
      this.setMeta("classId", classId);
    }
    for (const p of polls) this.tally.setPoll(p);
    const next = this.tally.adopt(h, via);
    this.commitTally();
    if (next) return this.handOver(next.forward, h, next.gen);
    if (h.chat) {
      const mine = this.chatStateOf(h.userId);
      this.saveChatState(h.userId, mine ? mergeChatUser(mine, h.chat) : h.chat, Date.now());
    }
    if (this.chatHomes.adopted(h.userId, h.gen)) this.releaseChats(h.userId);
    // The student (on this shard now) sees the answers they gave before the move.
    for (const a of this.tally.answersOf(h.userId))
      this.broadcast(answeredFrame(a), `user:${h.userId}`);
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
    if (this.tally.hasReport) {
      // What the report says is stored first (one commit per window).
      this.commitTally();
      r.tally = this.tally.take();
      this.commitTally();
    }
    this.report = emptyReport(this.core.sectionId);
    this.reportDirty = false;
    if (this.core.pruneTimeouts(Date.now())) this.setMeta("rules", JSON.stringify(this.core.rules));
    const joined = r.joins.map((j) => j.user.id);
    try {
      const answer = await this.root().report(this.classId, r);
      this.homesAnswered(answer, joined);
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
      if (r.tally) {
        this.tally.requeue(r.tally);
        this.saveTally();
      }
      for (const d of droppedErrors(requeueReport(r, this.report)))
        this.broadcast(JSON.stringify(d.frame), `user:${d.userId}`);
      this.markReport();
    }
  }
}
