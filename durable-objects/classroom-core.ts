/**
 * Pure core of the Classroom root: the only writer of class state. Inputs are shard
 * reports, staff commands, directory requests and stream status; outputs are effects
 * (sequenced events, frames for shards, D1 records) that the shell (classroom.ts) carries
 * out. No runtime imports; unit-tested in Node.
 *
 * RootCore composes one part per concern and owns the one sequence counter (`emit`):
 * - root-loads.ts: shard loads, seats lent to ticket minters, delivery targets, presence;
 * - root-ledger.ts: class sessions, who is connected, attendance and minute rows;
 * - root-stream.ts: the stream's status and liveness, D1 `live_until`;
 * - root-moderation.ts: rules and their versions, bans, time-outs, revocations, staff
 *   roles, rejections and the class-wide moderation queue;
 * - root-chat.ts: the global channel, the pin and announcements;
 * - interactive-core.ts (polls, quizzes, hands, Q&A merged from the shards' reports),
 *   board-core.ts (slides, whiteboard) and reaction-tally.ts.
 * New domains plug in the same way: a command or an aggregated report field in, `event`
 * effects out — the event log, resume and fan-out come for free.
 */
import type { DeckInfo } from "../protocol/board.ts";
import type {
  Author,
  ClassEvent,
  ClassSnapshot,
  Rejection,
  ServerMessage,
  StaffFrame,
  StreamStatus,
} from "../protocol/realtime.ts";
import { isStaff } from "../protocol/realtime.ts";
import type { Directory } from "./admission-core.ts";
import { BoardCore, type BoardOutcome, initialBoard } from "./board-core.ts";
import type { ChatRules } from "./chat-policy.ts";
import { InteractiveCore } from "./interactive-core.ts";
import type { ModerationQueue } from "./moderation-queue.ts";
import { ReactionTally } from "./reaction-tally.ts";
import { RootChat } from "./root-chat.ts";
import { SessionLedger } from "./root-ledger.ts";
import { ShardLoads } from "./root-loads.ts";
import { RootModeration } from "./root-moderation.ts";
import type { Connected, RootDurable, RootEffect, ShardLoad } from "./root-state.ts";
import { notifyStaff } from "./root-state.ts";
import { RootStream } from "./root-stream.ts";
import type { ShardReport, StaffCommand } from "./rpc.ts";
import { STAFF_SECTION } from "./rpc.ts";

export { ANNOUNCE_HISTORY, GLOBAL_HISTORY } from "./root-chat.ts";
export { SESSION_IDLE_MS } from "./root-ledger.ts";
export {
  MAX_SOCKETS_PER_USER,
  PRESENCE_MS,
  presenceInterval,
  RESERVATION_TTL_MS,
} from "./root-loads.ts";
export { REJECTION_HISTORY, REVOKED_KEEP_MS } from "./root-moderation.ts";
export {
  ALL,
  type AttendanceDelta,
  type Connected,
  initialDurable,
  type RootDurable,
  type RootEffect,
  type SessionInfo,
  type ShardLoad,
} from "./root-state.ts";
export {
  LIVE_TTL_MS,
  onAir,
  PUBLISHER_SILENCE_MS,
  streamStatusFromHealth,
} from "./root-stream.ts";

/** The root's decisions. Mutates its own state; returns effects; no I/O. */
export class RootCore {
  /** Shard loads and the seats lent from them (root-loads.ts). */
  readonly shards: ShardLoads;
  /** Sessions and attendance (root-ledger.ts). */
  readonly ledger: SessionLedger;
  /** Stream status and liveness (root-stream.ts). */
  readonly stream: RootStream;
  /** Rules, sanctions and the moderation queue (root-moderation.ts). */
  readonly moderation: RootModeration;
  /** The global channel and announcements (root-chat.ts). */
  readonly chat: RootChat;
  /** Sections some staff socket watches. */
  watching: Set<string>;
  /** Polls, quizzes, hands and Q&A; the shell restores it from its storage after loading. */
  readonly interactive: InteractiveCore;
  /** Slides and whiteboard; the shell replaces it with one over its storage after loading. */
  board = new BoardCore(initialBoard(), () => []);
  /** Reaction sums and bursts (reaction-tally.ts); the shell restores `totals`. */
  readonly reactions = new ReactionTally();
  /** Durable state changed outside an effect list (directory); the shell saves and clears it. */
  dirty = false;

