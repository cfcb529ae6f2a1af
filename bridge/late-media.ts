/** A gap in arrivals this long is a stall (the reference holds across it). */
const STALL_GAP_MS = 1000;
/**
 * Everything judged late for this long, while the sender's clock moved no faster than the
 * wall clock (a sender falling behind, not a queued burst catching up): take its media as
 * the new normal. A test publisher starved of CPU ran its clock at ~2/3 speed and had
 * every packet dropped for good (the teacher on the slate until the grace ended).
 */
const GIVE_UP_MS = 2000;

/**
 * Tells fresh media from stale: a packet whose own clock (RTP timestamp) says it
 * belongs well before the least-delayed packet seen so far is late. After a network
 * stall a browser sends what it queued all at once (issue 14: ~20 s of audio pushed in
 * one burst, 939 "non monotonically increasing dts"); that media is history, and
 * replaying it behind the slate would only break the output's timeline. Pure.
 */
export class LateMediaFilter {
  readonly clockRate: number;
  readonly maxLateMs: number;
  private lastTs: number | null = null;
  /** RTP timestamp unwrapped (signed steps accumulated), in ticks since the first packet. */
  private mediaTicks = 0;
  /** Max over packets of (media time − arrival time), ms: the least-delayed one. */
  private bestLead: number | null = null;
  private lastAt = 0;
  /** The verdict on the last timestamp: every packet of one frame shares it. */
  private lastVerdict = true;
  /** Since when (arrival, media ticks) every packet has been judged late; null: not now. */
  private lateSince: { at: number; mediaTicks: number } | null = null;

  constructor(o: { clockRate: number; maxLateMs: number }) {
    this.clockRate = o.clockRate;
    this.maxLateMs = o.maxLateMs;
  }

  /** Whether a packet with RTP timestamp `ts` arriving at `nowMs` is fresh enough to forward. */
  accept(ts: number, nowMs: number): boolean {
    // A video frame is many packets with one timestamp; a burst arriving over some
    // milliseconds must not cut one in two (its first half forwarded, the rest dropped:
    // a keyframe that starts a switch but never completes; issue 14).
    if (this.lastTs === ts >>> 0) return this.lastVerdict;
    if (this.lastTs !== null) this.mediaTicks += (ts - this.lastTs) | 0;
    this.lastTs = ts >>> 0;
    const lead = (this.mediaTicks * 1000) / this.clockRate - nowMs;
    // While media flows, the reference sinks 250 ms per second: a path that got slower
    // for good (bufferbloat, a busy sender) is accepted again within ~1–2 s, and a sender
    // clock running slow is forgiven. Across a gap in arrivals of a second or more (a
    // stall: the slate is on) it stays put: what then arrives all at once is judged
    // against the time before the stall. Shorter gaps still count as flowing: a busy
    // machine hands the bridge its packets in bursts every few hundred ms, and when only
    // the gaps under 200 ms counted the reference never sank and every packet stayed
    // "late" for good (the teacher replaced by the slate until the grace ended; issue 14).
    const gap = nowMs - this.lastAt;
    const decay = this.bestLead !== null && gap < STALL_GAP_MS ? gap / 4 : 0;
    const best = this.bestLead === null ? lead : Math.max(lead, this.bestLead - decay);
    this.bestLead = best;
    this.lastAt = nowMs;
    let ok = lead >= best - this.maxLateMs;
    if (ok) this.lateSince = null;
    else {
      this.lateSince ??= { at: nowMs, mediaTicks: this.mediaTicks };
      const wallMs = nowMs - this.lateSince.at;
      const mediaMs = ((this.mediaTicks - this.lateSince.mediaTicks) * 1000) / this.clockRate;
      if (wallMs >= GIVE_UP_MS && mediaMs <= wallMs) {
        this.bestLead = lead;
        this.lateSince = null;
        ok = true;
      }
    }
    this.lastVerdict = ok;
    return ok;
  }
}
