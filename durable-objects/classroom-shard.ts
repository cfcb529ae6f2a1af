/**
 * ClassroomShard: one section of a class. Holds up to SHARD_CAPACITY sockets with
 * the Hibernation API, validates and rate-limits every inbound frame, runs the
 * section chat, and talks to the root in batches. A thin shell around ShardCore: this
 * class alone holds `ctx` (storage, sockets, RPC stubs) and runs the core's effects; its
 * parts get narrow functions from it —
 *   shard-store.ts        its SQLite (meta, section history, chat limiter memory, spent tickets)
 *   shard-sockets.ts      attachments, open sockets and counts, sending (and its metric)
 *   shard-sync.ts         catching sockets up with the class (root `sync`, the warm copy)
 *   shard-report.ts       the shard → root report window
 *   shard-chat.ts         chat limiter memory and held messages (decision 015)
 *   shard-watch.ts        staff watching sections, relays, `mod.peek`
 *   shard-tally-shell.ts  the poll tally's commits, acks, forwards and handovers (decision 013)
 * and pure cores decide: shard-core.ts, admission-core.ts, chat-home.ts, shard-tally.ts.
 *
 * Why ~610 lines: the RPC methods other objects call must be methods of this class (a
 * Durable Object stub reaches only its prototype), and the one effect switch lives here;
 * each is a few lines around the parts above.
 */