  constructor(
    readonly durable: RootDurable,
    loads: ShardLoad[],
    capacity: number,
    private readonly newId: () => string,
    connected: [string, Connected][] = [],
  ) {
    const emit = this.emit.bind(this);
    this.shards = new ShardLoads(loads, capacity);
    this.ledger = new SessionLedger(durable, this.shards, newId, connected);
    this.stream = new RootStream(durable, this.ledger, emit);
    this.moderation = new RootModeration(
      durable,
      this.shards,
      emit,
      {
        nameOf: (userId) => this.ledger.connected.get(userId)?.name,
        globalMessage: (id) => this.chat.globalMessage(id),
        command: (c, now) => this.command(c, now),
      },
      newId,
    );
    this.chat = new RootChat(durable, this.shards, this.moderation.queue, emit);
    this.watching = new Set(durable.watching ?? []);
    this.interactive = new InteractiveCore({
      emit,
      userSections: () => this.shards.userSections(),
      sessionId: () => this.durable.session?.id ?? this.durable.lastSessionId,
      live: () => this.durable.stream === "live",
      newId: () => this.newId(),
      hostOf: (sectionId) => this.shards.map.get(sectionId)?.host,
    });
  }

  // ---- views the shell reads (each part owns its state) ----------------------

  /** Every section's load, by section id. */
  get loads(): Map<string, ShardLoad> {
    return this.shards.map;
  }
  /** What changed in `loads` since the shell last saved it (ShardLoads.changes). */
  get loadChanges(): ShardLoads["changes"] {
    return this.shards.changes;
  }
  /** The shard capacity sections are filled to. */
  get capacity(): number {
    return this.shards.capacity;
  }
  /** Users with an open socket, since when (SessionLedger.connected). */
  get connected(): Map<string, Connected> {
    return this.ledger.connected;
  }
  /** What changed in `connected` since the shell last saved it (null: gone). */
  get connectedChanges(): Map<string, Connected | null> {
    return this.ledger.connectedChanges;
  }
  /** Recent rejections (memory only). */
  get rejections(): Rejection[] {
    return this.moderation.rejections;
  }
  /** The class-wide moderation queue (memory only). */
  get modQueue(): ModerationQueue {
    return this.moderation.queue;
  }

  /** Mark every section and user as changed (the shell rewrites loads in a new layout). */
  allLoadsChanged(): void {
    this.shards.allChanged();
  }
  /** Whether `userId` was last admitted as teacher or moderator. */
  isStaffUser(userId: string): boolean {
    return this.moderation.isStaffUser(userId);
  }
  /** Sections that hold (or are about to hold) sockets: the delivery targets. */
  activeSections(now: number): string[] {
    return this.shards.activeSections(now);
  }
  /** Live students (sockets in section shards). */
  students(): number {
    return this.shards.students();
  }
  /** userId → the sections holding their sockets (from reported joins and leaves). */
  userSections(): Map<string, string[]> {
    return this.shards.userSections();
  }
  /** The `presence` frame. */
  presence(): ServerMessage {
    return { type: "presence", ...this.shards.presenceCounts(), seq: this.durable.seq };
  }
  /** Chat and admission rules for shards (the shell adds banned users' device ids). */
  rules(now: number): ChatRules {
    return this.moderation.rules(now);
  }
  /** Staff moderation state. */
  modState(now: number): StaffFrame {
    return this.moderation.modState(now);
  }
  /** The rejection backlog frame. */
  rejectionBacklog(): StaffFrame {
    return this.moderation.rejectionBacklog();
  }

