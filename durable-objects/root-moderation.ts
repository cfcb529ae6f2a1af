/**
 * Class-wide moderation at the root (pure): the chat and admission rules pushed to every
 * shard (versioned: time-outs, bans, revocations, guest access, slow mode, blocked words),
 * who is staff (staff cannot be sanctioned), the rejection backlog and the moderation queue
 * fed by every section (held messages, student reports) with its bounded-rate frames.
 * Part of RootCore (classroom-core.ts).
 */
import type {
  Author,
  ClassRole,
  ClientMessageOf,
  PublicSettings,
  Rejection,
  StaffFrame,
} from "../protocol/realtime.ts";
import { CloseCode, isStaff, REACTION_BURST_MS, RESOLVE_TIMEOUT_S } from "../protocol/realtime.ts";
import type { ChatRules } from "./chat-policy.ts";
import { ModerationQueue } from "./moderation-queue.ts";
import type { ShardLoads } from "./root-loads.ts";
import {
  ALL,
  audit,
  type Emit,
  notifyStaff,
  type RootDurable,
  type RootEffect,
} from "./root-state.ts";
import type { ShardControl, ShardReport, StaffCommand } from "./rpc.ts";
import { STAFF_SECTION } from "./rpc.ts";
import type { ShardFlag } from "./shard-social.ts";

/** Rejections kept for the staff feed backlog. */
export const REJECTION_HISTORY = 200;
/** A revocation is kept this long: longer than a join ticket lives (60 s). */
export const REVOKED_KEEP_MS = 120_000;

/** The staff commands this part carries out. */
export type ModerationCommand = ClientMessageOf<
  "mod.timeout" | "mod.ban" | "mod.unban" | "settings.update" | "mod.resolve"
>;

/** What moderation needs from the rest of the root. */
export interface ModerationHost {
  /** A connected user's display name (a ban keeps it: a guest has no account to look it up in). */
  nameOf(userId: string): string | undefined;
  /** A global-channel message's author and text (reports of global messages), or null. */
  globalMessage(id: string): { author: Author; text: string } | null;
  /** Carry out a staff command (a queue item's resolution is a delete, time-out or ban). */
  command(c: StaffCommand, now: number): RootEffect[];
}

