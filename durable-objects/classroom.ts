/**
 * Classroom: the root Durable Object of one class. A thin shell around RootCore
 * (classroom-core.ts and its root-*.ts parts): it loads and saves state in its SQLite
 * (root-store.ts), keeps the bounded event log (root-event-log.ts), batches frames to
 * shards by RPC (root-delivery.ts), and writes every D1 row — attendance, sessions,
 * per-minute concurrency, audit, live_until, polls, answers, questions, engagement —
 * through one outbox (outbox.ts) flushed from its alarm.
 *
 * Why ~670 lines: it is the object's whole RPC surface — eighteen documented methods, each
 * a few lines around RootCore — plus the one effect switch and its timers; the work lives
 * in the parts named above.
 */
import { DurableObject } from "cloudflare:workers";
import type { DeckInfo } from "../protocol/board.ts";
import type { LatencyMode } from "../protocol/latency.ts";
import {
  CloseCode,
  isStaff,
  type ReactionCounts,
  type StreamHealth,
  type StreamStatus,
} from "../protocol/realtime.ts";
import { workerConfig } from "../worker/config.ts";
import { errorMessage, logEvent } from "../worker/log.ts";
import { countMetric, type MetricsDataset } from "../worker/metrics.ts";
import { notifyLive } from "../worker/push/notify.ts";
import type { Directory } from "./admission-core.ts";
import { BoardCore } from "./board-core.ts";
import { BoardStorage } from "./board-store.ts";
import {
  ALL,
  initialDurable,
  presenceInterval,
  RootCore,
  type RootDurable,
  type RootEffect,
  type ShardLoad,
  streamStatusFromHealth,
} from "./classroom-core.ts";
import { InteractiveStore } from "./interactive-store.ts";
import { MetricWindow, utf8Length, WindowClock } from "./metric-window.ts";
import { D1Outbox } from "./outbox.ts";
import { outboxRowOf } from "./outbox-core.ts";
import { ShardDeliveries } from "./root-delivery.ts";
import { EventLog } from "./root-event-log.ts";
import { settleTallies } from "./root-settle.ts";
import { RootStore } from "./root-store.ts";
import { EarliestTimer } from "./root-timer.ts";
import type { ClientMarks, ReportAnswer, ShardReport, SyncResult } from "./rpc.ts";
import { STAFF_SECTION, shardName, shardNamespace } from "./rpc.ts";
import { RpcMeter } from "./rpc-meter.ts";

export { DELIVERY_MS } from "./root-delivery.ts";
export { LOG_SIZE, REPLAY_LOG_SIZE } from "./root-event-log.ts";

/** D1 flush delay for the outbox's rows, ms. */
export const D1_FLUSH_MS = 10_000;

/** Default shard capacity when SHARD_CAPACITY is unset (docs/decisions/001-shard-size.md). */
export const DEFAULT_SHARD_CAPACITY = 2000;

