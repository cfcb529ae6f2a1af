/**
 * Polls, quizzes, the hand-raise queue and Q&A at the root: the glue between the
 * pure domain cores (poll-core, hand-queue-core, qa-core) and the root's effects.
 * RootCore delegates here: staff commands, the students' batched input from shard
 * reports, joins (personal state), snapshots, and `tick` for everything sent at a
 * bounded rate (live tallies, the top questions, the hand count and queue, hand
 * positions) and for quiz deadlines. Pure: storage work comes out as `interactive`
 * effects that the shell's InteractiveStore carries out.
 */
import {
  DEFAULT_LATENCY_MODE,
  HAND_PAGE_MAX,
  HAND_WINDOW,
  type LatencyMode,
  LEADERBOARD_N,
  MODE_MAX_DELAY_MS,
  QA_TOP_N,
} from "../protocol/interactive.ts";
import type {
  Author,
  ClassEvent,
  ClientMessageOf,
  ErrorCode,
  InteractiveSnapshot,
  ServerMessage,
  StaffFrame,
} from "../protocol/realtime.ts";
import type { RootEffect } from "./classroom-core.ts";
import { type Hand, HandQueue } from "./hand-queue-core.ts";
import type { InteractiveReport } from "./interactive-shard.ts";
import {
  type Answer,
  addQuizResults,
  draftProblem,
  type Poll,
  PollBox,
  type QuizTotal,
  rankTotals,
} from "./poll-core.ts";
import { QaBoard, type Question } from "./qa-core.ts";
import { STAFF_SECTION, type TallyControl, tallyTarget } from "./rpc.ts";
import {
  pollKey,
  RootTally,
  type ShardCounts,
  type ShardPoll,
  type TallyReport,
} from "./shard-tally.ts";

/** Staff poll tallies: at most this often while votes arrive, ms. */
export const TALLY_MIN_MS = 250;
/** `qa.top`, `hand.count`, `hand.queue`, `qa.pending`: at most this often, ms. */
export const LIST_MS = 1000;
/** Hand positions pushed to the front of the line: at most this often, ms. */
export const POSITIONS_MS = 2000;
/** How many at the front of the line get their position pushed when it changes. */
export const POSITIONS_PUSHED = 100;
/** Finished polls kept in snapshots. */
export const SNAPSHOT_FINISHED = 5;
/** Pending questions in a `qa.pending` frame. */
export const PENDING_SHOWN = 50;
/** A quiz closes this long after its deadline plus the largest grace (in-flight batches land). */
export const NO_VIDEO_SLACK_MS = 1000;
/**
 * Finished polls kept at the root (in memory and its SQLite); older ones live on in D1
 * only. Why: one poll of 100,000 students holds ~15 MB of answers, and a Durable Object
 * has 128 MB. Quiz totals for the leaderboard are kept apart (`QuizTotal`, poll-core.ts).
 */
export const KEEP_FINISHED = 5;
/** A raised hand stays this long after its owner's last socket closes (a reconnect keeps the place). */
export const HAND_AWAY_MS = 60_000;

/** Small scalar state kept in one storage row. */
export interface InteractiveMeta {
  pollSeq: number;
  questionSeq: number;
  preModerate: boolean;
  nextTicket: number;
  acknowledged: HandQueue["acknowledged"];
  /** The class session the quiz totals belong to (a new session starts a new leaderboard). */
  scoresSession?: string | null;
  /** The class's latency mode, as of its last admission (bounds the video delay believed). */
  latencyMode?: LatencyMode;
}

/** One row for D1, kept pending in the root's SQLite until flushed (interactive-store.ts). */
export type D1Row =
  | {
      table: "polls";
      id: string;
      sessionId: string;
      kind: Poll["kind"];
      question: string;
      options: string[];
      multiple: boolean;
      anonymous: boolean;
      correct: number[] | null;
      openedAt: number;
      closedAt: number | null;
      tally: number[] | null;
    }
  | {
      table: "poll_answers";
      pollId: string;
      userId: string;
      name: string;
      choices: number[];
      correct: boolean | null;
      score: number | null;
      at: number;
    }
  | {
      table: "questions";
      id: string;
      sessionId: string;
      userId: string;
      name: string;
      text: string;
      state: Question["state"];
      upvotes: number;
      askedAt: number;
      answeredAt: number | null;
    }
  | {
      table: "engagement_events";
      sessionId: string;
      userId: string;
      kind:
        | "chat"
        | "question"
        | "upvote"
        | "poll_answer"
        | "quiz_answer"
        | "hand_raise"
        | "hand_ack";
      at: number;
      ref: string | null;
      value: number | null;
    };

/** Storage work for the shell (InteractiveStore), in order. */
export type InteractiveOp =
  | { op: "poll"; poll: Poll }
  | { op: "pollGone"; pollId: string }
  | { op: "answer"; pollId: string; answer: Answer; delayMs: number }
  | { op: "hand"; hand: Hand }
  | { op: "handGone"; userId: string }
  | { op: "handsCleared" }
  | { op: "question"; question: Question; answeredAt: number | null }
  | { op: "vote"; questionId: string; userId: string; up: boolean }
  | { op: "meta"; meta: InteractiveMeta }
  | { op: "score"; score: QuizTotal }
  | { op: "scoresCleared" }
  /** One shard's last reported counts of a key (root restarts keep the sums exact). */
  | { op: "shardCounts"; key: string; sectionId: string; counts: ShardCounts }
  /** The shard holding a user's answers now, as of move `gen` (its join time there). */
  | { op: "home"; userId: string; sectionId: string; gen: number }
  /** Pending D1 row; `key` coalesces rows of one poll or question (the newest wins). */
  | { op: "d1"; row: D1Row; key: string | null }
  /** Call `tick` at `at` (epoch ms). */
  | { op: "wake"; at: number };