import { DurableObject } from "cloudflare:workers";
import {
  type Author,
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
import {
  admitAtShard,
  closedByRules,
  DEFAULT_CAPACITY,
  refusalOf,
  SeenDevices,
} from "./admission-core.ts";
import { type ChatRules, DEFAULT_RULES } from "./chat-policy.ts";
import type { Classroom } from "./classroom.ts";
import { addCommand, countChat, emptyInteractive } from "./interactive-shard.ts";
import { utf8Length } from "./metric-window.ts";
import type { ClientMarks, ShardDelivery, ShardReport, TallyControl } from "./rpc.ts";
import { parseTallyTarget, shardName, shardNamespace, TRUSTED } from "./rpc.ts";
import { ShardChat } from "./shard-chat.ts";
import {
  admitFrame,
  type ConnGuard,
  newGuard,
  ShardCore,
  type ShardEffect,
  strike,
} from "./shard-core.ts";
import { ShardReports } from "./shard-report.ts";
import {
  closeQuietly,
  marksOf,
  refusalResponse,
  refuse,
  type SocketMarks,
  SocketOutbox,
  SocketRoster,
  setMarks,
} from "./shard-sockets.ts";
import { ShardStore } from "./shard-store.ts";
import { ShardSync } from "./shard-sync.ts";
import type { Handover, ShardCounts, ShardPoll } from "./shard-tally.ts";
import { type AnswerOutcome, TallyShell } from "./shard-tally-shell.ts";
import { ShardTallyStore } from "./shard-tally-store.ts";
import { StaffWatch } from "./shard-watch.ts";

/** The tally's root → shard instructions (handled by TallyShell, not by ShardCore). */
function isTallyControl(c: ShardDelivery["control"][number]): c is TallyControl {
  return c.kind.startsWith("tally.");
}

/** One section of a class (named `<classId>/<sectionId>`): hibernating sockets, chat rules, batching. */
export class ClassroomShard extends DurableObject<Env> {
  private readonly store = new ShardStore(this.ctx.storage.sql);
  private classId = "";
  /** Shard host of this section (local multi-process topology), from its first ticket. */
  private host = "";
  /** Devices of sockets this instance closed for a ban (until the root's rules list them). */
  private readonly seenDevices = new SeenDevices();
  private core!: ShardCore;
  private readonly roster = new SocketRoster((tag) => this.ctx.getWebSockets(tag));
  private readonly guards = new WeakMap<WebSocket, ConnGuard>();
  private readonly outbox = new SocketOutbox(
    this.roster,
    () => this.sentKind(),
    () => this.flushMetrics(),
  );
  /** Where the `deliveries` window goes (tests put an Analytics Engine stand-in here). */
  private metricsSink: { METRICS?: MetricsDataset } = this.env;
  private readonly reports = new ShardReports("", {
    ready: () => this.classId !== "",
    seal: (r) => this.sealReport(r),
    send: (r) => this.root().report(this.classId, r),
    answered: (answer, joined) => this.chat.answered(answer, joined),
    failed: (r) => {
      if (r.social) this.core.social.requeue(r.social);
      if (r.tally) {
        this.tallies.tally.requeue(r.tally);
        this.tallies.save();
      }
    },
    tell: (userId, frame) => this.outbox.broadcast(JSON.stringify(frame), `user:${userId}`),
  });
  private readonly chat = new ShardChat({
    core: () => this.core,
    store: this.store,
    userOn: (ws) => (this.roster.isOpen(ws) ? (marksOf(ws)?.user ?? null) : null),
    run: (effects, from) => this.run(effects, from),
  });
  private readonly watchers = new StaffWatch({
    staffSockets: () => this.roster.open("staff"),
    rootWatch: (sections, seq) => this.root().watch(this.classId, sections, seq),
    snapshotOf: (sectionId, version) => this.shardStub(sectionId).sectionSnapshot(version),
    send: (ws, frame, kind) => this.outbox.send(ws, frame, kind),
    reply: (ws, frame) => this.outbox.reply(ws, frame),
    reportWatching: (sections, seq) => {
      this.report.watching = sections;
      this.report.watchingSeq = seq;
      this.reports.mark();
    },
  });
  private readonly sync = new ShardSync({
    outbox: this.outbox,
    request: (staff, resume) =>
      this.root().sync(this.classId, this.core.sectionId, staff, resume, this.host || undefined),
    adopt: (r) => {
      if (this.core.adoptRules(r.rules)) this.rulesChanged();
      this.tallies.setPolls(r.tallyPolls ?? []);
      this.setWatched(r.watched, r.watchVersion ?? 0);
    },
    isStaffShard: () => this.core.isStaffShard,
    timeoutNotice: (userId, now) => this.core.timeoutNotice(userId, now),
    sectionSnapshot: () => this.sectionSnapshotFrame(),
    answersOf: (userId) => this.tallies.tally.answersOf(userId),
  });
  private readonly tallies = new TallyShell({
    classId: () => this.classId,
    peer: (to) => {
      const { sectionId, host } = parseTallyTarget(to);
      return this.shardStub(sectionId, host);
    },
    markReport: () => this.reports.mark(),
    reply: (ws, frame) => this.outbox.reply(ws, frame),
    toUser: (userId, frame) => this.outbox.broadcast(frame, `user:${userId}`),
    chatOf: (userId) => this.chat.stateOf(userId),
    adopted: (userId, chat, gen) => this.chat.adopted(userId, chat, gen),
  });

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    // Answered by the runtime without waking the object (no billing, no hibernation break).
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair(PING_FRAME, PONG_FRAME));
    void ctx.blockConcurrencyWhile(async () => this.load());
  }

  /** Rebuild the state from storage (on every wake, hibernation included). */
  private load(): void {
    const meta = this.store.open(Date.now());
    this.classId = meta.classId ?? "";
    this.host = meta.host ?? "";
    const sectionId = meta.sectionId ?? "";
    this.core = new ShardCore(
      sectionId,
      Number(meta.sseq ?? 0),
      meta.rules ? (JSON.parse(meta.rules) as ChatRules) : DEFAULT_RULES,
      (id) => this.store.message(id),
    );
    this.core.setWatched(meta.watched === "1", Number(meta.watchedV ?? 0));
    this.reports.reset(sectionId);
    this.tallies.restore(new ShardTallyStore(this.ctx.storage.sql));
  }

  /** The shard of section `sectionId` of this class (on shard host `host`, if any). */
  private shardStub(sectionId: string, host?: string): DurableObjectStub<ClassroomShard> {
    const ns = shardNamespace(this.env, host);
    return ns.get(ns.idFromName(shardName(this.classId, sectionId)));
  }

  private root(): DurableObjectStub<Classroom> {
    return this.env.CLASSROOM.get(this.env.CLASSROOM.idFromName(this.classId));
  }

  /** The report being filled (shard-report.ts); effects add to it, then `reports.mark()`. */
  private get report(): ShardReport {
    return this.reports.current;
  }

  /** A first RPC from another shard names the class (a shard that never had a socket). */
  private learnClass(classId: string): void {
    if (!this.classId) {
      this.classId = classId;
      this.store.setMeta("classId", classId);
    }
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
      return refusalResponse(refusalOf("wrong_shard"));
    this.learnClass(t.classId);
    if (!this.core.sectionId) {
      this.core = new ShardCore(t.sectionId, this.core.sseq, this.core.rules, (id) =>
        this.store.message(id),
      );
      this.report.sectionId = t.sectionId;
      this.store.setMeta("sectionId", t.sectionId);
    }
    if (t.host && !this.host) {
      this.host = t.host;
      this.store.setMeta("host", t.host);
    }
    const client: ClientMarks = {};
    if (h(TRUSTED.ip)) client.ip = h(TRUSTED.ip);
    if (h(TRUSTED.device)) client.device = h(TRUSTED.device);
    // An empty shard's rules may be stale (the root delivers only to occupied sections):
    // one request to the root, shared by every socket joining meanwhile.
    if (this.sync.stale(this.roster.counts().open)) {
      try {
        await this.sync.shared();
      } catch (err) {
        logEvent({ event: "sync_failed", message: errorMessage(err) });
        return refuse(503, "internal", "The class is briefly unavailable; try again.");
      }
    }
    const now = Date.now();
    const counts = this.roster.counts();
    const verdict = admitAtShard(t, {
      classId: this.classId,
      sectionId: this.core.sectionId,
      // Devices this shard saw banned users on, until the root's rules list them too.
      rules: this.seenDevices.withSeen(this.core.rules),
      open: counts.open,
      openOfUser: counts.byUser.get(t.user.id) ?? 0,
      capacity: this.core.isStaffShard
        ? Number.POSITIVE_INFINITY
        : Number(workerConfig(this.env).SHARD_CAPACITY) || DEFAULT_CAPACITY,
      spent: this.store.ticketSpent(t.ticketId),
      client,
      now,
    });
    if (!verdict.ok) return refusalResponse(refusalOf(verdict.code));
    // A guest is marked by the device their pass was issued to (decision 050).
    if (t.device) client.device = t.device;
    // Single use: the spent set lives with the only shard that admits this ticket.
    this.store.spendTicket(t.ticketId, t.expiresAt, now);

    const role = t.role;
    const userId = t.user.id;
    const user: Author = { id: userId, name: t.user.name, role };
    const resumeRaw = h(TRUSTED.resume);
    const resume = /^\d+$/.test(resumeRaw) ? Number(resumeRaw) : undefined;

    const { 0: client_, 1: server } = new WebSocketPair();
    this.ctx.acceptWebSocket(server, [`user:${userId}`, isStaff(role) ? "staff" : "student"]);
    this.roster.added(userId);
    const mc: SocketMarks = { user, joinedAt: now, ticket: { issuedAt: t.issuedAt } };
    if (t.tokenVersion !== undefined) mc.ticket!.tokenVersion = t.tokenVersion;
    if (client.device) mc.device = client.device;
    setMarks(server, mc);
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
    this.outbox.counted(this.sentKind(), 1, utf8Length(welcomeFrame));
    const join: ShardReport["joins"][number] = { user, at: now };
    if (client.ip || client.device) join.client = client;
    this.report.joins.push(join);
    // Their chat is decided once this shard knows it holds their newest limiter memory.
    if (!isStaff(role) && !this.core.isStaffShard) this.chat.joined(userId, now);
    this.reports.mark();
    // A student joining a warm shard is brought up to date from its copy of the class state.
    this.sync.joined(server, user, resume, now);
    return new Response(null, { status: 101, webSocket: client_ });
  }

  /** New rules: keep them, and close the sockets they no longer admit (bans, revocations, guests). */
  private rulesChanged(): void {
    this.seenDevices.rulesChanged(this.core.rules);
    this.store.setMeta("rules", JSON.stringify(this.core.rules));
    for (const ws of this.roster.open()) {
      const a = marksOf(ws);
      if (!a) continue;
      const out = closedByRules(a.user, a.joinedAt, this.core.rules, a.ticket);
      if (out?.code === "banned" && a.device) this.seenDevices.banned(a.device, a.user.id);
      if (out) this.kickSocket(ws, CloseCode[out.code], out.reason);
    }
  }

  // ---- inbound ---------------------------------------------------------------

  /** Hibernation handler: guard, parse (the one parser), decide, act. Never throws to the runtime. */
  override async webSocketMessage(ws: WebSocket, data: string | ArrayBuffer): Promise<void> {
    if (!this.roster.isOpen(ws)) return;
    const a = marksOf(ws);
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
      return this.outbox.reply(ws, {
        type: "error",
        code: "rate_limited",
        message: "Too many frames; slow down.",
        ...frameRefs(data),
      });
    }
    const parsed = parseClientMessage(data);
    if (!parsed.ok) {
      const { code, message, ref, rid } = parsed;
      this.outbox.reply(ws, {
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
    if (parsed.message.type === "chat.send")
      return this.chat.receive(ws, a.user, parsed.message, now);
    this.run(this.core.onMessage(a.user, parsed.message, now), ws);
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
    const gone = this.roster.remove(ws);
    if (!gone) return;
    this.outbox.drop(ws);
    this.watchers.drop(ws);
    const a = gone.marks;
    if (!a) return;
    this.report.leaves.push({ user: a.user, joinedAt: a.joinedAt, at: Date.now() });
    if (a.watch) this.watchers.note();
    this.reports.mark();
    // Empty, the shard stops receiving deliveries: its copies of state and rules go stale.
    if (gone.empty) this.sync.emptied();
  }

  private kickSocket(ws: WebSocket, code: number, reason: string): void {
    closeQuietly(ws, code, reason);
    this.leave(ws);
  }

  // ---- root → shard ------------------------------------------------------------

  /** Root: a batch of pre-encoded frames (forwarded verbatim) and control instructions. */
  async deliver(batch: ShardDelivery): Promise<void> {
    const watched = `${this.core.watched}/${this.core.watchedV}`;
    for (const c of batch.control)
      if (isTallyControl(c)) this.tallies.control(c);
      else this.run(this.core.onControl(c));
    if (`${this.core.watched}/${this.core.watchedV}` !== watched) this.saveWatched();
    for (const frame of batch.frames) {
      this.outbox.broadcast(frame);
      this.sync.delivered(frame);
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
    return JSON.stringify({
      type: "section.snapshot",
      sectionId: this.core.sectionId,
      sseq: this.core.sseq,
      messages: this.store.recentMessages(),
    } satisfies ServerMessage);
  }

  /** Staff sockets live on the staff shard only (admission-core.ts), students elsewhere. */
  private sentKind(): DeliveryKind {
    return this.core.isStaffShard ? "staff" : "student";
  }

  /** Write this window's `deliveries`, one data point per kind (metric-window.ts: no timer). */
  private flushMetrics(): void {
    for (const w of this.outbox.takeWindow())
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
    this.store.setMeta("watched", this.core.watched ? "1" : "0");
    this.store.setMeta("watchedV", String(this.core.watchedV));
  }

  /** Carry out the core's effects (`from`: the socket the input came on). */
  private run(effects: ShardEffect[], from?: WebSocket): void {
    for (const fx of effects) {
      switch (fx.kind) {
        case "reply":
          if (from) this.outbox.reply(from, fx.frame);
          break;
        case "section": {
          const frame = JSON.stringify(fx.frame);
          this.outbox.broadcast(frame);
          if (fx.frame.type === "section.message") {
            const m = fx.frame.message;
            this.store.appendMessage(fx.frame.sseq, m);
            // Engagement: student chat is counted per user and reported with the next batch.
            this.report.interactive ??= emptyInteractive();
            countChat(this.report.interactive, m.from.id, m.at);
            this.reports.mark();
          }
          this.store.setMeta("sseq", String(this.core.sseq));
          if (this.core.watched) {
            this.report.relay.push(frame);
            this.reports.mark();
          }
          break;
        }
        case "forget":
          this.store.forgetMessage(fx.messageId);
          break;
        case "forgetUser":
          this.store.forgetUser(fx.userId);
          break;
        case "interactive":
          if (
            fx.command.type === "poll.answer" &&
            this.tallies.tally.polls.has(fx.command.pollId)
          ) {
            if (from) void this.tallies.answer(from, fx.who, fx.command);
            break;
          }
          this.report.interactive ??= emptyInteractive();
          addCommand(this.report.interactive, fx.who, fx.command, Date.now());
          this.reports.mark();
          break;
        case "upstream":
          this.report.commands.push(fx.command);
          this.reports.mark();
          break;
        case "rejection":
          this.report.rejections.push(fx.rejection);
          this.reports.mark();
          break;
        case "resync":
          if (from) {
            const a = marksOf(from);
            const guard = this.guards.get(from);
            if (a && guard) this.sync.hello(from, a.user, guard, fx.resume);
          }
          break;
        case "watch":
          if (from) void this.watchers.watch(from, fx.sectionId);
          break;
        case "toUser":
          this.outbox.broadcast(JSON.stringify(fx.frame), `user:${fx.userId}`);
          break;
        case "kick":
          this.kickUser(fx.userId, fx.code, fx.reason, fx.newest);
          break;
        case "relay":
          this.watchers.relay(fx.sectionId, fx.frames);
          break;
        case "rulesChanged":
          this.rulesChanged();
          break;
        case "pullRules":
          this.sync
            .shared()
            .catch((err: unknown) =>
              logEvent({ event: "sync_failed", message: errorMessage(err) }),
            );
          break;
        case "social":
          this.reports.mark();
          break;
        case "peek":
          if (from) void this.watchers.peek(from, fx.sectionId);
          break;
        default:
          fx satisfies never;
      }
    }
  }

  /** Close `userId`'s sockets here (`newest`: over the per-class socket cap, only their newest). */
  private kickUser(userId: string, code: number, reason: string, newest?: number): void {
    let socks = this.roster.open(`user:${userId}`);
    if (newest !== undefined)
      socks = socks
        .sort((a, b) => (marksOf(b)?.joinedAt ?? 0) - (marksOf(a)?.joinedAt ?? 0))
        .slice(0, newest);
    for (const ws of socks) {
      const device = marksOf(ws)?.device;
      if (code === CloseCode.banned && device) this.seenDevices.banned(device, userId);
      this.kickSocket(ws, code, reason);
    }
  }

  // ---- tally (docs/decisions/013; shard-tally-shell.ts) -------------------------------

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
  ): Promise<AnswerOutcome> {
    this.learnClass(classId);
    return this.tallies.forwarded({ who, pollId, choices, at, delayMs, via }, poll);
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
    return this.tallies.settle(pollIds);
  }

  /** Shard (RPC): a moved student's answers arrive; they count here now (or go on to where they moved since). */
  async tallyAdopt(classId: string, h: Handover, via: number, polls: ShardPoll[]): Promise<void> {
    this.learnClass(classId);
    return this.tallies.adopt(h, via, polls);
  }

  // ---- shard → root (shard-report.ts) --------------------------------------------

  /** Complete the report about to leave: open sockets, reactions, the tally's counts. */
  private sealReport(r: ShardReport): void {
    r.sockets = this.roster.open().length;
    const social = this.core.social.take();
    if (social) r.social = social;
    if (this.tallies.tally.hasReport) {
      // What the report says is stored first (one commit per window).
      this.tallies.commit();
      r.tally = this.tallies.tally.take();
      this.tallies.commit();
    }
    if (this.core.pruneTimeouts(Date.now()))
      this.store.setMeta("rules", JSON.stringify(this.core.rules));
  }
}
