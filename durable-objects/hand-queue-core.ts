/**
 * The hand-raise queue, kept at the root. First raised, first in line: hands are ordered
 * by `(at, userId)`, `at` being the server time the student's shard received the raise
 * (decision 016), not by when the shard's report reaches the root — reports of different
 * shards arrive up to a report window (or a retry) apart. Built for 100,000 raised hands:
 * raising, lowering and a student's position are O(log n) (a Fenwick tree over raise
 * tickets; a raise that arrives after later ones re-tickets only the hands behind it),
 * and the teacher reads it a page at a time. Pure: no runtime imports.
 */

/** A raised hand. `ticket` orders the queue (lower = earlier; follows `(at, userId)`). */
export interface Hand {
  userId: string;
  name: string;
  ticket: number;
  at: number;
}

/** What a participation record needs to know. */
export type HandEvent =
  | { kind: "raise"; userId: string; at: number }
  | { kind: "lower"; userId: string; at: number; by: "self" | "staff" }
  | { kind: "ack"; userId: string; at: number };

/** Fenwick (binary indexed) tree of 0/1 flags, growable. */
class Fenwick {
  private tree = new Int32Array(1024);

  private grow(n: number): void {
    if (n < this.tree.length) return;
    let size = this.tree.length;
    while (size <= n) size *= 2;
    // Rebuild: a Fenwick tree cannot be resized in place.
    const flags = new Int32Array(size);
    for (let i = 1; i < this.tree.length; i++) flags[i] = this.prefix(i) - this.prefix(i - 1);
    this.tree = new Int32Array(size);
    for (let i = 1; i < flags.length; i++) if (flags[i]) this.add(i, flags[i]!);
  }

  add(i: number, delta: number): void {
    this.grow(i);
    for (; i < this.tree.length; i += i & -i) this.tree[i]! += delta;
  }

  /** Sum of flags at 1..i. */
  prefix(i: number): number {
    let s = 0;
    for (i = Math.min(i, this.tree.length - 1); i > 0; i -= i & -i) s += this.tree[i]!;
    return s;
  }
}

/** Whether a raise at `at` by `userId` goes before hand `h` in line. */
function before(at: number, userId: string, h: Hand): boolean {
  return at < h.at || (at === h.at && userId < h.userId);
}

export class HandQueue {
  private readonly byUser = new Map<string, Hand>();
  /** Tickets in raise order; lowered ones are skipped lazily when paging. */
  private readonly order: Hand[] = [];
  private readonly active = new Fenwick();
  private nextTicket = 1;
  /** Raises and acknowledgements for participation records, drained by the shell. */
  readonly events: HandEvent[] = [];
  /** The most recently acknowledged student (the teacher's "you're on"). */
  acknowledged: { userId: string; name: string; at: number } | null = null;

  /** Hands raised now. */
  get count(): number {
    return this.byUser.size;
  }

  /**
   * Raise at `at` (the receiving shard's time); idempotent (raising again keeps your
   * place). A raise stamped before hands already in line goes in front of them. Returns
   * the 1-based position.
   */
  raise(userId: string, name: string, at: number): number {
    const existing = this.byUser.get(userId);
    if (existing) return this.position(userId)!;
    const i = this.insertionIndex(at, userId);
    let ticket = this.nextTicket++;
    if (i < this.order.length) {
      // Late report: shift the tickets of everything behind it by one (from the back, so
      // no two hands share a ticket in the tree). Only the hands raised after `at` move.
      ticket = this.order[i]!.ticket;
      for (let j = this.order.length - 1; j >= i; j--) {
        const h = this.order[j]!;
        const live = this.byUser.get(h.userId) === h;
        if (live) this.active.add(h.ticket, -1);
        h.ticket++;
        if (live) this.active.add(h.ticket, 1);
      }
    }
    const hand: Hand = { userId, name, ticket, at };
    this.byUser.set(userId, hand);
    this.order.splice(i, 0, hand);
    this.active.add(hand.ticket, 1);
    this.events.push({ kind: "raise", userId, at });
    return this.position(userId)!;
  }

