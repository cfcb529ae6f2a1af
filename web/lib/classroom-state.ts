/**
 * The classroom's client-side state as a pure reducer: every server frame and
 * every connection change goes through `reduce`, so ordering, resume, snapshots,
 * deletes, pins and presence are unit-tested without a socket
 * (classroom-state.test.ts). The socket client (classroom-socket.ts) owns I/O and
 * timers and only feeds actions in. About 600 lines because it is one reducer over every
 * server frame: ordering, resume and the outbox rules cut across frame types, and keeping
 * them in one place is what makes them checkable.
 *
 * Types only from protocol/: its runtime code would pull valibot into the student bundle.
 */
import type { BoardView } from "../../protocol/board.ts";
import { isClassEvent } from "../../protocol/realtime.constants.ts";
import type {
  Announcement,
  Author,
  ChatMessage,
  ClassEvent,
  ErrorCode,
  ModQueueItem,
  PublicSettings,
  ReactionCounts,
  Rejection,
  RejectReason,
  ServerMessage,
  StaffFrame,
  StreamHealth,
  StreamStatus,
} from "../../protocol/realtime.ts";
import { applyBoardEvent, boardFromSnapshot } from "./board-state.ts";
import {
  applyInteractiveEvent,
  applyInteractiveFrame,
  type InteractiveState,
  initialInteractiveState,
  interactiveFromSnapshot,
} from "./interactive-state.ts";

/**
 * What the connection indicator shows. `connected` only after the server's
 * `welcome` on an open socket; `offline` when the browser is offline or the
 * client stopped for good (see `ClassroomState.ended`).
 */
export type ConnState = "connecting" | "connected" | "reconnecting" | "offline";

/** Why the client stopped reconnecting for good. */
export type EndReason =
  /** Closed with 4003: banned from this class. */
  | "banned"
  /** Closed with 4010 or `unsupported_version`: this page is outdated, reload. */
  | "version"
  /** The ticket endpoint refused us (signed out, account disabled, guests not allowed…). */
  | "auth"
  /** The class no longer exists. */
  | "not_found"
  /** `stop()` was called, or the server closed normally (1000). */
  | "closed";

/** One section's chat as a client sees it (a student's own section, or the one staff watch). */
export interface SectionView {
  sectionId: string;
  /** Highest `sseq` applied. */
  sseq: number;
  messages: ChatMessage[];
}

/**
 * The last refusal of one of our chat messages: a `chat.rejected` reason, or `not_sent`
 * when the message got an `error` or no answer at all (it never silently vanishes).
 */
export interface ChatRejection {
  reason: RejectReason | "not_sent";
  message: string;
  /** Local time it arrived. */
  at: number;
  /** Local time the refusal stops applying, when the server said (`retryAfterMs`). */
  until?: number;
  /** The refused text, when we still knew it. */
  text?: string;
}

/** Moderation state (staff only), from `mod.state`. */
export type ModState = Omit<Extract<StaffFrame, { type: "mod.state" }>, "type">;

