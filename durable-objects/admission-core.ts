/**
 * Admission at the shard (docs/decisions/014-admission-at-the-shard.md): the pure rules a
 * section shard applies to a join ticket on its own, the section pick the ticket route makes
 * from the root's last published directory, and the shard's cache of the class state for
 * joining sockets. No runtime imports; the shells are classroom-shard.ts (admission),
 * shard-sync.ts (cache), worker/routes/tickets.ts (pick) and classroom.ts (directory).
 */
import type { ApiErrorCode } from "../protocol/api.ts";
import { type ClassRole, CloseCode } from "../protocol/realtime.ts";
import type { ChatRules } from "./chat-policy.ts";
import type { ClientMarks } from "./rpc.ts";
import { STAFF_SECTION } from "./rpc.ts";

/**
 * Most concurrent sockets one user may hold in the class. A shard refuses past it on its
 * own; sockets spread over sections are counted by the root (ClassroomCore.overSocketCap).
 */
export const MAX_SOCKETS_PER_USER = 5;

/** What a verified join ticket says (worker/auth/join-ticket.ts). */
export interface JoinClaims {
  classId: string;
  /** The section the ticket was minted for: only that shard admits it. */
  sectionId: string;
  /** Shard host of that section (local multi-process topology), if any. */
  host?: string;
  user: { id: string; name: string };
  /** Class role, from D1 as it was when the ticket was minted (≤ 60 s ago). */
  role: ClassRole;
  /** The ticket's unique id, spent once by its shard. */
  ticketId: string;
  /** The account's token version at mint time (accounts only). */
  tokenVersion?: number;
  /** Guests: the device id their guest pass was issued to (a ban by device follows it). */
  device?: string;
  /** Epoch ms. */
  issuedAt: number;
  expiresAt: number;
}

/** Why a shard refused a ticket. Each maps to one HTTP error or close code (shell). */
export type AdmitRefusal =
  /** The ticket names another class or section: a replay on another shard. */
  | "wrong_shard"
  /** This ticket id was spent before (on this shard: the only one that admits it). */
  | "ticket_used"
  | "expired"
  /** The account lost power after the ticket was minted (kickUser): sign in / mint again. */
  | "revoked"
  | "banned"
  /** The class admits signed-in accounts only now. */
  | "guests_off"
  /** The section is at capacity: mint a new ticket (the directory moves on). */
  | "section_full"
  | "too_many_sockets";

/** Everything the shard knows when a ticket arrives. */
export interface ShardGate {
  classId: string;
  sectionId: string;
  rules: ChatRules;
  /** Sockets open on this shard, and of this user. */
  open: number;
  openOfUser: number;
  capacity: number;
  /** Whether the ticket id is in this shard's spent set. */
  spent: boolean;
  client: ClientMarks;
  now: number;
}

/**
 * Decide one join at the shard. Order matters only for what the refused client learns:
 * binding and replay first (nothing else is looked at for a ticket that is not for here).
 */
export function admitAtShard(
  t: JoinClaims,
  g: ShardGate,
): { ok: true } | { ok: false; code: AdmitRefusal } {
  const no = (code: AdmitRefusal) => ({ ok: false as const, code });
  if (t.classId !== g.classId || t.sectionId !== g.sectionId) return no("wrong_shard");
  if ((t.sectionId === STAFF_SECTION) !== (t.role === "teacher" || t.role === "moderator"))
    return no("wrong_shard");
  if (t.expiresAt <= g.now) return no("expired");
  if (g.spent) return no("ticket_used");
  if (revokedBy(g.rules, t.user.id, t.issuedAt, t.tokenVersion)) return no("revoked");
  if (t.role !== "teacher") {
    const b = g.rules.banned;
    if (b?.users.includes(t.user.id)) return no("banned");
    // A banned user's other guest ids from the same browser: the device their pass was
    // issued to (a hoarded pass brings it without the cookie), or the cookie's.
    if (t.role === "guest" && [t.device, g.client.device].some((d) => d && b?.devices.includes(d)))
      return no("banned");
  }
  if (t.role === "guest" && g.rules.guests === false) return no("guests_off");
  if (g.openOfUser >= MAX_SOCKETS_PER_USER) return no("too_many_sockets");
  if (t.sectionId !== STAFF_SECTION && g.open >= g.capacity) return no("section_full");
  return { ok: true };
}

