/**
 * The I/O half of a shard's tally (docs/decisions/013): the pure `ShardTally`
 * (shard-tally.ts) decides, `ShardTallyStore` stores; this part group-commits the changes,
 * sends acks once their answers are durable, forwards an answer to the shard that holds
 * the voter's answers, hands a moved student's answers over (with retries) and settles
 * polls being closed. Part of the ClassroomShard shell: the shard's RPC methods
 * (`tallyForward`, `tallyAdopt`, `tallySettle`) delegate here; other shards and the
 * report are reached through `TallyPort`.
 */
import type { ServerMessage } from "../protocol/realtime.ts";
import { errorMessage, logEvent } from "../worker/log.ts";
import type { ChatUserState } from "./chat-policy.ts";
import type { ClassroomShard } from "./classroom-shard.ts";
import type { ShardAnswer } from "./interactive-shard.ts";
import type { TallyControl } from "./rpc.ts";
import {
  answerFrame,
  type Handover,
  type HeldAnswer,
  type ShardCounts,
  type ShardPoll,
  ShardTally,
  type TallyOutcome,
} from "./shard-tally.ts";
import type { ShardTallyStore } from "./shard-tally-store.ts";

/** Longest wait before the tally's changes are stored (and their acks sent), ms. */
const TALLY_COMMIT_MS = 50;
/** Tries to hand a moved student's answers to their new shard (then they are kept here). */
const HANDOVER_TRIES = 5;

/** How an answer ends for its voter: decided here or where their answers are. */
export type AnswerOutcome =
  | Exclude<TallyOutcome, { code: "moved" }>
  | { ok: false; code: "unavailable" };

/** One voter's answer to count (`via`: the move number it was forwarded under, else 0). */
export interface VoterAnswer {
  who: { id: string; name: string };
  pollId: string;
  choices: number[];
  /** Server time the voter's shard received it. */
  at: number;
  delayMs: number;
  via: number;
}

/** Another shard of the class, as the tally calls it. */
export type TallyPeer = Pick<DurableObjectStub<ClassroomShard>, "tallyForward" | "tallyAdopt">;

/** What the tally needs from the rest of the shard. */
export interface TallyPort {
  classId(): string;
  /** The shard of `tallyTarget` `to`. */
  peer(to: string): TallyPeer;
  /** The tally has something to report: mark the next report. */
  markReport(): void;
  /** Send a frame to one socket. */
  reply(ws: WebSocket, frame: ServerMessage): void;
  /** Send a frame to every socket of `userId`. */
  toUser(userId: string, frame: string): void;
  /** `userId`'s chat limiter memory here, if any (it follows them on a move, decision 015). */
  chatOf(userId: string): ChatUserState | null;
  /** A moved student's handover landed here (their limiter memory and move number). */
  adopted(userId: string, chat: ChatUserState | undefined, gen: number): void;
}

/** A held answer as its voter sees it again (after a reconnect or a move). */
export function answeredFrame(a: HeldAnswer): string {
  return JSON.stringify({
    type: "poll.answered",
    pollId: a.pollId,
    choices: a.choices,
  } satisfies ServerMessage);
}

/** The shard's tally with its storage, acks, forwards and handovers. */
export class TallyShell {
  /** This shard's voters' answers and the counts it reports (docs/decisions/013). */
  tally = new ShardTally();
  private store!: ShardTallyStore;
  private commitTimer: ReturnType<typeof setTimeout> | null = null;
  /** Acks waiting for the next commit. */
  private readonly acks: (() => void)[] = [];
  /** Handovers of moved students' answers still on their way (see `settle`). */
  private readonly handovers = new Set<Promise<void>>();

  constructor(private readonly port: TallyPort) {}

  /** Rebuild from storage (on wake). A restarted shard reports its counts once more. */
  restore(store: ShardTallyStore): void {
    this.store = store;
    this.tally = new ShardTally();
    const saved = store.load();
    for (const p of saved.polls) this.tally.setPoll(p);
    this.tally.restore(saved.saved);
    this.tally.ops.length = 0;
    // The root ignores what it has.
    if (this.tally.hasReport) this.port.markReport();
  }

  /** Polls the root says the shards count (a sync answer). */
  setPolls(polls: ShardPoll[]): void {
    for (const p of polls) this.tally.setPoll(p);
    this.save();
  }

  /**
   * The tally changed: store it within TALLY_COMMIT_MS (group commit) and report it with
   * the next batch. Why not at once: every storage write holds the object's output until it
   * is durable, and one commit per answer (~200/s per shard at 10,000 students) made the
   * reports, and so the teacher's tally, 13 s late; one commit per window does not.
   */
  save(): void {
    if (this.tally.ops.length > 0 || this.acks.length > 0) {
      this.commitTimer ??= setTimeout(() => this.commit(), TALLY_COMMIT_MS);
    }
    if (this.tally.hasReport) this.port.markReport();
  }

  /** Store the tally's pending changes now, then send the acks that waited for them. */
  commit(): void {
    if (this.commitTimer) clearTimeout(this.commitTimer);
    this.commitTimer = null;
    this.store.apply(this.tally.ops.splice(0));
    // Sent after the writes: the runtime releases them once those are durable, so an
    // acked answer survives a restart of this shard.
    for (const send of this.acks.splice(0)) send();
    if (this.tally.hasReport) this.port.markReport();
  }