/** Everything the UI renders. */
export interface ClassroomState {
  conn: ConnState;
  /** Set when the client gave up for good; the UI explains it. */
  ended: EndReason | null;
  /** Who we are in this class (from `welcome`). */
  you: Author | null;
  /** Our section (shard); staff are in "staff". */
  sectionId: string | null;
  /** Server clock minus local clock, ms (from `welcome`): converts server times to local. */
  clockOffset: number;
  /** Highest class `seq` applied; null until the first `snapshot`. */
  lastSeq: number | null;
  /** A `seq` gap was seen: events are held back until a `hello` resync fills it. */
  gap: boolean;
  stream: StreamStatus;
  /** Server time the current live stream started, when known (for the video delay estimate). */
  streamStartedAt: number | null;
  /** Staff only: the media bridge's latest report. */
  streamHealth: StreamHealth | null;
  settings: PublicSettings;
  pinned: ChatMessage | null;
  /** Global channel, oldest first. */
  global: ChatMessage[];
  /** Announcements, oldest first. */
  announcements: Announcement[];
  presence: { students: number; sections: number };
  /** Students: their section. Staff: the section they watch (null = none). */
  section: SectionView | null;
  /** Our chat messages sent but not yet echoed or refused, by `rid`. */
  outbox: Record<string, string>;
  lastRejection: ChatRejection | null;
  /** Local time our last section message was accepted (slow mode counts from it). */
  lastPostAt: number | null;
  /** Local time a timeout ends (null = not timed out). */
  timeoutUntil: number | null;
  timeoutReason: string | null;
  /** Last `error` frame. */
  lastError: { code: ErrorCode; message: string; ref?: string; at: number } | null;
  /** Staff only. */
  mod: ModState | null;
  /** Staff only: refused messages, oldest first (capped). */
  rejections: Rejection[];
  /** Whether the next `mod.rejections` is the connect backlog (replaces, not appends). */
  rejectionsBacklog: boolean;
  /** Names of people seen in messages and rejections, for staff lists that carry only ids. */
  names: Record<string, string>;
  /** The slide on screen and its whiteboard strokes (board-state.ts); null until known. */
  board: BoardView | null;
  /** Polls, quizzes, hands and Q&A (interactive-state.ts). */
  interactive: InteractiveState;
  /** The last reaction burst (`seq` counts bursts, so the UI animates each once); null before any. */
  reactions: { counts: ReactionCounts; totals: ReactionCounts; seq: number } | null;
  /** Staff only: the class-wide moderation queue (`mod.queue`). */
  modQueue: { items: ModQueueItem[]; pending: number; overflow: number } | null;
  /** Staff only: the last section peek (`mod.peeked`). */
  peek: { sectionId: string; messages: ChatMessage[]; at: number } | null;
  /** Message ids we reported (`chat.reported`). */
  reported: Record<string, true>;
}

/** Inputs of the reducer. `now` is the local clock, passed in so tests control time. */
export type ClassroomAction =
  | { type: "conn"; conn: ConnState }
  | { type: "ended"; reason: EndReason }
  /**
   * A server frame. With `hold`, a class event only advances `lastSeq` (gap and
   * duplicate checks as usual); its effect comes later with `release` (video alignment).
   */
  | { type: "frame"; frame: ServerMessage; now: number; hold?: boolean }
  /** A held class event's time has come (video-delay.ts): apply its effect, no seq checks. */
  | { type: "release"; event: ClassEvent; now: number }
  | { type: "sent"; rid: string; text: string }
  /** No echo, refusal or error answered chat message `rid` in time (CHAT_ANSWER_MS). */
  | { type: "unanswered"; rid: string; now: number }
  /** Staff chose a section to watch (null = stop). */
  | { type: "watch"; sectionId: string | null };

/** Messages kept per channel in view. */
export const VIEW_HISTORY = 200;
/** Rejections kept for the staff feed. */
export const REJECTIONS_KEPT = 200;

/** The state before the first connection. */
export function initialClassroomState(): ClassroomState {
  return {
    conn: "connecting",
    ended: null,
    you: null,
    sectionId: null,
    clockOffset: 0,
    lastSeq: null,
    gap: false,
    stream: "idle",
    streamStartedAt: null,
    streamHealth: null,
    settings: { slowModeSec: 0, linkPolicy: "allow" },
    pinned: null,
    global: [],
    announcements: [],
    presence: { students: 0, sections: 0 },
    section: null,
    outbox: {},
    lastRejection: null,
    lastPostAt: null,
    timeoutUntil: null,
    timeoutReason: null,
    lastError: null,
    mod: null,
    rejections: [],
    rejectionsBacklog: false,
    names: {},
    board: null,
    interactive: initialInteractiveState(),
    reactions: null,
    modQueue: null,
    peek: null,
    reported: {},
  };
}

function capped<T>(list: T[], max: number): T[] {
  return list.length > max ? list.slice(list.length - max) : list;
}

function withoutRid(outbox: Record<string, string>, rid: string | undefined) {
  if (rid === undefined || !(rid in outbox)) return outbox;
  const next = { ...outbox };
  delete next[rid];
  return next;
}

function rememberNames(names: Record<string, string>, people: Author[]): Record<string, string> {
  let next = names;
  for (const p of people) {
    if (next[p.id] === p.name) continue;
    if (next === names) next = { ...names };
    next[p.id] = p.name;
  }
  return next;
}

/** Whether `msg` is one we sent (our id, and the rid we used if any). */
function isOurs(s: ClassroomState, msg: ChatMessage): boolean {
  return s.you !== null && msg.from.id === s.you.id;
}

