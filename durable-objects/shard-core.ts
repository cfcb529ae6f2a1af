/**
 * Pure core of a ClassroomShard (one section of a class): decides what each
 * inbound frame and each root instruction does. No runtime imports; the shell
 * (classroom-shard.ts and its shard-*.ts parts) owns sockets, storage, timers and RPC.
 */
import {
  type Author,
  type ChatMessage,
  type ClientMessage,
  isStaff,
  maySend,
  PROTOCOL_VERSION,
  type Rejection,
  type SectionFrame,
  type ServerMessage,
} from "../protocol/realtime.ts";
import {
  type ChatRules,
  type ChatUserState,
  DEFAULT_RULES,
  evaluateChat,
  freshUser,
} from "./chat-policy.ts";
import {
  type Bucket,
  emptyInteractive,
  INTERACTIVE_LIMIT,
  rateLimited,
  requeueInteractive,
  type ShardAsk,
  type StudentCommand,
  takeToken,
} from "./interactive-shard.ts";
import { type ShardControl, type ShardReport, STAFF_SECTION, type StaffCommand } from "./rpc.ts";
import { ShardSocial } from "./shard-social.ts";

/** What the shell must do after the core decided. */
export type ShardEffect =
  /** Send to the socket the input came from. */
  | { kind: "reply"; frame: ServerMessage }
  /** Broadcast a section frame to this section (and store / relay it). */
  | { kind: "section"; frame: SectionFrame }
  /** Forward a validated staff command to the root. */
  | { kind: "upstream"; command: StaffCommand }
  /** Record a refused message for the staff feed. */
  | { kind: "rejection"; rejection: Rejection }
  /** Bring this socket up to date from `resume`. */
  | { kind: "resync"; resume: number | undefined }
  /** This staff socket now watches `sectionId`. */
  | { kind: "watch"; sectionId: string | null }
  /** Send a frame to every socket of `userId`. */
  | { kind: "toUser"; userId: string; frame: ServerMessage }
  /** Close every socket of `userId` (`newest`: only their N newest). */
  | { kind: "kick"; userId: string; code: number; reason: string; newest?: number }
  /** Send pre-encoded frames to the staff sockets watching `sectionId`. */
  | { kind: "relay"; sectionId: string; frames: string[] }
  /** The rules changed: persist them. */
  | { kind: "rulesChanged" }
  /** A rules push was lost (a version gap): ask the root for the full rules. */
  | { kind: "pullRules" }
  /** A section message was deleted: drop it from the stored history. */
  | { kind: "forget"; messageId: string }
  /** Drop every stored message of `userId` from the section history. */
  | { kind: "forgetUser"; userId: string }
  /** A student's poll answer, hand or question for the next report (interactive-shard.ts). */
  | { kind: "interactive"; who: Author; command: StudentCommand }
  /** Reactions or reports wait in `ShardCore.social` for the next report (shard-social.ts). */
  | { kind: "social" }
  /** Staff: read section `sectionId` once and answer `mod.peeked` (no watch). */
  | { kind: "peek"; sectionId: string };

/** Flood guard per connection: a token bucket over all inbound frames plus a strike count for invalid ones. */
export interface ConnGuard {
  tokens: number;
  at: number;
  /** Frames refused in a row because the bucket was empty. */
  refused: number;
  strikes: number;
  /** When this socket's last `hello` resync was accepted (epoch ms). */
  helloAt: number;
  /** Staff sockets get the larger STAFF_GUARD bucket (a drawing teacher sends ~20 frames/s). */
  staff?: boolean;
}

/** Connection-level limits (independent of the chat bucket). */
export const GUARD = {
  /** Frames allowed in a burst, and refill per second. */
  burst: 20,
  perSec: 10,
  /** Refused frames in a row before the socket is closed with 4029. */
  closeAfterRefused: 50,
  /** Invalid frames (decaying one per second) before the socket is closed with 4008. */
  maxStrikes: 20,
} as const;

/** Connection limits of staff sockets: whiteboard stroke batches arrive every ~50 ms while drawing. */
export const STAFF_GUARD = { burst: 60, perSec: 40 } as const;

/** A new guard for a fresh connection (`staff`: teacher or moderator socket). */
export function newGuard(now: number, staff = false): ConnGuard {
  const g: ConnGuard = {
    tokens: staff ? STAFF_GUARD.burst : GUARD.burst,
    at: now,
    refused: 0,
    strikes: 0,
    helloAt: -Infinity,
  };
  if (staff) g.staff = true;
  return g;
}

/** Least time between two `hello` resyncs of one socket (each one replays up to the whole log). */
export const HELLO_MIN_INTERVAL_MS = 2000;