/** Root of one class (named by class id): admission, event log, fan-out, D1 batches. */
export class Classroom extends DurableObject<Env> {
  private core!: RootCore;
  private readonly sql: SqlStorage;
  private store!: RootStore;
  private log!: EventLog;
  private boardStorage!: BoardStorage;
  /** Every D1 row the root writes behind (outbox.ts). */
  private d1!: D1Outbox;
  private readonly deliveries = new ShardDeliveries(
    async (sectionId, delivery) => {
      await this.shard(this.core.durable.classId, sectionId).deliver(delivery);
    },
    (frames) => this.countDelivery(frames),
  );
  private presenceTimer: ReturnType<typeof setTimeout> | null = null;
  private lastPresence = "";
  /** Last bridge health report; memory only (the bridge re-reports every few seconds). */
  private streamHealth: StreamHealth | null = null;
  /** Polls, hands and Q&A storage (interactive-store.ts). */
  private ix!: InteractiveStore;
  /** The interactive tick (bounded-rate frames, quiz deadlines). */
  private readonly ixTimer = new EarliestTimer(() =>
    this.apply(this.core.interactive.tick(Date.now())),
  );
  /** Requests from Workers and shards on the join path since this instance started (inspect). */
  private readonly rpcCount = { directory: 0, sync: 0, report: 0 };
  /** The class session whose go-live was last handed to push (memory only). */
  private notifiedSession: string | null = null;
  /** The reaction-burst / moderation-queue tick (RootCore.socialDue). */
  private readonly socialTimer = new EarliestTimer(() =>
    this.apply(this.core.socialTick(Date.now())),
  );
  /** Requests per second from the Worker and the shards (benchmarks' `rootRpcPerSecMax`). */
  private readonly meter = new RpcMeter();
  /** Requests by method and frames sent to shards, written to METRICS once per window. */
  private readonly rpcWindow = new MetricWindow<string>();
  private readonly deliveryWindow = new MetricWindow<"shard">();
  private readonly metricsClock = new WindowClock();
  /** Where the windows go (tests put an Analytics Engine stand-in here). */
  private metricsSink: { METRICS?: MetricsDataset } = this.env;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    // Init gate: no RPC runs before state is loaded.
    void ctx.blockConcurrencyWhile(async () => this.load());
  }

  private load(): void {
    const store = new RootStore(this.sql);
    this.store = store;
    const durable = store.get("durable");
    const legacyLoads = store.get("loads");
    this.core = new RootCore(
      durable ? (JSON.parse(durable) as RootDurable) : initialDurable(""),
      legacyLoads ? (JSON.parse(legacyLoads) as ShardLoad[]) : store.loadSections(),
      Number(workerConfig(this.env).SHARD_CAPACITY) || DEFAULT_SHARD_CAPACITY,
      () => crypto.randomUUID(),
      store.loadConnected(),
    );
    this.log = new EventLog(this.sql);
    this.d1 = new D1Outbox(this.sql);
    // Rows pending in the tables an older version kept them in move to the outbox once.
    this.d1.moveLegacy(() => this.core.durable.liveUntil ?? null);
    this.boardStorage = new BoardStorage(this.sql);
    const board = this.boardStorage;
    this.core.board = new BoardCore(board.loadState(), (slide) => board.loadSlide(slide));
    const reactions = store.get("reactions");
    if (reactions) this.core.reactions.totals = JSON.parse(reactions) as ReactionCounts;
    this.ix = new InteractiveStore(this.sql, this.d1);
    this.core.interactive.restore(this.ix.load());
    // Overdue quizzes close and the lists go out once after a restart.
    const due = this.core.interactive.nextDue(Date.now());
    if (due !== null) this.wakeAt(due);
    if (legacyLoads) {
      // State saved before loads were split per section: rewrite it in the new tables once.
      this.core.allLoadsChanged();
      store.saveLoads(this.core);
      store.delete("loads");
    }
  }

  /** The stub of section `sectionId`'s shard (on its host's namespace). */
  private shard(classId: string, sectionId: string) {
    const ns = shardNamespace(this.env, this.core.loads.get(sectionId)?.host);
    return ns.get(ns.idFromName(shardName(classId, sectionId)));
  }

  /** Remember which class this root serves (the id is not recoverable from a DO id). */
  private bind(classId: string): void {
    if (this.core.durable.classId) return;
    this.core.durable.classId = classId;
    this.persist();
  }

  // ---- RPC -----------------------------------------------------------------

  /**
   * Worker (ticket route): the sections of shard host `host` students may be sent to. Each
   * Worker isolate asks at most once per second per class (worker/routes/class-directory.ts);
   * the shards admit on their own (docs/decisions/014-admission-at-the-shard.md).
   */
  async directory(
    classId: string,
    host: string,
    latencyMode?: LatencyMode,
    want = 1,
  ): Promise<Directory> {
    this.noteRpc("directory");
    this.bind(classId);
    this.rpcCount.directory++;
    // Quiz answers' claimed delay is bounded by the class's mode (edits reach setLatencyMode).
    if (latencyMode) this.apply(this.core.interactive.setLatencyMode(latencyMode));
    const dir = this.core.directory(host, Date.now(), want);
    this.store.saveLoads(this.core);
    if (this.core.dirty) {
      this.core.dirty = false;
      this.persist();
    }
    return dir;
  }

  /** Worker (class edit): guests allowed again, or not (shards refuse guests' tickets). */
  async setGuestAccess(classId: string, allowed: boolean): Promise<void> {
    this.bind(classId);
    this.apply(this.core.setGuestAccess(allowed, Date.now()));
  }

  /**
   * Worker (guest join): whether a new guest identity from `client` is refused because a
   * user banned in this class connected from the same address or device. A ban of a guest
   * otherwise ends where a fresh guest id begins; this lasts as long as the ban.
   */
  async guestRefused(
    classId: string,
    client: ClientMarks,
    guestId: string | null,
  ): Promise<boolean> {
    this.bind(classId);
    return this.store.bannedClient(client, guestId, Object.keys(this.core.durable.bans));
  }

  /**
   * Worker: the class no longer admits guests (signed-in accounts only): close every guest
   * socket now (4001), not at their next reconnect.
   */
  async kickGuests(classId: string): Promise<void> {
    this.bind(classId);
    const now = Date.now();
    this.apply(this.core.setGuestAccess(false, now));
    const guests = new Set<string>();
    for (const l of this.core.loads.values()) {
      for (const userId of Object.keys(l.users ?? {}))
        if (userId.startsWith("g_")) guests.add(userId);
      for (const r of l.reserved) if (r.userId.startsWith("g_")) guests.add(r.userId);
    }
    for (const userId of guests)
      this.apply(this.core.kickUser(userId, CloseCode.revoked, "guests not allowed", now));
  }

  /** Shard: bring a (re)connecting socket up to date from `resume`. */
  async sync(
    classId: string,
    sectionId: string,
    staff: boolean,
    resume?: number,
    host?: string,
  ): Promise<SyncResult> {
    this.noteRpc("sync");
    this.bind(classId);
    this.rpcCount.sync++;
    const now = Date.now();
    // The shard admits on its own: this is how the root learns it is occupied (decision 014).
    this.core.holdSection(sectionId, host, now);
    this.store.saveLoads(this.core);
    const plan = this.core.resumePlan(resume, this.log.oldestLogged);
    const frames =
      plan.kind === "snapshot"
        ? [JSON.stringify(this.core.snapshot())]
        : this.log.after(plan.after);
    return {
      frames,
      rules: this.store.withMarks(this.core.rules(now)),
      watched: this.core.watching.has(sectionId),
      watchVersion: this.core.durable.watchVersion ?? 0,
      staff: staff
        ? [
            JSON.stringify(this.core.modState(now)),
            JSON.stringify(this.core.rejectionBacklog()),
            JSON.stringify(this.core.modQueue.view(false)),
            ...this.core.interactive.staffFrames().map((f) => JSON.stringify(f)),
          ]
        : [],
      tallyPolls: this.core.interactive.tallyPolls(),
    };
  }

  /**
   * Shard: a batch of joins, leaves, counts, staff commands, rejections and relayed frames.
   * Answers, per join, the student's home move (docs/decisions/015).
   */
  async report(classId: string, r: ShardReport): Promise<ReportAnswer> {
    this.noteRpc("report");
    this.bind(classId);
    this.rpcCount.report++;
    // Where students and guests connect from, for guest bans (the shard admitted them).
    let bannedSeen = false;
    for (const j of r.joins)
      if (j.client && (j.user.role === "guest" || j.user.role === "student")) {
        this.store.noteClient(j.user.id, j.client, Date.now());
        if (j.client.device && this.core.durable.bans[j.user.id]) bannedSeen = true;
      }
    // Banned before their join was reported: their device reaches the shards now.
    if (bannedSeen) this.apply(this.core.republishRules(Date.now()));
    // A staff poll.close or poll.reveal of a poll counted at the shards: their final counts
    // first (a reveal too: a student who moved after the close has their answer on its way
    // to their new section, and the revealed tally must not be one short meanwhile).
    const closing = r.commands.flatMap((c) =>
      (c.message.type === "poll.close" || c.message.type === "poll.reveal") && isStaff(c.by.role)
        ? [c.message.pollId]
        : [],
    );
    if (closing.length > 0) await this.settleTallies(classId, closing);
    const deadline = this.core.nextDeadline();
    // Whose home moves here with this report (the shard then waits for the handover).
    const before = r.joins.map((j) => this.core.interactive.homeOf(j.user.id)?.sectionId);
    this.apply(this.core.report(r, Date.now()));
    if (this.core.nextDeadline() !== deadline) this.armDeadline();
    // Reaction totals survive a root restart: saved before the shard learns its report landed.
    if (r.social && Object.keys(r.social.reactions).length > 0)
      this.store.put("reactions", JSON.stringify(this.core.reactions.totals));
    return {
      homes: r.joins.map((j, i) => ({
        userId: j.user.id,
        gen: this.core.interactive.homeOf(j.user.id)?.gen ?? 0,
        moved: before[i] !== undefined && before[i] !== r.sectionId,
      })),
    };
  }

  /** Before open polls counted at the shards close: their final counts (root-settle.ts). */
  private async settleTallies(classId: string, pollIds: string[]): Promise<void> {
    const ids = pollIds.filter((id) => this.core.interactive.settleSections(id) !== null);
    if (ids.length === 0) return;
    await settleTallies({
      sections: () => {
        const sections = new Set(this.core.activeSections(Date.now()));
        for (const id of ids)
          for (const s of this.core.interactive.settleSections(id) ?? []) sections.add(s);
        sections.delete(STAFF_SECTION);
        return sections;
      },
      settle: (sectionId) => this.shard(classId, sectionId).tallySettle(classId, ids),
      counted: (sectionId, counts) =>
        this.apply(
          this.core.interactive.report(sectionId, undefined, Date.now(), { counts, rows: [] }),
        ),
    });
  }

  /**
   * Staff shard: the sections its sockets watch now, stamped `seq`. Answers the watch
   * version, which the staff shard hands to a newly watched section with its snapshot
   * request, so that section relays from the snapshot on (no message falls between).
   */
  async watch(classId: string, sections: string[], seq: number): Promise<number> {
    this.noteRpc("watch");
    this.bind(classId);
    this.apply(this.core.setWatching(sections, seq));
    return this.core.durable.watchVersion ?? 0;
  }

  /**
   * Worker: close every socket of `userId` in this class with 4001 (moderator grant revoked,
   * account disabled), so nobody keeps powers their account no longer has. `tokenVersion`
   * (demotion, disabling): tickets and sockets of an older version are refused at the shards.
   */
  async kickUser(
    classId: string,
    userId: string,
    reason: string,
    tokenVersion?: number,
  ): Promise<void> {
    this.noteRpc("kickUser");
    this.bind(classId);
    this.apply(this.core.kickUser(userId, CloseCode.revoked, reason, Date.now(), tokenVersion));
  }

  /**
   * Worker / media bridge: set the stream status (idle | live | ended), optionally with
   * the time the bridge's RTMP publish started (students' video-delay reference).
   */
  async setStreamStatus(
    classId: string,
    status: StreamStatus,
    startedAt: number | null = null,
  ): Promise<void> {
    this.noteRpc("setStreamStatus");
    this.bind(classId);
    const wasLive = this.core.durable.stream === "live";
    this.apply(this.core.setStreamStatus(status, Date.now(), startedAt));
    this.armDeadline();
    // Going live pushes a notification to the class's subscribers, once per class session;
    // the memo spares D1 on flaps, push_notices dedupes across restarts (worker/push/notify.ts).
    const session = this.core.durable.session;
    if (status === "live" && !wasLive && session && session.id !== this.notifiedSession) {
      this.notifiedSession = session.id;
      // Not awaited: publishing must not wait on D1 + the queue (notifyLive logs its own errors).
      this.ctx.waitUntil(notifyLive(this.env, classId, session.id));
    }
  }

  /**
   * Media bridge health (every few seconds while a stream runs): kept in memory for the
   * studio's status line and sent to staff sockets. A live bridge refines the stream's
   * start time; an ended bridge session ends the stream.
   */
  async reportStreamHealth(classId: string, health: StreamHealth): Promise<void> {
    this.noteRpc("reportStreamHealth");
    this.bind(classId);
    this.streamHealth = health;
    const now = Date.now();
    const next = streamStatusFromHealth(this.core.durable.stream, health);
    if (next === "live") this.apply(this.core.setStreamStatus("live", now, health.streamStartedAt));
    else if (next) this.apply(this.core.setStreamStatus(next, now));
    else if (health.state !== "ended") {
      // Any report but `ended` means the bridge still holds the class's session.
      const fx: RootEffect[] = [];
      this.core.publisherAlive(fx, now);
      this.apply(fx);
    }
    this.apply([{ kind: "staff", frame: { type: "stream.health", health } }]);
    this.armDeadline();
  }

  /** The last bridge health report, or null if none since this object started. */
  async getStreamHealth(): Promise<StreamHealth | null> {
    return this.streamHealth;
  }

  /**
   * The class's stream status (idle | live | ended) and, while live, when this live run
   * began (epoch ms), for the studio's YouTube status poll.
   */
  async getStreamStatus(): Promise<{ status: StreamStatus; liveSince: number | null }> {
    const d = this.core.durable;
    return {
      status: d.stream,
      liveSince: d.stream === "live" ? (d.session?.startedAt ?? null) : null,
    };
  }

  /**
   * Worker (slide upload routes): deck `deck` of this class was created or got pages, so
   * the teacher may show it; the deck on screen growing updates students' page count.
   */
  async setDeck(classId: string, deck: DeckInfo): Promise<void> {
    this.noteRpc("setDeck");
    this.bind(classId);
    this.apply(this.core.setDeck(deck, Date.now()));
  }

  /** Worker (slide routes): deck `deckId` of this class was deleted; it leaves the screen. */
  async removeDeck(classId: string, deckId: string): Promise<void> {
    this.noteRpc("removeDeck");
    this.bind(classId);
    this.apply(this.core.removeDeck(deckId, Date.now()));
  }

  /** Worker (class edit): the class's latency mode changed; quiz answers are bounded by the new one at once. */
  async setLatencyMode(classId: string, mode: LatencyMode): Promise<void> {
    this.noteRpc("setLatencyMode");
    this.bind(classId);
    this.apply(this.core.interactive.setLatencyMode(mode));
  }

  /**
   * Benchmarks: the most requests received in any one second, and their total, since the
   * last call with `reset`.
   */
  async rpcStats(reset = false): Promise<{ perSecMax: number; total: number }> {
    const out = { perSecMax: this.meter.perSecMax, total: this.meter.total };
    if (reset) this.meter.reset();
    return out;
  }

  /** Count one request to the root (every RPC method calls this first). */
  private noteRpc(method: string): void {
    this.meter.count(Date.now());
    this.rpcWindow.add(method);
    this.windowTick();
  }

  /** Write the window once it is due (metric-window.ts WindowClock: no timer). */
  private windowTick(): void {
    if (this.metricsClock.due(Date.now())) this.flushMetrics();
  }

  /** Write this window's counters: one `rpc` point per method, one `deliveries` point. */
  private flushMetrics(): void {
    this.metricsClock.reset();
    const classId = this.core.durable.classId;
    for (const w of this.rpcWindow.take())
      countMetric(this.metricsSink, { name: "rpc", classId, kind: w.label, count: w.count });
    for (const w of this.deliveryWindow.take())
      countMetric(this.metricsSink, {
        name: "deliveries",
        classId,
        kind: w.label,
        frames: w.count,
        bytes: w.value,
      });
  }

  /**
   * Worker (replay route): up to `limit` stored events after `after` whose type is in
   * `types`, oldest first, as the logged frames; `oldest` is the first `seq` still kept.
   * Null for a student banned from the class (`userId`; staff pass null). Read-only.
   */
  async replayLog(
    after: number,
    limit: number,
    types: string[],
    userId: string | null,
  ): Promise<{ frames: string[]; last: number | null; oldest: number | null } | null> {
    if (userId !== null && this.core.durable.bans[userId]) return null;
    return this.log.replay(after, limit, types);
  }

  /** Tests and tools: the current sequence number, shard loads, and join-path request counts. */
  async inspect(): Promise<{
    seq: number;
    sections: { sectionId: string; sockets: number }[];
    oldestLogged: number | null;
    /** Directory, sync and report requests this instance served (decision 014's bound). */
    rpcs: { directory: number; sync: number; report: number };
  }> {
    return {
      rpcs: { ...this.rpcCount },
      seq: this.core.durable.seq,
      sections: [...this.core.loads.values()].map((l) => ({
        sectionId: l.sectionId,
        sockets: l.sockets,
      })),
      oldestLogged: this.log.oldestLogged,
    };
  }

  // ---- effects ---------------------------------------------------------------

  private apply(effects: RootEffect[]): void {
    let persist = false;
    let loads = false;
    let d1 = false;
    const now = Date.now();
    for (const fx of effects) {
      switch (fx.kind) {
        case "event": {
          // Encode once; every shard forwards this exact string.
          const frame = JSON.stringify(fx.event);
          this.log.append(fx.event.seq, frame);
          for (const s of this.core.activeSections(now))
            this.deliveries.queue(s).frames.push(frame);
          break;
        }
        case "broadcast": {
          const frame = JSON.stringify(fx.frame);
          for (const s of this.core.activeSections(now))
            this.deliveries.queue(s).frames.push(frame);
          break;
        }
        case "staff":
          if (this.core.activeSections(now).includes(STAFF_SECTION))
            this.deliveries.queue(STAFF_SECTION).frames.push(JSON.stringify(fx.frame));
          break;
        case "control":
          if (fx.control.kind === "rules")
            fx.control = { kind: "rules", rules: this.store.withMarks(fx.control.rules) };
          if (fx.sectionId === ALL)
            for (const s of this.core.activeSections(now))
              this.deliveries.queue(s).control.push(fx.control);
          else this.deliveries.queue(fx.sectionId).control.push(fx.control);
          break;
        case "audit":
        case "attendance":
        case "session":
        case "minute":
        case "liveUntil":
          this.d1.add(outboxRowOf(fx));
          d1 = true;
          break;
        case "interactive": {
          const out = this.ix.apply(fx.op);
          if (out.d1) d1 = true;
          if (out.wake !== undefined) this.wakeAt(out.wake);
          break;
        }
        case "board":
          this.boardStorage.apply(this.core.board, fx.op);
          break;
        case "persist":
          persist = true;
          break;
        case "loads":
          loads = true;
          break;
        default:
          fx satisfies never;
      }
    }
    if (persist) this.persist();
    this.store.saveLoads(this.core);
    this.armSocial();
    if (loads) this.schedulePresence();
    if (d1) void this.scheduleD1();
    this.deliveries.schedule();
  }

  /** Run the social tick (reaction bursts, queue updates) when the core says it is due. */
  private armSocial(): void {
    const at = this.core.socialDue();
    if (at !== null) this.socialTimer.arm(at);
  }

  private persist(): void {
    this.store.put("durable", JSON.stringify(this.core.durable));
  }

  /** Make sure the alarm comes back for the core's next time-driven check. */
  private armDeadline(): void {
    const at = this.core.nextDeadline();
    if (at !== null) void this.alarmBy(Math.max(at, Date.now() + 1000));
  }

  /** Frames a shard accepted, for the `deliveries` metric (kind `shard`). */
  private countDelivery(frames: string[]): void {
    let bytes = 0;
    for (const f of frames) bytes += utf8Length(f);
    this.deliveryWindow.add("shard", frames.length, bytes);
    this.windowTick();
  }

  private schedulePresence(): void {
    if (this.presenceTimer) return;
    // Why a timer and not every report: presence is approximate; one frame per interval
    // keeps 100k sockets from receiving a count per join (presenceInterval).
    this.presenceTimer = setTimeout(() => {
      this.presenceTimer = null;
      const frame = JSON.stringify(this.core.presence());
      if (frame === this.lastPresence) return;
      this.lastPresence = frame;
      this.apply([{ kind: "broadcast", frame: this.core.presence() }]);
    }, presenceInterval(this.core.students()));
  }

  /**
   * Run the interactive tick at `at`. A timer does it; for anything more than a few
   * seconds away (a quiz deadline) the alarm is set too, since an idle object may be
   * evicted and its timers with it.
   */
  private wakeAt(at: number): void {
    if (this.ixTimer.arm(at) && at - Date.now() > 3000) void this.alarmBy(at);
  }

  /** Make sure the alarm fires no later than `at`. */
  private async alarmBy(at: number): Promise<void> {
    const current = await this.ctx.storage.getAlarm();
    if (current === null || current > at) await this.ctx.storage.setAlarm(at);
  }

  private async scheduleD1(): Promise<void> {
    // alarmBy, not "set if none": a far alarm (an idle session's end) must not delay the flush.
    await this.alarmBy(Date.now() + D1_FLUSH_MS);
  }

  /**
   * The time-driven work — quiz deadlines, a silent publisher, an idle session (RootCore.tick)
   * — then the D1 outbox, in batches. The live session's row goes first every time (its
   * peak), as the `class_sessions` row every other row of the session refers to.
   */
  override async alarm(): Promise<void> {
    this.noteRpc("alarm");
    this.apply(this.core.interactive.tick(Date.now()));
    this.apply(this.core.tick(Date.now()));
    const live = this.core.durable.session;
    try {
      await this.d1.flush(
        this.env.DB,
        this.core.durable.classId,
        live
          ? [
              {
                table: "class_sessions",
                id: live.id,
                startedAt: live.startedAt,
                endedAt: null,
                peak: live.peak,
              },
            ]
          : [],
      );
    } catch (err) {
      // The failed rows are back in the outbox: make sure an alarm comes back for them.
      await this.scheduleD1();
      logEvent({ event: "d1_flush_failed", message: errorMessage(err) });
      throw err;
    }
    if (this.d1.pending() > 0) await this.ctx.storage.setAlarm(Date.now() + 1000);
    // The alarm is one slot: re-arm it for a quiz deadline this run did not reach.
    const due = this.core.interactive.nextDue(Date.now());
    if (due !== null && due - Date.now() > 3000) await this.alarmBy(due);
    const deadline = this.core.nextDeadline();
    if (deadline !== null) await this.alarmBy(Math.max(deadline, Date.now() + 1000));
  }
}