/** Everything the store restores after a restart. */
export interface InteractiveData {
  meta: InteractiveMeta | null;
  polls: Poll[];
  answers: { pollId: string; answer: Answer; delayMs: number }[];
  hands: Hand[];
  questions: { question: Question; answeredAt: number | null; voters: string[] }[];
  scores: QuizTotal[];
  /** Per (key, section), the counts the shards last reported. */
  shardCounts?: { key: string; sectionId: string; counts: ShardCounts }[];
  /** Where each student's answers are held. */
  homes?: { userId: string; sectionId: string; gen: number }[];
}

/** What InteractiveCore needs from the root. */
export interface InteractiveHost {
  /** Append a sequenced class event (RootCore's emit). */
  emit(fx: RootEffect[], make: (seq: number, at: number) => ClassEvent, now: number): void;
  /** userId → sections holding their sockets (from shard reports). */
  userSections(): Map<string, string[]>;
  /** The class session records are credited to, or null. */
  sessionId(): string | null;
  /** Whether the stream is live (viewers are behind, so quizzes wait for their grace). */
  live(): boolean;
  /** A new unique id (poll and question ids are D1 primary keys across all classes). */
  newId(): string;
  /** The shard host of a section (local multi-process topology), if any. */
  hostOf?(sectionId: string): string | undefined;
}

type StaffCommandMessage = ClientMessageOf<
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

const ERROR_TEXT: Partial<Record<ErrorCode, string>> = {
  unknown_poll: "There is no such poll.",
  poll_closed: "That poll is not open.",
  bad_choice: "That is not a valid choice for this poll.",
  too_late: "Time is up for that question.",
  already_answered: "You already answered; your first answer counts.",
  invalid_draft: "That poll draft is not valid.",
  bad_state: "The poll cannot do that in its current state.",
  unknown_question: "There is no such question.",
  not_votable: "That question cannot be upvoted now.",
  own_question: "You cannot upvote your own question.",
  too_many_questions: "You have 3 questions waiting already.",
  not_raised: "That hand is not raised.",
};

function errorFrame(code: ErrorCode, ref: string, rid?: string, message?: string): ServerMessage {
  const f: ServerMessage = {
    type: "error",
    code,
    message: message ?? ERROR_TEXT[code] ?? code,
    ref,
  };
  if (rid !== undefined) f.rid = rid;
  return f;
}

/** The root's polls, hands and questions, and when each bounded-rate frame is next due. */
export class InteractiveCore {
  readonly polls = new Map<string, PollBox>();
  hands = new HandQueue();
  readonly qa = new QaBoard();
  private readonly answeredAt = new Map<string, number>();
  /** Quiz totals of the current session, by user. */
  private readonly scores = new Map<string, QuizTotal>();
  private meta: InteractiveMeta = {
    pollSeq: 0,
    questionSeq: 0,
    preModerate: false,
    nextTicket: 1,
    acknowledged: null,
  };
  // Bounded-rate bookkeeping (memory only: after a restart everything is sent once).
  private readonly tallyDirty = new Set<string>();
  private readonly tallySentAt = new Map<string, number>();
  private handsDirty = false;
  /** Users with a raised hand and no socket left, since when (in memory; see `left`). */
  private readonly awaySince = new Map<string, number>();
  private handsSentAt = -Infinity;
  private countSent = -1;
  /** Polls whose D1 row was queued by this instance (a restart just queues it once more). */
  private readonly rowQueued = new Set<string>();
  private positionsDirty = false;
  private positionsSentAt = -Infinity;
  private readonly positionsSent = new Map<string, number>();
  private qaSentAt = -Infinity;
  private qaDirty = false;
  private pendingDirty = false;
  private topSent = "";
  /** The shards' counts of the polls they tally, summed (docs/decisions/013). */
  private tallies = new RootTally();
  /** userId → the section holding their answers, as of which move. */
  private readonly homes = new Map<string, { sectionId: string; gen: number }>();

  constructor(private readonly host: InteractiveHost) {}

  /** Put back what the store kept (once, right after construction). */
  restore(d: InteractiveData): void {
    if (d.meta) this.meta = d.meta;
    this.qa.preModerate = this.meta.preModerate;
    for (const p of d.polls) this.polls.set(p.id, new PollBox(p));
    for (const q of d.scores) this.scores.set(q.userId, q);
    for (const a of d.answers) this.polls.get(a.pollId)?.restore(a.answer, a.delayMs);
    this.hands = HandQueue.from({
      hands: [...d.hands].sort((a, b) => a.ticket - b.ticket),
      nextTicket: this.meta.nextTicket,
      acknowledged: this.meta.acknowledged,
    });
    for (const q of d.questions) {
      this.qa.restore(q.question, q.voters);
      if (q.answeredAt !== null) this.answeredAt.set(q.question.id, q.answeredAt);
    }
    this.qa.takeDirty();
    this.tallies = RootTally.from(d.shardCounts ?? []);
    for (const b of this.polls.values()) if (shardTallied(b)) this.sumInto(b);
    for (const h of d.homes ?? []) this.homes.set(h.userId, { sectionId: h.sectionId, gen: h.gen });
    // Staff and students get the current lists once after a restart.
    for (const b of this.polls.values())
      if (b.poll.state === "open") this.tallyDirty.add(b.poll.id);
    this.handsDirty = this.hands.count > 0;
    this.qaDirty = this.qa.questions.size > 0;
    this.pendingDirty = this.qaDirty;
  }

