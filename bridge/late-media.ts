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
  #lastTs: number | null = null;
  /** RTP timestamp unwrapped (signed steps accumulated), in ticks since the first packet. */
  #mediaTicks = 0;
  /** Max over packets of (media time − arrival time), ms: the least-delayed one. */
  #bestLead: number | null = null;
  #lastAt = 0;

  constructor(o: { clockRate: number; maxLateMs: number }) {
    this.clockRate = o.clockRate;
    this.maxLateMs = o.maxLateMs;
  }

  /** Whether a packet with RTP timestamp `ts` arriving at `nowMs` is fresh enough to forward. */
  accept(ts: number, nowMs: number): boolean {
    if (this.#lastTs !== null) this.#mediaTicks += (ts - this.#lastTs) | 0;
    this.#lastTs = ts >>> 0;
    const lead = (this.#mediaTicks * 1000) / this.clockRate - nowMs;
    // The sender's clock may run a little slow against ours: forgive 500 ppm.
    const best =
      this.#bestLead === null
        ? lead
        : Math.max(lead, this.#bestLead - (nowMs - this.#lastAt) / 2000);
    this.#bestLead = best;
    this.#lastAt = nowMs;
    return lead >= best - this.maxLateMs;
  }
}
