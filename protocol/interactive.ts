/**
 * The interactive-class part of the wire protocol: polls, quizzes, the hand-raise
 * queue and Q&A. `protocol/realtime.ts` spreads these schemas into `ClientSchemas`
 * and these frame types into its unions; import from there in apps (the web apps take
 * values from ./interactive.constants.ts, which keeps valibot out of their bundles).
 *
 * This module may only `import type` from `./realtime.ts` (realtime.ts imports
 * values from here; a value import back would be a circular-import TDZ).
 *
 * How it scales (docs/protocol.md, "Polls, quizzes, hands, Q&A"): student commands
 * are validated and aggregated at the shard and travel upstream in the shard's
 * batched report (one answer per user per batch); the root decides. What everyone
 * sees comes down as sequenced class events (poll opened/closed/revealed, the top
 * questions and the hand count at a bounded rate); staff get live tallies, the hand
 * queue window and pending questions; each student gets their own acks and state.
 */
import * as v from "valibot";
import {
  HAND_PAGE_MAX,
  POLL_MAX_OPTIONS,
  POLL_MIN_OPTIONS,
  POLL_OPTION_MAX_CHARS,
  POLL_QUESTION_MAX_CHARS,
  QUESTION_MAX_CHARS,
  QUIZ_MAX_SEC,
  QUIZ_MAX_SPEED_BONUS,
  QUIZ_MIN_SEC,
} from "./interactive.constants.ts";

export * from "./interactive.constants.ts";
export * from "./latency.ts";

// ---------------------------------------------------------------------------
// Client → server
// ---------------------------------------------------------------------------

const id = v.pipe(v.string(), v.minLength(1), v.maxLength(64));
const rid = v.optional(v.pipe(v.string(), v.maxLength(64)));
const index = v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(POLL_MAX_OPTIONS - 1));
const label = (max: number) => v.pipe(v.string(), v.trim(), v.minLength(1), v.maxLength(max));

