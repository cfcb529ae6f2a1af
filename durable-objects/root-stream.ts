/**
 * The class's stream lifecycle at the root (pure): its status (from the WHIP façade and the
 * media bridge), the publisher's signs of life, D1 `classes.live_until`, and the sessions
 * going live opens and ending closes. Part of RootCore (classroom-core.ts).
 */
import type { StreamStatus } from "../protocol/realtime.ts";
import type { SessionLedger } from "./root-ledger.ts";
import type { Emit, RootDurable, RootEffect } from "./root-state.ts";

/**
 * A live stream with no sign of its publisher (bridge health report, WHIP publish) for
 * this long has ended: the bridge reports every 5 s while its session exists.
 */
export const PUBLISHER_SILENCE_MS = 60_000;
/** How far ahead D1 `classes.live_until` is set while the stream is live (renewed at half). */
export const LIVE_TTL_MS = 120_000;

/** Whether a stream is on air: live, or held by the bridge (slate, restart) for its teacher. */
export function onAir(status: StreamStatus): boolean {
  return status === "live" || status === "reconnecting" || status === "interrupted";
}

/**
 * What a media bridge health report means for the stream's status, or null for no
 * change. Only the WHIP façade makes a stream live; the bridge then moves it between
 * live, reconnecting (the slate is on air: the teacher's media stopped without a Stop)
 * and interrupted (the bridge is reconnecting to the ingest), or ends it.
 */
export function streamStatusFromHealth(
  current: StreamStatus,
  health: { state: string; fillerActive: boolean },
): StreamStatus | null {
  if (health.state === "ended") return current === "idle" ? null : "ended";
  if (current === "idle" || current === "ended") return null;
  if (health.fillerActive || health.state === "filler") return "reconnecting";
  if (health.state === "restarting") return "interrupted";
  if (health.state === "live") return "live";
  return null;
}

/** The stream's status and liveness, and the sessions they open and close. */
export class RootStream {
  constructor(
    private readonly durable: RootDurable,
    private readonly ledger: SessionLedger,
    private readonly emit: Emit,
  ) {}

  /**
   * The stream's status changed (from the WHIP façade or the media bridge). `startedAt`
   * (when the bridge's RTMP publish began) refines a live stream without a new session.
   */
  setStatus(status: StreamStatus, now: number, startedAt: number | null = null): RootEffect[] {
    const d = this.durable;
    const known = d.streamStartedAt ?? null;
    // A stream that is reconnecting keeps its start (the students' delay reference).
    const nextStart = status === "live" ? (startedAt ?? known) : onAir(status) ? known : null;
    const fx: RootEffect[] = [];
    if (status === d.stream && nextStart === known) {
      if (onAir(status)) this.publisherAlive(fx, now);
      return fx;
    }
    d.stream = status;
    d.streamStartedAt = nextStart;
    this.emit(
      fx,
      (seq, at) => ({ type: "stream.status", seq, at, status, startedAt: nextStart }),
      now,
    );
    if (onAir(status)) {
      this.publisherAlive(fx, now);
      if (status === "live" && !d.session) this.ledger.startSession(fx, now);
    } else {
      d.publisherSeenAt = null;
      if (d.liveUntil != null) {
        d.liveUntil = null;
        fx.push({ kind: "liveUntil", until: null });
      }
    }
    if (status === "ended") {
      d.streamEndedAt = now;
      this.ledger.endSession(fx, now);
    }
    return fx;
  }

  /**
   * A sign of life from the publisher (a bridge health report that is not `ended`, or a
   * WHIP publish): keeps a live stream live and renews D1 `live_until` at half its TTL.
   */
  publisherAlive(fx: RootEffect[], now: number): void {
    const d = this.durable;
    const last = d.publisherSeenAt ?? 0;
    d.publisherSeenAt = now;
    // Saved at most every 10 s: a restart then loses at most that much of the silence window.
    if (now - last >= 10_000) fx.push({ kind: "persist" });
    if (onAir(d.stream)) this.renewLive(fx, now);
  }

  private renewLive(fx: RootEffect[], now: number): void {
    const d = this.durable;
    if ((d.liveUntil ?? 0) - now > LIVE_TTL_MS / 2) return;
    d.liveUntil = now + LIVE_TTL_MS;
    fx.push({ kind: "liveUntil", until: d.liveUntil }, { kind: "persist" });
  }

  /**
   * Time-driven state (the shell's alarm): a stream whose publisher went silent ends, an
   * empty class that is not streaming ends its session after SESSION_IDLE_MS.
   */
  tick(now: number): RootEffect[] {
    const fx: RootEffect[] = [];
    const d = this.durable;
    if (onAir(d.stream) && now - (d.publisherSeenAt ?? 0) >= PUBLISHER_SILENCE_MS)
      fx.push(...this.setStatus("ended", now));
    this.ledger.tick(fx, onAir(d.stream), now);
    return fx;
  }

  /** When `tick` next has something to do, or null. */
  nextDeadline(): number | null {
    const d = this.durable;
    const at: number[] = [];
    if (onAir(d.stream)) at.push((d.publisherSeenAt ?? 0) + PUBLISHER_SILENCE_MS);
    const idle = this.ledger.nextDeadline(onAir(d.stream));
    if (idle !== null) at.push(idle);
    return at.length ? Math.min(...at) : null;
  }
}
