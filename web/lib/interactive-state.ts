/**
 * Client state of the interactive class — polls, quizzes, the hand-raise queue and
 * Q&A — as a pure reducer over the frames of protocol/interactive.ts, plus the derived
 * values the student page and the studio render (current poll, percentages, quiz
 * countdown with this viewer's video delay, own questions awaiting approval).
 *
 * classroom-state.ts keeps one `InteractiveState` in `ClassroomState.interactive` and
 * feeds it: sequenced events (after video alignment, see video-delay.ts), the snapshot,
 * staff frames (studio) and personal frames (acks). Unit-tested in interactive-state.test.ts.
 *
 * Types only from protocol/'s schema modules: values come from its valibot-free
 * `*.constants.ts` modules (scripts/web-bundle.test.ts).
 */
import type {
  HandEntry,
  InteractiveEvent,
  InteractivePersonalFrame,
  InteractiveSnapshot,
  InteractiveStaffFrame,
  LeaderEntry,
  PollView,
  QuestionView,
} from "../../protocol/interactive.ts";

/** The staff's view of the hand queue (`hand.queue`). */
export type HandQueueView = Omit<Extract<InteractiveStaffFrame, { type: "hand.queue" }>, "type">;

/** Everything the interactive UI renders. */
export interface InteractiveState {
  /**
   * Polls in view, oldest first. Students: open and recent ones (snapshot + events);
   * staff: every poll with staff detail (`poll.list`), events update them in between.
   */
  polls: PollView[];
  /** Staff: live tallies of open polls (`poll.tally`), by poll id. */
  tallies: Record<string, { tally: number[]; answered: number; at: number }>;
  /** Our counted answers, by poll id (`poll.answered`, `interactive.me`). */
  myAnswers: Record<string, number[]>;
  /** Our quiz results, by poll id (`quiz.result`; shown once the close reached our video). */
  quizResults: Record<string, { correct: boolean; score: number }>;
  /** The latest quiz leaderboard. */
  leaderboard: { pollId: string; top: LeaderEntry[]; players: number } | null;
  /** Staff: the id of the draft our last `poll.create` made, with its rid. */
  lastCreated: { pollId: string; rid?: string } | null;
  /** Public Q&A: the top questions (server order: pinned, unanswered by votes, answered). */
  qa: { top: QuestionView[]; total: number; preModerate: boolean };
  /** Our own questions (any state), newest last. */
  myQuestions: QuestionView[];
  /** Ids of questions we upvoted. */
  myVotes: string[];
  /** Staff: questions waiting for approval. */
  pending: { questions: QuestionView[]; total: number } | null;
  /** Raised hands in the class. */
  handCount: number;
  /** Our hand. `acknowledged`: staff called on us (our hand came down because of it). */
  myHand: { raised: boolean; position: number | null; acknowledged: boolean };
  /** Staff: the live queue window (offset 0). */
  handQueue: HandQueueView | null;
  /** Staff: the last window asked for with `hand.page` (offset > 0). */
  handPage: HandQueueView | null;
}

/** Finished polls kept in a student's view (the snapshot carries up to 5). */
export const POLLS_KEPT = 8;

/** The state before anything arrived. */
export function initialInteractiveState(): InteractiveState {
  return {
    polls: [],
    tallies: {},
    myAnswers: {},
    quizResults: {},
    leaderboard: null,
    lastCreated: null,
    qa: { top: [], total: 0, preModerate: false },
    myQuestions: [],
    myVotes: [],
    pending: null,
    handCount: 0,
    myHand: { raised: false, position: null, acknowledged: false },
    handQueue: null,
    handPage: null,
  };
}

/** Insert or replace `poll` by id, keeping order and at most `POLLS_KEPT` finished ones. */
function upsertPoll(polls: PollView[], poll: PollView, staff: boolean): PollView[] {
  const i = polls.findIndex((p) => p.id === poll.id);
  let next: PollView[];
  if (i >= 0) {
    // Staff keep their detail (tallies, correct options) when a student-view event comes.
    const prev = polls[i]!;
    const merged = staff
      ? {
          ...poll,
          tally: poll.tally ?? prev.tally,
          correct: poll.correct ?? prev.correct,
          answered: poll.answered ?? prev.answered,
        }
      : poll;
    next = [...polls];
    next[i] = merged;
  } else next = [...polls, poll];
  if (staff) return next;
  const finished = next.filter((p) => p.state !== "open");
  if (finished.length <= POLLS_KEPT) return next;
  const drop = new Set(finished.slice(0, finished.length - POLLS_KEPT).map((p) => p.id));
  return next.filter((p) => !drop.has(p.id));
}

