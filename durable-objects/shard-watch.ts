/**
 * Staff watching sections (on the staff shard): a staff socket's `section.watch`, the
 * watched section's relays reaching it exactly once, the watch set reported to the root,
 * and `mod.peek`. Part of the ClassroomShard shell: it gets the staff sockets, the two
 * RPCs and the report through narrow functions; the ordering rules are the pure
 * `sseqOf` / `WatchStamp` below.
 */
import type { ChatMessage, ServerMessage } from "../protocol/realtime.ts";
import type { DeliveryKind } from "../worker/metrics.ts";
import { STAFF_SECTION } from "./rpc.ts";
import { marksOf, type SocketMarks, setMarks } from "./shard-sockets.ts";

/** The `sseq` of a pre-encoded section frame (snapshot, message, deletion); 0 if none. */
export function sseqOf(frame: string): number {
  try {
    const f = JSON.parse(frame) as { sseq?: unknown };
    return typeof f.sseq === "number" ? f.sseq : 0;
  } catch {
    return 0;
  }
}

/**
 * The watch set this shard last reported, stamped with an increasing `seq` so the root
 * keeps the newest. Pure.
 */
export class WatchStamp {
  private last = "[]";
  private seq = 0;

  /** The sections watched now; `changed` when they differ from the last set. */
  note(sections: string[], now: number): { seq: number; changed: boolean } {
    const next = JSON.stringify(sections);
    if (next === this.last) return { seq: this.seq, changed: false };
    // Wall-clock based so a restarted shard still stamps above what the root has seen.
    this.seq = Math.max(now, this.seq + 1);
    this.last = next;
    return { seq: this.seq, changed: true };
  }
}

/** What watching needs from the rest of the shard. */
export interface WatchPort {
  /** This shard's open staff sockets. */
  staffSockets(): WebSocket[];
  /** Tell the root the watch set (it answers the watch version). */
  rootWatch(sections: string[], seq: number): Promise<number>;
  /** Section `sectionId`'s `section.snapshot` frame (relaying from it on, given a version). */
  snapshotOf(sectionId: string, watchVersion?: number): Promise<string>;
  send(ws: WebSocket, frame: string, kind?: DeliveryKind): void;
  reply(ws: WebSocket, frame: ServerMessage): void;
  /** The watch set changed: it goes with the next report too (the retry path). */
  reportWatching(sections: string[], seq: number): void;
}

/** The staff shard's watchers. */
export class StaffWatch {
  /**
   * Staff sockets waiting for a watched section's snapshot: its relays queue here. A relay
   * travels section → root → here a report window later than the snapshot's direct RPC,
   * so it can arrive before the snapshot or after it with messages the snapshot holds.
   */
  private readonly queues = new Map<WebSocket, { sectionId: string; frames: string[] }>();
  private readonly stamp = new WatchStamp();

  constructor(private readonly port: WatchPort) {}

  /**
   * A staff socket starts (or stops) watching a section: tell the root first (so it
   * forwards that section's relays), then have the section relay from its snapshot on.
   */
  async watch(ws: WebSocket, sectionId: string | null): Promise<void> {
    const a = marksOf(ws);
    if (!a) return;
    const { watchFrom: _old, ...rest } = a;
    setMarks(ws, { ...rest, watch: sectionId });
    const watching = this.note();
    if (!sectionId || sectionId === STAFF_SECTION) {
      this.queues.delete(ws);
      return;
    }
    const queue = { sectionId, frames: [] as string[] };
    this.queues.set(ws, queue);
    try {
      const version = await this.port.rootWatch(watching.sections, watching.seq);
      const snapshot = await this.port.snapshotOf(sectionId, version);
      // Superseded by a newer section.watch of this socket: that one answers.
      if (this.queues.get(ws) !== queue) return;
      this.queues.delete(ws);
      const from = sseqOf(snapshot);
      const now = marksOf(ws);
      if (now) setMarks(ws, { ...now, watchFrom: from } satisfies SocketMarks);
      this.port.send(ws, snapshot, "relay");
      // Exactly once: what the snapshot holds is not sent again, what came after it is.
      for (const f of queue.frames) if (sseqOf(f) > from) this.port.send(ws, f, "relay");
    } catch {
      if (this.queues.get(ws) === queue) this.queues.delete(ws);
      this.port.reply(ws, {
        type: "error",
        code: "unavailable",
        message: "That section is unavailable.",
        ref: "section.watch",
      });
    }
  }

  /** A watched section's frames: to its watchers (queued for those awaiting its snapshot). */
  relay(sectionId: string, frames: string[]): void {
    for (const ws of this.port.staffSockets()) {
      const a = marksOf(ws);
      if (a?.watch !== sectionId) continue;
      const q = this.queues.get(ws);
      if (q?.sectionId === sectionId) q.frames.push(...frames);
      else
        for (const f of frames) if (sseqOf(f) > (a.watchFrom ?? 0)) this.port.send(ws, f, "relay");
    }
  }

  /** Staff: one read of a section's recent messages (`mod.peeked`); the watch is untouched. */
  async peek(ws: WebSocket, sectionId: string): Promise<void> {
    try {
      if (!/^s\d+$/.test(sectionId)) throw new Error("not a student section");
      const snap = JSON.parse(await this.port.snapshotOf(sectionId)) as { messages: ChatMessage[] };
      this.port.reply(ws, { type: "mod.peeked", sectionId, messages: snap.messages });
    } catch {
      this.port.reply(ws, {
        type: "error",
        code: "not_found",
        message: "That section is unavailable.",
        ref: "mod.peek",
      });
    }
  }

  /** A socket left (it may have watched: call `note` after). */
  drop(ws: WebSocket): void {
    this.queues.delete(ws);
  }

  /**
   * The sections this shard's staff sockets watch, stamped with an increasing `seq`; a
   * change also goes with the next report (the retry path when the direct RPC fails).
   */
  note(): { sections: string[]; seq: number } {
    const set = new Set<string>();
    for (const ws of this.port.staffSockets()) {
      const w = marksOf(ws)?.watch;
      if (w) set.add(w);
    }
    const sections = [...set].sort();
    const { seq, changed } = this.stamp.note(sections, Date.now());
    if (changed) this.port.reportWatching(sections, seq);
    return { sections, seq };
  }
}
