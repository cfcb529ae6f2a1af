/**
 * What the parts of InteractiveCore (interactive-core.ts) share: the storage work they
 * hand the shell (`InteractiveOp`, carried out by interactive-store.ts), what the store
 * gives back after a restart, what they need from the root (`InteractiveHost`), and
 * `InteractiveOutput`, the one place that turns their decisions into root effects
 * (storage ops, `notify` controls, engagement rows, the meta row). Pure: no runtime
 * imports, time comes in as an argument.
 */
import type { LatencyMode } from "../protocol/interactive.ts";
import type { ClassEvent, ErrorCode, ServerMessage } from "../protocol/realtime.ts";
import type { RootEffect } from "./classroom-core.ts";
import type { Hand, HandQueue } from "./hand-queue-core.ts";
import type { Answer, Poll, QuizTotal } from "./poll-core.ts";
import type { Question } from "./qa-core.ts";
import type { ShardCounts } from "./shard-tally.ts";

/** `qa.top`, `hand.count`, `hand.queue`, `qa.pending`: at most this often, ms. */
export const LIST_MS = 1000;

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

/** A staff command refused: the dispatcher sends its sender a typed `error` frame. */
export interface Refusal {
  code: ErrorCode;
  /** Instead of the code's usual text. */
  message?: string;
}

/** A refusal with the code's usual text, or `message`. */
export function refuse(code: ErrorCode, message?: string): Refusal {
  return message === undefined ? { code } : { code, message };
}

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

/** A typed `error` frame answering command `ref` (its `rid` echoed when it had one). */
export function errorFrame(
  code: ErrorCode,
  ref: string,
  rid?: string,
  message?: string,
): ServerMessage {
  const f: ServerMessage = {
    type: "error",
    code,
    message: message ?? ERROR_TEXT[code] ?? code,
    ref,
  };
  if (rid !== undefined) f.rid = rid;
  return f;
}

/** The kinds of engagement records. */
export type EngagementKind = Extract<D1Row, { table: "engagement_events" }>["kind"];

/**
 * How the parts of InteractiveCore write: storage ops, frames to a user's sockets,
 * engagement rows and the meta row, all as root effects appended to `fx`.
 */
export class InteractiveOutput {
  /** The scalar state row; each part keeps its own fields in it. */
  meta: InteractiveMeta = {
    pollSeq: 0,
    questionSeq: 0,
    preModerate: false,
    nextTicket: 1,
    acknowledged: null,
  };

  /**
   * `syncMeta` copies into the meta row the fields that live in the domain cores (the
   * Q&A setting, the hand queue's ticket counter and last acknowledged hand) before it is saved.
   */
  constructor(
    readonly host: InteractiveHost,
    private readonly syncMeta: (meta: InteractiveMeta) => void,
  ) {}

  /** Storage work for the shell. */
  store(fx: RootEffect[], op: InteractiveOp): void {
    fx.push({ kind: "interactive", op });
  }

  /** Save the meta row as it is now. */
  saveMeta(fx: RootEffect[]): void {
    this.syncMeta(this.meta);
    this.store(fx, { op: "meta", meta: { ...this.meta } });
  }

  /** Send `frame` to every socket of `userId` (in the sections that hold them). */
  notifyUser(fx: RootEffect[], userId: string, frame: ServerMessage, sections?: string[]): void {
    for (const sectionId of sections ?? this.host.userSections().get(userId) ?? [])
      fx.push({ kind: "control", sectionId, control: { kind: "notify", userId, frame } });
  }

  /**
   * Answer the commands folded into one batch entry: `frame` once per `rid` (each echoing
   * its own), or once without a rid when none had one. Every rid gets exactly one answer;
   * each says the state the whole fold produced.
   */
  answerAll(
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

  /** An engagement record for the current session (none outside a session). */
  engagement(
    fx: RootEffect[],
    userId: string,
    kind: EngagementKind,
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
}