/** A message accepted from us: drop it from the outbox; a section post starts slow mode. */
function acknowledge(s: ClassroomState, msg: ChatMessage, now: number): ClassroomState {
  if (!isOurs(s, msg)) return s;
  return {
    ...s,
    outbox: withoutRid(s.outbox, msg.rid),
    lastPostAt: msg.channel === "section" ? now : s.lastPostAt,
  };
}

/**
 * Sequence one class event: drop duplicates, flag gaps, advance `lastSeq`, then apply
 * its effect — unless it is held for the video (`hold`), when `release` applies it later.
 */
function applyEvent(s: ClassroomState, ev: ClassEvent, now: number, hold = false): ClassroomState {
  // Before the first snapshot there is nothing to apply events to; the snapshot follows.
  if (s.lastSeq === null) return s;
  if (ev.seq <= s.lastSeq) return s; // duplicate around a reconnect: by design
  if (ev.seq > s.lastSeq + 1) return s.gap ? s : { ...s, gap: true };
  const next: ClassroomState = { ...s, lastSeq: ev.seq, gap: false };
  return hold ? next : applyEffect(next, ev, now);
}

/** What one class event changes (already sequenced). Exhaustive over `ClassEvent`. */
function applyEffect(s: ClassroomState, ev: ClassEvent, now: number): ClassroomState {
  let next: ClassroomState = { ...s };
  switch (ev.type) {
    case "chat.message":
      if (next.global.some((m) => m.id === ev.message.id)) break;
      next.global = capped([...next.global, ev.message], VIEW_HISTORY);
      next.names = rememberNames(next.names, [ev.message.from]);
      next = acknowledge(next, ev.message, now);
      break;
    case "chat.deleted":
      next.global = next.global.filter((m) => m.id !== ev.messageId);
      if (next.pinned?.id === ev.messageId) next.pinned = null;
      break;
    case "chat.purged": {
      const keep = (m: ChatMessage) => m.from.id !== ev.userId;
      next.global = next.global.filter(keep);
      if (next.pinned && !keep(next.pinned)) next.pinned = null;
      if (next.section)
        next.section = { ...next.section, messages: next.section.messages.filter(keep) };
      break;
    }
    case "chat.pinned":
      next.pinned = ev.message;
      break;
    case "announce":
      if (next.announcements.some((a) => a.id === ev.announcement.id)) break;
      next.announcements = capped([...next.announcements, ev.announcement], 50);
      break;
    case "settings.changed":
      next.settings = ev.settings;
      break;
    case "stream.status":
      next.stream = ev.status;
      next.streamStartedAt = ev.startedAt ?? null;
      break;
    case "slide.changed":
    case "board.stroke":
    case "board.undone":
    case "board.cleared":
      next.board = applyBoardEvent(next.board, ev);
      break;
    case "poll.opened":
    case "poll.closed":
    case "poll.revealed":
    case "quiz.leaderboard":
    case "qa.top":
    case "qa.settings":
    case "hand.count":
      next.interactive = applyInteractiveEvent(next.interactive, ev, isStaffState(next));
      break;
    default:
      ev satisfies never;
  }
  return next;
}

/** Apply a section frame to the view it belongs to (others are ignored). */
function applySection(
  s: ClassroomState,
  f: Extract<ServerMessage, { type: `section.${string}` }>,
  now: number,
): ClassroomState {
  const view = s.section;
  if (!view || view.sectionId !== f.sectionId) return s;
  switch (f.type) {
    case "section.snapshot":
      return {
        ...s,
        // Ours may be in it: accepted while we reconnected, the echo lost with the old socket.
        outbox: f.messages.reduce((o, m) => (isOurs(s, m) ? withoutRid(o, m.rid) : o), s.outbox),
        section: {
          sectionId: f.sectionId,
          sseq: f.sseq,
          messages: capped(f.messages, VIEW_HISTORY),
        },
        names: rememberNames(
          s.names,
          f.messages.map((m) => m.from),
        ),
      };
    case "section.message": {
      // Older than what we have (a relay racing a snapshot): already in view or deleted.
      if (f.sseq <= view.sseq || view.messages.some((m) => m.id === f.message.id)) return s;
      const next: ClassroomState = {
        ...s,
        section: {
          ...view,
          sseq: f.sseq,
          messages: capped([...view.messages, f.message], VIEW_HISTORY),
        },
        names: rememberNames(s.names, [f.message.from]),
      };
      return acknowledge(next, f.message, now);
    }
    case "section.deleted":
      return {
        ...s,
        section: {
          ...view,
          sseq: Math.max(view.sseq, f.sseq),
          messages: view.messages.filter((m) => m.id !== f.messageId),
        },
      };
    default:
      return f satisfies never;
  }
}

