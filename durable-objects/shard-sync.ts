/**
 * Bringing a ClassroomShard's sockets up to date with the class: a student joining a warm
 * shard from its copy of the class state (`SyncCache`, admission-core.ts), anyone else —
 * staff, a resume, a `hello` (at most one at a time, HELLO_MIN_INTERVAL_MS apart) — from a `sync` request to the root, one shared request for
 * the shard itself when its rules may be stale (decision 014). Live frames queue for a
 * socket until its catch-up is sent (`SocketOutbox.hold`). Part of the shell: the root
 * is reached through `SyncPort.request`.
 */
import { type Author, isStaff, type ServerMessage } from "../protocol/realtime.ts";
import { errorMessage, logEvent } from "../worker/log.ts";
import { SyncCache } from "./admission-core.ts";
import type { SyncResult } from "./rpc.ts";
import { admitHello, type ConnGuard } from "./shard-core.ts";
import type { SocketOutbox } from "./shard-sockets.ts";
import type { HeldAnswer } from "./shard-tally.ts";
import { answeredFrame } from "./shard-tally-shell.ts";

/** What catching up needs from the rest of the shard. */
export interface SyncPort {
  outbox: SocketOutbox;
  /** The root's `sync` for this section (`staff`: with the staff frames; from `resume`). */
  request(staff: boolean, resume: number | undefined): Promise<SyncResult>;
  /** Take what every answer brings besides its frames: rules, tallied polls, watch flag. */
  adopt(r: SyncResult): void;
  isStaffShard(): boolean;
  /** `sanction.applied` for a user timed out at `now`, else null. */
  timeoutNotice(userId: string, now: number): ServerMessage | null;
  /** This section's `section.snapshot` frame. */
  sectionSnapshot(): string;
  /** The answers this shard holds for `userId` (a reconnect to the same section). */
  answersOf(userId: string): HeldAnswer[];
}

/** The shard's class-state requests and its copy for joining students. */
export class ShardSync {
  /** Whether the rules came from the root while this instance held sockets (see `stale`). */
  private rulesFresh = false;
  /** The shared class-state request in flight (`shared`). */
  private inFlight: Promise<void> | null = null;
  /** The class state joining students are served from. */
  private readonly cache = new SyncCache();

  constructor(private readonly port: SyncPort) {}

  /**
   * Whether a join must first ask the root: an empty shard's rules may be stale (the root
   * delivers only to occupied sections).
   */
  stale(openSockets: number): boolean {
    return openSockets === 0 || !this.rulesFresh;
  }

  /**
   * One class-state request for the shard (rules, watch flag, and the snapshot joining
   * students are served from), shared by every socket that waits for it.
   */
  shared(): Promise<void> {
    this.inFlight ??= (async () => {
      try {
        const r = await this.port.request(false, undefined);
        this.port.adopt(r);
        if (!this.port.isStaffShard()) this.cache.fill(r.frames, Date.now());
        this.rulesFresh = true;
      } finally {
        this.inFlight = null;
      }
    })();
    return this.inFlight;
  }

  /** A socket was admitted: a student on a warm shard is served from the copy, others sync. */
  joined(ws: WebSocket, user: Author, resume: number | undefined, now: number): void {
    const { outbox } = this.port;
    const cached =
      resume === undefined && !isStaff(user.role) && !this.port.isStaffShard()
        ? this.cache.serve(now)
        : null;
    if (cached) {
      for (const f of cached) outbox.send(ws, f);
      const notice = this.port.timeoutNotice(user.id, now);
      if (notice) outbox.reply(ws, notice);
      outbox.send(ws, this.port.sectionSnapshot());
      this.sendAnswers(ws, user.id);
    } else {
      outbox.hold(ws);
      void this.socket(ws, user, resume, true);
    }
  }

  /** A socket's `hello`: resync it from `resume`, one at a time and not too often. */
  hello(ws: WebSocket, user: Author, guard: ConnGuard, resume: number | undefined): void {
    if (admitHello(guard, this.port.outbox.isHeld(ws), Date.now()) !== "ok") {
      this.port.outbox.reply(ws, {
        type: "error",
        code: "rate_limited",
        message: "A resync is in progress or just happened; retry in a few seconds.",
        ref: "hello",
      });
      return;
    }
    void this.socket(ws, user, resume, false);
  }

  /** Send the class state (snapshot or missed events), then release queued live frames. */
  private async socket(
    ws: WebSocket,
    user: Author,
    resume: number | undefined,
    initial: boolean,
  ): Promise<void> {
    const { outbox } = this.port;
    outbox.hold(ws);
    try {
      const r = await this.port.request(isStaff(user.role), resume);
      this.port.adopt(r);
      for (const f of r.frames) outbox.send(ws, f);
      const notice = isStaff(user.role) ? null : this.port.timeoutNotice(user.id, Date.now());
      if (notice) outbox.reply(ws, notice);
      if (initial) {
        for (const f of r.staff) outbox.send(ws, f);
        if (!this.port.isStaffShard()) outbox.send(ws, this.port.sectionSnapshot());
        this.sendAnswers(ws, user.id);
      }
    } catch (err) {
      logEvent({ event: "sync_failed", message: errorMessage(err) });
      outbox.reply(ws, {
        type: "error",
        code: "unavailable",
        message: "Class state is briefly unavailable; send hello to retry.",
      });
    } finally {
      outbox.release(ws);
    }
  }

  /** A frame delivered to the shard's sockets (the copy follows presence, drops on others). */
  delivered(frame: string): void {
    this.cache.delivered(frame);
  }

  /** Empty, the shard stops receiving deliveries: its copies of state and rules go stale. */
  emptied(): void {
    this.cache.clear();
    this.rulesFresh = false;
  }

  /** The student's answers this shard holds (a reconnect to the same section). */
  private sendAnswers(ws: WebSocket, userId: string): void {
    for (const a of this.port.answersOf(userId)) this.port.outbox.send(ws, answeredFrame(a));
  }
}
