/**
 * Polls, quizzes, the hand-raise queue and Q&A at the root: the glue between the pure
 * domain cores (poll-core, hand-queue-core, qa-core) and the root's effects. RootCore
 * delegates here: staff commands, the students' batched input from shard reports, joins
 * (personal state), snapshots, and `tick` for everything sent at a bounded rate (live
 * tallies, the top questions, the hand count and queue, hand positions) and for quiz
 * deadlines. Pure: storage work comes out as `interactive` effects that the shell's
 * InteractiveStore carries out.
 *
 * This file composes one part per concern and dispatches to them:
 * - interactive-polls.ts (`RootPolls`): polls and quizzes, the shards' summed tallies;
 * - interactive-quiz.ts (`QuizScores`): the quiz leaderboard of the session;
 * - interactive-hands.ts (`RootHands`): the hand queue;
 * - interactive-qa.ts (`RootQa`): questions and upvotes;
 * - interactive-homes.ts (`StudentHomes`): which shard holds each student's answers;
 * - interactive-effects.ts: the storage ops, the store's data, the host, and
 *   `InteractiveOutput`, through which every part writes its effects.
 */
import { HAND_WINDOW, type LatencyMode } from "../protocol/interactive.ts";
import type {
  Author,
  ClientMessageOf,
  InteractiveSnapshot,
  StaffFrame,
} from "../protocol/realtime.ts";
import type { RootEffect } from "./classroom-core.ts";
import {
  errorFrame,
  type InteractiveData,
  type InteractiveHost,
  InteractiveOutput,
  type Refusal,
} from "./interactive-effects.ts";
import { RootHands } from "./interactive-hands.ts";
import { StudentHomes } from "./interactive-homes.ts";
import { RootPolls } from "./interactive-polls.ts";
import { RootQa } from "./interactive-qa.ts";
import type { InteractiveReport } from "./interactive-shard.ts";
import type { PollBox } from "./poll-core.ts";
import type { QaBoard } from "./qa-core.ts";
import { STAFF_SECTION } from "./rpc.ts";
import type { ShardPoll, TallyReport } from "./shard-tally.ts";

// What the root, its store and the tests import from here (each lives with its concern).
export type {
  D1Row,
  InteractiveData,
  InteractiveHost,
  InteractiveMeta,
  InteractiveOp,
} from "./interactive-effects.ts";
export { LIST_MS } from "./interactive-effects.ts";
export { HAND_AWAY_MS, POSITIONS_MS, POSITIONS_PUSHED } from "./interactive-hands.ts";
export {
  KEEP_FINISHED,
  NO_VIDEO_SLACK_MS,
  SNAPSHOT_FINISHED,
  TALLY_MIN_MS,
} from "./interactive-polls.ts";
export { PENDING_SHOWN } from "./interactive-qa.ts";

/** The staff commands the root carries out here (already role-checked by the shard and the root). */
export type StaffCommandMessage = ClientMessageOf<
  | "poll.create"
  | "poll.open"
  | "poll.close"
  | "poll.reveal"
  | "poll.discard"
  | "hand.ack"
  | "hand.dismiss"
  | "hand.clear"
  | "hand.page"
  | "qa.moderate"
  | "qa.settings"
>;

/** The root's polls, hands and questions, and when each bounded-rate frame is next due. */
export class InteractiveCore {
  private readonly out: InteractiveOutput;
  private readonly rootPolls: RootPolls;
  private readonly rootHands: RootHands;
  private readonly rootQa: RootQa;
  private readonly homes: StudentHomes;
  /** The polls kept at the root, by id. */
  readonly polls: Map<string, PollBox>;
  /** The class's questions. */
  readonly qa: QaBoard;

  constructor(host: InteractiveHost) {
    this.out = new InteractiveOutput(host, (meta) => {
      meta.preModerate = this.qa.preModerate;
      this.rootHands.syncMeta(meta);
    });
    this.rootPolls = new RootPolls(this.out);
    this.rootHands = new RootHands(this.out);
    this.rootQa = new RootQa(this.out);
    this.homes = new StudentHomes(this.out);
    this.polls = this.rootPolls.polls;
    this.qa = this.rootQa.board;
  }

  /** Put back what the store kept (once, right after construction). */
  restore(d: InteractiveData): void {
    if (d.meta) this.out.meta = d.meta;
    this.rootPolls.restore(d);
    this.rootHands.restore(d.hands, this.out.meta);
    this.rootQa.restore(d.questions, this.out.meta.preModerate);
    this.homes.restore(d.homes ?? []);
  }

  // ---- views -----------------------------------------------------------------

  /** The interactive part of a snapshot (student views). */
  snapshot(): InteractiveSnapshot {
    return {
      polls: this.rootPolls.snapshot(),
      qa: this.rootQa.snapshot(),
      hands: { count: this.rootHands.count },
    };
  }

  /** Frames a staff socket gets on connect: poll list, hand queue window, pending questions. */
  staffFrames(): StaffFrame[] {
    return [
      this.rootPolls.list(),
      this.rootHands.window(0, HAND_WINDOW),
      this.rootQa.pendingFrame(),
    ];
  }

  /**
   * Poll `pollId` is counted at the shards and open (closing) or closed (revealing): the
   * sections that reported counts for it. Null otherwise.
   */
  settleSections(pollId: string): string[] | null {
    return this.rootPolls.settleSections(pollId);
  }