/** Replace or add one of our questions. */
function upsertMine(list: QuestionView[], q: QuestionView): QuestionView[] {
  const i = list.findIndex((x) => x.id === q.id);
  if (i < 0) return [...list, q];
  const next = [...list];
  next[i] = q;
  return next;
}

/**
 * A snapshot replaced the class state. Public parts are replaced; our own answers,
 * votes and questions stay (the server re-sends them in `interactive.me`).
 */
export function interactiveFromSnapshot(
  s: InteractiveState,
  snap: InteractiveSnapshot | undefined,
  staff: boolean,
): InteractiveState {
  if (!snap) return s;
  // Staff keep their `poll.list` (drafts too); the snapshot's student views update it.
  let polls = staff ? s.polls : snap.polls;
  if (staff) for (const p of snap.polls) polls = upsertPoll(polls, p, true);
  return {
    ...s,
    polls,
    qa: { top: snap.qa.top, total: snap.qa.total, preModerate: snap.qa.preModerate },
    handCount: snap.hands.count,
  };
}

/** Apply one sequenced interactive event (in order, after video alignment). */
export function applyInteractiveEvent(
  s: InteractiveState,
  ev: InteractiveEvent,
  staff: boolean,
): InteractiveState {
  switch (ev.type) {
    case "poll.opened":
    case "poll.closed":
    case "poll.revealed":
      return { ...s, polls: upsertPoll(s.polls, ev.poll, staff) };
    case "quiz.leaderboard":
      return { ...s, leaderboard: { pollId: ev.pollId, top: ev.top, players: ev.players } };
    case "qa.top": {
      // Our own questions follow their public state (votes, answered, pinned).
      let mine = s.myQuestions;
      for (const q of ev.top) if (mine.some((m) => m.id === q.id)) mine = upsertMine(mine, q);
      return { ...s, qa: { ...s.qa, top: ev.top, total: ev.total }, myQuestions: mine };
    }
    case "qa.settings":
      return { ...s, qa: { ...s.qa, preModerate: ev.preModerate } };
    case "hand.count":
      return { ...s, handCount: ev.count };
    default:
      ev satisfies never;
      return s;
  }
}

/** Apply a staff or personal interactive frame (not sequenced; the latest wins). */
export function applyInteractiveFrame(
  s: InteractiveState,
  f: InteractiveStaffFrame | InteractivePersonalFrame,
): InteractiveState {
  switch (f.type) {
    case "poll.list":
      // The list carries each poll's latest tally: older live tallies (say, from before a
      // reconnect) must not mask it; `poll.tally` only comes when new votes arrive.
      return { ...s, polls: f.polls, tallies: {} };
    case "poll.tally": {
      const prev = s.tallies[f.pollId];
      if (prev && prev.at > f.at) return s;
      return {
        ...s,
        tallies: { ...s.tallies, [f.pollId]: { tally: f.tally, answered: f.answered, at: f.at } },
      };
    }
    case "hand.queue": {
      const { type: _, ...view } = f;
      return f.offset === 0
        ? { ...s, handQueue: view, handCount: f.count }
        : { ...s, handPage: view };
    }
    case "qa.pending":
      return {
        ...s,
        pending: { questions: f.questions, total: f.total },
        qa: { ...s.qa, preModerate: f.preModerate },
      };
    case "poll.created":
      return {
        ...s,
        lastCreated: f.rid === undefined ? { pollId: f.pollId } : { pollId: f.pollId, rid: f.rid },
      };
    case "poll.answered":
      return { ...s, myAnswers: { ...s.myAnswers, [f.pollId]: f.choices } };
    case "quiz.result":
      return {
        ...s,
        quizResults: { ...s.quizResults, [f.pollId]: { correct: f.correct, score: f.score } },
      };
    case "hand.position":
      return {
        ...s,
        myHand: {
          raised: f.raised,
          position: f.raised ? f.position : null,
          acknowledged: f.acknowledged === true,
        },
      };
    case "qa.asked":
      return { ...s, myQuestions: upsertMine(s.myQuestions, f.question) };
    case "qa.voted": {
      const has = s.myVotes.includes(f.questionId);
      if (has === f.up) return s;
      return {
        ...s,
        myVotes: f.up
          ? [...s.myVotes, f.questionId]
          : s.myVotes.filter((id) => id !== f.questionId),
      };
    }
    case "qa.mine":
      return { ...s, myQuestions: upsertMine(s.myQuestions, f.question) };
    case "interactive.me":
      return {
        ...s,
        // Merged: poll answers come from the shard holding them as `poll.answered`, maybe
        // before this frame (decision 013); `answers` lists quizzes.
        myAnswers: {
          ...s.myAnswers,
          ...Object.fromEntries(f.answers.map((a) => [a.pollId, a.choices])),
        },
        myHand: {
          raised: f.hand !== null,
          position: f.hand,
          acknowledged: false,
        },
        myVotes: f.votes,
        myQuestions: f.questions,
      };
    default:
      f satisfies never;
      return s;
  }
}

