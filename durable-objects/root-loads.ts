/**
 * The root's directory of shards (pure): how many sockets each section holds and for whom,
 * the seats lent to ticket minters (docs/decisions/014-admission-at-the-shard.md), the
 * delivery targets, the class-wide socket cap and the presence counts. Part of RootCore
 * (classroom-core.ts); the shell saves what `changes` lists.
 */
import { CloseCode } from "../protocol/realtime.ts";
import { type Directory, directoryOf } from "./admission-core.ts";
import type { RootEffect, ShardLoad } from "./root-state.ts";
import type { ShardReport } from "./rpc.ts";
import { STAFF_SECTION } from "./rpc.ts";

/** An admission not confirmed by its shard within this time no longer counts as load. */
export const RESERVATION_TTL_MS = 20_000;
/** Most concurrent sockets (open or admitted) one user may hold in a class. */
export const MAX_SOCKETS_PER_USER = 5;
/** The reservation a shard admitting on its own holds at the root (keeps deliveries coming). */
const SHARD_HOLD = "#shard";
/** A seat lent to a ticket minter (directory); a reported join takes one back. */
const SEAT = "#seat";
/** Lent seats not taken by a join within this long are free again (tickets live 60 s; sockets open at once). */
const SEAT_TTL_MS = 5000;

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

/** Every section's load, and what changed in them since the shell last saved. */
export class ShardLoads {
  readonly map = new Map<string, ShardLoad>();
  /**
   * What changed since the shell last saved: the sections whose row (sockets, reservations,
   * host) changed, and per section the users whose socket count changed (0 = gone). Saving
   * writes only these — a save of every user's count would make each admission O(students)
   * and filling a class O(students²) (docs/decisions/001).
   */
  readonly changes = {
    sections: new Set<string>(),
    users: new Map<string, Map<string, number>>(),
  };

  constructor(
    loads: ShardLoad[],
    public capacity: number,
  ) {
    for (const l of loads) this.map.set(l.sectionId, l);
  }

  /** A section's load, created empty if it is new. */
  load(sectionId: string): ShardLoad {
    let l = this.map.get(sectionId);
    if (!l) {
      l = { sectionId, sockets: 0, reserved: [] };
      this.map.set(sectionId, l);
    }
    return l;
  }

  /** Record that a section's row, and optionally one user's socket count in it, must be saved. */
  changed(l: ShardLoad, userId?: string): void {
    this.changes.sections.add(l.sectionId);
    if (userId === undefined) return;
    let users = this.changes.users.get(l.sectionId);
    if (!users) {
      users = new Map();
      this.changes.users.set(l.sectionId, users);
    }
    users.set(userId, l.users?.[userId] ?? 0);
  }

  /** Mark every section and user as changed (the shell rewrites loads in a new layout). */
  allChanged(): void {
    for (const l of this.map.values())
      for (const userId of [undefined, ...Object.keys(l.users ?? {})]) this.changed(l, userId);
  }

  /** Drop `userId`'s pending admissions everywhere. */
  dropReservations(userId: string): void {
    for (const l of this.map.values()) {
      const kept = l.reserved.filter((r) => r.userId !== userId);
      if (kept.length === l.reserved.length) continue;
      l.reserved = kept;
      this.changed(l);
    }
  }

  private loadOf(l: ShardLoad, now: number): number {
    l.reserved = l.reserved.filter(
      (r) => now - r.at < (r.userId === SEAT ? SEAT_TTL_MS : RESERVATION_TTL_MS),
    );
    return l.sockets + l.reserved.length;
  }

  /** A reported join: it takes its reservation (or a lent seat) and counts one more socket. */
  join(l: ShardLoad, userId: string): void {
    let i = l.reserved.findIndex((x) => x.userId === userId);
    if (i < 0) i = l.reserved.findIndex((x) => x.userId === SEAT);
    if (i >= 0) l.reserved.splice(i, 1);
    l.users ??= {};
    l.users[userId] = (l.users[userId] ?? 0) + 1;
    this.changed(l, userId);
  }