/** Rules, sanctions, staff roles and the moderation queue. */
export class RootModeration {
  /** Recent rejections (memory only: a staff convenience, not a record). */
  readonly rejections: Rejection[] = [];
  /** The class-wide moderation queue (moderation-queue.ts); memory only. */
  readonly queue: ModerationQueue;
  /** When the last `mod.queue` frame went to staff. */
  private queueSentAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly durable: RootDurable,
    private readonly loads: ShardLoads,
    private readonly emit: Emit,
    private readonly host: ModerationHost,
    newId: () => string,
  ) {
    this.queue = new ModerationQueue(newId);
  }

  /** Chat and admission rules for shards (the shell adds banned users' device ids). */
  rules(now: number): ChatRules {
    const d = this.durable;
    this.pruneTimeouts(now);
    const rules: ChatRules = {
      slowModeSec: d.settings.slowModeSec,
      linkPolicy: d.settings.linkPolicy,
      blockedWords: d.blockedWords,
      timeouts: { ...d.timeouts },
      version: d.rulesVersion ?? 0,
    };
    const banned = Object.keys(d.bans);
    if (banned.length > 0) rules.banned = { users: banned, devices: [] };
    const revoked = Object.entries(d.revoked ?? {}).filter(([, at]) => now - at < REVOKED_KEEP_MS);
    if (revoked.length > 0) rules.revoked = Object.fromEntries(revoked);
    const tv = d.revokedTv ?? {};
    const revokedTv = revoked.filter(([u]) => tv[u] !== undefined).map(([u]) => [u, tv[u]!]);
    if (revokedTv.length > 0) rules.revokedTv = Object.fromEntries(revokedTv);
    if (d.guestsOff) rules.guests = false;
    return rules;
  }

  /** Staff moderation state. */
  modState(now: number): StaffFrame {
    this.pruneTimeouts(now);
    return {
      type: "mod.state",
      blockedWords: this.durable.blockedWords,
      bans: Object.entries(this.durable.bans).map(([userId, b]) => ({ userId, ...b })),
      timeouts: Object.entries(this.durable.timeouts).map(([userId, until]) => ({ userId, until })),
      sections: this.loads.studentSections(),
    };
  }

  /** The rejection backlog frame. */
  rejectionBacklog(): StaffFrame {
    return { type: "mod.rejections", items: [...this.rejections] };
  }

  /**
   * Track who is staff (from the joins shards report), so moderators cannot sanction them.
   * Returns whether the durable state changed.
   */
  rememberRole(userId: string, role: ClassRole): boolean {
    this.durable.staff ??= {};
    const staff = this.durable.staff;
    if (isStaff(role)) {
      if (staff[userId] === role) return false;
      staff[userId] = role;
    } else {
      if (!(userId in staff)) return false;
      delete staff[userId];
    }
    return true;
  }

  /** Whether `userId` was last admitted as teacher or moderator. */
  isStaffUser(userId: string): boolean {
    return this.durable.staff?.[userId] !== undefined;
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
    const d = this.durable;
    // Targets first: a socket whose join is not reported yet lives only in a reservation.
    const fx: RootEffect[] = this.loads.activeSections(now).map((sectionId) => ({
      kind: "control",
      sectionId,
      control: { kind: "kick", userId, code, reason },
    }));
    this.loads.dropReservations(userId);
    fx.push({ kind: "loads" });
    // Tickets minted before now (≤ 60 s old, with the old role) are refused at the shards.
    d.revoked ??= {};
    d.revokedTv ??= {};
    const tv = d.revokedTv;
    for (const [u, at] of Object.entries(d.revoked))
      if (now - at >= REVOKED_KEEP_MS) {
        delete d.revoked[u];
        delete tv[u];
      }
    d.revoked[userId] = now;
    if (tokenVersion !== undefined) tv[userId] = Math.max(tv[userId] ?? 0, tokenVersion);
    this.pushRules(fx, now);
    return fx;
  }

  /** A report's joins of users banned between admission and connect: the shard learns it here. */
  kickBanned(fx: RootEffect[], r: ShardReport): void {
    for (const j of r.joins)
      if (this.durable.bans[j.user.id])
        fx.push({
          kind: "control",
          sectionId: r.sectionId,
          control: { kind: "kick", userId: j.user.id, code: CloseCode.banned, reason: "banned" },
        });
  }

  /** A report's rejections: kept for the backlog, sent to staff, held ones queued. */
  rejected(fx: RootEffect[], rejections: Rejection[], now: number): void {
    if (rejections.length > 0) {
      this.rejections.push(...rejections);
      if (this.rejections.length > REJECTION_HISTORY)
        this.rejections.splice(0, this.rejections.length - REJECTION_HISTORY);
      fx.push({ kind: "staff", frame: { type: "mod.rejections", items: rejections } });
    }
    for (const rej of rejections) this.queue.held(rej, now);
  }

  /** Students' reports of messages, into the queue. */
  flagged(flags: ShardFlag[], now: number): void {
    for (const f of flags) this.queue.report(f, now, (id) => this.host.globalMessage(id));
  }

  /** When `queueTick` next has a queue update to send, or null. */
  queueDue(): number | null {
    return this.queue.dirty ? this.queueSentAt + REACTION_BURST_MS : null;
  }

  /** The moderation queue to staff, at most once per REACTION_BURST_MS. */
  queueTick(fx: RootEffect[], now: number): void {
    if (this.queue.dirty && now - this.queueSentAt >= REACTION_BURST_MS) {
      this.queueSentAt = now;
      fx.push({ kind: "staff", frame: this.queue.view() });
    }
  }

  /** Carry out a staff moderation command (the sender is staff: RootCore.command checked). */
  command(fx: RootEffect[], by: Author, m: ModerationCommand, now: number): void {
    const d = this.durable;
    switch (m.type) {
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
        audit(fx, by, now, "mod.timeout", m.userId, {
          seconds: m.seconds,
          reason: m.reason ?? null,
        });
        break;
      }
      case "mod.ban": {
        if (this.refuseStaffTarget(fx, by, m.type, m.userId)) break;
        // Keep the name while the person is here: guests have no account to look it up
        // in later, and the ban list should not show a bare `g_…` id.
        const bannedName = this.host.nameOf(m.userId);
        d.bans[m.userId] = bannedName ? { name: bannedName, at: now } : { at: now };
        this.loads.dropReservations(m.userId);
        this.queue.removeAuthor(m.userId);
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
          fx,
          by,
          now,
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
        audit(fx, by, now, "mod.unban", m.userId);
        break;
      }
      case "settings.update":
        this.updateSettings(fx, by, m, now);
        break;
      case "mod.resolve":
        this.resolve(fx, by, m, now);
        break;
      default:
        m satisfies never;
    }
  }

  /** The teacher changes slow mode, the link policy or the blocked words. */
  private updateSettings(
    fx: RootEffect[],
    by: Author,
    m: ClientMessageOf<"settings.update">,
    now: number,
  ): void {
    const d = this.durable;
    if (by.role !== "teacher") return;
    const next: PublicSettings = {
      slowModeSec: m.slowModeSec ?? d.settings.slowModeSec,
      linkPolicy: m.linkPolicy ?? d.settings.linkPolicy,
    };
    if (next.slowModeSec !== d.settings.slowModeSec || next.linkPolicy !== d.settings.linkPolicy) {
      d.settings = next;
      this.emit(fx, (seq, at) => ({ type: "settings.changed", seq, at, settings: next }), now);
    }
    if (m.blockedWords) d.blockedWords = [...new Set(m.blockedWords.map((w) => w.toLowerCase()))];
    this.bumpRules();
    fx.push(
      { kind: "control", sectionId: ALL, control: { kind: "rules", rules: this.rules(now) } },
      { kind: "persist" },
      { kind: "staff", frame: this.modState(now) },
    );
    audit(fx, by, now, "settings.update", null, {
      slowModeSec: m.slowModeSec,
      linkPolicy: m.linkPolicy,
      blockedWords: m.blockedWords?.length,
    });
  }

  /** Staff act on a moderation queue item: the matching delete / time-out / ban, audited. */
  private resolve(
    fx: RootEffect[],
    by: Author,
    m: ClientMessageOf<"mod.resolve">,
    now: number,
  ): void {
    const item = this.queue.get(m.itemId);
    if (!item) {
      notifyStaff(
        fx,
        by.id,
        { code: "not_found", message: "That item was already handled." },
        "mod.resolve",
      );
      return;
    }
    const act = (message: StaffCommand["message"]) =>
      fx.push(...this.host.command({ by, message }, now));
    const userId = item.author.id;
    if (m.action !== "dismiss" && item.messageId)
      act({ type: "chat.delete", messageId: item.messageId });
    if (m.action === "timeout")
      act({ type: "mod.timeout", userId, seconds: m.seconds ?? RESOLVE_TIMEOUT_S });
    if (m.action === "ban") act({ type: "mod.ban", userId });
    this.queue.remove(item.id);
    audit(fx, by, now, "mod.resolve", userId, {
      action: m.action,
      kind: item.kind,
      messageId: item.messageId ?? null,
    });
    this.queueSentAt = now;
    fx.push({ kind: "staff", frame: this.queue.view() });
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

  /** Staff (teacher, moderators) cannot be banned or timed out: answer the sender with `error forbidden`. */
  private refuseStaffTarget(
    fx: RootEffect[],
    by: Author,
    ref: "mod.ban" | "mod.timeout",
    target: string,
  ): boolean {
    if (!this.isStaffUser(target)) return false;
    notifyStaff(
      fx,
      by.id,
      { code: "forbidden", message: "The teacher and moderators cannot be banned or timed out." },
      ref,
    );
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
    for (const sectionId of this.loads.map.keys())
      if (sectionId !== STAFF_SECTION) fx.push({ kind: "control", sectionId, control });
  }
}