/** Every interactive client→server schema, keyed by `type` (spread into `ClientSchemas`). */
export const InteractiveSchemas = {
  /**
   * Staff: draft a poll or quiz question. Answered with `poll.created` (your `rid`, the new
   * `pollId`) and an updated `poll.list`; a bad draft gets `error invalid_draft`.
   */
  "poll.create": v.strictObject({
    type: v.literal("poll.create"),
    rid,
    kind: v.picklist(["poll", "quiz"]),
    question: label(POLL_QUESTION_MAX_CHARS),
    options: v.pipe(
      v.array(label(POLL_OPTION_MAX_CHARS)),
      v.minLength(POLL_MIN_OPTIONS),
      v.maxLength(POLL_MAX_OPTIONS),
    ),
    /** Several options may be chosen. Default false. */
    multiple: v.optional(v.boolean()),
    /** No per-student answers are stored. Polls only. Default false. */
    anonymous: v.optional(v.boolean()),
    /** Quiz: indexes of the correct options (never sent to students before close). */
    correct: v.optional(v.pipe(v.array(index), v.minLength(1), v.maxLength(POLL_MAX_OPTIONS))),
    /** Quiz: seconds from open to the deadline. */
    timeLimitSec: v.optional(
      v.pipe(v.number(), v.integer(), v.minValue(QUIZ_MIN_SEC), v.maxValue(QUIZ_MAX_SEC)),
    ),
    /** Quiz: extra points for speed, falling linearly to 0 at the deadline. Default 0. */
    speedBonus: v.optional(
      v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(QUIZ_MAX_SPEED_BONUS)),
    ),
  }),
  /** Staff: open a drafted poll (everyone gets `poll.opened`). */
  "poll.open": v.strictObject({ type: v.literal("poll.open"), pollId: id }),
  /** Staff: close an open poll (everyone gets `poll.closed`). */
  "poll.close": v.strictObject({ type: v.literal("poll.close"), pollId: id }),
  /** Staff: show a closed poll's results to everyone (`poll.revealed`). */
  "poll.reveal": v.strictObject({ type: v.literal("poll.reveal"), pollId: id }),
  /** Staff: delete a draft that was never opened. */
  "poll.discard": v.strictObject({ type: v.literal("poll.discard"), pollId: id }),
  /**
   * Answer an open poll, or change your answer while it is open (the new one replaces the
   * old; a quiz keeps your first). `delayMs`: your current video-delay estimate, which
   * extends a quiz deadline for you while the stream is live (capped per latency mode,
   * MODE_MAX_DELAY_MS). It never adds speed points: those credit every player the same
   * class-wide delay. Ack: `poll.answered`.
   */
  "poll.answer": v.strictObject({
    type: v.literal("poll.answer"),
    pollId: id,
    choices: v.pipe(v.array(index), v.minLength(1), v.maxLength(POLL_MAX_OPTIONS)),
    delayMs: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(600_000))),
    rid,
  }),
  /** Raise your hand (idempotent: raising again keeps your place). Ack: `hand.position`. */
  "hand.raise": v.strictObject({ type: v.literal("hand.raise"), rid }),
  /** Lower your hand. Ack: `hand.position` with `raised: false`. */
  "hand.lower": v.strictObject({ type: v.literal("hand.lower"), rid }),
  /** Staff: call on a raised hand: it comes down and is recorded as acknowledged. */
  "hand.ack": v.strictObject({ type: v.literal("hand.ack"), userId: id }),
  /** Staff: lower one student's hand. */
  "hand.dismiss": v.strictObject({ type: v.literal("hand.dismiss"), userId: id }),
  /** Staff: lower every hand. */
  "hand.clear": v.strictObject({ type: v.literal("hand.clear") }),
  /** Staff: read a window of the queue (`hand.queue` with that `offset`, to you only). */
  "hand.page": v.strictObject({
    type: v.literal("hand.page"),
    offset: v.pipe(v.number(), v.integer(), v.minValue(0)),
    limit: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(HAND_PAGE_MAX))),
  }),
  /** Ask a question (1–300 characters; at most 3 waiting at once). Ack: `qa.asked`. */
  "qa.ask": v.strictObject({
    type: v.literal("qa.ask"),
    text: label(QUESTION_MAX_CHARS),
    rid,
  }),
  /** Upvote (`up: true`) or take back your upvote on someone else's question. Ack: `qa.voted`. */
  "qa.vote": v.strictObject({ type: v.literal("qa.vote"), questionId: id, up: v.boolean(), rid }),
  /** Staff: approve (pre-moderation), hide, mark answered, pin or unpin a question. */
  "qa.moderate": v.strictObject({
    type: v.literal("qa.moderate"),
    questionId: id,
    action: v.picklist(["approve", "hide", "answer", "pin", "unpin"]),
  }),
  /** Teacher: turn Q&A pre-moderation on or off (new questions wait for approval). */
  "qa.settings": v.strictObject({ type: v.literal("qa.settings"), preModerate: v.boolean() }),
} as const;

/** The `type` of an interactive client message. */
export type InteractiveType = keyof typeof InteractiveSchemas;
/** Any interactive client message. */
export type InteractiveMessage = v.InferOutput<(typeof InteractiveSchemas)[InteractiveType]>;

/** Interactive messages only staff (teacher, moderators) may send. */
export const INTERACTIVE_STAFF_ONLY: readonly InteractiveType[] = [
  "poll.create",
  "poll.open",
  "poll.close",
  "poll.reveal",
  "poll.discard",
  "hand.ack",
  "hand.dismiss",
  "hand.clear",
  "hand.page",
  "qa.moderate",
  "qa.settings",
];
/** Interactive messages only the teacher may send. */
export const INTERACTIVE_TEACHER_ONLY: readonly InteractiveType[] = ["qa.settings"];