  // ---- views -----------------------------------------------------------------

  /** The interactive part of a snapshot (student views). */
  snapshot(): InteractiveSnapshot {
    const shown = [...this.polls.values()].filter((b) => b.poll.state !== "draft");
    const open = shown.filter((b) => b.poll.state === "open");
    const finished = shown.filter((b) => b.poll.state !== "open").slice(-SNAPSHOT_FINISHED);
    const polls = [...open, ...finished]
      .sort((a, b) => (a.poll.openedAt ?? 0) - (b.poll.openedAt ?? 0))
      .map((b) => b.view(false));
    return {
      polls,
      qa: {
        top: this.qa.top(QA_TOP_N),
        total: this.publicTotal(),
        preModerate: this.qa.preModerate,
      },
      hands: { count: this.hands.count },
    };
  }

  /** Frames a staff socket gets on connect: poll list, hand queue window, pending questions. */
  staffFrames(): StaffFrame[] {
    return [this.pollList(), this.handWindow(0, HAND_WINDOW), this.pendingFrame()];
  }

  private pollList(): StaffFrame {
    return { type: "poll.list", polls: [...this.polls.values()].map((b) => b.view(true)) };
  }

  private handWindow(offset: number, limit: number): StaffFrame {
    return {
      type: "hand.queue",
      count: this.hands.count,
      offset,
      hands: this.hands
        .page(offset, limit)
        .map((h) => ({ userId: h.userId, name: h.name, position: h.position, at: h.at })),
      acknowledged: this.hands.acknowledged,
    };
  }

  private pendingFrame(): StaffFrame {
    const pending = this.qa.pending();
    return {
      type: "qa.pending",
      questions: pending.slice(0, PENDING_SHOWN),
      total: pending.length,
      preModerate: this.qa.preModerate,
    };
  }

  private publicTotal(): number {
    let n = 0;
    for (const q of this.qa.questions.values())
      if (q.state === "visible" || q.state === "answered") n++;
    return n;
  }

  // ---- helpers -----------------------------------------------------------------

  private store(fx: RootEffect[], op: InteractiveOp): void {
    fx.push({ kind: "interactive", op });
  }

  /** A shard-tallied poll's summed counts into its box. */
  private sumInto(b: PollBox): void {
    const s = this.tallies.sum(pollKey(b.poll.id), b.poll.options.length);
    for (let i = 0; i < b.tally.length; i++) b.tally[i] = s.counts[i] ?? 0;
    b.shardAnswered = s.answered;
  }

  /**
   * Poll `pollId` is counted at the shards and open (closing) or closed (revealing): the
   * sections that reported counts for it (its close and its reveal first ask them and every
   * active shard for their final counts). Null otherwise.
   */
  settleSections(pollId: string): string[] | null {
    const b = this.polls.get(pollId);
    if ((b?.poll.state !== "open" && b?.poll.state !== "closed") || !shardTallied(b)) return null;
    return this.tallies.sectionsOf(pollKey(pollId));
  }

  /** The polls the shards count, as a shard needs them (SyncResult.tallyPolls). */
  tallyPolls(): ShardPoll[] {
    const out: ShardPoll[] = [];
    for (const b of this.polls.values()) {
      const p = shardPoll(b);
      if (p) out.push(p);
    }
    return out;
  }

  /** Tell every shard about a shard-tallied poll's state. */
  private pushPoll(fx: RootEffect[], b: PollBox): void {
    const poll = shardPoll(b);
    // "*": every shard with sockets (classroom-core.ts ALL).
    if (poll) fx.push({ kind: "control", sectionId: "*", control: { kind: "tally.poll", poll } });
  }

  /**
   * One shard's tally report: sum its counts (O(keys × options)) and write its voters'
   * new answers behind to D1 (upserts keyed by poll and user).
   */
  private tallyReport(fx: RootEffect[], sectionId: string, t: TallyReport, now: number): void {
    for (const key of this.tallies.apply(sectionId, t.counts)) {
      const counts = t.counts[key]!;
      this.store(fx, { op: "shardCounts", key, sectionId, counts });
      const b = key.startsWith("poll:") ? this.polls.get(key.slice(5)) : undefined;
      if (!b || !shardTallied(b)) continue;
      this.sumInto(b);
      // Counts accepted just before a close still land: the closed poll's row and tally follow.
      if (b.poll.state === "open") this.tallyDirty.add(b.poll.id);
      else {
        this.pollRow(fx, b);
        fx.push({ kind: "staff", frame: this.tallyFrame(b, now) });
      }
      if (!this.rowQueued.has(b.poll.id)) this.pollRow(fx, b);
    }
    for (const a of t.rows) {
      const b = this.polls.get(a.pollId);
      if (!b) continue;
      this.answerRow(fx, b, {
        userId: a.userId,
        name: a.name,
        choices: a.choices,
        correct: null,
        score: null,
        at: a.at,
      });
      // Keyed: a repeated report (its response was lost) replaces the pending row.
      if (a.first)
        this.engagement(
          fx,
          a.userId,
          "poll_answer",
          a.at,
          b.poll.id,
          null,
          `engaged:${b.poll.id} ${a.userId}`,
        );
    }
  }

  /**
   * Answer the commands folded into one batch entry: `frame` once per `rid` (each echoing
   * its own), or once without a rid when none had one. Every rid gets exactly one answer;
   * each says the state the whole fold produced.
   */
  private answerAll(
    fx: RootEffect[],
    userId: string,
    frame: ServerMessage,
    rids: string[] | undefined,
    sections: string[],
  ): void {
    if (!rids?.length) this.notifyUser(fx, userId, frame, sections);
    else
      for (const rid of rids)
        this.notifyUser(fx, userId, { ...frame, rid } as ServerMessage, sections);
  }

