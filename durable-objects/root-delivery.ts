/**
 * Root → shard deliveries: frames and controls queued per section, sent as one RPC per
 * shard per DELIVERY_MS window, all shards in parallel. Controls of a failed delivery go
 * out again a few times (frames do not: clients recover them from the seq gap). The
 * Classroom shell queues into it while it carries out RootCore's effects.
 */
import { errorMessage, logEvent } from "../worker/log.ts";
import type { ShardDelivery } from "./rpc.ts";

/** Root → shard flush window, ms. */
export const DELIVERY_MS = 50;
/** Times a failed delivery's controls are sent again, the n-th after n × CONTROL_RETRY_MS. */
const CONTROL_RETRIES = 5;
const CONTROL_RETRY_MS = 200;

/** The per-shard queues and their timer. */
export class ShardDeliveries {
  private readonly queues = new Map<string, ShardDelivery>();
  /** Sections whose last deliveries failed, and how many times in a row (controls are retried). */
  private readonly controlRetries = new Map<string, number>();
  private timer: ReturnType<typeof setTimeout> | null = null;
  /** When the last delivery started (the window is measured from it). */
  private lastDeliveryAt = 0;

  constructor(
    /** One RPC to the section's shard. */
    private readonly send: (sectionId: string, delivery: ShardDelivery) => Promise<void>,
    /** Frames a shard accepted (the `deliveries` metric). */
    private readonly delivered: (frames: string[]) => void,
  ) {}

  /** The queue of `sectionId`'s next delivery. */
  queue(sectionId: string): ShardDelivery {
    let d = this.queues.get(sectionId);
    if (!d) {
      d = { frames: [], control: [] };
      this.queues.set(sectionId, d);
    }
    return d;
  }

  /**
   * Send what is queued. Leading edge: the first frames after a quiet window go out at once
   * (after the caller's synchronous batch of effects); while busy, at most one delivery per
   * DELIVERY_MS.
   */
  schedule(): void {
    if (this.queues.size === 0 || this.timer) return;
    const wait = Math.max(0, this.lastDeliveryAt + DELIVERY_MS - Date.now());
    this.timer = setTimeout(() => void this.deliver(), wait);
  }

  /** One RPC per shard per window, all in parallel. */
  private async deliver(): Promise<void> {
    this.timer = null;
    this.lastDeliveryAt = Date.now();
    const batch = [...this.queues];
    this.queues.clear();
    await Promise.allSettled(
      batch.map(async ([sectionId, delivery]) => {
        try {
          await this.send(sectionId, delivery);
          this.controlRetries.delete(sectionId);
          this.delivered(delivery.frames);
        } catch (err) {
          // Lost frames are recovered by clients: they see a seq gap and resync. Controls
          // (time-outs, kicks, rules) are not, so they go out again with the next delivery
          // (a shard being restarted refuses RPCs for a moment); versions make a repeat harmless.
          logEvent({ event: "delivery_failed", sectionId, message: errorMessage(err) });
          this.requeueControls(sectionId, delivery.control);
        }
      }),
    );
  }

  /** Put controls whose delivery failed back in front of the queue, a few times at most. */
  private requeueControls(sectionId: string, control: ShardDelivery["control"]): void {
    const tries = (this.controlRetries.get(sectionId) ?? 0) + 1;
    if (control.length === 0 || tries > CONTROL_RETRIES) {
      this.controlRetries.delete(sectionId);
      return;
    }
    this.controlRetries.set(sectionId, tries);
    this.queue(sectionId).control.unshift(...control);
    if (!this.timer) this.timer = setTimeout(() => void this.deliver(), CONTROL_RETRY_MS * tries);
  }
}