  /** The full-state `snapshot` frame at the current seq. */
  snapshot(): ServerMessage {
    const d = this.durable;
    const state: ClassSnapshot = {
      stream: d.stream,
      streamStartedAt: d.streamStartedAt ?? null,
      settings: d.settings,
      pinned: d.pinned,
      global: d.global,
      announcements: d.announcements,
      presence: this.shards.presenceCounts(),
      board: this.board.view(),
      interactive: this.interactive.snapshot(),
    };
    return { type: "snapshot", seq: d.seq, state };
  }

  /**
   * How to bring a client at `resume` up to date, given the oldest seq still in the log:
   * replay events after `resume`, or send a snapshot when the gap is too old or unknown.
   */
  resumePlan(
    resume: number | undefined,
    oldestLogged: number | null,
  ): { kind: "snapshot" } | { kind: "replay"; after: number } {
    if (resume === undefined || resume > this.durable.seq) return { kind: "snapshot" };
    if (resume === this.durable.seq) return { kind: "replay", after: resume };
    if (oldestLogged !== null && resume + 1 >= oldestLogged)
      return { kind: "replay", after: resume };
    return { kind: "snapshot" };
  }

  /** Append a sequenced class event: the one seq counter every part numbers its events by. */
  private emit(
    effects: RootEffect[],
    make: (seq: number, at: number) => ClassEvent,
    now: number,
  ): void {
    this.durable.seq++;
    effects.push({ kind: "event", event: make(this.durable.seq, now) }, { kind: "persist" });
  }

  // ---- admission (decision 014) ----------------------------------------------

  /**
   * A shard admitting sockets on its own asked for the class state (decision 014): deliver
   * to it from now on — its first report follows within a window — and learn its host.
   */
  holdSection(sectionId: string, host: string | undefined, now: number): void {
    this.shards.holdSection(sectionId, host, now);
  }

  /** The sections ticket minters on shard host `host` may send students to (ShardLoads.directory). */
  directory(host: string, now: number, want = 1): Directory {
    return this.shards.directory(host, now, want, () => {
      this.durable.sectionCount++;
      this.dirty = true;
      return `s${this.durable.sectionCount}`;
    });
  }

  /** Push the rules again (the shell learned a banned user's device after the ban). */
  republishRules(now: number): RootEffect[] {
    return this.moderation.republishRules(now);
  }

  /** The class admits guests, or no more (guests' tickets are refused at the shards). */
  setGuestAccess(allowed: boolean, now: number): RootEffect[] {
    return this.moderation.setGuestAccess(allowed, now);
  }

  /** Close every socket of a user in this class (RootModeration.kickUser). */
  kickUser(...args: Parameters<RootModeration["kickUser"]>): RootEffect[] {
    return this.moderation.kickUser(...args);
  }

  // ---- stream ------------------------------------------------------------------

  /** The stream's status changed (RootStream.setStatus). */
  setStreamStatus(
    status: StreamStatus,
    now: number,
    startedAt: number | null = null,
  ): RootEffect[] {
    return this.stream.setStatus(status, now, startedAt);
  }

  /** A sign of life from the publisher (RootStream.publisherAlive). */
  publisherAlive(fx: RootEffect[], now: number): void {
    this.stream.publisherAlive(fx, now);
  }

  /** Time-driven state (the shell's alarm): a silent publisher, an idle session. */
  tick(now: number): RootEffect[] {
    return this.stream.tick(now);
  }

  /** When `tick` next has something to do, or null. */
  nextDeadline(): number | null {
    return this.stream.nextDeadline();
  }

  // ---- shard reports -------------------------------------------------------------