/**
 * Whether a revocation the root pushed covers a ticket issued at `issuedAt` with token
 * version `tokenVersion`: issued up to the revocation (moderator grant removed), or of an
 * older token version than the account has since its demotion or disabling.
 */
function revokedBy(
  rules: ChatRules,
  userId: string,
  issuedAt: number,
  tokenVersion: number | undefined,
): boolean {
  const revokedAt = rules.revoked?.[userId];
  if (revokedAt !== undefined && issuedAt <= revokedAt) return true;
  const tv = rules.revokedTv?.[userId];
  return tv !== undefined && tokenVersion !== undefined && tokenVersion < tv;
}

/**
 * Whether a socket admitted earlier must close under rules the root just pushed: its user
 * banned, its access revoked after it joined, or a guest when guests are off. Null: stays.
 */
export function closedByRules(
  user: { id: string; role: ClassRole },
  joinedAt: number,
  rules: ChatRules,
  ticket?: { issuedAt: number; tokenVersion?: number },
): { code: "banned" | "revoked"; reason: string } | null {
  if (user.role !== "teacher" && rules.banned?.users.includes(user.id))
    return { code: "banned", reason: "banned" };
  // The ticket's issue time, not the join: a socket admitted after the root revoked but
  // before its rules arrived here was still let in by a ticket from before.
  if (
    revokedBy(
      rules,
      user.id,
      Math.min(joinedAt, ticket?.issuedAt ?? joinedAt),
      ticket?.tokenVersion,
    )
  )
    return { code: "revoked", reason: "access revoked" };
  if (user.role === "guest" && rules.guests === false)
    return { code: "revoked", reason: "guests not allowed" };
  return null;
}

/** Sockets per section shard when SHARD_CAPACITY is unset (docs/decisions/001). */
export const DEFAULT_CAPACITY = 2000;

/**
 * How a refused upgrade is answered: a typed HTTP error, or a socket accepted and closed
 * at once with a close code (a browser reads that; an HTTP error shows it only 1006).
 */
export type RefusalAnswer =
  | { http: number; code: ApiErrorCode; message: string }
  | { close: number; reason: string };

/** The answer to a refused ticket (decision 014). */
export function refusalOf(code: AdmitRefusal): RefusalAnswer {
  switch (code) {
    case "wrong_shard":
      return {
        http: 403,
        code: "wrong_shard",
        message: "This join ticket is for another section.",
      };
    case "ticket_used":
      return { http: 401, code: "unauthenticated", message: "This join ticket was already used." };
    case "expired":
      return {
        http: 401,
        code: "unauthenticated",
        message: "The join ticket is invalid or expired.",
      };
    case "revoked":
      return {
        http: 401,
        code: "unauthenticated",
        message: "This session has ended. Sign in again.",
      };
    case "guests_off":
      return {
        http: 403,
        code: "guest_access_disabled",
        message: "This class does not allow guests.",
      };
    case "section_full":
      return {
        http: 503,
        code: "section_full",
        message: "This section is full; ask for a new ticket.",
      };
    case "banned":
      return { close: CloseCode.banned, reason: "banned" };
    case "too_many_sockets":
      return { close: CloseCode.tooManySockets, reason: "too many sockets" };
    default:
      return code satisfies never;
  }
}

/**
 * Devices a shard closed sockets on for a ban, with the banned user (memory; the root's
 * rules list them soon). A device counts only while its user is still banned in the
 * rules: an unban lets the guest back on this shard too.
 */
export class SeenDevices {
  private readonly devices = new Map<string, string>();

  /** A socket of `userId` on `device` was closed for a ban. */
  banned(device: string, userId: string): void {
    this.devices.set(device, userId);
  }

  /** New rules: an unban lifts the devices this shard saw that user banned on. */
  rulesChanged(rules: ChatRules): void {
    const still = new Set(rules.banned?.users ?? []);
    for (const [d, u] of this.devices) if (!still.has(u)) this.devices.delete(d);
  }

  /** `rules` with the devices seen, for users still banned (admission uses these). */
  withSeen(rules: ChatRules): ChatRules {
    const users = rules.banned?.users ?? [];
    const seen = [...this.devices].filter(([, u]) => users.includes(u)).map(([d]) => d);
    if (seen.length === 0) return rules;
    return { ...rules, banned: { users, devices: [...(rules.banned?.devices ?? []), ...seen] } };
  }
}

// ---- section pick (ticket route) ----------------------------------------------

