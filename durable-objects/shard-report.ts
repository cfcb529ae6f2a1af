/**
 * The shard → root report (a ClassroomShard's upstream batching): what the section did
 * since the last one (joins, leaves, commands, rejections, relays, …) goes in one RPC per
 * REPORT_MS window at most, one in flight at a time, backing off while the root fails.
 * Part of the shell; the decisions about a failed report (what is kept, who is told)
 * are pure, in shard-core.ts (`reportRetryDelay`, `requeueReport`, `droppedErrors`).
 */
import type { ServerMessage } from "../protocol/realtime.ts";
import { errorMessage, logEvent } from "../worker/log.ts";
import type { ReportAnswer, ShardReport } from "./rpc.ts";
import { droppedErrors, reportRetryDelay, requeueReport } from "./shard-core.ts";

/** Shard → root flush window, ms. */
export const REPORT_MS = 100;

/** A report with nothing in it yet. */
export function emptyReport(sectionId: string): ShardReport {
  return { sectionId, sockets: 0, joins: [], leaves: [], commands: [], rejections: [], relay: [] };
}

/** What the report needs from the rest of the shard. */
export interface ReportPort {
  /** Whether the shard knows its class yet (a report names it). */
  ready(): boolean;
  /** Complete the report about to leave (socket count, reactions, the tally's counts). */
  seal(r: ShardReport): void;
  /** The RPC to the root. */
  send(r: ShardReport): Promise<ReportAnswer | undefined>;
  /** The root took the report; `joined`: the users whose joins it carried. */
  answered(answer: ReportAnswer | undefined, joined: string[]): void;
  /** The root did not take `r`: give back what the seal took out of the shard. */
  failed(r: ShardReport): void;
  /** Tell `userId` (every socket of theirs) that a command of theirs was dropped. */
  tell(userId: string, frame: ServerMessage): void;
}

/** The report being filled, and when it goes. */
export class ShardReports {
  /** The report being filled; effects add to it, then `mark()`. */
  current: ShardReport;
  private dirty = false;
  private timer: ReturnType<typeof setTimeout> | null = null;
  /** When the last flush started (the window is measured from it). */
  private lastAt = 0;
  private failures = 0;
  /** Whether a report RPC is awaiting the root's answer. */
  private inFlight = false;

  constructor(
    sectionId: string,
    private readonly port: ReportPort,
  ) {
    this.current = emptyReport(sectionId);
  }

  /** A fresh, empty report (the shard rebuilt its state from storage). */
  reset(sectionId: string): void {
    this.current = emptyReport(sectionId);
  }

  /** Something was added: send it with the next window. */
  mark(): void {
    this.dirty = true;
    // While the root fails, back off (100 ms → 5 s) instead of hammering it every window.
    // Otherwise leading edge: the first report after a quiet window goes at once, later
    // ones wait for the window (at most one upstream RPC per REPORT_MS).
    const delay =
      this.failures > 0
        ? reportRetryDelay(this.failures)
        : Math.max(0, this.lastAt + REPORT_MS - Date.now());
    if (!this.timer) this.timer = setTimeout(() => void this.flush(), delay);
  }

  private async flush(): Promise<void> {
    this.timer = null;
    if (!this.dirty || !this.port.ready()) return;
    // One report in flight at a time: two could reach the root out of order, and an older
    // socket count landing last makes the root think an occupied section is empty (then
    // it stops sending that section anything). The next one goes when this one is answered.
    if (this.inFlight) return;
    this.inFlight = true;
    this.lastAt = Date.now();
    const r = this.current;
    this.port.seal(r);
    this.current = emptyReport(r.sectionId);
    this.dirty = false;
    const joined = r.joins.map((j) => j.user.id);
    try {
      const answer = await this.port.send(r);
      this.port.answered(answer, joined);
      this.failures = 0;
      this.inFlight = false;
      if (this.dirty) this.mark();
    } catch (err) {
      this.inFlight = false;
      logEvent({ event: "report_failed", message: errorMessage(err) });
      // Keep what matters (attendance, commands) under a size cap and retry until the root
      // is back (a deploy or restart can take seconds); relays are dropped.
      this.failures++;
      this.port.failed(r);
      for (const d of droppedErrors(requeueReport(r, this.current)))
        this.port.tell(d.userId, d.frame);
      this.mark();
    }
  }
}