  /**
   * Merge one shard's batch: its joins and leaves into the loads and the ledger, then each
   * part's share (staff commands, interactive input and counts, rejections, reactions and
   * reports, relayed frames, the staff shard's watch set).
   */
  report(r: ShardReport, now: number): RootEffect[] {
    const fx: RootEffect[] = [];
    const l = this.shards.load(r.sectionId);
    const before = this.shards.students();
    const socketsBefore = l.sockets;
    l.sockets = r.sockets;
    l.users ??= {};

    const session =
      r.joins.length > 0 ? this.ledger.sessionForJoins(fx, now) : this.durable.session;
    for (const j of r.joins) {
      this.shards.join(l, j.user.id);
      // Shards admit on their own (decision 014): who is staff is learned from their joins.
      if (this.moderation.rememberRole(j.user.id, j.user.role) || this.dirty) {
        this.dirty = false;
        fx.push({ kind: "persist" });
      }
      this.ledger.joined(fx, j.user, j.at, session);
    }
    for (const x of r.leaves) {
      this.shards.leave(l, x.user.id);
      this.ledger.disconnected(fx, x.user, x.at, x.joinedAt);
    }
    if (r.sockets === 0) this.ledger.forgotten(fx, this.shards.emptied(l), now);
    // A report that only carries votes or chat counts changes no load: nothing to save.
    if (socketsBefore !== r.sockets || r.joins.length > 0 || r.leaves.length > 0) {
      this.shards.changed(l);
      fx.push({ kind: "loads" });
    }

    this.moderation.kickBanned(fx, r);
    fx.push(...this.shards.overSocketCap(r));
    this.ledger.counted(fx, session, this.shards.map.get(STAFF_SECTION)?.sockets ?? 0, now);
    if (this.shards.students() !== before) fx.push({ kind: "staff", frame: this.modState(now) });

    for (const c of r.commands) fx.push(...this.command(c, now));
    this.interactiveReport(fx, r, now);
    this.moderation.rejected(fx, r.rejections, now);
    if (r.social) {
      this.reactions.add(r.social.reactions);
      this.moderation.flagged(r.social.flags, now);
    }
    if (r.relay.length > 0 && this.watching.has(r.sectionId)) {
      fx.push({
        kind: "control",
        sectionId: STAFF_SECTION,
        control: { kind: "relay", sectionId: r.sectionId, frames: r.relay },
      });
    }
    if (r.watching && r.sectionId === STAFF_SECTION)
      fx.push(...this.setWatching(r.watching, r.watchingSeq));
    return fx;
  }

  /** A report's share for polls, hands and Q&A: joins, the batched input and counts, leaves. */
  private interactiveReport(fx: RootEffect[], r: ShardReport, now: number): void {
    if (r.joins.length > 0)
      fx.push(
        ...this.interactive.joined(
          r.sectionId,
          r.joins.map((j) => j.user),
          now,
        ),
      );
    if (r.interactive || r.tally)
      fx.push(...this.interactive.report(r.sectionId, r.interactive, now, r.tally));
    if (r.leaves.length > 0) {
      // Only users with a raised hand are looked up across shards.
      const leavers = new Set(r.leaves.map((x) => x.user.id));
      fx.push(...this.interactive.left(leavers, (id) => this.shards.socketsOf(id, now) === 0, now));
    }
  }

  /** When `socialTick` next has a reaction burst or a queue update to send, or null. */
  socialDue(): number | null {
    const at: number[] = [];
    const burst = this.reactions.nextDue(this.shards.students());
    if (burst !== null) at.push(burst);
    const queue = this.moderation.queueDue();
    if (queue !== null) at.push(queue);
    return at.length ? Math.min(...at) : null;
  }

  /** Reaction bursts and the moderation queue, at their bounded rates (the shell's timer). */
  socialTick(now: number): RootEffect[] {
    const fx: RootEffect[] = [];
    const b = this.reactions.tick(now, this.shards.students());
    if (b.all) fx.push({ kind: "broadcast", frame: b.all });
    if (b.staff) fx.push({ kind: "staff", frame: b.staff });
    this.moderation.queueTick(fx, now);
    return fx;
  }

