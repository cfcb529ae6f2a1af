/**
 * The hand-raise queue at the root: students' raises and lowers from shard reports, the
 * staff's ack, dismiss, clear and paging, a hand kept a while for a student who lost
 * their socket, and what is sent at a bounded rate (the class's `hand.count`, the staff's
 * queue window, the positions of the front of the line). The queue's order is
 * hand-queue-core.ts (decision 016). Pure.
 */
import { HAND_PAGE_MAX, HAND_WINDOW } from "../protocol/interactive.ts";
import type { Author, ClientMessageOf, ServerMessage, StaffFrame } from "../protocol/realtime.ts";
import type { RootEffect } from "./classroom-core.ts";
import { type Hand, HandQueue } from "./hand-queue-core.ts";
import {
  type InteractiveMeta,
  type InteractiveOutput,
  LIST_MS,
  type Refusal,
  refuse,
} from "./interactive-effects.ts";
import type { InteractiveReport } from "./interactive-shard.ts";
import { STAFF_SECTION } from "./rpc.ts";

/** Hand positions pushed to the front of the line: at most this often, ms. */
export const POSITIONS_MS = 2000;
/** How many at the front of the line get their position pushed when it changes. */
export const POSITIONS_PUSHED = 100;
/** A raised hand stays this long after its owner's last socket closes (a reconnect keeps the place). */
export const HAND_AWAY_MS = 60_000;

/** The root's hand queue, and when its count, window and positions are next due. */
export class RootHands {
  private queue = new HandQueue();
  /** Users with a raised hand and no socket left, since when (in memory; see `left`). */
  private readonly awaySince = new Map<string, number>();
  // Bounded-rate bookkeeping (memory only: after a restart everything is sent once).
  private handsDirty = false;
  private handsSentAt = -Infinity;
  private countSent = -1;
  private positionsDirty = false;
  private positionsSentAt = -Infinity;
  private readonly positionsSent = new Map<string, number>();

  constructor(private readonly out: InteractiveOutput) {}

  /** Put back the stored hands (the meta row holds the ticket counter and the last ack). */
  restore(hands: Hand[], meta: InteractiveMeta): void {
    this.queue = HandQueue.from({
      hands: [...hands].sort((a, b) => a.ticket - b.ticket),
      nextTicket: meta.nextTicket,
      acknowledged: meta.acknowledged,
    });
    // Staff and students get the current count and window once after a restart.
    this.handsDirty = this.queue.count > 0;
  }

  /** The queue's fields of the meta row. */
  syncMeta(meta: InteractiveMeta): void {
    const { nextTicket, acknowledged } = this.queue.toMeta();
    meta.nextTicket = nextTicket;
    meta.acknowledged = acknowledged;
  }

  /** Hands raised now. */
  get count(): number {
    return this.queue.count;
  }

  /** 1-based position of `userId`'s raised hand, or null. */
  position(userId: string): number | null {
    return this.queue.position(userId);
  }

  /** The staff's window of the queue. */
  window(offset: number, limit: number): StaffFrame {
    return {
      type: "hand.queue",
      count: this.queue.count,
      offset,
      hands: this.queue
        .page(offset, limit)
        .map((h) => ({ userId: h.userId, name: h.name, position: h.position, at: h.at })),
      acknowledged: this.queue.acknowledged,
    };
  }

  /** Drain the hand queue's raise/ack records into engagement rows. */
  private handEvents(fx: RootEffect[]): void {
    for (const e of this.queue.events.splice(0)) {
      if (e.kind === "raise") this.out.engagement(fx, e.userId, "hand_raise", e.at, null);
      else if (e.kind === "ack") this.out.engagement(fx, e.userId, "hand_ack", e.at, null);
    }
  }

  // ---- students (batched by shards) ------------------------------------------

  /** One shard's batch of hand states: each rid is answered with the position the fold produced. */
  report(fx: RootEffect[], sectionId: string, hands: InteractiveReport["hands"]): void {
    const here = [sectionId];
    for (const h of Object.values(hands)) {
      let position: number | null = null;
      if (h.up) {
        const before = this.queue.position(h.user.id);
        position = this.queue.raise(h.user.id, h.user.name, h.at);
        if (before === null) {
          const hand = this.queue.get(h.user.id);
          if (hand) this.out.store(fx, { op: "hand", hand });
          this.out.saveMeta(fx);
        }
      } else if (this.queue.lower(h.user.id, h.at, "self")) {
        this.out.store(fx, { op: "handGone", userId: h.user.id });
      }
      this.handsDirty = true;
      this.positionsDirty = true;
      if (position !== null) this.positionsSent.set(h.user.id, position);
      else this.positionsSent.delete(h.user.id);
      this.out.answerAll(
        fx,
        h.user.id,
        { type: "hand.position", raised: position !== null, position },
        h.rids,
        here,
      );
    }
    this.handEvents(fx);
  }