/**
 * Whether a socket's `hello` may start a resync now: one sync in flight per socket (two
 * could land out of order and regress the client's `seq`), and at most one per
 * HELLO_MIN_INTERVAL_MS. Refused → answer `error rate_limited` (ref `hello`).
 */
export function admitHello(
  g: ConnGuard,
  inFlight: boolean,
  now: number,
): "ok" | "busy" | "too_soon" {
  if (inFlight) return "busy";
  if (now - g.helloAt < HELLO_MIN_INTERVAL_MS) return "too_soon";
  g.helloAt = now;
  return "ok";
}

/** Shard → root report retry: exponential backoff from 100 ms, capped at 5 s. */
export function reportRetryDelay(failures: number): number {
  return Math.min(5000, 100 * 2 ** Math.max(0, failures - 1));
}

/** Most joins + leaves, staff commands and rejections a shard holds while the root is unreachable. */
export const REPORT_KEEP = { attendance: 20_000, commands: 200, rejections: 200 } as const;

/** Commands a requeue dropped for room: their senders get `error unavailable` (`droppedErrors`). */
export interface Dropped {
  commands: StaffCommand[];
  asks: ShardAsk[];
}

/**
 * Put a report the root did not take back in front of the next one (mutates `next`),
 * keeping the newest up to REPORT_KEEP (relays are dropped: staff resync by watching again).
 * Returns the staff commands and questions dropped for room, so their senders can be told.
 */
export function requeueReport(failed: ShardReport, next: ShardReport): Dropped {
  next.joins.unshift(...failed.joins);
  next.leaves.unshift(...failed.leaves);
  next.commands.unshift(...failed.commands);
  next.rejections.unshift(...failed.rejections);
  let asks: ShardAsk[] = [];
  if (failed.interactive) {
    next.interactive ??= emptyInteractive();
    asks = requeueInteractive(failed.interactive, next.interactive);
  }
  // Without a newer one, the failed watch set is still the one to send.
  if (failed.watching && !next.watching) {
    next.watching = failed.watching;
    if (failed.watchingSeq !== undefined) next.watchingSeq = failed.watchingSeq;
  }
  let over = next.joins.length + next.leaves.length - REPORT_KEEP.attendance;
  if (over > 0) {
    // Oldest first (joins before leaves: a lost leave costs more attendance than a lost join).
    const j = Math.min(over, next.joins.length);
    next.joins.splice(0, j);
    over -= j;
    if (over > 0) next.leaves.splice(0, over);
  }
  if (next.rejections.length > REPORT_KEEP.rejections)
    next.rejections.splice(0, next.rejections.length - REPORT_KEEP.rejections);
  const commands =
    next.commands.length > REPORT_KEEP.commands
      ? next.commands.splice(0, next.commands.length - REPORT_KEEP.commands)
      : [];
  return { commands, asks };
}

/** The `error unavailable` each sender of a dropped command gets (with its `ref` and `rid`). */
export function droppedErrors(d: Dropped): { userId: string; frame: ServerMessage }[] {
  const frame = (ref: string, rid: string | undefined): ServerMessage => {
    const f: ServerMessage = {
      type: "error",
      code: "unavailable",
      message: "The class is briefly unreachable; your command was not applied. Try again.",
      ref,
    };
    if (rid !== undefined) f.rid = rid;
    return f;
  };
  return [
    ...d.commands.map((c) => ({
      userId: c.by.id,
      frame: frame(c.message.type, "rid" in c.message ? c.message.rid : undefined),
    })),
    ...d.asks.map((q) => ({ userId: q.user.id, frame: frame("qa.ask", q.rid) })),
  ];
}

/** Charge one inbound frame. "refuse" → answer `error rate_limited`; "close" → close 4029. */
export function admitFrame(g: ConnGuard, now: number): "ok" | "refuse" | "close" {
  const elapsed = Math.max(0, now - g.at) / 1000;
  const rate = g.staff ? STAFF_GUARD : GUARD;
  g.tokens = Math.min(rate.burst, g.tokens + elapsed * rate.perSec);
  g.strikes = Math.max(0, g.strikes - elapsed);
  g.at = now;
  if (g.tokens >= 1) {
    g.tokens -= 1;
    g.refused = 0;
    return "ok";
  }
  g.refused++;
  return g.refused >= GUARD.closeAfterRefused ? "close" : "refuse";
}

/** Count one invalid frame. "close" → close 4008. */
export function strike(g: ConnGuard): "ok" | "close" {
  g.strikes++;
  return g.strikes > GUARD.maxStrikes ? "close" : "ok";
}

/** Most recent section messages kept for `section.snapshot`. */
export const SECTION_HISTORY = 50;

/** Whether `messageId` names a message of section `sectionId` (ids are `<sectionId>.<sseq>`). */
export function sectionOf(messageId: string): string | null {
  const dot = messageId.lastIndexOf(".");
  return dot > 0 ? messageId.slice(0, dot) : null;
}

