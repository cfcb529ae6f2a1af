/**
 * The class-wide moderation queue at the root: messages held by the blocked-word and link
 * rules and messages students reported, from every section, in one list ordered by
 * priority (reports × REPORT_WEIGHT + rule severity). Bounded twice — new items enter at
 * most at INTAKE (a token bucket) and at most CAPACITY wait — and whatever does not fit is
 * counted in `overflow`, never dropped silently. Repeat reports of a queued message only
 * raise its priority (free: no new item). Pure; memory only (a staff work list, not a record).
 */
import {
  type Author,
  MOD_QUEUE_VIEW,
  type ModQueueItem,
  type Rejection,
  type ReportReason,
  type ServerMessage,
} from "../protocol/realtime.ts";
import type { ShardFlag } from "./shard-social.ts";

/** Priority per distinct report. */
export const REPORT_WEIGHT = 10;
/** Priority of a message a rule held. */
export const RULE_SEVERITY = { blocked_word: 30, link_blocked: 20 } as const;
/** New items per second the queue takes (a burst, then a steady rate). */
export const INTAKE = { burst: 50, perSec: 5 } as const;
/** Items the queue holds; a new item past this pushes out the lowest priority (counted). */
export const CAPACITY = 500;

interface Entry extends ModQueueItem {
  /** Who reported it (distinct). */
  by: Set<string>;
}

/** The queue. `newId` names items; `now` comes with every input. */
export class ModerationQueue {
  private readonly items = new Map<string, Entry>();
  /** messageId → item id (reports of the same message merge). */
  private readonly byMessage = new Map<string, string>();
  private tokens: number = INTAKE.burst;
  private at = 0;
  /** Items refused for rate or room since the class began. */
  overflow = 0;
  /** Whether the staff view changed since `view()` last ran. */
  dirty = false;

  constructor(private readonly newId: () => string) {}

  private admit(now: number): boolean {
    this.tokens = Math.min(
      INTAKE.burst,
      this.tokens + (Math.max(0, now - this.at) / 1000) * INTAKE.perSec,
    );
    this.at = now;
    if (this.tokens < 1) {
      this.overflow++;
      this.dirty = true;
      return false;
    }
    this.tokens -= 1;
    return true;
  }

  /** Make room for one more item: push out the lowest priority (oldest on ties). */
  private makeRoom(priority: number): boolean {
    if (this.items.size < CAPACITY) return true;
    let low: Entry | null = null;
    for (const e of this.items.values())
      if (
        !low ||
        e.priority < low.priority ||
        (e.priority === low.priority && e.lastAt < low.lastAt)
      )
        low = e;
    this.overflow++;
    this.dirty = true;
    if (!low || low.priority > priority) return false;
    this.remove(low.id);
    return true;
  }

  private insert(e: Entry): void {
    this.items.set(e.id, e);
    if (e.messageId) this.byMessage.set(e.messageId, e.id);
    this.dirty = true;
  }

  /**
   * A student report. `resolve` finds a global message (`author`, `text`) the shard could
   * not; returns false when the message is unknown (a report of nothing is ignored).
   */
  report(
    f: ShardFlag,
    now: number,
    resolve: (messageId: string) => { author: Author; text: string } | null,
  ): boolean {
    const known = this.byMessage.get(f.messageId);
    const existing = known ? this.items.get(known) : undefined;
    if (existing) {
      if (existing.by.has(f.by)) return true;
      existing.by.add(f.by);
      existing.reports = existing.by.size;
      existing.reasons[f.reason] = (existing.reasons[f.reason] ?? 0) + 1;
      existing.priority += REPORT_WEIGHT;
      existing.lastAt = now;
      this.dirty = true;
      return true;
    }
    const found =
      f.author && f.text !== undefined ? { author: f.author, text: f.text } : resolve(f.messageId);
    if (!found) return false;
    if (!this.admit(now) || !this.makeRoom(REPORT_WEIGHT)) return true;
    const reasons: Partial<Record<ReportReason, number>> = { [f.reason]: 1 };
    this.insert({
      id: this.newId(),
      kind: "report",
      priority: REPORT_WEIGHT,
      messageId: f.messageId,
      sectionId: f.sectionId,
      author: found.author,
      text: found.text.slice(0, 200),
      reasons,
      reports: 1,
      firstAt: now,
      lastAt: now,
      by: new Set([f.by]),
    });
    return true;
  }

  /** A message a rule refused; only blocked words and links are queued (others are limits). */
  held(r: Rejection, now: number): void {
    if (r.reason !== "blocked_word" && r.reason !== "link_blocked") return;
    const priority = RULE_SEVERITY[r.reason];
    if (!this.admit(now) || !this.makeRoom(priority)) return;
    this.insert({
      id: this.newId(),
      kind: "held",
      priority,
      sectionId: r.sectionId,
      author: r.user,
      text: r.text.slice(0, 200),
      reasons: {},
      reports: 0,
      rule: r.reason,
      firstAt: r.at,
      lastAt: r.at,
      by: new Set(),
    });
  }

  /** The item `id`, if queued. */
  get(id: string): ModQueueItem | undefined {
    return this.items.get(id);
  }

  /** Take item `id` out of the queue (it was acted on). */
  remove(id: string): ModQueueItem | undefined {
    const e = this.items.get(id);
    if (!e) return undefined;
    this.items.delete(id);
    if (e.messageId) this.byMessage.delete(e.messageId);
    this.dirty = true;
    return e;
  }

  /** Take out every item of `userId` (banned: nothing of theirs is left to judge). */
  removeAuthor(userId: string): void {
    for (const e of [...this.items.values()]) if (e.author.id === userId) this.remove(e.id);
  }

  /** Take out the item of a message deleted some other way. */
  removeMessage(messageId: string): void {
    const id = this.byMessage.get(messageId);
    if (id) this.remove(id);
  }

  /** Items waiting. */
  get size(): number {
    return this.items.size;
  }

  /**
   * The staff frame: the top MOD_QUEUE_VIEW by priority (then the most recent). `clear`:
   * this frame goes to every staff socket (a connect's own copy leaves `dirty` as it was).
   */
  view(clear = true): ServerMessage {
    if (clear) this.dirty = false;
    const items = [...this.items.values()]
      .sort((a, b) => b.priority - a.priority || b.lastAt - a.lastAt)
      .slice(0, MOD_QUEUE_VIEW)
      .map(({ by: _by, ...item }) => item);
    return { type: "mod.queue", items, pending: this.items.size, overflow: this.overflow };
  }
}
