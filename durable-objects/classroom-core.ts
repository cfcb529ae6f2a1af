/**
 * Pure core of the Classroom root: the only writer of class state. Inputs are
 * admissions, shard reports, staff commands and stream status; outputs are
 * effects (sequenced events, frames for shards, D1 records) that the shell
 * (classroom.ts) carries out. No runtime imports; unit-tested in Node.
 *
 * New domains (polls, quizzes, hands, Q&A, slides) plug in the same way: a
 * command or an aggregated report field in, `event` effects out — the event log,
 * resume and fan-out come for free.
 */
import type { DeckInfo } from "../protocol/board.ts";
import type {
  Announcement,
  Author,
  ChatMessage,
  ClassEvent,
  ClassRole,
  ClassSnapshot,
  PublicSettings,
  Rejection,
  ServerMessage,
  StaffFrame,
  StreamStatus,
} from "../protocol/realtime.ts";
import { CloseCode, isStaff, REACTION_BURST_MS, RESOLVE_TIMEOUT_S } from "../protocol/realtime.ts";
import { type Directory, directoryOf } from "./admission-core.ts";
import { BoardCore, type BoardOutcome, type BoardStore, initialBoard } from "./board-core.ts";
import type { ChatRules } from "./chat-policy.ts";
import { InteractiveCore, type InteractiveOp } from "./interactive-core.ts";
import { ModerationQueue } from "./moderation-queue.ts";
import { ReactionTally } from "./reaction-tally.ts";
import type { ShardControl, ShardReport, StaffCommand, TallyControl } from "./rpc.ts";
import { STAFF_SECTION } from "./rpc.ts";
import { sectionOf } from "./shard-core.ts";

/** Global-channel messages kept for snapshots. */
export const GLOBAL_HISTORY = 50;
/** Announcements kept for snapshots. */
export const ANNOUNCE_HISTORY = 10;
/** Rejections kept for the staff feed backlog. */
export const REJECTION_HISTORY = 200;
/** An admission not confirmed by its shard within this time no longer counts as load. */
export const RESERVATION_TTL_MS = 20_000;
/** Most concurrent sockets (open or admitted) one user may hold in a class. */
export const MAX_SOCKETS_PER_USER = 5;
/**
 * A class empty this long (and not streaming) ends its session; for this long after the
 * stream ended, joins (reloads, stragglers) do not open a new one.
 */
export const SESSION_IDLE_MS = 30 * 60_000;
/**
 * A live stream with no sign of its publisher (bridge health report, WHIP publish) for
 * this long has ended: the bridge reports every 5 s while its session exists.
 */
export const PUBLISHER_SILENCE_MS = 60_000;
/** How far ahead D1 `classes.live_until` is set while the stream is live (renewed at half). */
export const LIVE_TTL_MS = 120_000;

/** A class session (one live run), mirrored to D1 class_sessions. */
export interface SessionInfo {
  id: string;
  startedAt: number;
  peak: number;
  /** When the last participant left; null while anyone is connected. */
  emptySince: number | null;
}

/** Root state that must survive restarts (saved as one JSON row when it changes). */
export interface RootDurable {
  classId: string;
  /** Last assigned sequence number. */
  seq: number;
  stream: StreamStatus;
  /** See ClassSnapshot.streamStartedAt. Optional: state saved before it existed lacks it. */
  streamStartedAt?: number | null;
  settings: PublicSettings;
  blockedWords: string[];
  pinned: ChatMessage | null;
  global: ChatMessage[];
  announcements: Announcement[];
  bans: Record<string, { name?: string; at: number }>;
  /** userId → epoch ms the timeout ends. */
  timeouts: Record<string, number>;
  session: SessionInfo | null;
  /** The session the last leaves are credited to after a session ended. */
  lastSessionId: string | null;
  /** Number of section shards opened so far (s1…sN). */
  sectionCount: number;
  /** Sections some staff socket watches (kept so relays survive a root restart). */
  watching?: string[];
  /**
   * Versions that order what reaches shards by more than one path (a control delivery, a
   * sync answer, a direct watch): a shard keeps the newest it saw. `watchSeq` is the staff
   * shard's stamp of the last watch set applied (older sets arriving late are ignored).
   * Optional: state saved before they existed lacks them.
   */
  rulesVersion?: number;
  watchVersion?: number;
  watchSeq?: number;
  /**
   * userId → class role, for users last admitted as teacher or moderator: staff cannot be
   * banned or timed out. Optional: state saved before it existed lacks it.
   */
  staff?: Record<string, ClassRole>;
  /** When the stream last ended (joins shortly after do not open a session). Optional: older state lacks it. */
  streamEndedAt?: number | null;
  /** Last sign of life from the publisher while live (see PUBLISHER_SILENCE_MS). */
  publisherSeenAt?: number | null;
  /** What D1 `classes.live_until` was last set to (null: not live). */
  liveUntil?: number | null;
  /**
   * Admission at the shard (decision 014): userId → when their access was revoked (join
   * tickets minted up to then are refused; kept REVOKED_KEEP_MS), and whether the class
   * admits guests no more. Pushed to shards in the rules. Optional: older state lacks them.
   */
  revoked?: Record<string, number>;
  /** userId → the account's token version after a demotion or disabling (kept as `revoked`). */
  revokedTv?: Record<string, number>;
  guestsOff?: boolean;
}

/** A revocation is kept this long: longer than a join ticket lives (60 s). */
export const REVOKED_KEEP_MS = 120_000;
/** The reservation a shard admitting on its own holds at the root (keeps deliveries coming). */
const SHARD_HOLD = "#shard";
/** A seat lent to a ticket minter (directory); a reported join takes one back. */
const SEAT = "#seat";
/** Lent seats not taken by a join within this long are free again (tickets live 60 s; sockets open at once). */
const SEAT_TTL_MS = 5000;

/** A user with at least one open socket in this class: the start of their connected stretch. */
export interface Connected {
  since: number;
  name: string;
  staff: boolean;
}