  /**
   * The staff shard's set of watched sections, stamped `seq` (increasing per change): tell
   * the sections that start or stop being watched. A set older than the last one applied
   * (a report overtaken by a direct `watch` RPC) changes nothing.
   */
  setWatching(sections: string[], seq?: number): RootEffect[] {
    const d = this.durable;
    if (seq !== undefined) {
      if (seq <= (d.watchSeq ?? 0)) return [];
      d.watchSeq = seq;
    }
    const fx: RootEffect[] = [{ kind: "persist" }];
    const next = new Set(sections);
    const changed = [...next].filter((s) => !this.watching.has(s) && this.shards.map.has(s));
    const stopped = [...this.watching].filter((s) => !next.has(s));
    if (changed.length + stopped.length > 0) d.watchVersion = (d.watchVersion ?? 0) + 1;
    const v = d.watchVersion ?? 0;
    for (const s of changed)
      fx.push({ kind: "control", sectionId: s, control: { kind: "watch", on: true, v } });
    for (const s of stopped)
      fx.push({ kind: "control", sectionId: s, control: { kind: "watch", on: false, v } });
    this.watching = next;
    d.watchVersion = v;
    d.watching = [...next];
    return fx;
  }

  // ---- slides and whiteboard ---------------------------------------------------

  /** A deck was uploaded or grew (Worker upload routes): the teacher can page through it. */
  setDeck(deck: DeckInfo, now: number): RootEffect[] {
    const fx: RootEffect[] = [];
    this.applyBoard(fx, null, "slide.show", this.board.setDeck(deck), now);
    return fx;
  }

  /** A deck was deleted (Worker slide routes): off the list, and off the screen if shown. */
  removeDeck(deckId: string, now: number): RootEffect[] {
    const fx: RootEffect[] = [];
    this.applyBoard(fx, null, "slide.show", this.board.removeDeck(deckId), now);
    return fx;
  }

  /** Sequence a board outcome's events, queue its storage work, or answer its error to the sender. */
  private applyBoard(
    fx: RootEffect[],
    by: Author | null,
    ref: string,
    out: BoardOutcome,
    now: number,
  ): void {
    if (out.error && by) notifyStaff(fx, by.id, out.error, ref);
    for (const op of out.store) fx.push({ kind: "board", op });
    for (const body of out.events)
      this.emit(fx, (seq, at) => ({ ...body, seq, at }) as ClassEvent, now);
  }

  // ---- staff commands ------------------------------------------------------------

  /** Apply a staff command forwarded by the staff shard (roles re-checked here too). */
  command(c: StaffCommand, now: number): RootEffect[] {
    const { by, message: m } = c;
    if (!isStaff(by.role)) return [];
    const fx: RootEffect[] = [];
    switch (m.type) {
      case "chat.send":
      case "announce.send":
      case "chat.delete":
      case "chat.pin":
        this.chat.command(fx, by, m, now);
        break;
      case "mod.timeout":
      case "mod.ban":
      case "mod.unban":
      case "settings.update":
      case "mod.resolve":
        this.moderation.command(fx, by, m, now);
        break;
      case "poll.create":
      case "poll.open":
      case "poll.close":
      case "poll.reveal":
      case "poll.discard":
      case "hand.ack":
      case "hand.dismiss":
      case "hand.clear":
      case "hand.page":
      case "qa.moderate":
      case "qa.settings":
        fx.push(...this.interactive.command(by, m, now));
        break;
      // Students' interactive commands arrive batched in reports (ShardReport.interactive).
      case "poll.answer":
      case "hand.raise":
      case "hand.lower":
      case "qa.ask":
      case "qa.vote":
        break;
      case "slide.show":
      case "slide.next":
      case "slide.prev":
      case "board.stroke":
      case "board.undo":
      case "board.clear":
        this.applyBoard(fx, by, m.type, this.board.command(m), now);
        break;
      // Reactions and reports arrive counted in reports (ShardReport.social); peeks stay at the staff shard.
      case "reaction.send":
      case "chat.report":
      case "mod.peek":
      case "hello":
      case "section.watch":
        break;
      default:
        m satisfies never;
    }
    return fx;
  }
}
