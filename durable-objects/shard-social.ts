/**
 * The shard's half of reactions and student reports: each student's reactions and reports
 * are rate-limited here, reactions are counted per emoji, and both travel to the root in
 * the shard's next report (ShardReport.social) — the root sees per-shard counts, never one
 * message per reaction. Pure; the shell (classroom-shard.ts, its report in shard-report.ts)
 * owns the report and its timer.
 */
import type {
  Author,
  ChatMessage,
  ClientMessageOf,
  ReactionCounts,
  ReportReason,
  ServerMessage,
} from "../protocol/realtime.ts";

/** Per-student reaction limit: a small burst, then one every REACTION_LIMIT.everyMs. */
export const REACTION_LIMIT = { burst: 3, everyMs: 1000 } as const;
/** Per-student report limit: a burst, then one every REPORT_LIMIT.everyMs. */
export const REPORT_LIMIT = { burst: 3, everyMs: 20_000 } as const;
/** Reports one shard holds for the root while it is unreachable. */
export const KEEP_FLAGS = 200;
/** Students whose reported message ids a shard remembers (dedupe of repeat reports). */
const REPORTED_KEEP = 5000;

/** A student's report of a message, on its way to the root. */
export interface ShardFlag {
  messageId: string;
  /** Section of the message ("global" for the global channel). */
  sectionId: string;
  /** The message's author and text; absent for global messages (the root knows them). */
  author?: Author;
  text?: string;
  reason: ReportReason;
  /** Who reported it. */
  by: string;
  at: number;
}

/** Social input of one report (ShardReport.social). */
export interface SocialReport {
  /** Reactions counted since the last report, per emoji. */
  reactions: ReactionCounts;
  flags: ShardFlag[];
}

/** A steady-rate limiter with a burst (`level` in whole tokens, refilled over time). */
interface Limiter {
  tokens: number;
  at: number;
}

function take(l: Limiter, limit: { burst: number; everyMs: number }, now: number): boolean {
  l.tokens = Math.min(limit.burst, l.tokens + Math.max(0, now - l.at) / limit.everyMs);
  l.at = now;
  if (l.tokens < 1) return false;
  l.tokens -= 1;
  return true;
}

/** What a student's social command did: frames for them, and whether the report changed. */
export interface SocialOutcome {
  reply: ServerMessage | null;
  /** Something was counted or queued for the root. */
  changed: boolean;
}

function refuse(
  code: "rate_limited" | "not_found" | "forbidden",
  message: string,
  ref: string,
  rid?: string,
): SocialOutcome {
  const frame: ServerMessage = { type: "error", code, message, ref };
  if (rid !== undefined) frame.rid = rid;
  return { reply: frame, changed: false };
}

/** Reaction and report state of one shard. Memory only: a hibernation reset just forgives. */
export class ShardSocial {
  private counts: ReactionCounts = {};
  private flags: ShardFlag[] = [];
  private readonly reactLimit = new Map<string, Limiter>();
  private readonly reportLimit = new Map<string, Limiter>();
  /** `${userId} ${messageId}` already reported from this shard. */
  private readonly reported = new Set<string>();

  constructor(readonly sectionId: string) {}

  /** A student reacts. Refused reactions are counted nowhere. */
  react(who: Author, m: ClientMessageOf<"reaction.send">, now: number): SocialOutcome {
    let l = this.reactLimit.get(who.id);
    if (!l) {
      l = { tokens: REACTION_LIMIT.burst, at: now };
      this.reactLimit.set(who.id, l);
    }
    if (!take(l, REACTION_LIMIT, now))
      return refuse("rate_limited", "Too many reactions; wait a second.", "reaction.send");
    this.counts[m.emoji] = (this.counts[m.emoji] ?? 0) + 1;
    return { reply: null, changed: true };
  }

  /**
   * A student reports `messageId`. `found` is the message if it is in this section's stored
   * history (the shell looks it up); global messages (`g<seq>`) are resolved by the root.
   */
  report(
    who: Author,
    m: ClientMessageOf<"chat.report">,
    found: ChatMessage | null,
    now: number,
  ): SocialOutcome {
    const global = /^g\d+$/.test(m.messageId);
    if (!global) {
      const dot = m.messageId.lastIndexOf(".");
      const section = dot > 0 ? m.messageId.slice(0, dot) : null;
      if (section !== this.sectionId)
        return refuse(
          "forbidden",
          "You can only report messages you can see.",
          "chat.report",
          m.rid,
        );
      if (!found) return refuse("not_found", "No such message.", "chat.report", m.rid);
      if (found.from.id === who.id)
        return refuse("forbidden", "You cannot report your own message.", "chat.report", m.rid);
    }
    const key = `${who.id} ${m.messageId}`;
    const ack: ServerMessage = { type: "chat.reported", messageId: m.messageId };
    if (m.rid !== undefined) ack.rid = m.rid;
    // A repeat report changes nothing and costs nothing: answered as taken.
    if (this.reported.has(key)) return { reply: ack, changed: false };
    let l = this.reportLimit.get(who.id);
    if (!l) {
      l = { tokens: REPORT_LIMIT.burst, at: now };
      this.reportLimit.set(who.id, l);
    }
    if (!take(l, REPORT_LIMIT, now))
      return refuse("rate_limited", "Too many reports; wait a little.", "chat.report", m.rid);
    if (this.reported.size >= REPORTED_KEEP) this.reported.clear();
    this.reported.add(key);
    const flag: ShardFlag = {
      messageId: m.messageId,
      sectionId: global ? "global" : this.sectionId,
      reason: m.reason,
      by: who.id,
      at: now,
    };
    if (found && !global) {
      flag.author = found.from;
      flag.text = found.text.slice(0, 200);
    }
    this.flags.push(flag);
    if (this.flags.length > KEEP_FLAGS) this.flags.splice(0, this.flags.length - KEEP_FLAGS);
    return { reply: ack, changed: true };
  }

  /** Whether anything waits for the next report. */
  get pending(): boolean {
    return this.flags.length > 0 || Object.keys(this.counts).length > 0;
  }

  /** Take what the next report carries (and start a new window), or null when nothing. */
  take(): SocialReport | null {
    if (!this.pending) return null;
    const out: SocialReport = { reactions: this.counts, flags: this.flags };
    this.counts = {};
    this.flags = [];
    return out;
  }

  /**
   * Put a report the root did not take back (counts add; flags keep the newest KEEP_FLAGS).
   * Nothing is double-counted: the failed report never reached the root.
   */
  requeue(failed: SocialReport): void {
    for (const [e, n] of Object.entries(failed.reactions) as [keyof ReactionCounts, number][])
      this.counts[e] = (this.counts[e] ?? 0) + n;
    this.flags.unshift(...failed.flags);
    if (this.flags.length > KEEP_FLAGS) this.flags.splice(0, this.flags.length - KEEP_FLAGS);
  }
}
