/**
 * Before open polls counted at the shards close (Classroom.report): every shard that
 * counted them or has sockets returns its counts of them and closes them there, so the
 * close's tally holds every answer acked before it, not only those whose report had
 * landed. A shard first waits for its handovers in flight; if any did, a second round picks
 * up where they landed. A shard that does not answer within SETTLE_MS is left to its next
 * report.
 */
import { errorMessage, logEvent } from "../worker/log.ts";
import type { ShardCounts } from "./shard-tally.ts";

/** How long a poll's close waits for one shard's final counts (then its next report brings them). */
export const SETTLE_MS = 1500;

/** What settling needs from the root's shell. */
export interface SettleHost {
  /** The sections to ask this round (student sections only). */
  sections(): Iterable<string>;
  /** Ask one shard for its final counts of the polls (ClassroomShard.tallySettle). */
  settle(sectionId: string): Promise<{ counts: Record<string, ShardCounts>; waited: number }>;
  /** Merge one shard's final counts. */
  counted(sectionId: string, counts: Record<string, ShardCounts>): void;
}

/** Collect the shards' final counts, in at most two rounds. */
export async function settleTallies(host: SettleHost): Promise<void> {
  for (let round = 0; round < 2; round++) {
    let waited = 0;
    await Promise.allSettled(
      [...host.sections()].map(async (sectionId) => {
        let timer: ReturnType<typeof setTimeout> | undefined;
        const late = new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error("settle timed out")), SETTLE_MS);
        });
        try {
          const r = await Promise.race([host.settle(sectionId), late]);
          waited += r.waited;
          if (Object.keys(r.counts).length > 0) host.counted(sectionId, r.counts);
        } catch (err) {
          logEvent({ event: "tally_settle_failed", sectionId, message: errorMessage(err) });
        } finally {
          clearTimeout(timer);
        }
      }),
    );
    if (waited === 0) break;
  }
}
