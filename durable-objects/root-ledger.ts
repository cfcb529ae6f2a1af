/**
 * The root's session and attendance ledger (pure): when a class session starts and ends,
 * who is connected since when (the union of a user's sockets, so two tabs count once and
 * a reload leaves no hole), the attendance deltas D1 sums, the session's peak and the
 * per-minute concurrency. Part of RootCore (classroom-core.ts).
 */
import { type Author, isStaff } from "../protocol/realtime.ts";
import type { ShardLoads } from "./root-loads.ts";
import type { Connected, RootDurable, RootEffect, SessionInfo } from "./root-state.ts";

/**
 * A class empty this long (and not streaming) ends its session; for this long after the
 * stream ended, joins (reloads, stragglers) do not open a new one.
 */
export const SESSION_IDLE_MS = 30 * 60_000;

/** Sessions, connected users and the attendance they earn. */
export class SessionLedger {
  /**
   * Users with an open socket (any section, any tab), since when: attendance credits the
   * union of a user's sockets, so two tabs count once and a reload leaves no hole.
   */
  readonly connected = new Map<string, Connected>();
  /** What changed in `connected` since the shell last saved it (null: gone). */
  readonly connectedChanges = new Map<string, Connected | null>();
  /** The last per-minute concurrency emitted (memory only: a restart re-emits, the upsert keeps the max). */
  private minuteMark = { sessionId: "", minute: 0, concurrency: -1 };

  constructor(
    private readonly durable: RootDurable,
    private readonly loads: ShardLoads,
    private readonly newId: () => string,
    connected: [string, Connected][],
  ) {
    for (const [id, c] of connected) this.connected.set(id, c);
  }

  /**
   * The session a report's joins are credited to: a session idle past SESSION_IDLE_MS ends
   * first, and joins open a new one unless the stream ended moments ago (reloads and
   * stragglers right after the end are not a new class).
   */
  sessionForJoins(fx: RootEffect[], now: number): SessionInfo | null {
    let session = this.durable.session;
    if (session?.emptySince != null && now - session.emptySince > SESSION_IDLE_MS) {
      this.endSession(fx, session.emptySince);
      session = null;
    }
    const ended = this.durable.streamEndedAt;
    if (!session && (ended == null || now - ended > SESSION_IDLE_MS))
      session = this.startSession(fx, now);
    return session;
  }

  /** A reported join: `user` is connected from `at` on, and attends `session` if there is one. */
  joined(fx: RootEffect[], user: Author, at: number, session: SessionInfo | null): void {
    if (!this.connected.has(user.id)) {
      const c = { since: at, name: user.name, staff: isStaff(user.role) };
      this.connected.set(user.id, c);
      this.connectedChanges.set(user.id, c);
    }
    if (session)
      this.attends(
        fx,
        session.id,
        user.id,
        user.name,
        Math.max(at, session.startedAt),
        isStaff(user.role),
      );
  }

  /** `user`'s socket closed at `at` (the shard loads already count it gone): credit them if it was their last. */
  disconnected(fx: RootEffect[], user: Author, at: number, joinedAt: number): void {
    if (this.loads.openSockets(user.id) > 0) return;
    // State saved before `connected` existed lacks the user: their socket's own span stands in.
    const c = this.connected.get(user.id) ?? {
      since: joinedAt,
      name: user.name,
      staff: isStaff(user.role),
    };
    this.credit(fx, user.id, c, at);
    this.connected.delete(user.id);
    this.connectedChanges.set(user.id, null);
  }

  /** A shard reported empty: whoever it forgot (ShardLoads.emptied) and holds no other socket left now. */
  forgotten(fx: RootEffect[], userIds: string[], now: number): void {
    for (const userId of userIds) {
      const c = this.connected.get(userId);
      if (c) this.disconnected(fx, { id: userId, name: c.name, role: "student" }, now, c.since);
    }
  }

