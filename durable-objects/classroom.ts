/**
 * Classroom: the root Durable Object of one class. A thin shell around RootCore:
 * it loads and saves state in its SQLite storage, keeps the bounded event log,
 * batches frames to shards by RPC, and writes attendance, per-minute concurrency and audit
 * rows to D1 in batches.
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
import type { ChatRules } from "./chat-policy.ts";
import {
  ALL,
  type Connected,
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
import type { ClientMarks, ReportAnswer, ShardDelivery, ShardReport, SyncResult } from "./rpc.ts";
import { STAFF_SECTION, shardName, shardNamespace } from "./rpc.ts";
import { RpcMeter } from "./rpc-meter.ts";

/** Events kept for resume. */
export const LOG_SIZE = 1000;
/**
 * Events kept for the after-class replay (`replayLog`), oldest deleted in steps of
 * 1000: a resume still only reaches back LOG_SIZE events (`oldestLogged`).
 */
export const REPLAY_LOG_SIZE = 50_000;
/** Root → shard flush window, ms. */
export const DELIVERY_MS = 50;
/** Times a failed delivery's controls are sent again, the n-th after n × CONTROL_RETRY_MS. */
const CONTROL_RETRIES = 5;
const CONTROL_RETRY_MS = 200;
/** How long a poll's close waits for one shard's final counts (then its next report brings them). */
const SETTLE_MS = 1500;
/** D1 flush delay for attendance/audit/session rows, ms. */
export const D1_FLUSH_MS = 10_000;
/** How long a student's or guest's address and device are kept for ban checks, ms. */
const CLIENT_MARKS_MS = 8 * 24 * 3600_000;
/** Rows per D1 batch. */
const D1_CHUNK = 200;

/** Default shard capacity when SHARD_CAPACITY is unset (docs/decisions/001-shard-size.md). */
export const DEFAULT_SHARD_CAPACITY = 2000;