/** A new class's root state. */
export function initialDurable(classId: string): RootDurable {
  return {
    classId,
    seq: 0,
    stream: "idle",
    settings: { slowModeSec: 0, linkPolicy: "allow" },
    blockedWords: [],
    pinned: null,
    global: [],
    announcements: [],
    bans: {},
    timeouts: {},
    session: null,
    lastSessionId: null,
    sectionCount: 0,
  };
}

/** The root's view of one shard's load. */
export interface ShardLoad {
  sectionId: string;
  /** Sockets the shard last reported. */
  sockets: number;
  /** Admissions not yet confirmed by a join in a report. */
  reserved: { userId: string; at: number }[];
  /** Open sockets per user, from reported joins and leaves (reset when the shard reports 0). */
  users?: Record<string, number>;
  /**
   * The shard host this section lives on (`SHARD_HOST` of the Worker that opened it);
   * absent in the default one-namespace topology (docs/decisions/003).
   */
  host?: string;
}

/** One D1 attendance delta (summed by upsert). */
export interface AttendanceDelta {
  sessionId: string;
  userId: string;
  name: string;
  firstJoin: number;
  lastLeave: number | null;
  seconds: number;
  joins: number;
  /** Teacher or moderator (listed apart from students). */
  staff: boolean;
}

/** What the shell must do. */
export type RootEffect =
  /** Append to the log and send to every shard. */
  | { kind: "event"; event: ClassEvent }
  /** Send an unsequenced frame to every shard. */
  | { kind: "broadcast"; frame: ServerMessage }
  /** Send a frame to the staff shard. */
  | { kind: "staff"; frame: ServerMessage }
  /** Send an instruction to one shard or all ("*"). */
  | { kind: "control"; sectionId: string; control: ShardControl | TallyControl }
  | {
      kind: "audit";
      at: number;
      actorId: string;
      action: string;
      target: string | null;
      detail: string | null;
    }
  | { kind: "attendance"; delta: AttendanceDelta }
  /** Set D1 `classes.live_until` (null: not live). */
  | { kind: "liveUntil"; until: number | null }
  /** Connected students in a session minute (D1 session_minutes keeps the peak per minute). */
  | { kind: "minute"; sessionId: string; minute: number; concurrency: number }
  | {
      kind: "session";
      session: { id: string; startedAt: number; endedAt: number | null; peak: number };
    }
  /** Slides and whiteboard storage work (board-core.ts; the shell's board-store.ts does it). */
  | { kind: "board"; op: BoardStore }
  /** Polls, hands, Q&A storage work and timers (interactive-core.ts; the shell's interactive-store.ts). */
  | { kind: "interactive"; op: InteractiveOp }
  /** Durable state changed: save it. */
  | { kind: "persist" }
  /** Shard loads changed: save them; presence may have changed. */
  | { kind: "loads" };

/** Presence re-broadcast at most this often (classes up to 20,000 students), ms. */
export const PRESENCE_MS = 2000;
/** Presence frames per second the whole class may receive; a bigger class hears less often. */
const PRESENCE_FRAMES_PER_SEC = 10_000;
/** The longest presence interval (100,000 students and more). */
const PRESENCE_MAX_MS = 10_000;

/**
 * How long presence waits after a change: every 2 s up to 20,000 students, then longer
 * so the count never costs more than ~10,000 frames/s in total (10 s at 100,000).
 */
export function presenceInterval(students: number): number {
  return Math.min(
    PRESENCE_MAX_MS,
    Math.max(PRESENCE_MS, Math.ceil((students / PRESENCE_FRAMES_PER_SEC) * 1000)),
  );
}

/** All shards. */
export const ALL = "*";

/** The root's decisions. Mutates its own state; returns effects; no I/O. */
export class RootCore {
  readonly loads = new Map<string, ShardLoad>();
  /**
   * What changed in `loads` since the shell last saved it: the sections whose row
   * (sockets, reservations, host) changed, and per section the users whose socket count
   * changed (0 = gone). Saving writes only these — a save of every user's count would make
   * each admission O(students) and filling a class O(students²) (docs/decisions/001).
   */
  readonly loadChanges = {
    sections: new Set<string>(),
    users: new Map<string, Map<string, number>>(),
  };
  /** Recent rejections (memory only: a staff convenience, not a record). */
  readonly rejections: Rejection[] = [];
  /** The last per-minute concurrency emitted (memory only: a restart re-emits, the upsert keeps the max). */
  private minuteMark = { sessionId: "", minute: 0, concurrency: -1 };
  /** Sections some staff socket watches. */
  watching = new Set<string>();
  /** Polls, quizzes, hands and Q&A; the shell restores it from its storage after loading. */
  readonly interactive = new InteractiveCore({
    emit: (fx, make, now) => this.emit(fx, make, now),
    userSections: () => this.userSections(),
    sessionId: () => this.durable.session?.id ?? this.durable.lastSessionId,
    live: () => this.durable.stream === "live",
    newId: () => this.newId(),
    hostOf: (sectionId) => this.loads.get(sectionId)?.host,
  });
  /** Slides and whiteboard; the shell replaces it with one over its storage after loading. */
  board = new BoardCore(initialBoard(), () => []);
  /** Reaction sums and bursts (reaction-tally.ts); the shell restores `totals`. */
  readonly reactions = new ReactionTally();
  /** The class-wide moderation queue (moderation-queue.ts); memory only. */
  readonly modQueue = new ModerationQueue(() => this.newId());
  /** When the last `mod.queue` frame went to staff. */
  private queueSentAt = Number.NEGATIVE_INFINITY;
  /**
   * Users with an open socket (any section, any tab), since when: attendance credits the
   * union of a user's sockets, so two tabs count once and a reload leaves no hole.
   */
  readonly connected = new Map<string, Connected>();
  /** What changed in `connected` since the shell last saved it (null: gone). */
  readonly connectedChanges = new Map<string, Connected | null>();