/** One section as the root publishes it to ticket minters. */
export interface DirectorySection {
  sectionId: string;
  host?: string;
  /**
   * Students that may still be sent here: seats below the fill mark by the root's count.
   * A minter spends them as it mints (takeSeat) and reports what it minted with its next
   * directory request; the shard's capacity check is the backstop when minters race.
   */
  room: number;
}

/** The root's answer to `Classroom.directory`: the sections of one shard host. */
export interface Directory {
  sections: DirectorySection[];
}

/** FNV-1a, 32 bit: a stable, cheap hash for rendezvous picks (not a security boundary). */
export function hash32(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * The section a student's ticket names: the hinted one (their last section, so a reconnect
 * lands where their answers are) when the directory still lists it, else the open section
 * with the highest rendezvous hash of (user, section) — a user keeps mapping to the same
 * section while the set with room does not change, so all their sockets share one shard and the
 * per-user socket cap holds there. Null when the directory has no open section.
 */
export function pickSection(
  dir: Directory,
  userId: string,
  hint?: string,
): DirectorySection | null {
  if (hint) {
    const h = dir.sections.find((s) => s.sectionId === hint && s.room > 0);
    if (h) return h;
  }
  let best: DirectorySection | null = null;
  let bestScore = -1;
  for (const s of dir.sections) {
    if (s.room <= 0) continue;
    const score = hash32(`${userId}|${s.sectionId}`);
    if (score > bestScore) {
      best = s;
      bestScore = score;
    }
  }
  return best;
}

/** A section opens for new students below this share of capacity (reports lag; tickets race). */
export const FILL_MARK = 0.8;

/**
 * The root's directory for shard host `host` from its section loads: sections on that host,
 * with the room each has below the fill mark; when none has any, the caller opens a new
 * section (`needsNew`).
 */
export function directoryOf(
  loads: { sectionId: string; host?: string; load: number }[],
  host: string,
  capacity: number,
): { dir: Directory; needsNew: boolean } {
  const mark = Math.max(1, Math.ceil(capacity * FILL_MARK));
  const sections = loads
    .filter((l) => l.sectionId !== STAFF_SECTION && (l.host ?? "") === host)
    .sort((a, b) => a.sectionId.localeCompare(b.sectionId, "en", { numeric: true }))
    .map((l): DirectorySection => {
      const s: DirectorySection = { sectionId: l.sectionId, room: Math.max(0, mark - l.load) };
      if (l.host) s.host = l.host;
      return s;
    });
  return { dir: { sections }, needsNew: !sections.some((s) => s.room > 0) };
}

// ---- joining sockets' catch-up (shard) ------------------------------------------

/** How long a shard serves joining sockets from one class-state answer while it stays warm. */
export const SYNC_CACHE_MS = 30_000;
/** Most frames kept after the cached answer; past this the next join asks the root again. */
export const SYNC_TAIL_MAX = 256;
/** How an encoded `presence` frame starts (root encodes `{ type, … }` in that order). */
const PRESENCE = '{"type":"presence"';

/**
 * A section shard's copy of the root's last answer to `sync` (the class snapshot) plus the
 * presence frames delivered since, so a student socket joining a warm shard is brought up
 * to date without a root request. Valid while the shard held sockets without a break (the
 * root delivers only to sections it knows are occupied), no class event arrived since,
 * for SYNC_CACHE_MS, and for SYNC_TAIL_MAX frames.
 */
export class SyncCache {
  private frames: string[] | null = null;
  private tail: string[] = [];
  private at = 0;

  /** Store a fresh `sync` answer's frames (students' catch-up, no resume). */
  fill(frames: string[], now: number): void {
    this.frames = frames;
    this.tail = [];
    this.at = now;
  }

  /**
   * A frame delivered to the shard's sockets. Presence counts ride along (the next one
   * corrects them anyway); anything else changed the class state, so the next joiner gets
   * a fresh snapshot — a joiner sees the state a reload would show, not history to replay.
   */
  delivered(frame: string): void {
    if (!this.frames) return;
    if (this.tail.length >= SYNC_TAIL_MAX || !frame.startsWith(PRESENCE)) this.clear();
    else this.tail.push(frame);
  }

  /** The shard became empty (the root stops delivering to it): the copy cannot be trusted. */
  clear(): void {
    this.frames = null;
    this.tail = [];
  }

  /** The frames for a joining student socket, or null: ask the root. */
  serve(now: number): string[] | null {
    if (!this.frames || now - this.at > SYNC_CACHE_MS) return null;
    return [...this.frames, ...this.tail];
  }
}