  /**
   * After a report: the session's peak, since when the class is empty, and the minute's
   * concurrency (D1 session_minutes keeps the peak per minute).
   */
  counted(fx: RootEffect[], session: SessionInfo | null, staffSockets: number, now: number): void {
    if (!session) return;
    const students = this.loads.students();
    const total = students + staffSockets;
    const emptySince = total === 0 ? (session.emptySince ?? now) : null;
    if (students > session.peak || emptySince !== session.emptySince) {
      session.peak = Math.max(session.peak, students);
      session.emptySince = emptySince;
      fx.push({ kind: "persist" });
    }
    const minute = Math.floor(now / 60_000) * 60_000;
    const m = this.minuteMark;
    if (m.sessionId !== session.id || m.minute !== minute || students > m.concurrency) {
      this.minuteMark = { sessionId: session.id, minute, concurrency: students };
      fx.push({ kind: "minute", sessionId: session.id, minute, concurrency: students });
    }
  }

  /** Open a session now; whoever is already here attends from the start. */
  startSession(fx: RootEffect[], now: number): SessionInfo {
    const s: SessionInfo = {
      id: this.newId(),
      startedAt: now,
      peak: this.loads.students(),
      emptySince: null,
    };
    this.durable.session = s;
    this.durable.lastSessionId = s.id;
    fx.push(
      { kind: "session", session: { id: s.id, startedAt: now, endedAt: null, peak: s.peak } },
      { kind: "persist" },
    );
    // Whoever is already here attends from the start (their time is credited when they leave).
    this.dropGhosts();
    for (const [userId, c] of this.connected) this.attends(fx, s.id, userId, c.name, now, c.staff);
    return s;
  }

  /** End the open session at `endedAt`, crediting everyone still connected up to then. */
  endSession(fx: RootEffect[], endedAt: number): void {
    const s = this.durable.session;
    if (!s) return;
    // Everyone still connected attended to the end: credit them now, not at a leave that
    // may come much later (or, for a tab left open, never).
    this.dropGhosts();
    for (const [userId, c] of this.connected) this.credit(fx, userId, c, endedAt);
    fx.push(
      { kind: "session", session: { id: s.id, startedAt: s.startedAt, endedAt, peak: s.peak } },
      { kind: "persist" },
    );
    this.durable.session = null;
  }

  /**
   * An empty class that is not streaming (`onAir` false) ends its session after
   * SESSION_IDLE_MS; `nextDeadline` says when.
   */
  tick(fx: RootEffect[], onAir: boolean, now: number): void {
    const s = this.durable.session;
    if (s && s.emptySince != null && !onAir && now - s.emptySince >= SESSION_IDLE_MS)
      this.endSession(fx, s.emptySince);
  }

  /** When `tick` next ends an idle session, or null. */
  nextDeadline(onAir: boolean): number | null {
    const s = this.durable.session;
    return s && s.emptySince != null && !onAir ? s.emptySince + SESSION_IDLE_MS : null;
  }

  /** `userId` attends session `sessionId` from `firstJoin` on (a join; the credit comes at the leave). */
  private attends(
    fx: RootEffect[],
    sessionId: string,
    userId: string,
    name: string,
    firstJoin: number,
    staff: boolean,
  ): void {
    fx.push({
      kind: "attendance",
      delta: { sessionId, userId, name, firstJoin, lastLeave: null, seconds: 0, joins: 1, staff },
    });
  }

  /**
   * Credit the open session with `user`'s connected stretch up to `until` (only the part
   * inside the session: time before it was credited when the previous one ended).
   */
  private credit(fx: RootEffect[], userId: string, c: Connected, until: number): void {
    const s = this.durable.session;
    if (!s) return;
    const from = Math.max(c.since, s.startedAt);
    fx.push({
      kind: "attendance",
      delta: {
        sessionId: s.id,
        userId,
        name: c.name,
        firstJoin: Math.min(from, until),
        lastLeave: until,
        seconds: Math.max(0, Math.round((until - from) / 1000)),
        joins: 0,
        staff: c.staff,
      },
    });
  }

  /**
   * Forget users the shard loads no longer hold (their leave was lost and a shard's
   * "0 sockets" report reset it), so a ghost is not credited at every session's end.
   */
  private dropGhosts(): void {
    const open = this.loads.openUsers();
    for (const id of this.connected.keys())
      if (!open.has(id)) {
        this.connected.delete(id);
        this.connectedChanges.set(id, null);
      }
  }
}