  /** Send `frame` to every socket of `userId` (in the sections that hold them). */
  private notifyUser(
    fx: RootEffect[],
    userId: string,
    frame: ServerMessage,
    sections?: string[],
  ): void {
    for (const sectionId of sections ?? this.host.userSections().get(userId) ?? [])
      fx.push({ kind: "control", sectionId, control: { kind: "notify", userId, frame } });
  }

  private engagement(
    fx: RootEffect[],
    userId: string,
    kind: Extract<D1Row, { table: "engagement_events" }>["kind"],
    at: number,
    ref: string | null,
    value: number | null = null,
    key: string | null = null,
  ): void {
    const sessionId = this.host.sessionId();
    if (!sessionId) return;
    this.store(fx, {
      op: "d1",
      key,
      row: { table: "engagement_events", sessionId, userId, kind, at, ref, value },
    });
  }

  private saveMeta(fx: RootEffect[]): void {
    this.meta.preModerate = this.qa.preModerate;
    const { nextTicket, acknowledged } = this.hands.toMeta();
    this.meta.nextTicket = nextTicket;
    this.meta.acknowledged = acknowledged;
    this.store(fx, { op: "meta", meta: { ...this.meta } });
  }

  private saveQuestion(fx: RootEffect[], q: Question): void {
    const answeredAt = this.answeredAt.get(q.id) ?? null;
    this.store(fx, { op: "question", question: { ...q, from: { ...q.from } }, answeredAt });
    const sessionId = this.host.sessionId();
    if (!sessionId) return;
    this.store(fx, {
      op: "d1",
      key: `question:${q.id}`,
      row: {
        table: "questions",
        id: q.id,
        sessionId,
        userId: q.from.id,
        name: q.from.name,
        text: q.text,
        state: q.state,
        upvotes: q.votes,
        askedAt: q.at,
        answeredAt,
      },
    });
  }

  private pollRow(fx: RootEffect[], b: PollBox): void {
    const sessionId = this.host.sessionId();
    const p = b.poll;
    if (!sessionId || p.openedAt === null) return;
    this.rowQueued.add(p.id);
    this.store(fx, {
      op: "d1",
      key: `poll:${p.id}`,
      row: {
        table: "polls",
        id: p.id,
        sessionId,
        kind: p.kind,
        question: p.question,
        options: p.options,
        multiple: p.multiple,
        anonymous: p.anonymous,
        correct: p.kind === "quiz" ? (p.correct ?? []) : null,
        openedAt: p.openedAt,
        closedAt: p.closedAt,
        // While open, the live tally (written behind at most every TALLY_MIN_MS, coalesced
        // until the next flush), so the session dashboard counts an open poll's votes.
        tally: [...b.tally],
      },
    });
  }

  /** A poll answer's D1 row (one per student per poll; the newest pending version wins). */
  private answerRow(
    fx: RootEffect[],
    b: PollBox,
    r: Omit<Extract<D1Row, { table: "poll_answers" }>, "table" | "pollId">,
  ): void {
    if (!this.host.sessionId() || b.poll.anonymous) return;
    this.store(fx, {
      op: "d1",
      key: `answer:${b.poll.id} ${r.userId}`,
      row: { table: "poll_answers", pollId: b.poll.id, ...r },
    });
  }