  /** The polls the shards count, as a shard needs them (SyncResult.tallyPolls). */
  tallyPolls(): ShardPoll[] {
    return this.rootPolls.tallyPolls();
  }

  /** The class's latency mode (from each admission): it bounds the video delay a quiz answer may claim. */
  setLatencyMode(mode: LatencyMode): RootEffect[] {
    return this.rootPolls.setLatencyMode(mode);
  }

  /** The section holding `userId`'s answers (and chat limiter memory), as of which move. */
  homeOf(userId: string): { sectionId: string; gen: number } | undefined {
    return this.homes.homeOf(userId);
  }

  // ---- students (batched by shards) ------------------------------------------

  /** Apply one shard's batch of students' answers, hands, questions, votes and chat counts. */
  report(
    sectionId: string,
    r: InteractiveReport | undefined,
    now: number,
    tally?: TallyReport,
  ): RootEffect[] {
    const fx: RootEffect[] = [];
    if (tally) this.rootPolls.tallyReport(fx, sectionId, tally, now);
    if (r) {
      this.rootPolls.answer(fx, sectionId, r.answers);
      this.rootHands.report(fx, sectionId, r.hands);
      this.rootQa.report(fx, sectionId, r.asks, r.votes);
      for (const [userId, c] of Object.entries(r.chats))
        this.out.engagement(fx, userId, "chat", c.at, null, c.count);
    }
    fx.push(...this.wake(now));
    return fx;
  }

  /**
   * Users left a shard. Those with a raised hand and no socket left anywhere (`gone`,
   * asked only for them) have it lowered unless back within HAND_AWAY_MS.
   */
  left(userIds: Iterable<string>, gone: (userId: string) => boolean, now: number): RootEffect[] {
    return this.rootHands.left(userIds, gone, now) ? this.wake(now) : [];
  }

  /** Users joined `sectionId`: send each their own answers, hand and questions, if they have any. */
  joined(sectionId: string, users: Author[], now = 0): RootEffect[] {
    const fx: RootEffect[] = [];
    this.homes.joined(fx, sectionId, users, now);
    const recent = this.rootPolls.recent();
    for (const u of users) {
      this.rootHands.back(u.id);
      const answers = recent
        .map((b) => ({ pollId: b.poll.id, choices: b.answers.get(u.id)?.choices }))
        .filter((a): a is { pollId: string; choices: number[] } => a.choices !== undefined);
      const hand = this.rootHands.position(u.id);
      const votes = this.qa.votesOf(u.id);
      const questions = this.qa.askedBy(u.id);
      if (!answers.length && hand === null && !votes.length && !questions.length) continue;
      this.out.notifyUser(fx, u.id, { type: "interactive.me", answers, hand, votes, questions }, [
        sectionId,
      ]);
    }
    return fx;
  }

  // ---- staff -------------------------------------------------------------------

  /** A staff command (already role-checked by the shard and the root); a refusal goes back to its sender. */
  command(by: Author, m: StaffCommandMessage, now: number): RootEffect[] {
    const fx: RootEffect[] = [];
    const refused = this.dispatch(fx, by, m, now);
    if (refused)
      this.out.notifyUser(
        fx,
        by.id,
        errorFrame(refused.code, m.type, "rid" in m ? m.rid : undefined, refused.message),
        [STAFF_SECTION],
      );
    fx.push(...this.wake(now));
    return fx;
  }

  /** Each command to the part that owns it; a handler refuses before it changes anything. */
  private dispatch(
    fx: RootEffect[],
    by: Author,
    m: StaffCommandMessage,
    now: number,
  ): Refusal | null {
    switch (m.type) {
      case "poll.create":
        return this.rootPolls.create(fx, by, m);
      case "poll.open":
        return this.rootPolls.open(fx, m, now);
      case "poll.close":
        return this.rootPolls.close(fx, m, now);
      case "poll.reveal":
        return this.rootPolls.reveal(fx, m, now);
      case "poll.discard":
        return this.rootPolls.discard(fx, m);
      case "hand.ack":
      case "hand.dismiss":
        return this.rootHands.takeDown(fx, m, now);
      case "hand.clear":
        return this.rootHands.clear(fx, now);
      case "hand.page":
        return this.rootHands.page(fx, by, m);
      case "qa.moderate":
        return this.rootQa.moderate(fx, by, m, now);
      case "qa.settings":
        return this.rootQa.settings(fx, by, m, now);
      default:
        return m satisfies never;
    }
  }

  // ---- bounded-rate output -----------------------------------------------------

  /** Ask the shell for a `tick` when the next bounded-rate frame or deadline is due. */
  private wake(now: number): RootEffect[] {
    const at = this.nextDue(now);
    return at === null ? [] : [{ kind: "interactive", op: { op: "wake", at } }];
  }

  /** The next time `tick` has work, or null. */
  nextDue(now: number): number | null {
    const due = Math.min(this.rootPolls.due(), this.rootHands.due(), this.rootQa.due());
    return due === Infinity ? null : Math.max(now, due);
  }

  /** Send what is due (tallies, lists, counts, positions) and close quizzes past their deadline. */
  tick(now: number): RootEffect[] {
    const fx: RootEffect[] = [];
    this.rootHands.lowerAway(fx, now);
    this.rootPolls.tick(fx, now);
    this.rootHands.tick(fx, now);
    this.rootQa.tick(fx, now);
    fx.push(...this.wake(now));
    return fx;
  }
}