  /** A reported leave: one socket fewer. */
  leave(l: ShardLoad, userId: string): void {
    l.users ??= {};
    const n = (l.users[userId] ?? 0) - 1;
    if (n > 0) l.users[userId] = n;
    else delete l.users[userId];
    this.changed(l, userId);
  }

  /** Self-healing: a shard that reports 0 sockets holds nobody, whatever reports were lost. Returns whom it forgot. */
  emptied(l: ShardLoad): string[] {
    const gone = Object.keys(l.users ?? {});
    l.users = {};
    for (const userId of gone) this.changed(l, userId);
    return gone;
  }

  /**
   * The per-user socket cap is per class: each shard caps what it holds, and the root, which
   * sees every section's joins, closes the newest sockets of a user who spread more than
   * MAX_SOCKETS_PER_USER over several sections (close 4009) — no request per upgrade.
   */
  overSocketCap(r: ShardReport): RootEffect[] {
    const fx: RootEffect[] = [];
    for (const userId of new Set(r.joins.map((j) => j.user.id))) {
      const excess = Math.min(
        this.openSockets(userId) - MAX_SOCKETS_PER_USER,
        this.map.get(r.sectionId)?.users?.[userId] ?? 0,
      );
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
  socketsOf(userId: string, now: number): number {
    let n = 0;
    for (const l of this.map.values()) {
      this.loadOf(l, now);
      n += (l.users?.[userId] ?? 0) + l.reserved.filter((r) => r.userId === userId).length;
    }
    return n;
  }

  /** Sockets `userId` has open (reported joins minus leaves, every section). */
  openSockets(userId: string): number {
    let n = 0;
    for (const l of this.map.values()) n += l.users?.[userId] ?? 0;
    return n;
  }

  /** Everyone with an open socket somewhere (reported joins minus leaves). */
  openUsers(): Set<string> {
    const open = new Set<string>();
    for (const l of this.map.values()) for (const id of Object.keys(l.users ?? {})) open.add(id);
    return open;
  }

  /** userId → the sections holding their sockets (from reported joins and leaves). */
  userSections(): Map<string, string[]> {
    const out = new Map<string, string[]>();
    for (const l of this.map.values())
      for (const userId of Object.keys(l.users ?? {})) {
        const list = out.get(userId);
        if (list) list.push(l.sectionId);
        else out.set(userId, [l.sectionId]);
      }
    return out;
  }

  /** Sections that hold (or are about to hold) sockets: the delivery targets. */
  activeSections(now: number): string[] {
    return [...this.map.values()].filter((l) => this.loadOf(l, now) > 0).map((l) => l.sectionId);
  }

  /** Live students (sockets in section shards). */
  students(): number {
    let n = 0;
    for (const l of this.map.values()) if (l.sectionId !== STAFF_SECTION) n += l.sockets;
    return n;
  }

  /** Live students and occupied sections. */
  presenceCounts(): { students: number; sections: number } {
    const sections = [...this.map.values()].filter(
      (l) => l.sectionId !== STAFF_SECTION && l.sockets > 0,
    ).length;
    return { students: this.students(), sections };
  }

  /** Student sections with their socket counts (the staff's moderation view). */
  studentSections(): { sectionId: string; students: number }[] {
    return [...this.map.values()]
      .filter((l) => l.sectionId !== STAFF_SECTION)
      .map((l) => ({ sectionId: l.sectionId, students: l.sockets }));
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
    this.changed(l);
  }

  /**
   * The sections ticket minters on shard host `host` may send students to, opening a new
   * section there (named by `open`) when every one is past the fill mark (decision 014).
   * `want`: the mints waiting in the asking isolate; it is lent at least that many seats
   * when the class has them (a join storm is served in one round, not one block per round),
   * and a new section opens when the open ones cannot cover it.
   */
  directory(host: string, now: number, want: number, open: () => string): Directory {
    const view = () =>
      directoryOf(
        [...this.map.values()].map((l) => {
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
      const l = this.load(open());
      if (host) l.host = host;
      this.changed(l);
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
      const l = this.map.get(s.sectionId);
      if (!l || s.room === 0) continue;
      for (let i = 0; i < s.room; i++) l.reserved.push({ userId: SEAT, at: now });
      this.changed(l);
    }
    return dir;
  }
}