  /** Drain the hand queue's raise/ack records into engagement rows. */
  private handEvents(fx: RootEffect[]): void {
    for (const e of this.hands.events.splice(0)) {
      if (e.kind === "raise") this.engagement(fx, e.userId, "hand_raise", e.at, null);
      else if (e.kind === "ack") this.engagement(fx, e.userId, "hand_ack", e.at, null);
    }
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
    if (tally) this.tallyReport(fx, sectionId, tally, now);
    if (!r) {
      fx.push(...this.wake(now));
      return fx;
    }
    const here = [sectionId];
    const sentBack = new Map<string, Extract<TallyControl, { kind: "tally.answers" }>>();
    for (const a of Object.values(r.answers)) {
      const b = this.polls.get(a.pollId);
      const poll = b ? shardPoll(b) : null;
      if (poll) {
        // The shards count this poll; this one had not learnt of it yet: it gets the poll
        // and the answer back, and counts and acks it itself (nothing is counted here).
        let back = sentBack.get(sectionId);
        if (!back) {
          back = { kind: "tally.answers", polls: [], answers: [] };
          sentBack.set(sectionId, back);
        }
        if (!back.polls.some((p) => p.id === poll.id)) back.polls.push(poll);
        back.answers.push(a);
        continue;
      }
      const before = b?.answers.get(a.user.id);
      const err =
        !b || b.poll.state === "draft"
          ? "unknown_poll"
          : b.answer(
              {
                pollId: a.pollId,
                userId: a.user.id,
                name: a.user.name,
                choices: a.choices,
                at: a.at,
                ...(a.delayMs !== undefined ? { delayMs: a.delayMs } : {}),
              },
              this.graceCap(),
            );
      if (err || !b) {
        this.answerAll(
          fx,
          a.user.id,
          errorFrame(err ?? "unknown_poll", "poll.answer"),
          a.rids,
          here,
        );
        continue;
      }
      const mine = b.answers.get(a.user.id)!;
      // A repeated answer (a retry) keeps the stored one: nothing to save or re-tally.
      if (mine !== before) {
        this.store(fx, {
          op: "answer",
          pollId: b.poll.id,
          answer: mine,
          delayMs: b.delayOf(a.user.id),
        });
        this.tallyDirty.add(b.poll.id);
        // Written behind while open (the dashboard counts respondents from these rows). The
        // poll's row must be pending or written before them (answers reference it).
        if (!this.rowQueued.has(b.poll.id)) this.pollRow(fx, b);
        this.answerRow(fx, b, {
          userId: mine.userId,
          name: mine.name,
          choices: mine.choices,
          correct: null,
          score: null,
          at: mine.at,
        });
      }
      this.answerAll(
        fx,
        a.user.id,
        { type: "poll.answered", pollId: b.poll.id, choices: mine.choices },
        a.rids,
        here,
      );
    }
    for (const [section, control] of sentBack)
      fx.push({ kind: "control", sectionId: section, control });
    for (const h of Object.values(r.hands)) {
      let position: number | null = null;
      if (h.up) {
        const before = this.hands.position(h.user.id);
        position = this.hands.raise(h.user.id, h.user.name, h.at);
        if (before === null) {
          const hand = this.hands.get(h.user.id);
          if (hand) this.store(fx, { op: "hand", hand });
          this.saveMeta(fx);
        }
      } else if (this.hands.lower(h.user.id, h.at, "self")) {
        this.store(fx, { op: "handGone", userId: h.user.id });
      }
      this.handsDirty = true;
      this.positionsDirty = true;
      if (position !== null) this.positionsSent.set(h.user.id, position);
      else this.positionsSent.delete(h.user.id);
      this.answerAll(
        fx,
        h.user.id,
        { type: "hand.position", raised: position !== null, position },
        h.rids,
        here,
      );
    }
    this.handEvents(fx);
    for (const q of r.asks) {
      const id = this.host.newId();
      const out = this.qa.ask(id, { id: q.user.id, name: q.user.name }, q.text, q.at);
      if (typeof out === "string") {
        this.notifyUser(fx, q.user.id, errorFrame(out, "qa.ask", q.rid), here);
        continue;
      }
      if (out.id === id) {
        this.meta.questionSeq++;
        this.saveMeta(fx);
        this.saveQuestion(fx, out);
        this.engagement(fx, q.user.id, "question", q.at, out.id);
        this.qaDirty = true;
        if (out.state === "pending") this.pendingDirty = true;
      }
      const ack: ServerMessage = { type: "qa.asked", question: { ...out, from: { ...out.from } } };
      if (q.rid !== undefined) ack.rid = q.rid;
      this.notifyUser(fx, q.user.id, ack, here);
    }
    for (const v of Object.values(r.votes)) {
      const had = this.qa.hasVoted(v.questionId, v.user.id);
      const q = this.qa.questions.get(v.questionId);
      // Hidden and pending questions do not exist for students.
      const err =
        !q || q.state === "hidden" || q.state === "pending"
          ? "unknown_question"
          : this.qa.vote(v.questionId, v.user.id, v.up);
      if (err) {
        this.answerAll(fx, v.user.id, errorFrame(err, "qa.vote"), v.rids, here);
        continue;
      }
      if (had !== v.up && q) {
        this.store(fx, { op: "vote", questionId: v.questionId, userId: v.user.id, up: v.up });
        this.saveQuestion(fx, q);
        if (v.up) this.engagement(fx, v.user.id, "upvote", v.at, v.questionId);
        this.qaDirty = true;
      }
      this.answerAll(
        fx,
        v.user.id,
        { type: "qa.voted", questionId: v.questionId, up: v.up },
        v.rids,
        here,
      );
    }
    for (const [userId, c] of Object.entries(r.chats))
      this.engagement(fx, userId, "chat", c.at, null, c.count);
    fx.push(...this.wake(now));
    return fx;
  }

  /**
   * Users left a shard. Those with a raised hand and no socket left anywhere (`gone`,
   * asked only for them) have it lowered unless back within HAND_AWAY_MS (a network blip
   * keeps your place in line; a teacher should not call on someone who is gone).
   */
  left(userIds: Iterable<string>, gone: (userId: string) => boolean, now: number): RootEffect[] {
    let marked = false;
    for (const userId of userIds)
      if (this.hands.position(userId) !== null && gone(userId)) {
        this.awaySince.set(userId, now);
        marked = true;
      }
    return marked ? this.wake(now) : [];
  }

  /** Lower the hands of users away for HAND_AWAY_MS. */
  private lowerAway(fx: RootEffect[], now: number): void {
    let lowered = false;
    for (const [userId, since] of this.awaySince) {
      if (now - since < HAND_AWAY_MS) continue;
      this.awaySince.delete(userId);
      if (!this.hands.lower(userId, now, "self")) continue;
      this.store(fx, { op: "handGone", userId });
      this.positionsSent.delete(userId);
      this.handsDirty = this.positionsDirty = lowered = true;
    }
    if (lowered) {
      this.saveMeta(fx);
      this.handEvents(fx);
    }
  }

  /** The section holding `userId`'s answers (and chat limiter memory), as of which move. */
  homeOf(userId: string): { sectionId: string; gen: number } | undefined {
    return this.homes.get(userId);
  }