  constructor(
    public durable: RootDurable,
    loads: ShardLoad[],
    public capacity: number,
    private readonly newId: () => string,
    connected: [string, Connected][] = [],
  ) {
    for (const l of loads) this.loads.set(l.sectionId, l);
    this.watching = new Set(durable.watching ?? []);
    for (const [id, c] of connected) this.connected.set(id, c);
  }

  private load(sectionId: string): ShardLoad {
    let l = this.loads.get(sectionId);
    if (!l) {
      l = { sectionId, sockets: 0, reserved: [] };
      this.loads.set(sectionId, l);
    }
    return l;
  }

  /** Record that a section's row, and optionally one user's socket count in it, must be saved. */
  private loadChanged(l: ShardLoad, userId?: string): void {
    this.loadChanges.sections.add(l.sectionId);
    if (userId === undefined) return;
    let users = this.loadChanges.users.get(l.sectionId);
    if (!users) {
      users = new Map();
      this.loadChanges.users.set(l.sectionId, users);
    }
    users.set(userId, l.users?.[userId] ?? 0);
  }

  /** Mark every section and user as changed (the shell rewrites loads in a new layout). */
  allLoadsChanged(): void {
    for (const l of this.loads.values())
      for (const userId of [undefined, ...Object.keys(l.users ?? {})]) this.loadChanged(l, userId);
  }

  /** Drop `userId`'s pending admissions everywhere. */
  private dropReservations(userId: string): void {
    for (const l of this.loads.values()) {
      const kept = l.reserved.filter((r) => r.userId !== userId);
      if (kept.length === l.reserved.length) continue;
      l.reserved = kept;
      this.loadChanged(l);
    }
  }

  private loadOf(l: ShardLoad, now: number): number {
    l.reserved = l.reserved.filter(
      (r) => now - r.at < (r.userId === SEAT ? SEAT_TTL_MS : RESERVATION_TTL_MS),
    );
    return l.sockets + l.reserved.length;
  }

  /**
   * The per-user socket cap is per class: each shard caps what it holds, and the root, which
   * sees every section's joins, closes the newest sockets of a user who spread more than
   * MAX_SOCKETS_PER_USER over several sections (close 4009) — no request per upgrade.
   */
  private overSocketCap(r: ShardReport): RootEffect[] {
    const fx: RootEffect[] = [];
    for (const userId of new Set(r.joins.map((j) => j.user.id))) {
      let total = 0;
      for (const l of this.loads.values()) total += l.users?.[userId] ?? 0;
      const here = this.loads.get(r.sectionId)?.users?.[userId] ?? 0;
      const excess = Math.min(total - MAX_SOCKETS_PER_USER, here);
      if (excess > 0)
        fx.push({
          kind: "control",
          sectionId: r.sectionId,
          control: {
            kind: "kick",
            userId,
            code: CloseCode.tooManySockets,
            reason: "too many sockets",
            newest: excess,
          },
        });
    }
    return fx;
  }

  /** Sockets `userId` holds or was admitted for (reservations not yet confirmed count too). */
  private socketsOf(userId: string, now: number): number {
    let n = 0;
    for (const l of this.loads.values()) {
      this.loadOf(l, now);
      n += (l.users?.[userId] ?? 0) + l.reserved.filter((r) => r.userId === userId).length;
    }
    return n;
  }

  /** Track who is staff (from the joins shards report), so moderators cannot sanction them. */
  private rememberRole(userId: string, role: ClassRole): void {
    this.durable.staff ??= {};
    const staff = this.durable.staff;
    if (isStaff(role)) {
      if (staff[userId] === role) return;
      staff[userId] = role;
    } else {
      if (!(userId in staff)) return;
      delete staff[userId];
    }
    this.dirty = true;
  }

  /** Whether `userId` was last admitted as teacher or moderator. */
  isStaffUser(userId: string): boolean {
    return this.durable.staff?.[userId] !== undefined;
  }

  /** Durable state changed outside an effect list (admission); the shell saves and clears it. */
  dirty = false;

  /** Sections that hold (or are about to hold) sockets: the delivery targets. */
  activeSections(now: number): string[] {
    return [...this.loads.values()].filter((l) => this.loadOf(l, now) > 0).map((l) => l.sectionId);
  }

  /** Live students (sockets in section shards). */
  students(): number {
    let n = 0;
    for (const l of this.loads.values()) if (l.sectionId !== STAFF_SECTION) n += l.sockets;
    return n;
  }

  /** Live students and occupied sections. */
  presenceCounts(): { students: number; sections: number } {
    const sections = [...this.loads.values()].filter(
      (l) => l.sectionId !== STAFF_SECTION && l.sockets > 0,
    ).length;
    return { students: this.students(), sections };
  }

  /** The `presence` frame. */
  presence(): ServerMessage {
    return { type: "presence", ...this.presenceCounts(), seq: this.durable.seq };
  }

  /** Chat and admission rules for shards (the shell adds banned users' device ids). */
  rules(now: number): ChatRules {
    this.pruneTimeouts(now);
    const rules: ChatRules = {
      slowModeSec: this.durable.settings.slowModeSec,
      linkPolicy: this.durable.settings.linkPolicy,
      blockedWords: this.durable.blockedWords,
      timeouts: { ...this.durable.timeouts },
      version: this.durable.rulesVersion ?? 0,
    };
    const banned = Object.keys(this.durable.bans);
    if (banned.length > 0) rules.banned = { users: banned, devices: [] };
    const revoked = Object.entries(this.durable.revoked ?? {}).filter(
      ([, at]) => now - at < REVOKED_KEEP_MS,
    );
    if (revoked.length > 0) rules.revoked = Object.fromEntries(revoked);
    const tv = this.durable.revokedTv ?? {};
    const revokedTv = revoked.filter(([u]) => tv[u] !== undefined).map(([u]) => [u, tv[u]!]);
    if (revokedTv.length > 0) rules.revokedTv = Object.fromEntries(revokedTv);
    if (this.durable.guestsOff) rules.guests = false;
    return rules;
  }