/** Whether `type` is an interactive client message type. */
export function isInteractiveType(type: string): type is InteractiveType {
  return Object.hasOwn(InteractiveSchemas, type);
}

// ---------------------------------------------------------------------------
// Server → client
// ---------------------------------------------------------------------------

export type PollKind = "poll" | "quiz";
/** draft → open → closed → revealed. Students never see drafts. */
export type PollState = "draft" | "open" | "closed" | "revealed";

/**
 * A poll as a client sees it. Students: `tally` only once revealed (and for closed
 * quizzes), `correct` only once a quiz is closed. Staff (`poll.list`): always both.
 */
export interface PollView {
  id: string;
  kind: PollKind;
  question: string;
  options: string[];
  multiple: boolean;
  anonymous: boolean;
  state: PollState;
  /** Root time (epoch ms) it opened: hold `poll.opened` back to your video delay. */
  openedAt: number | null;
  /** Quiz deadline (root epoch ms, before your personal grace), or null. */
  closesAt: number | null;
  timeLimitSec: number | null;
  /** Votes per option, or null while hidden from you. */
  tally: number[] | null;
  /** Quiz: the correct option indexes, or null while hidden from you. */
  correct: number[] | null;
  /** Students who answered, or null while hidden from you. */
  answered: number | null;
}

/** A Q&A question. `votes` is the upvote count (voters are never sent). */
export interface QuestionView {
  id: string;
  from: { id: string; name: string };
  /** Plain text. Always render as text, never as HTML. */
  text: string;
  at: number;
  state: "pending" | "visible" | "answered" | "hidden";
  pinned: boolean;
  votes: number;
}

/** One raised hand in the staff queue. */
export interface HandEntry {
  userId: string;
  name: string;
  /** 1-based place in line. */
  position: number;
  /** When the hand went up (epoch ms). */
  at: number;
}

/** One leaderboard row (total over the session's closed quiz questions). */
export interface LeaderEntry {
  userId: string;
  name: string;
  score: number;
  /** Questions answered correctly. */
  correct: number;
}

/** The interactive part of `ClassSnapshot` (late joiners get it immediately). */
export interface InteractiveSnapshot {
  /** Open polls and the most recent finished ones (up to 5), oldest first; student views. */
  polls: PollView[];
  qa: { top: QuestionView[]; total: number; preModerate: boolean };
  hands: { count: number };
}

/**
 * Sequenced class events of this domain (members of `ClassEvent`: `seq`, `at`, logged,
 * replayed on resume). `at` is the root time it happened.
 */
export type InteractiveEvent =
  /** A poll or quiz opened. Show it when your video reaches `at`. */
  | { type: "poll.opened"; seq: number; at: number; poll: PollView }
  /** A poll closed (quizzes: now with `correct` and `tally`). */
  | { type: "poll.closed"; seq: number; at: number; poll: PollView }
  /** A closed poll's results are shown to everyone. */
  | { type: "poll.revealed"; seq: number; at: number; poll: PollView }
  /** After a quiz question closes: the session's top players (total over closed questions). */
  | {
      type: "quiz.leaderboard";
      seq: number;
      at: number;
      pollId: string;
      top: LeaderEntry[];
      /** Students with at least one quiz answer. */
      players: number;
    }
  /** The public top questions changed (at most about once a second). Replace your list. */
  | { type: "qa.top"; seq: number; at: number; top: QuestionView[]; total: number }
  /** Q&A pre-moderation was turned on or off. */
  | { type: "qa.settings"; seq: number; at: number; preModerate: boolean }
  /** Raised hands now (at most about once a second while it changes). 0: every hand is down, yours too. */
  | { type: "hand.count"; seq: number; at: number; count: number };