  /** Where a hand raised at `at` by `userId` goes in `order` (after every earlier key). */
  private insertionIndex(at: number, userId: string): number {
    let lo = 0;
    let hi = this.order.length;
    // Fast path: the usual raise is the newest.
    if (hi === 0 || !before(at, userId, this.order[hi - 1]!)) return hi;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (before(at, userId, this.order[mid]!)) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  /** Lower one hand (the student, or staff). Returns whether it was raised. */
  lower(userId: string, at: number, by: "self" | "staff" = "self"): boolean {
    const hand = this.byUser.get(userId);
    if (!hand) return false;
    this.byUser.delete(userId);
    this.active.add(hand.ticket, -1);
    this.events.push({ kind: "lower", userId, at, by });
    this.compact();
    return true;
  }

  /** Acknowledge (call on) a student: their hand comes down and they are recorded. */
  ack(userId: string, at: number): boolean {
    const hand = this.byUser.get(userId);
    if (!hand) return false;
    this.byUser.delete(userId);
    this.active.add(hand.ticket, -1);
    this.acknowledged = { userId, name: hand.name, at };
    this.events.push({ kind: "ack", userId, at });
    this.compact();
    return true;
  }

  /** Lower every hand. Returns how many were raised. */
  lowerAll(at: number): number {
    const n = this.byUser.size;
    for (const userId of [...this.byUser.keys()]) this.lower(userId, at, "staff");
    return n;
  }

  /** 1-based position of a raised hand, or null. O(log n). */
  position(userId: string): number | null {
    const hand = this.byUser.get(userId);
    return hand ? this.active.prefix(hand.ticket) : null;
  }

  /** A page of the queue in order (the teacher's windowed view). */
  page(offset: number, limit: number): (Hand & { position: number })[] {
    const out: (Hand & { position: number })[] = [];
    let pos = 0;
    for (const h of this.order) {
      if (this.byUser.get(h.userId) !== h) continue;
      pos++;
      if (pos <= offset) continue;
      out.push({ ...h, position: pos });
      if (out.length >= limit) break;
    }
    return out;
  }

  /** Drop lowered hands from the order list once they dominate it (amortised O(1)). */
  private compact(): void {
    if (this.order.length < 64 || this.order.length < this.byUser.size * 2) return;
    const live = this.order.filter((h) => this.byUser.get(h.userId) === h);
    this.order.length = 0;
    this.order.push(...live);
  }

  /** The raised hand of `userId`, if any. */
  get(userId: string): Hand | undefined {
    const h = this.byUser.get(userId);
    return h ? { ...h } : undefined;
  }

  /** The small scalar part of the state (stored beside one row per hand). */
  toMeta(): { nextTicket: number; acknowledged: HandQueue["acknowledged"] } {
    return { nextTicket: this.nextTicket, acknowledged: this.acknowledged };
  }

  /** Serialise for durable storage. */
  toJSON(): { hands: Hand[]; nextTicket: number; acknowledged: HandQueue["acknowledged"] } {
    return {
      hands: this.page(0, Number.MAX_SAFE_INTEGER).map(({ position: _p, ...h }) => h),
      nextTicket: this.nextTicket,
      acknowledged: this.acknowledged,
    };
  }

  /**
   * Restore from `toJSON()` output. Hands are put in `(at, userId)` order and ticketed
   * afresh: a stored ticket may predate a shift made by a later, earlier-stamped raise.
   */
  static from(data: ReturnType<HandQueue["toJSON"]>): HandQueue {
    const q = new HandQueue();
    const hands = [...data.hands].sort((a, b) => (before(a.at, a.userId, b) ? -1 : 1));
    let ticket = 1;
    for (const stored of hands) {
      const h = { ...stored, ticket: ticket++ };
      q.byUser.set(h.userId, h);
      q.order.push(h);
      q.active.add(h.ticket, 1);
    }
    q.nextTicket = Math.max(data.nextTicket, ticket);
    q.acknowledged = data.acknowledged;
    return q;
  }
}
