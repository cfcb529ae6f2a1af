/**
 * A section shard's chat decisions, wired: each student's limiter memory loaded from and
 * saved to the shard's storage around `ShardCore.onMessage`, and messages held while the
 * shard does not yet know it holds a newly joined student's newest memory (decision 015;
 * who waits on what is the pure `ChatHomes`, chat-home.ts). Part of the ClassroomShard
 * shell: it holds the messages and runs the one home-wait timer (a timer only while a
 * message is held).
 */
import type { Author, ClientMessage } from "../protocol/realtime.ts";
import { logEvent } from "../worker/log.ts";
import { ChatHomes, mergeChatUser } from "./chat-home.ts";
import { type ChatUserState, freshUser } from "./chat-policy.ts";
import type { ReportAnswer } from "./rpc.ts";
import type { ShardCore, ShardEffect } from "./shard-core.ts";
import type { ShardStore } from "./shard-store.ts";

/** What the chat needs from the rest of the shard. */
export interface ChatPort {
  /** The shard's core (replaced when the shard learns its section). */
  core(): ShardCore;
  store: ShardStore;
  /** Who is on `ws`, or null when it has gone. */
  userOn(ws: WebSocket): Author | null;
  /** Run the core's effects for the socket the message came on. */
  run(effects: ShardEffect[], from: WebSocket): void;
}

/** The shard's chat limiter memory and held messages. */
export class ShardChat {
  /** Students whose chat waits for their limiter memory (docs/decisions/015). */
  private readonly homes = new ChatHomes();
  /** Their held messages, in order. */
  private readonly held = new Map<string, { ws: WebSocket; message: ClientMessage }[]>();
  private homeTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(private readonly port: ChatPort) {}

  /** A student's socket joined: their chat waits for the root's answer to the report carrying it. */
  joined(userId: string, now: number): void {
    this.homes.joined(userId, now);
  }

  /** A `chat.send` from `user` on `ws`: held (see `hold`), or decided now. */
  receive(ws: WebSocket, user: Author, message: ClientMessage, now: number): void {
    if (this.hold(ws, user, message)) return;
    this.decide(ws, user, message, now);
  }

  /** The user's limiter memory (loaded from storage into the core), or null if they never chatted here. */
  stateOf(userId: string): ChatUserState | null {
    const users = this.port.core().chatUsers;
    if (!users.has(userId)) {
      const stored = this.port.store.chatUser(userId);
      if (stored) users.set(userId, stored);
    }
    return users.get(userId) ?? null;
  }

  /** The root answered a report: students whose home is settled here may chat. */
  answered(answer: ReportAnswer | undefined, joined: string[]): void {
    for (const userId of this.homes.answered(answer?.homes, joined)) this.release(userId);
  }

  /**
   * A moved student's handover (move `gen`) landed here: merge the limiter memory it
   * carries into this shard's, and decide their held messages if that settles them.
   */
  adopted(userId: string, chat: ChatUserState | undefined, gen: number): void {
    if (chat) {
      const mine = this.stateOf(userId);
      this.save(userId, mine ? mergeChatUser(mine, chat) : chat, Date.now());
    }
    if (this.homes.adopted(userId, gen)) this.release(userId);
  }

  /** Decide one message with the user's limiter memory, and store what it became. */
  private decide(ws: WebSocket, user: Author, message: ClientMessage, now: number): void {
    // The limiter is kept by user id in storage, so neither a reconnect nor hibernation resets it.
    this.stateOf(user.id);
    const effects = this.port.core().onMessage(user, message, now);
    const chat = this.port.core().chatUsers.get(user.id);
    if (chat) this.save(user.id, chat, now);
    this.port.run(effects, ws);
  }

  private save(userId: string, state: ChatUserState, now: number): void {
    this.port.core().chatUsers.set(userId, state);
    this.port.store.saveChatUser(userId, state, now);
  }

  /**
   * Hold a student's message while slow mode is on and this shard does not yet know it holds
   * their newest limiter memory (a reload may have brought them from another section), or
   * while earlier ones of theirs are held (order). Decided in `release`.
   */
  private hold(ws: WebSocket, user: Author, message: ClientMessage): boolean {
    const held = this.held.get(user.id);
    if (!held && (this.port.core().rules.slowModeSec === 0 || !this.homes.holds(user.id)))
      return false;
    if (held) held.push({ ws, message });
    else this.held.set(user.id, [{ ws, message }]);
    this.armHomeTimer();
    return true;
  }

  /** Decide `userId`'s held messages now, in order (on sockets still open). */
  private release(userId: string): void {
    const held = this.held.get(userId);
    if (!held) return;
    this.held.delete(userId);
    for (const { ws, message } of held) {
      const user = this.port.userOn(ws);
      if (!user) continue;
      this.decide(ws, user, message, Date.now());
    }
  }

  /** Waits past HOME_WAIT_MS: decide with `lastAt` no earlier than the wait began. */
  private armHomeTimer(): void {
    if (this.homeTimer) return;
    const at = this.homes.nextExpiry();
    if (at === null) return;
    this.homeTimer = setTimeout(
      () => {
        this.homeTimer = null;
        const now = Date.now();
        for (const { userId, since } of this.homes.expired(now)) {
          logEvent({ event: "chat_home_wait_expired", userId });
          // Only students are held: a fresh memory is a student's.
          const prev = this.stateOf(userId) ?? freshUser("student", now);
          if (prev.lastAt < since) this.save(userId, { ...prev, lastAt: since }, now);
          this.release(userId);
        }
        if (this.held.size > 0) this.armHomeTimer();
      },
      Math.max(0, at - Date.now()) + 5,
    );
  }
}
