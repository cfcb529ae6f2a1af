/**
 * The root's own channels (pure): staff messages to the whole class (global chat, the pin,
 * announcements) and message deletes, which the root carries out for the global channel
 * and routes to the owning shard for a section's. Part of RootCore (classroom-core.ts).
 */
import type { Announcement, Author, ChatMessage, ClientMessageOf } from "../protocol/realtime.ts";
import type { ModerationQueue } from "./moderation-queue.ts";
import type { ShardLoads } from "./root-loads.ts";
import { audit, type Emit, type RootDurable, type RootEffect } from "./root-state.ts";
import { sectionOf } from "./shard-core.ts";

/** Global-channel messages kept for snapshots. */
export const GLOBAL_HISTORY = 50;
/** Announcements kept for snapshots. */
export const ANNOUNCE_HISTORY = 10;

/** The staff commands this part carries out. */
export type ChatCommand = ClientMessageOf<
  "chat.send" | "announce.send" | "chat.delete" | "chat.pin"
>;

/** The global channel, the pin and announcements. */
export class RootChat {
  constructor(
    private readonly durable: RootDurable,
    private readonly loads: ShardLoads,
    private readonly queue: ModerationQueue,
    private readonly emit: Emit,
  ) {}

  /** A global-channel message's author and text (reports of global messages), or null. */
  globalMessage(id: string): { author: Author; text: string } | null {
    const m = this.durable.global.find((x) => x.id === id);
    return m ? { author: m.from, text: m.text } : null;
  }

  /** Carry out a staff chat command (the sender is staff: RootCore.command checked). */
  command(fx: RootEffect[], by: Author, m: ChatCommand, now: number): void {
    const d = this.durable;
    switch (m.type) {
      case "chat.send":
        this.emit(
          fx,
          (seq, at) => {
            const message: ChatMessage = {
              id: `g${seq}`,
              channel: "global",
              from: by,
              text: m.text,
              at,
            };
            if (m.rid !== undefined) message.rid = m.rid;
            d.global.push(message);
            if (d.global.length > GLOBAL_HISTORY) d.global.shift();
            return { type: "chat.message", seq, at, message };
          },
          now,
        );
        break;
      case "announce.send":
        this.emit(
          fx,
          (seq, at) => {
            const announcement: Announcement = { id: `a${seq}`, from: by, text: m.text, at };
            d.announcements.push(announcement);
            if (d.announcements.length > ANNOUNCE_HISTORY) d.announcements.shift();
            return { type: "announce", seq, at, announcement };
          },
          now,
        );
        audit(fx, by, now, "announce", null, { text: m.text.slice(0, 200) });
        break;
      case "chat.delete": {
        const id = m.messageId;
        if (/^g\d+$/.test(id)) {
          d.global = d.global.filter((x) => x.id !== id);
          if (d.pinned?.id === id) d.pinned = null;
          this.emit(fx, (seq, at) => ({ type: "chat.deleted", seq, at, messageId: id }), now);
          this.queue.removeMessage(id);
        } else {
          const section = sectionOf(id);
          if (!section || !this.loads.map.has(section)) break;
          fx.push({
            kind: "control",
            sectionId: section,
            control: { kind: "delete", messageId: id },
          });
          this.queue.removeMessage(id);
        }
        audit(fx, by, now, "chat.delete", id);
        break;
      }
      case "chat.pin": {
        const msg =
          m.messageId === null ? null : (d.global.find((x) => x.id === m.messageId) ?? null);
        if (m.messageId !== null && !msg) break;
        d.pinned = msg;
        this.emit(fx, (seq, at) => ({ type: "chat.pinned", seq, at, message: msg }), now);
        audit(fx, by, now, "chat.pin", m.messageId);
        break;
      }
      default:
        m satisfies never;
    }
  }
}