  /** Users joined `sectionId`: send each their own answers, hand and questions, if they have any. */
  joined(sectionId: string, users: Author[], now = 0): RootEffect[] {
    const fx: RootEffect[] = [];
    if (sectionId !== STAFF_SECTION)
      for (const u of users) {
        // The newest socket's shard holds the student's answers; the one that held them
        // hands them over (docs/decisions/013). A reconnect to the same section costs nothing.
        const home = this.homes.get(u.id);
        if (home?.sectionId === sectionId) continue;
        const gen = Math.max(now, (home?.gen ?? 0) + 1);
        this.homes.set(u.id, { sectionId, gen });
        this.store(fx, { op: "home", userId: u.id, sectionId, gen });
        if (!home) continue;
        const host = this.host.hostOf?.(sectionId);
        fx.push({
          kind: "control",
          sectionId: home.sectionId,
          control: {
            kind: "tally.release",
            userId: u.id,
            to: tallyTarget(sectionId, host),
            ...(host ? { host } : {}),
            gen,
          },
        });
      }
    const recent = [...this.polls.values()].filter((b) => b.poll.state !== "draft").slice(-20);
    for (const u of users) {
      this.awaySince.delete(u.id);
      const answers = recent
        .map((b) => ({ pollId: b.poll.id, choices: b.answers.get(u.id)?.choices }))
        .filter((a): a is { pollId: string; choices: number[] } => a.choices !== undefined);
      const hand = this.hands.position(u.id);
      const votes = this.qa.votesOf(u.id);
      const questions = this.qa.askedBy(u.id);
      if (!answers.length && hand === null && !votes.length && !questions.length) continue;
      this.notifyUser(fx, u.id, { type: "interactive.me", answers, hand, votes, questions }, [
        sectionId,
      ]);
    }
    return fx;
  }

  // ---- staff -------------------------------------------------------------------

  /** A staff command (already role-checked by the shard and the root). */
  command(by: Author, m: StaffCommandMessage, now: number): RootEffect[] {
    const fx: RootEffect[] = [];
    const refuse = (code: ErrorCode, message?: string) =>
      this.notifyUser(
        fx,
        by.id,
        errorFrame(code, m.type, "rid" in m ? m.rid : undefined, message),
        [STAFF_SECTION],
      );
    const staff = (frame: StaffFrame) => fx.push({ kind: "staff", frame });
    switch (m.type) {
      case "poll.create": {
        const draft = {
          kind: m.kind,
          question: m.question,
          options: m.options,
          multiple: m.multiple ?? false,
          anonymous: m.anonymous ?? false,
          ...(m.correct ? { correct: m.correct } : {}),
          ...(m.timeLimitSec ? { timeLimitSec: m.timeLimitSec } : {}),
          ...(m.speedBonus ? { speedBonus: m.speedBonus } : {}),
        };
        const problem =
          draftProblem(draft) ??
          (m.kind === "poll" && (m.correct || m.timeLimitSec || m.speedBonus)
            ? "Only quizzes have correct options, time limits and speed bonuses."
            : null);
        if (problem) {
          refuse("invalid_draft", problem);
          break;
        }
        this.meta.pollSeq++;
        const poll: Poll = {
          ...draft,
          id: this.host.newId(),
          state: "draft",
          openedAt: null,
          closesAt: null,
          closedAt: null,
        };
        this.polls.set(poll.id, new PollBox(poll));
        this.saveMeta(fx);
        this.store(fx, { op: "poll", poll });
        const ack: ServerMessage = { type: "poll.created", pollId: poll.id };
        if (m.rid !== undefined) ack.rid = m.rid;
        this.notifyUser(fx, by.id, ack, [STAFF_SECTION]);
        staff(this.pollList());
        break;
      }
      case "poll.open": {
        const b = this.polls.get(m.pollId);
        if (!b) {
          refuse("unknown_poll");
          break;
        }
        if (b.poll.state !== "draft") {
          refuse("bad_state", "Only a draft can be opened.");
          break;
        }
        b.open(now);
        if (shardTallied(b)) b.shardAnswered = 0;
        this.store(fx, { op: "poll", poll: b.poll });
        this.pollRow(fx, b);
        // Before the event: a delivery runs its controls first, so a shard knows the poll
        // before its students see it.
        this.pushPoll(fx, b);
        this.host.emit(
          fx,
          (seq, at) => ({ type: "poll.opened", seq, at, poll: b.view(false) }),
          now,
        );
        staff(this.pollList());
        this.tallyDirty.add(b.poll.id);
        break;
      }
      case "poll.close": {
        const b = this.polls.get(m.pollId);
        if (!b) {
          refuse("unknown_poll");
          break;
        }
        if (b.poll.state !== "open") {
          refuse("bad_state", "Only an open poll can be closed.");
          break;
        }
        this.closePoll(fx, b, now);
        break;
      }
      case "poll.reveal": {
        const b = this.polls.get(m.pollId);
        if (!b) {
          refuse("unknown_poll");
          break;
        }
        if (b.poll.state !== "closed") {
          refuse("bad_state", "Close the poll first.");
          break;
        }
        b.reveal();
        this.store(fx, { op: "poll", poll: b.poll });
        this.host.emit(
          fx,
          (seq, at) => ({ type: "poll.revealed", seq, at, poll: b.view(false) }),
          now,
        );
        staff(this.pollList());
        break;
      }
      case "poll.discard": {
        const b = this.polls.get(m.pollId);
        if (!b) {
          refuse("unknown_poll");
          break;
        }
        if (b.poll.state !== "draft") {
          refuse("bad_state", "Only a draft can be discarded.");
          break;
        }
        this.polls.delete(m.pollId);
        this.store(fx, { op: "pollGone", pollId: m.pollId });
        staff(this.pollList());
        break;
      }
      case "hand.ack":
      case "hand.dismiss": {
        const ok =
          m.type === "hand.ack"
            ? this.hands.ack(m.userId, now)
            : this.hands.lower(m.userId, now, "staff");
        if (!ok) {
          refuse("not_raised");
          break;
        }
        this.store(fx, { op: "handGone", userId: m.userId });
        this.saveMeta(fx);
        this.handEvents(fx);
        this.positionsSent.delete(m.userId);
        const frame: ServerMessage = { type: "hand.position", raised: false, position: null };
        if (m.type === "hand.ack") frame.acknowledged = true;
        this.notifyUser(fx, m.userId, frame);
        this.handsDirty = this.positionsDirty = true;
        break;
      }
      case "hand.clear": {
        if (this.hands.lowerAll(now) > 0) {
          this.store(fx, { op: "handsCleared" });
          this.handEvents(fx);
          // One `hand.count` 0 tells every student their hand is down (no per-user frames).
          this.positionsSent.clear();
          this.handsDirty = true;
        }
        break;
      }
      case "hand.page":
        this.notifyUser(
          fx,
          by.id,
          this.handWindow(m.offset, Math.min(m.limit ?? HAND_WINDOW, HAND_PAGE_MAX)),
          [STAFF_SECTION],
        );
        break;
      case "qa.moderate": {
        const err = this.qa.moderate(m.questionId, m.action);
        if (err) {
          refuse(err);
          break;
        }
        const q = this.qa.questions.get(m.questionId)!;
        if (m.action === "answer") this.answeredAt.set(q.id, now);
        this.saveQuestion(fx, q);
        this.notifyUser(fx, q.from.id, {
          type: "qa.mine",
          question: { ...q, from: { ...q.from } },
        });
        this.qaDirty = this.pendingDirty = true;
        fx.push({
          kind: "audit",
          at: now,
          actorId: by.id,
          action: `qa.${m.action}`,
          target: q.id,
          detail: null,
        });
        break;
      }
      case "qa.settings": {
        if (by.role !== "teacher") {
          refuse("forbidden", "Only the teacher may do that.");
          break;
        }
        if (this.qa.preModerate === m.preModerate) break;
        this.qa.preModerate = m.preModerate;
        this.saveMeta(fx);
        this.host.emit(
          fx,
          (seq, at) => ({ type: "qa.settings", seq, at, preModerate: m.preModerate }),
          now,
        );
        this.pendingDirty = true;
        break;
      }
      default:
        m satisfies never;
    }
    fx.push(...this.wake(now));
    return fx;
  }