// ---------------------------------------------------------------------------
// Derived values
// ---------------------------------------------------------------------------

/** The poll a student should see: the newest open one, else the newest finished one. */
export function currentPoll(s: InteractiveState): PollView | null {
  for (let i = s.polls.length - 1; i >= 0; i--)
    if (s.polls[i]!.state === "open") return s.polls[i]!;
  for (let i = s.polls.length - 1; i >= 0; i--)
    if (s.polls[i]!.state !== "draft") return s.polls[i]!;
  return null;
}

/** The tally to show for `poll`: staff's live one when newer, else the poll's own (if visible). */
export function tallyOf(
  s: InteractiveState,
  poll: PollView,
): { tally: number[]; answered: number } | null {
  const live = s.tallies[poll.id];
  if (live && (poll.state === "open" || !poll.tally)) return live;
  if (poll.tally) return { tally: poll.tally, answered: poll.answered ?? 0 };
  return live ?? null;
}

/**
 * Whole percentages of `tally` (of all selections; multiple-choice polls can add up to
 * more selections than voters). Zero votes → all 0.
 */
export function percentages(tally: number[]): number[] {
  const total = tally.reduce((a, b) => a + b, 0);
  return tally.map((n) => (total === 0 ? 0 : Math.round((n * 100) / total)));
}

/**
 * Local time a quiz stops taking our answer: `closesAt` (root time) on our clock, plus our
 * video delay when we watch aligned, up to `maxGraceMs` (the root accepts `closesAt +
 * min(delay, the latency mode's cap)` while the stream is live, `closesAt` otherwise).
 */
export function quizDeadlineLocal(
  poll: PollView,
  clockOffsetMs: number,
  delayMs: number,
  maxGraceMs: number,
): number | null {
  if (poll.closesAt === null) return null;
  return poll.closesAt - clockOffsetMs + Math.min(Math.max(0, delayMs), maxGraceMs);
}

/**
 * How long before our quiz deadline a picked but not locked-in answer is sent by itself:
 * the trip to the shard (its receipt time is checked) with room for a slow network.
 */
export const AUTO_SUBMIT_AHEAD_MS = 1500;

/** Seconds left until `deadline` (local ms) at `now`, never negative. */
export function secondsLeft(deadline: number, now: number): number {
  return Math.max(0, Math.ceil((deadline - now) / 1000));
}

/** Our quiz outcome to show: only once the close reached our screen. */
export function visibleQuizResult(
  s: InteractiveState,
  poll: PollView,
): { correct: boolean; score: number } | null {
  if (poll.kind !== "quiz" || poll.state === "open" || poll.state === "draft") return null;
  return s.quizResults[poll.id] ?? null;
}

/** Our questions still waiting for approval (shown as "awaiting approval"). */
export function myPendingQuestions(s: InteractiveState): QuestionView[] {
  return s.myQuestions.filter((q) => q.state === "pending");
}

/** Whether question `id` is ours. */
export function isMine(s: InteractiveState, id: string): boolean {
  return s.myQuestions.some((q) => q.id === id);
}

/** The hand entries to list in the studio: the asked-for page, else the live window. */
export function handWindow(s: InteractiveState, offset: number): HandEntry[] {
  if (offset > 0 && s.handPage?.offset === offset) return s.handPage.hands;
  return offset === 0 ? (s.handQueue?.hands ?? []) : [];
}