  /** Send `send` (an ack) with the next commit. */
  private queueAck(send: () => void): void {
    this.acks.push(send);
    this.save();
  }

  /** A voter's answer to a poll the shards count: decided and acked here. */
  async answer(
    ws: WebSocket,
    who: { id: string; name: string },
    m: { pollId: string; choices: number[]; delayMs?: number; rid?: string },
  ): Promise<void> {
    const at = Date.now();
    const out = await this.answerHere({ who, ...m, at, delayMs: m.delayMs ?? 0, via: 0 });
    const frame = answerFrame(out, m.pollId, m.rid);
    this.queueAck(() => this.port.reply(ws, frame));
  }

  /** Count an answer here, or where the voter's answers moved (one RPC per hop). */
  private async answerHere(a: VoterAnswer): Promise<AnswerOutcome> {
    const { who, pollId, choices, at, delayMs, via } = a;
    const out = this.tally.answer(who, pollId, choices, at, delayMs, undefined, via);
    this.save();
    if (out.ok || out.code !== "moved") return out;
    const poll = this.tally.polls.get(pollId);
    try {
      return await this.port
        .peer(out.to)
        .tallyForward(
          this.port.classId(),
          { id: who.id, name: who.name },
          pollId,
          choices,
          at,
          delayMs,
          out.gen,
          poll ?? null,
        );
    } catch (err) {
      logEvent({ event: "tally_forward_failed", message: errorMessage(err) });
      return { ok: false, code: "unavailable" };
    }
  }

  /** Another shard forwarded an answer of a voter whose answers this shard holds. */
  async forwarded(a: VoterAnswer, poll: ShardPoll | null): Promise<AnswerOutcome> {
    if (poll) this.tally.setPoll(poll);
    const out = await this.answerHere(a);
    // Durable before the answer goes back (the response waits for the commit).
    this.commit();
    return out;
  }

  /** A root → shard tally instruction. */
  control(c: TallyControl): void {
    if (c.kind === "tally.poll" || c.kind === "tally.drop") {
      if (c.kind === "tally.poll") this.tally.setPoll(c.poll);
      else this.tally.dropPoll(c.pollId);
      this.save();
      return;
    }
    if (c.kind === "tally.answers") {
      for (const p of c.polls) this.tally.setPoll(p);
      this.save();
      for (const a of c.answers) void this.answerSentBack(a);
      return;
    }
    const h = this.tally.release(c.userId, c.to, c.gen);
    // The limiter memory follows the student (slow mode is class-wide, decision 015).
    const chat = this.port.chatOf(c.userId);
    if (chat) h.chat = chat;
    // Stored before the handover leaves: a restart must not count them here again.
    this.commit();
    const handing = this.handOver(c.to, h);
    this.handovers.add(handing);
    void handing.finally(() => this.handovers.delete(handing));
  }

  /** An answer the root sent back (see `tally.answers`): count it and ack every rid it carries. */
  private async answerSentBack(a: ShardAnswer): Promise<void> {
    const out = await this.answerHere({ ...a, who: a.user, delayMs: a.delayMs ?? 0, via: 0 });
    const rids = a.rids?.length ? a.rids : [undefined];
    this.queueAck(() => {
      for (const rid of rids)
        this.port.toUser(a.user.id, JSON.stringify(answerFrame(out, a.pollId, rid)));
    });
  }

  /** Send a moved student's answers to their new shard; after HANDOVER_TRIES, keep them here. */
  private async handOver(to: string, h: Handover, via = 0): Promise<void> {
    const polls = h.answers
      .map((a) => this.tally.polls.get(a.pollId))
      .filter((p): p is ShardPoll => p !== undefined);
    for (let i = 0; i < HANDOVER_TRIES; i++) {
      try {
        await this.port.peer(to).tallyAdopt(this.port.classId(), h, via, polls);
        return;
      } catch (err) {
        logEvent({ event: "tally_handover_failed", message: errorMessage(err) });
        await new Promise((r) => setTimeout(r, 200 * 2 ** i));
      }
    }
    // Never lose a counted answer: it counts here again (a change made meanwhile on the
    // new shard may then count twice until the next move; see decision 013).
    this.tally.adopt({ ...h, gen: Number.MAX_SAFE_INTEGER });
    this.save();
  }

  /**
   * Closing polls `pollIds`: closed here now, and this shard's counts of them come back
   * once the handovers it has in flight have landed (docs/decisions/013, "Closing a poll").
   */
  async settle(
    pollIds: string[],
  ): Promise<{ counts: Record<string, ShardCounts>; waited: number }> {
    const waited = this.handovers.size;
    await Promise.allSettled([...this.handovers]);
    const counts = this.tally.settle(pollIds);
    this.commit();
    return { counts, waited };
  }

  /** A moved student's answers arrive: they count here now (or go on to where they moved since). */
  async adopt(h: Handover, via: number, polls: ShardPoll[]): Promise<void> {
    for (const p of polls) this.tally.setPoll(p);
    const next = this.tally.adopt(h, via);
    this.commit();
    if (next) return this.handOver(next.forward, h, next.gen);
    this.port.adopted(h.userId, h.chat, h.gen);
    // The student (on this shard now) sees the answers they gave before the move.
    for (const a of this.tally.answersOf(h.userId)) this.port.toUser(h.userId, answeredFrame(a));
  }
}