function applyFrame(
  s: ClassroomState,
  f: ServerMessage,
  now: number,
  hold: boolean,
): ClassroomState {
  switch (f.type) {
    case "welcome": {
      const staff = f.you.role === "teacher" || f.you.role === "moderator";
      // Students see their own section; after a reconnect to another section, start it afresh.
      const section: SectionView | null = staff
        ? s.section && { ...s.section, sseq: 0 }
        : s.section?.sectionId === f.sectionId
          ? { ...s.section, sseq: 0 }
          : { sectionId: f.sectionId, sseq: 0, messages: [] };
      return {
        ...s,
        conn: "connected",
        ended: null,
        you: f.you,
        sectionId: f.sectionId,
        clockOffset: f.serverTime - now,
        gap: false,
        section,
        rejectionsBacklog: staff,
      };
    }
    case "snapshot": {
      const st = f.state;
      return {
        ...s,
        lastSeq: f.seq,
        gap: false,
        stream: st.stream,
        streamStartedAt: st.streamStartedAt ?? null,
        settings: st.settings,
        pinned: st.pinned,
        global: st.global,
        announcements: st.announcements,
        presence: st.presence,
        board: boardFromSnapshot(st.board),
        interactive: interactiveFromSnapshot(s.interactive, st.interactive, isStaffState(s)),
        names: rememberNames(
          s.names,
          st.global.map((m) => m.from),
        ),
      };
    }
    case "chat.message":
    case "chat.deleted":
    case "chat.purged":
    case "chat.pinned":
    case "announce":
    case "settings.changed":
    case "stream.status":
    case "slide.changed":
    case "board.stroke":
    case "board.undone":
    case "board.cleared":
    case "poll.opened":
    case "poll.closed":
    case "poll.revealed":
    case "quiz.leaderboard":
    case "qa.top":
    case "qa.settings":
    case "hand.count":
      return applyEvent(s, f, now, hold);
    case "section.snapshot":
    case "section.message":
    case "section.deleted":
      return applySection(s, f, now);
    case "presence": {
      const next = { ...s, presence: { students: f.students, sections: f.sections } };
      // The class is ahead of us and no event followed (the last one was lost): resync.
      if (s.lastSeq !== null && f.seq > s.lastSeq) next.gap = true;
      return next;
    }
    case "chat.rejected": {
      const rejection: ChatRejection = { reason: f.reason, message: f.message, at: now };
      if (f.retryAfterMs !== undefined) rejection.until = now + f.retryAfterMs;
      const text = f.rid === undefined ? undefined : s.outbox[f.rid];
      if (text !== undefined) rejection.text = text;
      const next: ClassroomState = {
        ...s,
        lastRejection: rejection,
        outbox: withoutRid(s.outbox, f.rid),
      };
      if (f.reason === "timed_out" && rejection.until !== undefined) {
        next.timeoutUntil = Math.max(s.timeoutUntil ?? 0, rejection.until);
      }
      return next;
    }
    case "sanction.applied":
      return {
        ...s,
        timeoutUntil: f.until - s.clockOffset,
        timeoutReason: f.reason ?? null,
      };
    case "error": {
      const next: ClassroomState = {
        ...s,
        lastError: {
          code: f.code,
          message: f.message,
          at: now,
          ...(f.ref === undefined ? {} : { ref: f.ref }),
        },
      };
      // An error answering one of our chat messages is that message's refusal.
      const rid =
        f.rid !== undefined && f.rid in s.outbox
          ? f.rid
          : f.ref === "chat.send"
            ? Object.keys(s.outbox)[0]
            : undefined;
      if (rid === undefined) return next;
      return {
        ...next,
        outbox: withoutRid(s.outbox, rid),
        lastRejection: {
          reason: f.code === "rate_limited" ? "rate_limited" : "not_sent",
          message: f.message,
          at: now,
          text: s.outbox[rid] ?? "",
        },
      };
    }
    case "mod.state": {
      const { type: _, ...mod } = f;
      return { ...s, mod };
    }
    case "mod.rejections": {
      const rejections = s.rejectionsBacklog ? f.items : [...s.rejections, ...f.items];
      return {
        ...s,
        rejections: capped(rejections, REJECTIONS_KEPT),
        rejectionsBacklog: false,
        names: rememberNames(
          s.names,
          f.items.map((r) => r.user),
        ),
      };
    }
    case "stream.health":
      return { ...s, streamHealth: f.health };
    case "reaction.burst":
      return {
        ...s,
        reactions: { counts: f.counts, totals: f.totals, seq: (s.reactions?.seq ?? 0) + 1 },
      };
    case "mod.queue":
      return {
        ...s,
        modQueue: { items: f.items, pending: f.pending, overflow: f.overflow },
        names: rememberNames(
          s.names,
          f.items.map((i) => i.author),
        ),
      };
    case "mod.peeked":
      return { ...s, peek: { sectionId: f.sectionId, messages: f.messages, at: now } };
    case "chat.reported":
      return { ...s, reported: { ...s.reported, [f.messageId]: true } };
    // Interactive staff and personal frames (protocol/interactive.ts).
    case "poll.list":
    case "poll.tally":
    case "hand.queue":
    case "qa.pending":
    case "poll.created":
    case "poll.answered":
    case "quiz.result":
    case "hand.position":
    case "qa.asked":
    case "qa.voted":
    case "qa.mine":
    case "interactive.me":
      return { ...s, interactive: applyInteractiveFrame(s.interactive, f) };
    default: {
      f satisfies never;
      // A type this client does not know (a newer server): ignore it, but count its seq.
      const unknown = f as ServerMessage;
      return isClassEvent(unknown) ? applyEvent(s, unknown, now, hold) : s;
    }
  }
}