/** Root of one class (named by class id): admission, event log, fan-out, D1 batches. */
export class Classroom extends DurableObject<Env> {
  private core!: RootCore;
  private readonly sql: SqlStorage;
  private boardStorage!: BoardStorage;
  private readonly outbox = new Map<string, ShardDelivery>();
  /** Sections whose last deliveries failed, and how many times in a row (controls are retried). */
  private readonly controlRetries = new Map<string, number>();
  private deliveryTimer: ReturnType<typeof setTimeout> | null = null;
  /** When the last delivery started (the window is measured from it). */
  private lastDeliveryAt = 0;
  private presenceTimer: ReturnType<typeof setTimeout> | null = null;
  private lastPresence = "";
  private oldestLogged: number | null = null;
  /** Last bridge health report; memory only (the bridge re-reports every few seconds). */
  private streamHealth: StreamHealth | null = null;
  /** Polls, hands and Q&A storage (interactive-store.ts). */
  private ix!: InteractiveStore;
  /** The pending interactive tick (bounded-rate frames, quiz deadlines) and when it fires. */
  private ixTimer: ReturnType<typeof setTimeout> | null = null;
  private ixWakeAt = Number.POSITIVE_INFINITY;
  /** Requests from Workers and shards on the join path since this instance started (inspect). */
  private readonly rpcCount = { directory: 0, sync: 0, report: 0 };
  /** The class session whose go-live was last handed to push (memory only). */
  private notifiedSession: string | null = null;
  /** The pending reaction-burst / moderation-queue tick (RootCore.socialDue) and when it fires. */
  private socialTimer: ReturnType<typeof setTimeout> | null = null;
  private socialAt = Number.POSITIVE_INFINITY;
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
    this.sql.exec(`CREATE TABLE IF NOT EXISTS state (k TEXT PRIMARY KEY, v TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS events (seq INTEGER PRIMARY KEY, frame TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS attendance_pending (session_id TEXT, user_id TEXT, name TEXT, first_join INTEGER,
        last_leave INTEGER, seconds INTEGER, joins INTEGER, PRIMARY KEY (session_id, user_id));
      CREATE TABLE IF NOT EXISTS session_pending (id TEXT PRIMARY KEY, started_at INTEGER, ended_at INTEGER, peak INTEGER);
      CREATE TABLE IF NOT EXISTS minute_pending (session_id TEXT, minute INTEGER, concurrency INTEGER,
        PRIMARY KEY (session_id, minute));
      CREATE TABLE IF NOT EXISTS audit_pending (id INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER, actor_id TEXT,
        action TEXT, target TEXT, detail TEXT);
      CREATE TABLE IF NOT EXISTS section_loads (section_id TEXT PRIMARY KEY, load TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS section_users (section_id TEXT, user_id TEXT, sockets INTEGER NOT NULL,
        PRIMARY KEY (section_id, user_id));
      CREATE TABLE IF NOT EXISTS connected_users (user_id TEXT PRIMARY KEY, since INTEGER NOT NULL,
        name TEXT NOT NULL, staff INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS client_marks (user_id TEXT, kind TEXT, value TEXT, at INTEGER NOT NULL,
        PRIMARY KEY (user_id, kind, value));
      CREATE INDEX IF NOT EXISTS client_marks_at ON client_marks (at);`);
    // Pending rows saved before staff was recorded apart.
    const pendingCols = this.sql
      .exec<{ name: string }>("SELECT name FROM pragma_table_info('attendance_pending')")
      .toArray();
    if (!pendingCols.some((c) => c.name === "staff"))
      this.sql.exec("ALTER TABLE attendance_pending ADD COLUMN staff INTEGER NOT NULL DEFAULT 0");
    const row = (k: string) =>
      this.sql.exec<{ v: string }>("SELECT v FROM state WHERE k = ?", k).toArray()[0]?.v;
    const durable = row("durable");
    const legacyLoads = row("loads");
    this.core = new RootCore(
      durable ? (JSON.parse(durable) as RootDurable) : initialDurable(""),
      legacyLoads ? (JSON.parse(legacyLoads) as ShardLoad[]) : this.loadSections(),
      Number(workerConfig(this.env).SHARD_CAPACITY) || DEFAULT_SHARD_CAPACITY,
      () => crypto.randomUUID(),
      this.sql
        .exec<{ user_id: string; since: number; name: string; staff: number }>(
          "SELECT * FROM connected_users",
        )
        .toArray()
        .map((r): [string, Connected] => [
          r.user_id,
          { since: r.since, name: r.name, staff: r.staff === 1 },
        ]),
    );
    this.boardStorage = new BoardStorage(this.sql);
    const board = this.boardStorage;
    this.core.board = new BoardCore(board.loadState(), (slide) => board.loadSlide(slide));
    const reactions = row("reactions");
    if (reactions) this.core.reactions.totals = JSON.parse(reactions) as ReactionCounts;
    this.ix = new InteractiveStore(this.sql);
    this.core.interactive.restore(this.ix.load());
    // Overdue quizzes close and the lists go out once after a restart.
    const due = this.core.interactive.nextDue(Date.now());
    if (due !== null) this.wakeAt(due);
    const logged = this.sql
      .exec<{ lo: number | null; hi: number | null }>(
        "SELECT min(seq) AS lo, max(seq) AS hi FROM events",
      )
      .one();
    this.oldestLogged =
      logged.lo === null || logged.hi === null
        ? null
        : Math.max(logged.lo, logged.hi - LOG_SIZE + 1);
    if (legacyLoads) {
      // State saved before loads were split per section: rewrite it in the new tables once.
      this.core.allLoadsChanged();
      this.saveLoads();
      this.sql.exec("DELETE FROM state WHERE k = 'loads'");
    }
  }

  /** Shard loads from their tables: one row per section, one per (section, user) with sockets. */
  private loadSections(): ShardLoad[] {
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
    this.saveLoads();
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
    return this.bannedClient(client, guestId);
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

  /**
   * Whether guest `guestId` (null: a guest id about to be minted) is refused because a user
   * banned here was seen from `client`'s device, or from its address. An address is shared
   * (a school NAT), so it refuses only guest ids this class has never seen: the guests who
   * were already in the class from that address keep reconnecting.
   */
  private bannedClient(client: ClientMarks, guestId: string | null): boolean {
    if (!client.ip && !client.device) return false;
    const known =
      guestId !== null &&
      this.sql.exec("SELECT 1 FROM client_marks WHERE user_id = ? LIMIT 1", guestId).toArray()
        .length > 0;
    const ip = known ? null : (client.ip ?? null);
    for (const userId of Object.keys(this.core.durable.bans)) {
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
  private withMarks(rules: ChatRules): ChatRules {
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

  /** Remember where a student or guest connects from (kept 8 days: a guest pass lives 7). */
  private noteClient(userId: string, client: ClientMarks): void {
    const now = Date.now();
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
    this.saveLoads();
    const plan = this.core.resumePlan(resume, this.oldestLogged);
    const frames =
      plan.kind === "snapshot"
        ? [JSON.stringify(this.core.snapshot())]
        : this.sql
            .exec<{ frame: string }>(
              "SELECT frame FROM events WHERE seq > ? ORDER BY seq",
              plan.after,
            )
            .toArray()
            .map((r) => r.frame);
    return {
      frames,
      rules: this.withMarks(this.core.rules(now)),
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
        this.noteClient(j.user.id, j.client);
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
      this.sql.exec(
        "INSERT OR REPLACE INTO state VALUES ('reactions', ?)",
        JSON.stringify(this.core.reactions.totals),
      );
    return {
      homes: r.joins.map((j, i) => ({
        userId: j.user.id,
        gen: this.core.interactive.homeOf(j.user.id)?.gen ?? 0,
        moved: before[i] !== undefined && before[i] !== r.sectionId,
      })),
    };
  }

  /**
   * Before open polls counted at the shards close: every shard that counted them or has
   * sockets returns its counts of them (and closes them there), so the close's tally holds
   * every answer acked before it, not only those whose report had landed. A shard first
   * waits for its handovers in flight; if any did, a second round picks up where they
   * landed. A shard that does not answer within SETTLE_MS is left to its next report.
   */
  private async settleTallies(classId: string, pollIds: string[]): Promise<void> {
    const ids = pollIds.filter((id) => this.core.interactive.settleSections(id) !== null);
    for (let round = 0; round < 2 && ids.length > 0; round++) {
      const sections = new Set(this.core.activeSections(Date.now()));
      for (const id of ids)
        for (const s of this.core.interactive.settleSections(id) ?? []) sections.add(s);
      sections.delete(STAFF_SECTION);
      let waited = 0;
      await Promise.allSettled(
        [...sections].map(async (sectionId) => {
          const ns = shardNamespace(this.env, this.core.loads.get(sectionId)?.host);
          const stub = ns.get(ns.idFromName(shardName(classId, sectionId)));
          let timer: ReturnType<typeof setTimeout> | undefined;
          const late = new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new Error("settle timed out")), SETTLE_MS);
          });
          try {
            const r = await Promise.race([stub.tallySettle(classId, ids), late]);
            waited += r.waited;
            if (Object.keys(r.counts).length > 0)
              this.apply(
                this.core.interactive.report(sectionId, undefined, Date.now(), {
                  counts: r.counts,
                  rows: [],
                }),
              );
          } catch (err) {
            logEvent({ event: "tally_settle_failed", sectionId, message: errorMessage(err) });
          } finally {
            clearTimeout(timer);
          }
        }),
      );
      if (waited === 0) break;
    }
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
      oldestLogged: this.oldestLogged,
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
          this.sql.exec("INSERT INTO events (seq, frame) VALUES (?, ?)", fx.event.seq, frame);
          this.oldestLogged ??= fx.event.seq;
          if (fx.event.seq - this.oldestLogged >= LOG_SIZE + 100)
            this.oldestLogged = fx.event.seq - LOG_SIZE + 1;
          if (fx.event.seq % 1000 === 0)
            this.sql.exec("DELETE FROM events WHERE seq <= ?", fx.event.seq - REPLAY_LOG_SIZE);
          for (const s of this.core.activeSections(now)) this.queue(s).frames.push(frame);
          break;
        }
        case "broadcast": {
          const frame = JSON.stringify(fx.frame);
          for (const s of this.core.activeSections(now)) this.queue(s).frames.push(frame);
          break;
        }
        case "staff":
          if (this.core.activeSections(now).includes(STAFF_SECTION))
            this.queue(STAFF_SECTION).frames.push(JSON.stringify(fx.frame));
          break;
        case "control":
          if (fx.control.kind === "rules")
            fx.control = { kind: "rules", rules: this.withMarks(fx.control.rules) };
          if (fx.sectionId === ALL)
            for (const s of this.core.activeSections(now)) this.queue(s).control.push(fx.control);
          else this.queue(fx.sectionId).control.push(fx.control);
          break;
        case "audit":
          this.sql.exec(
            "INSERT INTO audit_pending (at, actor_id, action, target, detail) VALUES (?, ?, ?, ?, ?)",
            fx.at,
            fx.actorId,
            fx.action,
            fx.target,
            fx.detail,
          );
          d1 = true;
          break;
        case "attendance": {
          const a = fx.delta;
          this.sql.exec(
            `INSERT INTO attendance_pending (session_id, user_id, name, first_join, last_leave, seconds, joins, staff)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT (session_id, user_id) DO UPDATE SET name = excluded.name,
               first_join = min(first_join, excluded.first_join),
               last_leave = max(coalesce(last_leave, 0), coalesce(excluded.last_leave, 0)),
               seconds = seconds + excluded.seconds, joins = joins + excluded.joins,
               staff = excluded.staff`,
            a.sessionId,
            a.userId,
            a.name,
            a.firstJoin,
            a.lastLeave,
            a.seconds,
            a.joins,
            a.staff ? 1 : 0,
          );
          d1 = true;
          break;
        }
        case "session": {
          const s = fx.session;
          this.sql.exec(
            `INSERT INTO session_pending VALUES (?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET
               ended_at = excluded.ended_at, peak = max(peak, excluded.peak)`,
            s.id,
            s.startedAt,
            s.endedAt,
            s.peak,
          );
          d1 = true;
          break;
        }
        case "minute":
          this.sql.exec(
            `INSERT INTO minute_pending VALUES (?, ?, ?) ON CONFLICT (session_id, minute)
             DO UPDATE SET concurrency = max(concurrency, excluded.concurrency)`,
            fx.sessionId,
            fx.minute,
            fx.concurrency,
          );
          d1 = true;
          break;
        case "liveUntil":
          // A flag, not the value: the flush writes the current one (a retried old value
          // must not overwrite a newer one).
          this.sql.exec("INSERT OR REPLACE INTO state VALUES ('live_dirty', '1')");
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
    this.saveLoads();
    this.armSocial();
    if (loads) this.schedulePresence();
    if (d1) void this.scheduleD1();
    if (this.outbox.size > 0 && !this.deliveryTimer) {
      // Leading edge: the first frames after a quiet window go out at once (after this
      // synchronous batch of effects); while busy, at most one delivery per DELIVERY_MS.
      const wait = Math.max(0, this.lastDeliveryAt + DELIVERY_MS - Date.now());
      this.deliveryTimer = setTimeout(() => void this.deliver(), wait);
    }
  }

  /** Run the social tick (reaction bursts, queue updates) when the core says it is due. */
  private armSocial(): void {
    const at = this.core.socialDue();
    if (at === null || (this.socialTimer && at >= this.socialAt)) return;
    if (this.socialTimer) clearTimeout(this.socialTimer);
    this.socialAt = at;
    this.socialTimer = setTimeout(
      () => {
        this.socialTimer = null;
        this.socialAt = Number.POSITIVE_INFINITY;
        this.apply(this.core.socialTick(Date.now()));
      },
      Math.max(0, at - Date.now()),
    );
  }

  private queue(sectionId: string): ShardDelivery {
    let d = this.outbox.get(sectionId);
    if (!d) {
      d = { frames: [], control: [] };
      this.outbox.set(sectionId, d);
    }
    return d;
  }

  private persist(): void {
    this.sql.exec(
      "INSERT OR REPLACE INTO state VALUES ('durable', ?)",
      JSON.stringify(this.core.durable),
    );
  }

  /** Save what changed in the shard loads since the last save (RootCore.loadChanges). */
  private saveLoads(): void {
    const { sections, users } = this.core.loadChanges;
    for (const sectionId of sections) {
      const l = this.core.loads.get(sectionId);
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
    for (const [userId, c] of this.core.connectedChanges) {
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
    this.core.connectedChanges.clear();
  }

  /** Make sure the alarm comes back for the core's next time-driven check. */
  private armDeadline(): void {
    const at = this.core.nextDeadline();
    if (at !== null) void this.alarmBy(Math.max(at, Date.now() + 1000));
  }

  /** One RPC per shard per window, all in parallel. */
  private async deliver(): Promise<void> {
    this.deliveryTimer = null;
    this.lastDeliveryAt = Date.now();
    const batch = [...this.outbox];
    this.outbox.clear();
    const classId = this.core.durable.classId;
    await Promise.allSettled(
      batch.map(async ([sectionId, delivery]) => {
        try {
          const ns = shardNamespace(this.env, this.core.loads.get(sectionId)?.host);
          const stub = ns.get(ns.idFromName(shardName(classId, sectionId)));
          await stub.deliver(delivery);
          this.controlRetries.delete(sectionId);
          this.countDelivery(delivery.frames);
        } catch (err) {
          // Lost frames are recovered by clients: they see a seq gap and resync. Controls
          // (time-outs, kicks, rules) are not, so they go out again with the next delivery
          // (a shard being restarted refuses RPCs for a moment); versions make a repeat harmless.
          logEvent({ event: "delivery_failed", sectionId, message: errorMessage(err) });
          this.requeueControls(sectionId, delivery.control);
        }
      }),
    );
  }

  /** Frames a shard accepted, for the `deliveries` metric (kind `shard`). */
  private countDelivery(frames: string[]): void {
    let bytes = 0;
    for (const f of frames) bytes += utf8Length(f);
    this.deliveryWindow.add("shard", frames.length, bytes);
    this.windowTick();
  }

  /** Put controls whose delivery failed back in front of the queue, a few times at most. */
  private requeueControls(sectionId: string, control: ShardDelivery["control"]): void {
    const tries = (this.controlRetries.get(sectionId) ?? 0) + 1;
    if (control.length === 0 || tries > CONTROL_RETRIES) {
      this.controlRetries.delete(sectionId);
      return;
    }
    this.controlRetries.set(sectionId, tries);
    this.queue(sectionId).control.unshift(...control);
    if (!this.deliveryTimer)
      this.deliveryTimer = setTimeout(() => void this.deliver(), CONTROL_RETRY_MS * tries);
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
    if (this.ixTimer && at >= this.ixWakeAt) return;
    if (this.ixTimer) clearTimeout(this.ixTimer);
    this.ixWakeAt = at;
    this.ixTimer = setTimeout(
      () => {
        this.ixTimer = null;
        this.ixWakeAt = Number.POSITIVE_INFINITY;
        this.apply(this.core.interactive.tick(Date.now()));
      },
      Math.max(0, at - Date.now()),
    );
    if (at - Date.now() > 3000) void this.alarmBy(at);
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

  /** Flush pending attendance, sessions and audit rows to D1 in batches. */
  override async alarm(): Promise<void> {
    this.noteRpc("alarm");
    // Quiz deadlines ride on the alarm too (see wakeAt), and so do a silent publisher and
    // an idle session (RootCore.tick).
    this.apply(this.core.interactive.tick(Date.now()));
    this.apply(this.core.tick(Date.now()));
    const classId = this.core.durable.classId;
    // Read and delete synchronously (no await between), so increments arriving during
    // the D1 write land in fresh pending rows instead of being deleted with these.
    const sessions = this.sql
      .exec<{ id: string; started_at: number; ended_at: number | null; peak: number }>(
        "SELECT * FROM session_pending",
      )
      .toArray();
    const att = this.sql
      .exec<{
        session_id: string;
        user_id: string;
        name: string;
        first_join: number;
        last_leave: number | null;
        seconds: number;
        joins: number;
        staff: number;
      }>(`SELECT * FROM attendance_pending LIMIT ${D1_CHUNK * 5}`)
      .toArray();
    const liveDirty =
      this.sql.exec("SELECT v FROM state WHERE k = 'live_dirty'").toArray().length > 0;
    this.sql.exec("DELETE FROM state WHERE k = 'live_dirty'");
    const liveUntil = this.core.durable.liveUntil ?? null;
    const audits = this.sql
      .exec<{
        id: number;
        at: number;
        actor_id: string;
        action: string;
        target: string | null;
        detail: string | null;
      }>(`SELECT * FROM audit_pending ORDER BY id LIMIT ${D1_CHUNK * 5}`)
      .toArray();
    const minutes = this.sql
      .exec<{ session_id: string; minute: number; concurrency: number }>(
        `SELECT * FROM minute_pending LIMIT ${D1_CHUNK * 5}`,
      )
      .toArray();
    const live = this.core.durable.session;
    if (live && !sessions.some((s) => s.id === live.id)) {
      sessions.push({ id: live.id, started_at: live.startedAt, ended_at: null, peak: live.peak });
    }
    this.sql.exec("DELETE FROM session_pending");
    for (const a of att)
      this.sql.exec(
        "DELETE FROM attendance_pending WHERE session_id = ? AND user_id = ?",
        a.session_id,
        a.user_id,
      );
    if (audits.length)
      this.sql.exec("DELETE FROM audit_pending WHERE id <= ?", audits[audits.length - 1]!.id);
    for (const m of minutes)
      this.sql.exec(
        "DELETE FROM minute_pending WHERE session_id = ? AND minute = ?",
        m.session_id,
        m.minute,
      );

    const db = this.env.DB;
    // Each statement with the pending row it came from, so a failed chunk re-queues only itself and later ones.
    const items: { stmt: D1PreparedStatement; row: RootEffect }[] = [
      ...sessions.map((s) => ({
        row: {
          kind: "session",
          session: { id: s.id, startedAt: s.started_at, endedAt: s.ended_at, peak: s.peak },
        } satisfies RootEffect,
        stmt: db
          .prepare(
            `INSERT INTO class_sessions (id, class_id, started_at, ended_at, peak_concurrency) VALUES (?, ?, ?, ?, ?)
           ON CONFLICT (id) DO UPDATE SET ended_at = excluded.ended_at,
             peak_concurrency = max(peak_concurrency, excluded.peak_concurrency)`,
          )
          .bind(s.id, classId, s.started_at, s.ended_at, s.peak),
      })),
      ...att.map((a) => ({
        row: {
          kind: "attendance",
          delta: {
            sessionId: a.session_id,
            userId: a.user_id,
            name: a.name,
            firstJoin: a.first_join,
            lastLeave: a.last_leave,
            seconds: a.seconds,
            joins: a.joins,
            staff: a.staff === 1,
          },
        } satisfies RootEffect,
        stmt: db
          .prepare(
            `INSERT INTO attendance (session_id, user_id, display_name, first_join_at, last_leave_at, seconds_attended, joins, staff)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (session_id, user_id) DO UPDATE SET display_name = excluded.display_name,
             first_join_at = min(first_join_at, excluded.first_join_at),
             last_leave_at = CASE WHEN excluded.last_leave_at IS NULL THEN last_leave_at
               ELSE max(coalesce(last_leave_at, 0), excluded.last_leave_at) END,
             seconds_attended = seconds_attended + excluded.seconds_attended, joins = joins + excluded.joins,
             staff = excluded.staff`,
          )
          .bind(
            a.session_id,
            a.user_id,
            a.name,
            a.first_join,
            a.last_leave || null,
            a.seconds,
            a.joins,
            a.staff,
          ),
      })),
      ...(liveDirty
        ? [
            {
              row: { kind: "liveUntil", until: liveUntil } satisfies RootEffect,
              stmt: db
                .prepare("UPDATE classes SET live_until = ? WHERE id = ?")
                .bind(liveUntil, classId),
            },
          ]
        : []),
      ...audits.map((a) => ({
        row: {
          kind: "audit",
          at: a.at,
          actorId: a.actor_id,
          action: a.action,
          target: a.target,
          detail: a.detail,
        } satisfies RootEffect,
        stmt: db
          .prepare(
            "INSERT INTO audit_log (at, actor_id, class_id, action, target, detail) VALUES (?, ?, ?, ?, ?, ?)",
          )
          .bind(a.at, a.actor_id, classId, a.action, a.target, a.detail),
      })),
      ...minutes.map((m) => ({
        row: {
          kind: "minute",
          sessionId: m.session_id,
          minute: m.minute,
          concurrency: m.concurrency,
        } satisfies RootEffect,
        stmt: db
          .prepare(
            `INSERT INTO session_minutes (session_id, minute, concurrency) VALUES (?, ?, ?)
           ON CONFLICT (session_id, minute) DO UPDATE SET concurrency = max(concurrency, excluded.concurrency)`,
          )
          .bind(m.session_id, m.minute, m.concurrency),
      })),
    ];
    let done = 0;
    try {
      for (; done < items.length; done += D1_CHUNK)
        await db.batch(items.slice(done, done + D1_CHUNK).map((x) => x.stmt));
    } catch (err) {
      // Earlier chunks are committed (each batch is its own transaction): put back only the
      // rows from the failed chunk on (merging with anything newer) and let the alarm retry.
      this.apply(items.slice(done).map((x) => x.row));
      logEvent({ event: "d1_flush_failed", message: errorMessage(err) });
      throw err;
    }
    try {
      await this.ix.flush(this.env.DB, classId);
    } catch (err) {
      // The failed rows are back in ix_d1: make sure an alarm comes back for them.
      await this.scheduleD1();
      logEvent({ event: "d1_flush_failed", message: errorMessage(err) });
      throw err;
    }
    const left = this.sql
      .exec<{ n: number }>(
        "SELECT (SELECT count(*) FROM attendance_pending) + (SELECT count(*) FROM audit_pending) + (SELECT count(*) FROM session_pending) + (SELECT count(*) FROM minute_pending) AS n",
      )
      .one().n;
    if (left + this.ix.pending() > 0) await this.ctx.storage.setAlarm(Date.now() + 1000);
    // The alarm is one slot: re-arm it for a quiz deadline this run did not reach.
    const due = this.core.interactive.nextDue(Date.now());
    if (due !== null && due - Date.now() > 3000) await this.alarmBy(due);
    const deadline = this.core.nextDeadline();
    if (deadline !== null) await this.alarmBy(Math.max(deadline, Date.now() + 1000));
  }
}
