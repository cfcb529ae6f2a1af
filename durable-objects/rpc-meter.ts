/**
 * Counts the requests a Durable Object receives per wall-clock second and keeps the
 * busiest second: the fan-in benchmarks' `rootRpcPerSecMax` (docs/benchmarks.md). Pure.
 */
export class RpcMeter {
  private second = -1;
  private inSecond = 0;
  /** The most requests seen in any one second since the last reset. */
  perSecMax = 0;
  /** Requests since the last reset. */
  total = 0;

  /** Count one request at `now` (epoch ms). */
  count(now: number): void {
    const s = Math.floor(now / 1000);
    if (s !== this.second) {
      this.second = s;
      this.inSecond = 0;
    }
    this.inSecond++;
    this.total++;
    if (this.inSecond > this.perSecMax) this.perSecMax = this.inSecond;
  }

  /** Start a new measurement. */
  reset(): void {
    this.second = -1;
    this.inSecond = 0;
    this.perSecMax = 0;
    this.total = 0;
  }
}