/** Staff-only frames of this domain (not sequenced; the latest one wins). */
export type InteractiveStaffFrame =
  /**
   * The class's polls with staff detail (drafts, tallies, correct answers): drafts, open
   * polls and the last 5 finished ones (older results are in D1). On connect and on change.
   */
  | { type: "poll.list"; polls: PollView[] }
  /** Live tally of an open poll: within 250 ms of a vote arriving (at most every 250 ms); the poll list has the latest. */
  | { type: "poll.tally"; pollId: string; tally: number[]; answered: number; at: number }
  /**
   * The hand queue: `count` raised, `hands` = the window from `offset`. The live window
   * (`offset` 0, HAND_WINDOW hands) is sent on connect and at most once a second on change;
   * `hand.page` answers with the window asked for, to the asker only.
   */
  | {
      type: "hand.queue";
      count: number;
      offset: number;
      hands: HandEntry[];
      /** The last student called on. */
      acknowledged: { userId: string; name: string; at: number } | null;
    }
  /** Questions waiting for approval (oldest first, up to 50) and their total. On connect and on change. */
  | { type: "qa.pending"; questions: QuestionView[]; total: number; preModerate: boolean };

/** Frames for one user only (acks and personal state). */
export type InteractivePersonalFrame =
  /** Staff: your `poll.create` made this draft. */
  | { type: "poll.created"; pollId: string; rid?: string }
  /** Your answer counts (as `choices`). Also re-sent after you reconnect. */
  | { type: "poll.answered"; pollId: string; choices: number[]; rid?: string }
  /** Your quiz result once the question closed. */
  | { type: "quiz.result"; pollId: string; correct: boolean; score: number }
  /**
   * Your hand: raised and your place in line. Sent as the ack of `hand.raise`/`hand.lower`,
   * when staff lower or call on you, and (at most every 2 s) to the first 100 in line when
   * their place changes.
   */
  | {
      type: "hand.position";
      raised: boolean;
      position: number | null;
      /** Called on by staff (your hand came down because of it). */
      acknowledged?: boolean;
      rid?: string;
    }
  /** Your question was received (`state` "pending" under pre-moderation, else "visible"). */
  | { type: "qa.asked"; question: QuestionView; rid?: string }
  /** Your upvote is recorded (`up`) or taken back. */
  | { type: "qa.voted"; questionId: string; up: boolean; rid?: string }
  /** Staff approved, answered, hid, pinned or unpinned your question. */
  | { type: "qa.mine"; question: QuestionView }
  /** Your interactive state after (re)connecting, when you have any. */
  | {
      type: "interactive.me";
      /** Your answers to open and recent polls. */
      answers: { pollId: string; choices: number[] }[];
      /** Your place in the hand queue, or null. */
      hand: number | null;
      /** Questions you upvoted. */
      votes: string[];
      /** Your questions. */
      questions: QuestionView[];
    };

/** Error codes of this domain (members of `ErrorCode`; `error.ref` names the message, `rid` echoes yours). */
export type InteractiveErrorCode =
  /** No such poll (or not one you can see). */
  | "unknown_poll"
  /** The poll is not open (not yet, or closed). */
  | "poll_closed"
  /** An option index out of range, or several on a single-choice poll. */
  | "bad_choice"
  /** The quiz deadline (plus your video delay grace) had passed. */
  | "too_late"
  /** Quiz: you already answered; your first answer counts. */
  | "already_answered"
  /** `poll.create`: the draft is inconsistent (e.g. a quiz without correct options). */
  | "invalid_draft"
  /** The poll is in the wrong state for that (e.g. reveal an open poll, open a closed one). */
  | "bad_state"
  /** No such question (or hidden from you). */
  | "unknown_question"
  /** That question cannot be upvoted now (pending, answered or hidden). */
  | "not_votable"
  /** You cannot upvote your own question. */
  | "own_question"
  /** You have 3 questions waiting already. */
  | "too_many_questions"
  /** `hand.ack` / `hand.dismiss`: that hand is not raised. */
  | "not_raised";