  /**
   * Users left a shard. Those with a raised hand and no socket left anywhere (`gone`,
   * asked only for them) have it lowered unless back within HAND_AWAY_MS (a network blip
   * keeps your place in line; a teacher should not call on someone who is gone). Returns
   * whether any was marked (a `tick` is then due).
   */
  left(userIds: Iterable<string>, gone: (userId: string) => boolean, now: number): boolean {
    let marked = false;
    for (const userId of userIds)
      if (this.queue.position(userId) !== null && gone(userId)) {
        this.awaySince.set(userId, now);
        marked = true;
      }
    return marked;
  }

  /** `userId` has a socket again: their hand stays. */
  back(userId: string): void {
    this.awaySince.delete(userId);
  }

  /** Lower the hands of users away for HAND_AWAY_MS. */
  lowerAway(fx: RootEffect[], now: number): void {
    let lowered = false;
    for (const [userId, since] of this.awaySince) {
      if (now - since < HAND_AWAY_MS) continue;
      this.awaySince.delete(userId);
      if (!this.queue.lower(userId, now, "self")) continue;
      this.out.store(fx, { op: "handGone", userId });
      this.positionsSent.delete(userId);
      this.handsDirty = this.positionsDirty = lowered = true;
    }
    if (lowered) {
      this.out.saveMeta(fx);
      this.handEvents(fx);
    }
  }

  // ---- staff commands ------------------------------------------------------------

  /** `hand.ack` (called on) or `hand.dismiss`: the hand comes down and its owner is told. */
  takeDown(
    fx: RootEffect[],
    m: ClientMessageOf<"hand.ack" | "hand.dismiss">,
    now: number,
  ): Refusal | null {
    const ok =
      m.type === "hand.ack"
        ? this.queue.ack(m.userId, now)
        : this.queue.lower(m.userId, now, "staff");
    if (!ok) return refuse("not_raised");
    this.out.store(fx, { op: "handGone", userId: m.userId });
    this.out.saveMeta(fx);
    this.handEvents(fx);
    this.positionsSent.delete(m.userId);
    const frame: ServerMessage = { type: "hand.position", raised: false, position: null };
    if (m.type === "hand.ack") frame.acknowledged = true;
    this.out.notifyUser(fx, m.userId, frame);
    this.handsDirty = this.positionsDirty = true;
    return null;
  }

  /** `hand.clear`: every hand comes down. */
  clear(fx: RootEffect[], now: number): Refusal | null {
    if (this.queue.lowerAll(now) > 0) {
      this.out.store(fx, { op: "handsCleared" });
      this.handEvents(fx);
      // One `hand.count` 0 tells every student their hand is down (no per-user frames).
      this.positionsSent.clear();
      this.handsDirty = true;
    }
    return null;
  }

  /** `hand.page`: the sender's window of the queue. */
  page(fx: RootEffect[], by: Author, m: ClientMessageOf<"hand.page">): Refusal | null {
    this.out.notifyUser(
      fx,
      by.id,
      this.window(m.offset, Math.min(m.limit ?? HAND_WINDOW, HAND_PAGE_MAX)),
      [STAFF_SECTION],
    );
    return null;
  }

  // ---- bounded-rate output -----------------------------------------------------

  /** The next time `tick` has work here (a hand to lower, the count, the positions), or Infinity. */
  due(): number {
    let due = Infinity;
    for (const since of this.awaySince.values()) due = Math.min(due, since + HAND_AWAY_MS);
    if (this.handsDirty) due = Math.min(due, this.handsSentAt + LIST_MS);
    if (this.positionsDirty) due = Math.min(due, this.positionsSentAt + POSITIONS_MS);
    return due;
  }

  /** Send the count, the staff's window and the front of the line's positions, when due. */
  tick(fx: RootEffect[], now: number): void {
    if (this.handsDirty && now - this.handsSentAt >= LIST_MS) {
      this.handsDirty = false;
      this.handsSentAt = now;
      const count = this.queue.count;
      if (count !== this.countSent) {
        this.countSent = count;
        this.out.host.emit(fx, (seq, at) => ({ type: "hand.count", seq, at, count }), now);
      }
      fx.push({ kind: "staff", frame: this.window(0, HAND_WINDOW) });
    }
    if (this.positionsDirty && now - this.positionsSentAt >= POSITIONS_MS) {
      this.positionsDirty = false;
      this.positionsSentAt = now;
      const where = this.out.host.userSections();
      for (const h of this.queue.page(0, POSITIONS_PUSHED)) {
        if (this.positionsSent.get(h.userId) === h.position) continue;
        this.positionsSent.set(h.userId, h.position);
        this.out.notifyUser(
          fx,
          h.userId,
          { type: "hand.position", raised: true, position: h.position },
          where.get(h.userId) ?? [],
        );
      }
    }
  }
}