/** The decisions of one shard. State is small and rebuilt by the shell after hibernation. */
export class ShardCore {
  /** Per-section message counter (`sseq`). */
  sseq: number;
  rules: ChatRules;
  /** Whether staff are watching this section, and the version of that news (newest wins). */
  watched = false;
  watchedV = 0;
  /** Chat limiter state per user; the shell loads it from storage by user id (survives reconnects and hibernation). */
  readonly chatUsers = new Map<string, ChatUserState>();
  /** Interactive-command token bucket per user (memory only: a hibernation reset just forgives). */
  private readonly buckets = new Map<string, Bucket>();

  /** Reactions and reports of this section (shard-social.ts); taken into each report. */
  readonly social: ShardSocial;

  constructor(
    readonly sectionId: string,
    sseq = 0,
    rules: ChatRules = DEFAULT_RULES,
    /** A message of this section's stored history by id (reports name one), or null. */
    private readonly findMessage: (messageId: string) => ChatMessage | null = () => null,
  ) {
    this.sseq = sseq;
    this.rules = rules;
    this.social = new ShardSocial(sectionId);
  }

  /** Whether this is the teacher/moderator shard. */
  get isStaffShard(): boolean {
    return this.sectionId === STAFF_SECTION;
  }

  /** Handle one parsed client message from `who`. */
  onMessage(who: Author, msg: ClientMessage, now: number): ShardEffect[] {
    if (!maySend(who.role, msg.type)) {
      const frame: ServerMessage = {
        type: "error",
        code: "forbidden",
        message: "You may not do that.",
        ref: msg.type,
      };
      if ("rid" in msg && msg.rid !== undefined) frame.rid = msg.rid;
      return [{ kind: "reply", frame }];
    }
    switch (msg.type) {
      case "hello":
        if (msg.v !== PROTOCOL_VERSION) {
          return [
            {
              kind: "reply",
              frame: {
                type: "error",
                code: "unsupported_version",
                message: `Server speaks v${PROTOCOL_VERSION}.`,
                ref: "hello",
              },
            },
          ];
        }
        return [{ kind: "resync", resume: msg.resume }];
      case "chat.send":
        return this.chat(who, msg.text, msg.rid, now);
      case "section.watch":
        return [{ kind: "watch", sectionId: msg.sectionId }];
      case "chat.delete":
      case "chat.pin":
      case "announce.send":
      case "mod.timeout":
      case "mod.ban":
      case "mod.unban":
      case "settings.update":
      case "slide.show":
      case "slide.next":
      case "slide.prev":
      case "board.stroke":
      case "board.undo":
      case "board.clear":
      // Polls, hands, Q&A: staff commands go up as commands; students' are batched below.
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
      case "mod.resolve":
        return [{ kind: "upstream", command: { by: who, message: msg } }];
      case "mod.peek":
        return [{ kind: "peek", sectionId: msg.sectionId }];
      case "reaction.send":
      case "chat.report": {
        const out =
          msg.type === "reaction.send"
            ? this.social.react(who, msg, now)
            : this.social.report(who, msg, this.findMessage(msg.messageId), now);
        const fx: ShardEffect[] = [];
        if (out.reply) fx.push({ kind: "reply", frame: out.reply });
        if (out.changed) fx.push({ kind: "social" });
        return fx;
      }
      case "poll.answer":
      case "hand.raise":
      case "hand.lower":
      case "qa.ask":
      case "qa.vote":
        return this.interactive(who, msg, now);
      default:
        return msg satisfies never;
    }
  }

  private chat(who: Author, raw: string, rid: string | undefined, now: number): ShardEffect[] {
    const prev = this.chatUsers.get(who.id) ?? freshUser(who.role, now);
    const verdict = evaluateChat(this.rules, who.role, who.id, prev, raw, now);
    this.chatUsers.set(who.id, verdict.user);
    if (!verdict.ok) {
      const frame: ServerMessage = {
        type: "chat.rejected",
        reason: verdict.reason,
        message: verdict.message,
      };
      if (rid !== undefined) frame.rid = rid;
      if (verdict.retryAfterMs !== undefined) frame.retryAfterMs = verdict.retryAfterMs;
      const rejection: Rejection = {
        at: now,
        sectionId: this.sectionId,
        user: who,
        reason: verdict.reason,
        text: raw.slice(0, 200),
      };
      return [
        { kind: "reply", frame },
        { kind: "rejection", rejection },
      ];
    }
    if (isStaff(who.role)) {
      const message: ClientMessage = { type: "chat.send", text: verdict.text };
      if (rid !== undefined) message.rid = rid;
      return [{ kind: "upstream", command: { by: who, message } }];
    }
    this.sseq++;
    const message: ChatMessage = {
      id: `${this.sectionId}.${this.sseq}`,
      channel: "section",
      sectionId: this.sectionId,
      from: who,
      text: verdict.text,
      at: now,
    };
    if (rid !== undefined) message.rid = rid;
    return [
      {
        kind: "section",
        frame: { type: "section.message", sectionId: this.sectionId, sseq: this.sseq, message },
      },
    ];
  }