  /** Admission rules changed (ban, unban, revocation, guest access): every shard gets them. */
  private pushRules(fx: RootEffect[], now: number): void {
    this.bumpRules();
    fx.push(
      { kind: "control", sectionId: ALL, control: { kind: "rules", rules: this.rules(now) } },
      { kind: "persist" },
    );
  }

  /**
   * A shard admitting sockets on its own asked for the class state (decision 014): deliver
   * to it from now on — its first report follows within a window — and learn its host.
   */
  holdSection(sectionId: string, host: string | undefined, now: number): void {
    const l = this.load(sectionId);
    if (host && l.host === undefined) l.host = host;
    l.reserved = l.reserved.filter((r) => r.userId !== SHARD_HOLD);
    l.reserved.push({ userId: SHARD_HOLD, at: now });
    this.loadChanged(l);
  }

  /**
   * The sections ticket minters on shard host `host` may send students to, opening a new
   * section there when every one is past the fill mark (decision 014). `want`: the mints
   * waiting in the asking isolate; it is lent at least that many seats when the class has
   * them (a join storm is served in one round, not one block per round), and a new section
   * opens when the open ones cannot cover it.
   */
  directory(host: string, now: number, want = 1): Directory {
    const view = () =>
      directoryOf(
        [...this.loads.values()].map((l) => {
          // A shard's own hold is not a student: count sockets and unconfirmed seats only.
          const load =
            this.loadOf(l, now) - l.reserved.filter((r) => r.userId === SHARD_HOLD).length;
          const v: { sectionId: string; host?: string; load: number } = {
            sectionId: l.sectionId,
            load,
          };
          if (l.host) v.host = l.host;
          return v;
        }),
        host,
        this.capacity,
      );
    let { dir, needsNew } = view();
    const room = dir.sections.reduce((n, s) => n + s.room, 0);
    if (needsNew || room < want) {
      this.durable.sectionCount++;
      this.dirty = true;
      const l = this.load(`s${this.durable.sectionCount}`);
      if (host) l.host = host;
      this.loadChanged(l);
      ({ dir } = view());
    }
    // Lend each section's seats in blocks (or as many as the isolate's waiting mints need):
    // the asking isolate mints from them, and until their sockets are reported they count
    // here, so other isolates are sent elsewhere.
    const block = Math.max(1, Math.ceil(this.capacity / 16));
    let owed = Math.max(1, want);
    for (const s of dir.sections) {
      s.room = Math.min(s.room, Math.max(block, owed));
      owed = Math.max(0, owed - s.room);
      const l = this.loads.get(s.sectionId);
      if (!l || s.room === 0) continue;
      for (let i = 0; i < s.room; i++) l.reserved.push({ userId: SEAT, at: now });
      this.loadChanged(l);
    }
    return dir;
  }

  /** Push the rules again (the shell learned a banned user's device after the ban). */
  republishRules(now: number): RootEffect[] {
    const fx: RootEffect[] = [];
    this.pushRules(fx, now);
    return fx;
  }

  /** The class admits guests, or no more (guests' tickets are refused at the shards). */
  setGuestAccess(allowed: boolean, now: number): RootEffect[] {
    if (!this.durable.guestsOff === allowed) return [];
    if (allowed) delete this.durable.guestsOff;
    else this.durable.guestsOff = true;
    const fx: RootEffect[] = [];
    this.pushRules(fx, now);
    return fx;
  }

  /**
   * The rules changed: a new version, so shards can tell them from older copies. Always one
   * more: a shard that sees a time-out push skip a version pulls the full rules (shard-core).
   */
  private bumpRules(): number {
    this.durable.rulesVersion = (this.durable.rulesVersion ?? 0) + 1;
    return this.durable.rulesVersion;
  }