  private closePoll(fx: RootEffect[], b: PollBox, now: number): void {
    b.close(now);
    this.pushPoll(fx, b);
    this.store(fx, { op: "poll", poll: b.poll });
    this.pollRow(fx, b);
    const results = b.results();
    const quiz = b.poll.kind === "quiz";
    for (const r of results) {
      // Final rows (quizzes: now scored); each replaces its open-poll row if still pending.
      this.answerRow(fx, b, {
        userId: r.userId,
        name: r.name,
        choices: r.choices,
        correct: r.correct,
        score: r.score,
        at: r.at,
      });
      this.engagement(fx, r.userId, quiz ? "quiz_answer" : "poll_answer", r.at, b.poll.id, r.score);
    }
    this.host.emit(fx, (seq, at) => ({ type: "poll.closed", seq, at, poll: b.view(false) }), now);
    this.tallyDirty.delete(b.poll.id);
    fx.push(
      { kind: "staff", frame: this.tallyFrame(b, now) },
      { kind: "staff", frame: this.pollList() },
    );
    if (quiz) this.scoreQuiz(fx, b, results, now);
    this.prune(fx);
  }

  /**
   * Drop the polls finished longest ago beyond KEEP_FINISHED (their results are in D1).
   * By when each closed, not when it was made: a poll drafted early and closed now is the
   * newest finished one, and staff may still reveal it.
   */
  private prune(fx: RootEffect[]): void {
    const finished = [...this.polls.values()]
      .filter((x) => x.poll.state === "closed" || x.poll.state === "revealed")
      .sort((a, b) => (a.poll.closedAt ?? 0) - (b.poll.closedAt ?? 0));
    for (const old of finished.slice(0, Math.max(0, finished.length - KEEP_FINISHED))) {
      this.polls.delete(old.poll.id);
      this.tallySentAt.delete(old.poll.id);
      this.rowQueued.delete(old.poll.id);
      this.tallies.drop(pollKey(old.poll.id));
      if (shardTallied(old))
        fx.push({
          kind: "control",
          sectionId: "*",
          control: { kind: "tally.drop", pollId: old.poll.id },
        });
      this.store(fx, { op: "pollGone", pollId: old.poll.id });
    }
  }

  /** Add a closed quiz question to the session's totals; leaderboard event and personal results. */
  private scoreQuiz(
    fx: RootEffect[],
    b: PollBox,
    results: ReturnType<PollBox["results"]>,
    now: number,
  ): void {
    const sessionId = this.host.sessionId();
    if ((this.meta.scoresSession ?? null) !== sessionId) {
      this.scores.clear();
      this.store(fx, { op: "scoresCleared" });
      this.meta.scoresSession = sessionId;
      this.saveMeta(fx);
    }
    for (const t of addQuizResults(this.scores, b.poll, results))
      this.store(fx, { op: "score", score: { ...t } });
    const top = rankTotals(this.scores.values(), LEADERBOARD_N);
    const players = this.scores.size;
    this.host.emit(
      fx,
      (seq, at) => ({
        type: "quiz.leaderboard",
        seq,
        at,
        pollId: b.poll.id,
        top,
        players,
      }),
      now,
    );
    const where = this.host.userSections();
    for (const r of results) {
      this.notifyUser(
        fx,
        r.userId,
        {
          type: "quiz.result",
          pollId: b.poll.id,
          correct: r.correct ?? false,
          score: r.score ?? 0,
        },
        where.get(r.userId) ?? [],
      );
    }
  }