/** The classroom reducer. Pure: same state and action, same result. */
export function reduce(s: ClassroomState, a: ClassroomAction): ClassroomState {
  switch (a.type) {
    case "conn":
      // Only a successful `welcome` says "connected"; an open socket alone does not.
      if (s.ended && a.conn !== "offline") return s;
      return s.conn === a.conn ? s : { ...s, conn: a.conn };
    case "ended":
      return { ...s, conn: "offline", ended: a.reason };
    case "frame":
      return applyFrame(s, a.frame, a.now, a.hold ?? false);
    case "release":
      return applyEffect(s, a.event, a.now);
    case "sent":
      return { ...s, outbox: { ...s.outbox, [a.rid]: a.text }, lastRejection: null };
    case "unanswered": {
      const text = s.outbox[a.rid];
      if (text === undefined) return s;
      return {
        ...s,
        outbox: withoutRid(s.outbox, a.rid),
        lastRejection: {
          reason: "not_sent",
          message: "The class did not answer.",
          at: a.now,
          text,
        },
      };
    }
    case "watch":
      return {
        ...s,
        section: a.sectionId === null ? null : { sectionId: a.sectionId, sseq: 0, messages: [] },
      };
    default:
      return a satisfies never;
  }
}

// ---------------------------------------------------------------------------
// Derived values the UI shows
// ---------------------------------------------------------------------------

/** Whether we are staff (teacher or moderator) in this class. */
export function isStaffState(s: ClassroomState): boolean {
  return s.you?.role === "teacher" || s.you?.role === "moderator";
}

/**
 * Local time until which our next chat message would surely be refused
 * (slow mode after our last post, or a rate-limit/slow-mode `retryAfterMs`), or 0.
 */
export function cooldownUntil(s: ClassroomState): number {
  let until = 0;
  if (!isStaffState(s) && s.settings.slowModeSec > 0 && s.lastPostAt !== null)
    until = s.lastPostAt + s.settings.slowModeSec * 1000;
  const r = s.lastRejection;
  if (r?.until !== undefined && (r.reason === "slow_mode" || r.reason === "rate_limited"))
    until = Math.max(until, r.until);
  return until;
}

/** Whether we are timed out at local time `now`. */
export function isTimedOut(s: ClassroomState, now: number): boolean {
  return s.timeoutUntil !== null && s.timeoutUntil > now;
}