  private pruneTimeouts(now: number): void {
    for (const [u, until] of Object.entries(this.durable.timeouts))
      if (until <= now) delete this.durable.timeouts[u];
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
      presence: this.presenceCounts(),
      board: this.board.view(),
      interactive: this.interactive.snapshot(),
    };
    return { type: "snapshot", seq: d.seq, state };
  }

  /** Staff moderation state. */
  modState(now: number): StaffFrame {
    this.pruneTimeouts(now);
    return {
      type: "mod.state",
      blockedWords: this.durable.blockedWords,
      bans: Object.entries(this.durable.bans).map(([userId, b]) => ({ userId, ...b })),
      timeouts: Object.entries(this.durable.timeouts).map(([userId, until]) => ({ userId, until })),
      sections: [...this.loads.values()]
        .filter((l) => l.sectionId !== STAFF_SECTION)
        .map((l) => ({ sectionId: l.sectionId, students: l.sockets })),
    };
  }

  /** The rejection backlog frame. */
  rejectionBacklog(): StaffFrame {
    return { type: "mod.rejections", items: [...this.rejections] };
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

  private emit(
    effects: RootEffect[],
    make: (seq: number, at: number) => ClassEvent,
    now: number,
  ): void {
    this.durable.seq++;
    effects.push({ kind: "event", event: make(this.durable.seq, now) }, { kind: "persist" });
  }

  /**
   * The stream's status changed (from the WHIP façade or the media bridge). `startedAt`
   * (when the bridge's RTMP publish began) refines a live stream without a new session.
   */
  setStreamStatus(
    status: StreamStatus,
    now: number,
    startedAt: number | null = null,
  ): RootEffect[] {
    const known = this.durable.streamStartedAt ?? null;
    // A stream that is reconnecting keeps its start (the students' delay reference).
    const nextStart = status === "live" ? (startedAt ?? known) : onAir(status) ? known : null;
    const fx: RootEffect[] = [];
    if (status === this.durable.stream && nextStart === known) {
      if (onAir(status)) this.publisherAlive(fx, now);
      return fx;
    }
    this.durable.stream = status;
    this.durable.streamStartedAt = nextStart;
    this.emit(
      fx,
      (seq, at) => ({ type: "stream.status", seq, at, status, startedAt: nextStart }),
      now,
    );
    if (onAir(status)) {
      this.publisherAlive(fx, now);
      if (status === "live" && !this.durable.session) this.startSession(fx, now);
    } else {
      this.durable.publisherSeenAt = null;
      if (this.durable.liveUntil != null) {
        this.durable.liveUntil = null;
        fx.push({ kind: "liveUntil", until: null });
      }
    }
    if (status === "ended") {
      this.durable.streamEndedAt = now;
      this.endSession(fx, now);
    }
    return fx;
  }

  /**
   * A sign of life from the publisher (a bridge health report that is not `ended`, or a
   * WHIP publish): keeps a live stream live and renews D1 `live_until` at half its TTL.
   */
  publisherAlive(fx: RootEffect[], now: number): void {
    const d = this.durable;
    const last = d.publisherSeenAt ?? 0;
    d.publisherSeenAt = now;
    // Saved at most every 10 s: a restart then loses at most that much of the silence window.
    if (now - last >= 10_000) fx.push({ kind: "persist" });
    if (onAir(d.stream)) this.renewLive(fx, now);
  }

  private renewLive(fx: RootEffect[], now: number): void {
    const d = this.durable;
    if ((d.liveUntil ?? 0) - now > LIVE_TTL_MS / 2) return;
    d.liveUntil = now + LIVE_TTL_MS;
    fx.push({ kind: "liveUntil", until: d.liveUntil }, { kind: "persist" });
  }

  /**
   * Time-driven state (the shell's alarm): a stream whose publisher went silent ends, an
   * empty class that is not streaming ends its session after SESSION_IDLE_MS.
   */
  tick(now: number): RootEffect[] {
    const fx: RootEffect[] = [];
    const d = this.durable;
    if (onAir(d.stream)) {
      if (now - (d.publisherSeenAt ?? 0) >= PUBLISHER_SILENCE_MS)
        fx.push(...this.setStreamStatus("ended", now));
    }
    const s = d.session;
    if (s && s.emptySince != null && !onAir(d.stream) && now - s.emptySince >= SESSION_IDLE_MS)
      this.endSession(fx, s.emptySince);
    return fx;
  }

  /** When `tick` next has something to do, or null. */
  nextDeadline(): number | null {
    const d = this.durable;
    const at: number[] = [];
    if (onAir(d.stream)) at.push((d.publisherSeenAt ?? 0) + PUBLISHER_SILENCE_MS);
    const s = d.session;
    if (s && s.emptySince != null && !onAir(d.stream)) at.push(s.emptySince + SESSION_IDLE_MS);
    return at.length ? Math.min(...at) : null;
  }

  private startSession(fx: RootEffect[], now: number): SessionInfo {
    const s: SessionInfo = {
      id: this.newId(),
      startedAt: now,
      peak: this.students(),
      emptySince: null,
    };
    this.durable.session = s;
    this.durable.lastSessionId = s.id;
    fx.push(
      { kind: "session", session: { id: s.id, startedAt: now, endedAt: null, peak: s.peak } },
      { kind: "persist" },
    );
    // Whoever is already here attends from the start (their time is credited when they leave).
    this.dropGhosts();
    for (const [userId, c] of this.connected)
      fx.push({
        kind: "attendance",
        delta: {
          sessionId: s.id,
          userId,
          name: c.name,
          firstJoin: now,
          lastLeave: null,
          seconds: 0,
          joins: 1,
          staff: c.staff,
        },
      });
    return s;
  }

  private endSession(fx: RootEffect[], endedAt: number): void {
    const s = this.durable.session;
    if (!s) return;
    // Everyone still connected attended to the end: credit them now, not at a leave that
    // may come much later (or, for a tab left open, never).
    this.dropGhosts();
    for (const [userId, c] of this.connected) this.credit(fx, userId, c, endedAt);
    fx.push(
      { kind: "session", session: { id: s.id, startedAt: s.startedAt, endedAt, peak: s.peak } },
      { kind: "persist" },
    );
    this.durable.session = null;
  }

  /**
   * Credit the open session with `user`'s connected stretch up to `until` (only the part
   * inside the session: time before it was credited when the previous one ended).
   */
  private credit(fx: RootEffect[], userId: string, c: Connected, until: number): void {
    const s = this.durable.session;
    if (!s) return;
    const from = Math.max(c.since, s.startedAt);
    fx.push({
      kind: "attendance",
      delta: {
        sessionId: s.id,
        userId,
        name: c.name,
        firstJoin: Math.min(from, until),
        lastLeave: until,
        seconds: Math.max(0, Math.round((until - from) / 1000)),
        joins: 0,
        staff: c.staff,
      },
    });
  }

  /**
   * Forget users the shard loads no longer hold (their leave was lost and a shard's
   * "0 sockets" report reset it), so a ghost is not credited at every session's end.
   */
  private dropGhosts(): void {
    const open = new Set<string>();
    for (const l of this.loads.values()) for (const id of Object.keys(l.users ?? {})) open.add(id);
    for (const id of this.connected.keys())
      if (!open.has(id)) {
        this.connected.delete(id);
        this.connectedChanges.set(id, null);
      }
  }

  /** Sockets `userId` has open (reported joins minus leaves, every section). */
  private openSockets(userId: string): number {
    let n = 0;
    for (const l of this.loads.values()) n += l.users?.[userId] ?? 0;
    return n;
  }

  /** `userId`'s last socket closed at `at`: credit their stretch and forget them. */
  private disconnected(fx: RootEffect[], user: Author, at: number, joinedAt: number): void {
    if (this.openSockets(user.id) > 0) return;
    // State saved before `connected` existed lacks the user: their socket's own span stands in.
    const c = this.connected.get(user.id) ?? {
      since: joinedAt,
      name: user.name,
      staff: isStaff(user.role),
    };
    this.credit(fx, user.id, c, at);
    this.connected.delete(user.id);
    this.connectedChanges.set(user.id, null);
  }

  /** userId → the sections holding their sockets (from reported joins and leaves). */
  userSections(): Map<string, string[]> {
    const out = new Map<string, string[]>();
    for (const l of this.loads.values())
      for (const userId of Object.keys(l.users ?? {})) {
        const list = out.get(userId);
        if (list) list.push(l.sectionId);
        else out.set(userId, [l.sectionId]);
      }
    return out;
  }

  /** Merge one shard's batch. */
  report(r: ShardReport, now: number): RootEffect[] {
    const fx: RootEffect[] = [];
    const l = this.load(r.sectionId);
    const before = this.students();
    const socketsBefore = l.sockets;
    l.sockets = r.sockets;
    l.users ??= {};
    const users = l.users;

    let session = this.durable.session;
    if (r.joins.length > 0) {
      if (session?.emptySince != null && now - session.emptySince > SESSION_IDLE_MS) {
        this.endSession(fx, session.emptySince);
        session = null;
      }
      // Reloads and stragglers right after the stream ended are not a new class.
      const ended = this.durable.streamEndedAt;
      if (!session && (ended == null || now - ended > SESSION_IDLE_MS))
        session = this.startSession(fx, now);
    }

    for (const j of r.joins) {
      let i = l.reserved.findIndex((x) => x.userId === j.user.id);
      if (i < 0) i = l.reserved.findIndex((x) => x.userId === SEAT);
      if (i >= 0) l.reserved.splice(i, 1);
      // Shards admit on their own (decision 014): who is staff is learned from their joins.
      this.rememberRole(j.user.id, j.user.role);
      if (this.dirty) {
        this.dirty = false;
        fx.push({ kind: "persist" });
      }
      if (!this.connected.has(j.user.id)) {
        const c = { since: j.at, name: j.user.name, staff: isStaff(j.user.role) };
        this.connected.set(j.user.id, c);
        this.connectedChanges.set(j.user.id, c);
      }
      users[j.user.id] = (users[j.user.id] ?? 0) + 1;
      this.loadChanged(l, j.user.id);
      if (session) {
        fx.push({
          kind: "attendance",
          delta: {
            sessionId: session.id,
            userId: j.user.id,
            name: j.user.name,
            firstJoin: Math.max(j.at, session.startedAt),
            lastLeave: null,
            seconds: 0,
            joins: 1,
            staff: isStaff(j.user.role),
          },
        });
      }
    }
    for (const x of r.leaves) {
      const n = (users[x.user.id] ?? 0) - 1;
      if (n > 0) users[x.user.id] = n;
      else delete users[x.user.id];
      this.loadChanged(l, x.user.id);
      this.disconnected(fx, x.user, x.at, x.joinedAt);
    }
    // Self-healing: an empty shard holds nobody, whatever reports were lost.
    if (r.sockets === 0) {
      const gone = Object.keys(users);
      l.users = {};
      for (const userId of gone) {
        this.loadChanged(l, userId);
        const c = this.connected.get(userId);
        if (c) this.disconnected(fx, { id: userId, name: c.name, role: "student" }, now, c.since);
      }
    }
    // A report that only carries votes or chat counts changes no load: nothing to save.
    if (socketsBefore !== r.sockets || r.joins.length > 0 || r.leaves.length > 0) {
      this.loadChanged(l);
      fx.push({ kind: "loads" });
    }

    for (const j of r.joins) {
      if (this.durable.bans[j.user.id]) {
        // Banned between admission and connect: the shard learns it here.
        fx.push({
          kind: "control",
          sectionId: r.sectionId,
          control: { kind: "kick", userId: j.user.id, code: CloseCode.banned, reason: "banned" },
        });
      }
    }
    fx.push(...this.overSocketCap(r));
    const students = this.students();
    if (session) {
      const total = students + (this.loads.get(STAFF_SECTION)?.sockets ?? 0);
      const emptySince = total === 0 ? (session.emptySince ?? now) : null;
      if (students > session.peak || emptySince !== session.emptySince) {
        session.peak = Math.max(session.peak, students);
        session.emptySince = emptySince;
        fx.push({ kind: "persist" });
      }
      const minute = Math.floor(now / 60_000) * 60_000;
      const m = this.minuteMark;
      if (m.sessionId !== session.id || m.minute !== minute || students > m.concurrency) {
        this.minuteMark = { sessionId: session.id, minute, concurrency: students };
        fx.push({ kind: "minute", sessionId: session.id, minute, concurrency: students });
      }
    }
    if (students !== before) fx.push({ kind: "staff", frame: this.modState(now) });

    for (const c of r.commands) fx.push(...this.command(c, now));
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
      fx.push(...this.interactive.left(leavers, (id) => this.socketsOf(id, now) === 0, now));
    }
    if (r.rejections.length > 0) {
      this.rejections.push(...r.rejections);
      if (this.rejections.length > REJECTION_HISTORY)
        this.rejections.splice(0, this.rejections.length - REJECTION_HISTORY);
      fx.push({ kind: "staff", frame: { type: "mod.rejections", items: r.rejections } });
    }
    for (const rej of r.rejections) this.modQueue.held(rej, now);
    if (r.social) {
      this.reactions.add(r.social.reactions);
      for (const f of r.social.flags) this.modQueue.report(f, now, (id) => this.globalMessage(id));
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

  /** A global-channel message's author and text (reports of global messages), or null. */
  private globalMessage(id: string): { author: Author; text: string } | null {
    const m = this.durable.global.find((x) => x.id === id);
    return m ? { author: m.from, text: m.text } : null;
  }

  /** When `socialTick` next has a reaction burst or a queue update to send, or null. */
  socialDue(): number | null {
    const at: number[] = [];
    const burst = this.reactions.nextDue(this.students());
    if (burst !== null) at.push(burst);
    if (this.modQueue.dirty) at.push(this.queueSentAt + REACTION_BURST_MS);
    return at.length ? Math.min(...at) : null;
  }

  /** Reaction bursts and the moderation queue, at their bounded rates (the shell's timer). */
  socialTick(now: number): RootEffect[] {
    const fx: RootEffect[] = [];
    const b = this.reactions.tick(now, this.students());
    if (b.all) fx.push({ kind: "broadcast", frame: b.all });
    if (b.staff) fx.push({ kind: "staff", frame: b.staff });
    if (this.modQueue.dirty && now - this.queueSentAt >= REACTION_BURST_MS) {
      this.queueSentAt = now;
      fx.push({ kind: "staff", frame: this.modQueue.view() });
    }
    return fx;
  }

  /** Staff act on a moderation queue item: the matching delete / time-out / ban, audited. */
  private resolve(
    by: Author,
    m: Extract<StaffCommand["message"], { type: "mod.resolve" }>,
    now: number,
  ): RootEffect[] {
    const item = this.modQueue.get(m.itemId);
    if (!item)
      return [
        {
          kind: "control",
          sectionId: STAFF_SECTION,
          control: {
            kind: "notify",
            userId: by.id,
            frame: {
              type: "error",
              code: "not_found",
              message: "That item was already handled.",
              ref: "mod.resolve",
            },
          },
        },
      ];
    const fx: RootEffect[] = [];
    const act = (message: StaffCommand["message"]) =>
      fx.push(...this.command({ by, message }, now));
    const userId = item.author.id;
    if (m.action !== "dismiss" && item.messageId)
      act({ type: "chat.delete", messageId: item.messageId });
    if (m.action === "timeout")
      act({ type: "mod.timeout", userId, seconds: m.seconds ?? RESOLVE_TIMEOUT_S });
    if (m.action === "ban") act({ type: "mod.ban", userId });
    this.modQueue.remove(item.id);
    fx.push({
      kind: "audit",
      at: now,
      actorId: by.id,
      action: "mod.resolve",
      target: userId,
      detail: JSON.stringify({
        action: m.action,
        kind: item.kind,
        messageId: item.messageId ?? null,
      }),
    });
    this.queueSentAt = now;
    fx.push({ kind: "staff", frame: this.modQueue.view() });
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
    const changed = [...next].filter((s) => !this.watching.has(s) && this.loads.has(s));
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

  /** Staff (teacher, moderators) cannot be banned or timed out: answer the sender with `error forbidden`. */
  private refuseStaffTarget(
    fx: RootEffect[],
    by: Author,
    ref: "mod.ban" | "mod.timeout",
    target: string,
  ): boolean {
    if (!this.isStaffUser(target)) return false;
    fx.push({
      kind: "control",
      sectionId: STAFF_SECTION,
      control: {
        kind: "notify",
        userId: by.id,
        frame: {
          type: "error",
          code: "forbidden",
          message: "The teacher and moderators cannot be banned or timed out.",
          ref,
        },
      },
    });
    return true;
  }

  /**
   * Remove every message of `userId`: from the global channel and the pin here, from each
   * section's history in its shard, and from every client's view (`chat.purged`).
   */
  private purge(fx: RootEffect[], userId: string, now: number): void {
    const d = this.durable;
    d.global = d.global.filter((x) => x.from.id !== userId);
    if (d.pinned?.from.id === userId) d.pinned = null;
    // Also sections nobody is in now: a later snapshot must not bring them back.
    this.toEverySection(fx, { kind: "purge", userId });
    this.emit(fx, (seq, at) => ({ type: "chat.purged", seq, at, userId }), now);
  }

  /**
   * Send `control` to every student section the class ever opened, not only those the last
   * reports call occupied: a section's socket count can lag its sockets (a report still on
   * its way), and a time-out that skips the section a student is in is not enforced.
   */
  private toEverySection(fx: RootEffect[], control: ShardControl): void {
    for (const sectionId of this.loads.keys())
      if (sectionId !== STAFF_SECTION) fx.push({ kind: "control", sectionId, control });
  }

  /**
   * Close every socket of `userId` in this class (access revoked) and drop their pending
   * admissions. `tokenVersion`: the account's version after a demotion or disabling — the
   * shards then refuse tickets and close sockets of any older version, whatever the clocks.
   */
  kickUser(
    userId: string,
    code: number,
    reason: string,
    now: number,
    tokenVersion?: number,
  ): RootEffect[] {
    // Targets first: a socket whose join is not reported yet lives only in a reservation.
    const fx: RootEffect[] = this.activeSections(now).map((sectionId) => ({
      kind: "control",
      sectionId,
      control: { kind: "kick", userId, code, reason },
    }));
    this.dropReservations(userId);
    fx.push({ kind: "loads" });
    // Tickets minted before now (≤ 60 s old, with the old role) are refused at the shards.
    this.durable.revoked ??= {};
    this.durable.revokedTv ??= {};
    const tv = this.durable.revokedTv;
    for (const [u, at] of Object.entries(this.durable.revoked))
      if (now - at >= REVOKED_KEEP_MS) {
        delete this.durable.revoked[u];
        delete tv[u];
      }
    this.durable.revoked[userId] = now;
    if (tokenVersion !== undefined) tv[userId] = Math.max(tv[userId] ?? 0, tokenVersion);
    this.pushRules(fx, now);
    return fx;
  }

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
    if (out.error && by) {
      fx.push({
        kind: "control",
        sectionId: STAFF_SECTION,
        control: { kind: "notify", userId: by.id, frame: { type: "error", ...out.error, ref } },
      });
    }
    for (const op of out.store) fx.push({ kind: "board", op });
    for (const body of out.events)
      this.emit(fx, (seq, at) => ({ ...body, seq, at }) as ClassEvent, now);
  }

  /** Apply a staff command forwarded by the staff shard (roles re-checked here too). */
  command(c: StaffCommand, now: number): RootEffect[] {
    const { by, message: m } = c;
    if (!isStaff(by.role)) return [];
    const fx: RootEffect[] = [];
    const audit = (action: string, target: string | null, detail: unknown = null) =>
      fx.push({
        kind: "audit",
        at: now,
        actorId: by.id,
        action,
        target,
        detail: detail === null ? null : JSON.stringify(detail),
      });
    const d = this.durable;
    switch (m.type) {
      case "chat.send": {
        this.emit(
          fx,
          (seq, at) => {
            const message: ChatMessage = {
              id: `g${seq}`,
              channel: "global",
              from: by,
              text: m.text,
              at,
            };
            if (m.rid !== undefined) message.rid = m.rid;
            d.global.push(message);
            if (d.global.length > GLOBAL_HISTORY) d.global.shift();
            return { type: "chat.message", seq, at, message };
          },
          now,
        );
        break;
      }
      case "announce.send": {
        this.emit(
          fx,
          (seq, at) => {
            const announcement: Announcement = { id: `a${seq}`, from: by, text: m.text, at };
            d.announcements.push(announcement);
            if (d.announcements.length > ANNOUNCE_HISTORY) d.announcements.shift();
            return { type: "announce", seq, at, announcement };
          },
          now,
        );
        audit("announce", null, { text: m.text.slice(0, 200) });
        break;
      }
      case "chat.delete": {
        const id = m.messageId;
        if (/^g\d+$/.test(id)) {
          d.global = d.global.filter((x) => x.id !== id);
          if (d.pinned?.id === id) d.pinned = null;
          this.emit(fx, (seq, at) => ({ type: "chat.deleted", seq, at, messageId: id }), now);
          this.modQueue.removeMessage(id);
        } else {
          const section = sectionOf(id);
          if (!section || !this.loads.has(section)) break;
          fx.push({
            kind: "control",
            sectionId: section,
            control: { kind: "delete", messageId: id },
          });
          this.modQueue.removeMessage(id);
        }
        audit("chat.delete", id);
        break;
      }
      case "chat.pin": {
        const msg =
          m.messageId === null ? null : (d.global.find((x) => x.id === m.messageId) ?? null);
        if (m.messageId !== null && !msg) break;
        d.pinned = msg;
        this.emit(fx, (seq, at) => ({ type: "chat.pinned", seq, at, message: msg }), now);
        audit("chat.pin", m.messageId);
        break;
      }
      case "mod.timeout": {
        if (this.refuseStaffTarget(fx, by, m.type, m.userId)) break;
        const until = now + m.seconds * 1000;
        d.timeouts[m.userId] = until;
        const control: ShardControl = {
          kind: "timeout",
          userId: m.userId,
          until,
          version: this.bumpRules(),
        };
        if (m.reason) control.reason = m.reason;
        this.toEverySection(fx, control);
        fx.push({ kind: "persist" }, { kind: "staff", frame: this.modState(now) });
        audit("mod.timeout", m.userId, { seconds: m.seconds, reason: m.reason ?? null });
        break;
      }
      case "mod.ban": {
        if (this.refuseStaffTarget(fx, by, m.type, m.userId)) break;
        // Keep the name while the person is here: guests have no account to look it up
        // in later, and the ban list should not show a bare `g_…` id.
        const bannedName = this.connected.get(m.userId)?.name;
        d.bans[m.userId] = bannedName ? { name: bannedName, at: now } : { at: now };
        this.dropReservations(m.userId);
        this.modQueue.removeAuthor(m.userId);
        fx.push(
          {
            kind: "control",
            sectionId: ALL,
            control: { kind: "kick", userId: m.userId, code: CloseCode.banned, reason: "banned" },
          },
          { kind: "persist" },
          { kind: "staff", frame: this.modState(now) },
        );
        this.pushRules(fx, now);
        if (m.purge) this.purge(fx, m.userId, now);
        audit(
          "mod.ban",
          m.userId,
          m.purge ? { reason: m.reason ?? null, purge: true } : { reason: m.reason ?? null },
        );
        break;
      }
      case "mod.unban": {
        if (!d.bans[m.userId]) break;
        delete d.bans[m.userId];
        fx.push({ kind: "persist" }, { kind: "staff", frame: this.modState(now) });
        this.pushRules(fx, now);
        audit("mod.unban", m.userId);
        break;
      }
      case "settings.update": {
        if (by.role !== "teacher") break;
        const next: PublicSettings = {
          slowModeSec: m.slowModeSec ?? d.settings.slowModeSec,
          linkPolicy: m.linkPolicy ?? d.settings.linkPolicy,
        };
        if (
          next.slowModeSec !== d.settings.slowModeSec ||
          next.linkPolicy !== d.settings.linkPolicy
        ) {
          d.settings = next;
          this.emit(fx, (seq, at) => ({ type: "settings.changed", seq, at, settings: next }), now);
        }
        if (m.blockedWords)
          d.blockedWords = [...new Set(m.blockedWords.map((w) => w.toLowerCase()))];
        this.bumpRules();
        fx.push(
          { kind: "control", sectionId: ALL, control: { kind: "rules", rules: this.rules(now) } },
          { kind: "persist" },
          { kind: "staff", frame: this.modState(now) },
        );
        audit("settings.update", null, {
          slowModeSec: m.slowModeSec,
          linkPolicy: m.linkPolicy,
          blockedWords: m.blockedWords?.length,
        });
        break;
      }
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
      case "mod.resolve":
        fx.push(...this.resolve(by, m, now));
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

/** Whether a stream is on air: live, or held by the bridge (slate, restart) for its teacher. */
export function onAir(status: StreamStatus): boolean {
  return status === "live" || status === "reconnecting" || status === "interrupted";
}

/**
 * What a media bridge health report means for the stream's status, or null for no
 * change. Only the WHIP façade makes a stream live; the bridge then moves it between
 * live, reconnecting (the slate is on air: the teacher's media stopped without a Stop)
 * and interrupted (the bridge is reconnecting to the ingest), or ends it.
 */
export function streamStatusFromHealth(
  current: StreamStatus,
  health: { state: string; fillerActive: boolean },
): StreamStatus | null {
  if (health.state === "ended") return current === "idle" ? null : "ended";
  if (current === "idle" || current === "ended") return null;
  if (health.fillerActive || health.state === "filler") return "reconnecting";
  if (health.state === "restarting") return "interrupted";
  if (health.state === "live") return "live";
  return null;
}