  /** A student's poll answer, hand or question: rate-limited per user, then batched for the root. */
  private interactive(who: Author, msg: StudentCommand, now: number): ShardEffect[] {
    let b = this.buckets.get(who.id);
    if (!b) {
      b = { tokens: INTERACTIVE_LIMIT.burst, at: now };
      this.buckets.set(who.id, b);
    }
    if (!takeToken(b, now)) return [{ kind: "reply", frame: rateLimited(msg) }];
    return [{ kind: "interactive", who, command: msg }];
  }

  /** Apply one instruction from the root. */
  onControl(c: ShardControl): ShardEffect[] {
    switch (c.kind) {
      case "rules":
        return this.adoptRules(c.rules) ? [{ kind: "rulesChanged" }] : [];
      case "timeout": {
        const frame: ServerMessage = { type: "sanction.applied", kind: "timeout", until: c.until };
        if (c.reason) frame.reason = c.reason;
        const tell: ShardEffect = { kind: "toUser", userId: c.userId, frame };
        // Rules of this version or newer already hold this time-out (or its end): just tell.
        if (c.version !== undefined && c.version <= (this.rules.version ?? 0)) return [tell];
        const rules: ChatRules = {
          ...this.rules,
          timeouts: { ...this.rules.timeouts, [c.userId]: c.until },
        };
        // Versions are contiguous (one per change: full rules or a time-out), so a time-out
        // of version v builds on v − 1. Past a gap a push was lost: enforce the time-out, but
        // keep the old version (these rules are not current) and pull the full rules.
        const gap = c.version !== undefined && c.version > (this.rules.version ?? 0) + 1;
        if (c.version !== undefined && !gap) rules.version = c.version;
        this.rules = rules;
        return gap
          ? [{ kind: "rulesChanged" }, { kind: "pullRules" }, tell]
          : [{ kind: "rulesChanged" }, tell];
      }
      case "notify":
        return [{ kind: "toUser", userId: c.userId, frame: c.frame }];
      case "kick":
        return [{ ...c }];
      case "delete": {
        if (sectionOf(c.messageId) !== this.sectionId) return [];
        this.sseq++;
        return [
          { kind: "forget", messageId: c.messageId },
          {
            kind: "section",
            frame: {
              type: "section.deleted",
              sectionId: this.sectionId,
              sseq: this.sseq,
              messageId: c.messageId,
            },
          },
        ];
      }
      case "purge":
        return [{ kind: "forgetUser", userId: c.userId }];
      case "watch":
        this.setWatched(c.on, c.v ?? 0);
        return [];
      case "relay":
        return [{ kind: "relay", sectionId: c.sectionId, frames: c.frames }];
      default:
        return c satisfies never;
    }
  }

  /**
   * Take the root's rules unless this shard already holds a newer version (a sync answer
   * computed before a time-out can arrive after the time-out's control). Returns whether
   * the rules changed.
   */
  adoptRules(rules: ChatRules): boolean {
    if ((rules.version ?? 0) < (this.rules.version ?? 0)) return false;
    if (JSON.stringify(rules) === JSON.stringify(this.rules)) return false;
    this.rules = rules;
    return true;
  }

  /**
   * The `sanction.applied` frame for `userId` if they are timed out at `now` (sent on
   * connect and resync, so a reconnected or reloaded student still learns it).
   */
  timeoutNotice(userId: string, now: number): ServerMessage | null {
    const until = this.rules.timeouts[userId];
    return until !== undefined && until > now
      ? { type: "sanction.applied", kind: "timeout", until }
      : null;
  }

  /**
   * Whether staff watch this section, as of watch version `v`: news older than what this
   * shard already knows (a delivery overtaken by a direct watch or a sync) is ignored.
   * Returns whether anything changed.
   */
  setWatched(on: boolean, v: number): boolean {
    if (v < this.watchedV) return false;
    const changed = on !== this.watched || v !== this.watchedV;
    this.watched = on;
    this.watchedV = v;
    return changed;
  }

  /** Drop expired timeouts (call occasionally; keeps the rules small). */
  pruneTimeouts(now: number): boolean {
    const live = Object.entries(this.rules.timeouts).filter(([, until]) => until > now);
    if (live.length === Object.keys(this.rules.timeouts).length) return false;
    this.rules = { ...this.rules, timeouts: Object.fromEntries(live) };
    return true;
  }
}