  private tallyFrame(b: PollBox, now: number): StaffFrame {
    this.tallySentAt.set(b.poll.id, now);
    return {
      type: "poll.tally",
      pollId: b.poll.id,
      tally: [...b.tally],
      answered: b.answered,
      at: now,
    };
  }

  // ---- bounded-rate output -----------------------------------------------------

  /** The most video delay believed now: by the class's latency mode while live, none otherwise. */
  private graceCap(): number {
    return this.host.live() ? MODE_MAX_DELAY_MS[this.meta.latencyMode ?? DEFAULT_LATENCY_MODE] : 0;
  }

  /** The class's latency mode (from each admission): it bounds the video delay a quiz answer may claim. */
  setLatencyMode(mode: LatencyMode): RootEffect[] {
    if (this.meta.latencyMode === mode) return [];
    this.meta.latencyMode = mode;
    const fx: RootEffect[] = [];
    this.saveMeta(fx);
    return fx;
  }

  /** When a quiz closes by itself: its deadline plus the largest grace any viewer may get. */
  private autoCloseAt(b: PollBox): number | null {
    if (b.poll.state !== "open" || b.poll.closesAt === null) return null;
    return b.poll.closesAt + this.graceCap() + NO_VIDEO_SLACK_MS;
  }

  /** Ask the shell for a `tick` when the next bounded-rate frame or deadline is due. */
  private wake(now: number): RootEffect[] {
    const at = this.nextDue(now);
    return at === null ? [] : [{ kind: "interactive", op: { op: "wake", at } }];
  }

  /** The next time `tick` has work, or null. */
  nextDue(now: number): number | null {
    let due = Infinity;
    for (const b of this.polls.values()) {
      if (b.poll.state !== "open") continue;
      // Only while votes arrive: an idle open poll holds no timer (the object may sleep).
      if (this.tallyDirty.has(b.poll.id))
        due = Math.min(due, (this.tallySentAt.get(b.poll.id) ?? -Infinity) + TALLY_MIN_MS);
      const close = this.autoCloseAt(b);
      if (close !== null) due = Math.min(due, close);
    }
    for (const since of this.awaySince.values()) due = Math.min(due, since + HAND_AWAY_MS);
    if (this.handsDirty) due = Math.min(due, this.handsSentAt + LIST_MS);
    if (this.positionsDirty) due = Math.min(due, this.positionsSentAt + POSITIONS_MS);
    if (this.qaDirty || this.pendingDirty) due = Math.min(due, this.qaSentAt + LIST_MS);
    return due === Infinity ? null : Math.max(now, due);
  }

  /** Send what is due (tallies, lists, counts, positions) and close quizzes past their deadline. */
  tick(now: number): RootEffect[] {
    const fx: RootEffect[] = [];
    this.lowerAway(fx, now);
    for (const b of [...this.polls.values()]) {
      const close = this.autoCloseAt(b);
      if (close !== null && now >= close) {
        this.closePoll(fx, b, now);
        continue;
      }
      if (b.poll.state !== "open" || !this.tallyDirty.has(b.poll.id)) continue;
      if (now - (this.tallySentAt.get(b.poll.id) ?? -Infinity) >= TALLY_MIN_MS) {
        this.tallyDirty.delete(b.poll.id);
        fx.push({ kind: "staff", frame: this.tallyFrame(b, now) });
        this.pollRow(fx, b);
      }
    }
    if (this.handsDirty && now - this.handsSentAt >= LIST_MS) {
      this.handsDirty = false;
      this.handsSentAt = now;
      const count = this.hands.count;
      if (count !== this.countSent) {
        this.countSent = count;
        this.host.emit(fx, (seq, at) => ({ type: "hand.count", seq, at, count }), now);
      }
      fx.push({ kind: "staff", frame: this.handWindow(0, HAND_WINDOW) });
    }
    if (this.positionsDirty && now - this.positionsSentAt >= POSITIONS_MS) {
      this.positionsDirty = false;
      this.positionsSentAt = now;
      const where = this.host.userSections();
      for (const h of this.hands.page(0, POSITIONS_PUSHED)) {
        if (this.positionsSent.get(h.userId) === h.position) continue;
        this.positionsSent.set(h.userId, h.position);
        this.notifyUser(
          fx,
          h.userId,
          { type: "hand.position", raised: true, position: h.position },
          where.get(h.userId) ?? [],
        );
      }
    }
    if ((this.qaDirty || this.pendingDirty) && now - this.qaSentAt >= LIST_MS) {
      this.qaSentAt = now;
      if (this.qaDirty || this.qa.takeDirty()) {
        this.qaDirty = false;
        const top = this.qa.top(QA_TOP_N);
        const total = this.publicTotal();
        const key = JSON.stringify([top, total]);
        if (key !== this.topSent) {
          this.topSent = key;
          this.host.emit(fx, (seq, at) => ({ type: "qa.top", seq, at, top, total }), now);
        }
      }
      if (this.pendingDirty) {
        this.pendingDirty = false;
        fx.push({ kind: "staff", frame: this.pendingFrame() });
      }
    }
    fx.push(...this.wake(now));
    return fx;
  }
}

/** Whether the shards count this poll (plain polls; quizzes are still scored at the root). */
function shardTallied(b: PollBox): boolean {
  return b.poll.kind === "poll";
}

/** A shard-tallied poll as the shards need it, or null (drafts, quizzes). */
function shardPoll(b: PollBox): ShardPoll | null {
  const p = b.poll;
  if (!shardTallied(b) || p.state === "draft") return null;
  return {
    id: p.id,
    kind: p.kind,
    options: p.options.length,
    multiple: p.multiple,
    state: p.state === "open" ? "open" : "closed",
    closesAt: p.closesAt,
  };
}
