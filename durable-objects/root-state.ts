/**
 * What the parts of the Classroom root share: its durable state, the effects its cores
 * return to the shell (classroom.ts), and the small helpers every part uses to produce
 * them. No runtime imports; RootCore (classroom-core.ts) composes the parts.
 */
import type {
  Announcement,
  Author,
  ChatMessage,
  ClassEvent,
  ClassRole,
  ErrorCode,
  PublicSettings,
  ServerMessage,
  StreamStatus,
} from "../protocol/realtime.ts";
import type { BoardStore } from "./board-core.ts";
import type { InteractiveOp } from "./interactive-core.ts";
import type { ShardControl, TallyControl } from "./rpc.ts";
import { STAFF_SECTION } from "./rpc.ts";

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

/** A user with at least one open socket in this class: the start of their connected stretch. */
export interface Connected {
  since: number;
  name: string;
  staff: boolean;
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

/** All shards. */
export const ALL = "*";

/** Append a sequenced class event made by `make` (RootCore's emit: the one seq counter). */
export type Emit = (
  fx: RootEffect[],
  make: (seq: number, at: number) => ClassEvent,
  now: number,
) => void;

/** An audit record of `by`'s `action` (D1 audit_log). */
export function audit(
  fx: RootEffect[],
  by: Author,
  now: number,
  action: string,
  target: string | null,
  detail: unknown = null,
): void {
  fx.push({
    kind: "audit",
    at: now,
    actorId: by.id,
    action,
    target,
    detail: detail === null ? null : JSON.stringify(detail),
  });
}

/** Answer `userId` on the staff shard with an error frame about their `ref` command. */
export function notifyStaff(
  fx: RootEffect[],
  userId: string,
  error: { code: ErrorCode; message: string },
  ref: string,
): void {
  fx.push({
    kind: "control",
    sectionId: STAFF_SECTION,
    control: { kind: "notify", userId, frame: { type: "error", ...error, ref } },
  });
}
