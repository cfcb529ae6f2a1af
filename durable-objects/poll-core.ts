/**
 * Polls and quizzes, decided at the root. Pure: state + input → new state + output;
 * no runtime imports. Shards batch students' answers upstream; the root keeps exactly
 * one answer per student per poll (keyed by user id, so reconnects, shard moves and
 * retried batches cannot double-count) and tallies incrementally.
 *
 * Quizzes keep their correct answers here and only here: nothing built by `publicView`
 * before the question closes contains them.
 */

import {
  MAX_DEADLINE_GRACE_MS,
  type PollKind,
  type PollState,
  type PollView,
} from "../protocol/interactive.ts";

export type { PollKind, PollState, PollView };
export { MAX_DEADLINE_GRACE_MS };

/** What the teacher drafts. */
export interface PollDraft {
  kind: PollKind;
  question: string;
  /** 2–10 option labels. */
  options: string[];
  /** Several choices allowed. */
  multiple: boolean;
  /** Anonymous polls store no per-student answers in D1. Quizzes are never anonymous. */
  anonymous: boolean;
  /** Quiz only: indexes of the correct options. */
  correct?: number[];
  /** Quiz only: seconds from open to close; the root closes it then. */
  timeLimitSec?: number;
  /** Quiz only: award up to this many extra points for speed (0 = correctness only). */
  speedBonus?: number;
}

export interface Poll extends PollDraft {
  id: string;
  state: PollState;
  openedAt: number | null;
  /** Server time the poll closes by itself (quizzes), or null. */
  closesAt: number | null;
  closedAt: number | null;
}

/** One student's answer as recorded. */
export interface Answer {
  userId: string;
  name: string;
  choices: number[];
  at: number;
}

/** An answer arriving from a shard batch. `delayMs` (capped) extends deadlines by the viewer's video delay. */
export interface IncomingAnswer {
  pollId: string;
  userId: string;
  name: string;
  choices: number[];
  /** Server time the shard received it. */
  at: number;
  /** Milliseconds this viewer's video lags the live edge (capped by the root). */
  delayMs?: number;
}

export type AnswerError =
  | "unknown_poll"
  | "poll_closed"
  | "bad_choice"
  | "too_late"
  | "already_answered";
/** Points for a correct quiz answer before the speed bonus. */
export const BASE_POINTS = 100;

/** Validate a draft; returns a message or null. */
export function draftProblem(d: PollDraft): string | null {
  if (!d.question.trim()) return "A poll needs a question.";
  if (d.options.length < 2 || d.options.length > 10) return "A poll has 2 to 10 options.";
  if (d.options.some((o) => !o.trim())) return "Options cannot be empty.";
  if (d.kind === "quiz") {
    const c = d.correct ?? [];
    if (c.length === 0) return "A quiz question needs at least one correct option.";
    if (c.some((i) => !Number.isInteger(i) || i < 0 || i >= d.options.length))
      return "Correct options must be among the options.";
    if (!d.multiple && c.length > 1) return "A single-choice question has one correct option.";
    if (!d.timeLimitSec || d.timeLimitSec < 5 || d.timeLimitSec > 600)
      return "A quiz question needs a time limit of 5–600 s.";
    if (d.anonymous) return "Quizzes are scored, so they cannot be anonymous.";
  }
  return null;
}

/** Normalise choices: unique, sorted, in range, one unless `multiple`. Null when invalid. */
export function normaliseChoices(
  poll: Pick<Poll, "options" | "multiple">,
  choices: number[],
): number[] | null {
  const set = [...new Set(choices)].sort((a, b) => a - b);
  if (set.length === 0) return null;
  if (!poll.multiple && set.length > 1) return null;
  if (set.some((i) => !Number.isInteger(i) || i < 0 || i >= poll.options.length)) return null;
  return set;
}

/** Whether a quiz answer is fully correct (same set of options). */
export function isCorrect(poll: Pick<Poll, "correct">, choices: number[]): boolean {
  const c = [...(poll.correct ?? [])].sort((a, b) => a - b);
  return c.length === choices.length && c.every((v, i) => v === choices[i]);
}

/**
 * Quiz score: BASE_POINTS for a correct answer, plus a speed bonus that falls linearly
 * from `speedBonus` at open to 0 at the deadline. `classDelayMs` — the same for every
 * player of the question (`classDelay`) — is subtracted, so a class watching 8 s behind
 * is not penalised for seeing the question later.
 */
export function score(poll: Poll, a: Answer, classDelayMs = 0): number {
  if (poll.kind !== "quiz" || !isCorrect(poll, a.choices)) return 0;
  const bonus = poll.speedBonus ?? 0;
  if (!bonus || poll.openedAt === null || poll.closesAt === null) return BASE_POINTS;
  const span = poll.closesAt - poll.openedAt;
  const credit = Math.min(Math.max(0, classDelayMs), MAX_DEADLINE_GRACE_MS);
  const used = Math.min(span, Math.max(0, a.at - poll.openedAt - credit));
  return BASE_POINTS + Math.round(bonus * (1 - used / span));
}

/**
 * The video delay credited to every answer of one quiz question for its speed bonus: the
 * lower median of what its players reported (each already capped by the latency mode, 0
 * without a live stream). A viewer's claim is not checkable, so it is never credited to
 * that viewer alone: whatever one player claims, their score moves exactly as everyone
 * else's does, and a claim can shift the median only as far as half the class agrees.
 */
export function classDelay(delays: Iterable<number>): number {
  const sorted = [...delays].sort((a, b) => a - b);
  if (sorted.length === 0) return 0;
  return sorted[Math.floor((sorted.length - 1) / 2)]!;
}

/** A poll's running state at the root: one answer per user, tally kept incrementally. */
export class PollBox {
  readonly answers = new Map<string, Answer>();
  readonly tally: number[];
  readonly delays = new Map<string, number>();

  constructor(public poll: Poll) {
    this.tally = poll.options.map(() => 0);
  }

  /** Open now; quizzes get their deadline. */
  open(now: number): void {
    if (this.poll.state !== "draft") return;
    this.poll.state = "open";
    this.poll.openedAt = now;
    this.poll.closesAt =
      this.poll.kind === "quiz" && this.poll.timeLimitSec
        ? now + this.poll.timeLimitSec * 1000
        : null;
  }

  /** Close (teacher, or the quiz deadline plus the longest grace passed). */
  close(now: number): void {
    if (this.poll.state !== "open") return;
    this.poll.state = "closed";
    this.poll.closedAt = now;
  }

  reveal(): void {
    if (this.poll.state === "closed") this.poll.state = "revealed";
  }

  /**
   * Record (or change) a student's answer. Idempotent: the same answer twice changes
   * nothing; a changed answer moves the student's count from old options to new ones.
   * `graceCapMs`: the most video delay the root believes now (protocol/latency.ts
   * `deadlineGraceMs`: by latency mode while live, 0 otherwise).
   */
  answer(a: IncomingAnswer, graceCapMs = MAX_DEADLINE_GRACE_MS): AnswerError | null {
    if (a.pollId !== this.poll.id) return "unknown_poll";
    if (this.poll.state !== "open") return "poll_closed";
    const choices = normaliseChoices(this.poll, a.choices);
    if (!choices) return "bad_choice";
    const grace = Math.min(Math.max(0, a.delayMs ?? 0), graceCapMs, MAX_DEADLINE_GRACE_MS);
    if (this.poll.closesAt !== null && a.at > this.poll.closesAt + grace) return "too_late";
    const prev = this.answers.get(a.userId);
    if (prev) {
      const same =
        prev.choices.length === choices.length && prev.choices.every((c, i) => c === choices[i]);
      if (same) return null; // a retried batch or a repeated click: nothing changes
      if (this.poll.kind === "quiz") return "already_answered"; // the first answer counts
      for (const i of prev.choices) this.tally[i]!--;
    }
    for (const i of choices) this.tally[i]!++;
    this.answers.set(a.userId, { userId: a.userId, name: a.name, choices, at: a.at });
    if (grace > 0) this.delays.set(a.userId, grace);
    return null;
  }

  /** Put back a stored answer after a restart (no checks: it was accepted before). */
  restore(a: Answer, delayMs: number): void {
    const prev = this.answers.get(a.userId);
    if (prev) for (const i of prev.choices) this.tally[i]!--;
    for (const i of a.choices) if (i < this.tally.length) this.tally[i]!++;
    this.answers.set(a.userId, a);
    if (delayMs) this.delays.set(a.userId, delayMs);
  }

  /** The grace (ms) recorded for `userId`'s answer. */
  delayOf(userId: string): number {
    return this.delays.get(userId) ?? 0;
  }

  /**
   * Set when the shards count this poll (docs/decisions/013): the class-wide number of
   * voters, summed at the root; `tally` then holds the summed counts and `answers` stays empty.
   */
  shardAnswered: number | null = null;

  /** Students who answered. */
  get answered(): number {
    return this.shardAnswered ?? this.answers.size;
  }

  /** The view for students (`staff=false`) or the teacher (`staff=true`, live tallies). */
  view(staff: boolean): PollView {
    const p = this.poll;
    const finished = p.state === "closed" || p.state === "revealed";
    // A closed quiz shows its results with its answer; a poll waits for the teacher's reveal.
    const showTally = staff || p.state === "revealed" || (p.kind === "quiz" && finished);
    return {
      id: p.id,
      kind: p.kind,
      question: p.question,
      options: [...p.options],
      multiple: p.multiple,
      anonymous: p.anonymous,
      state: p.state,
      openedAt: p.openedAt,
      closesAt: p.closesAt,
      timeLimitSec: p.timeLimitSec ?? null,
      tally: showTally ? [...this.tally] : null,
      correct: p.kind === "quiz" && (finished || staff) ? [...(p.correct ?? [])] : null,
      answered: showTally ? this.answered : null,
    };
  }

  /** The delay credited to every player of this question (`classDelay` of the recorded ones). */
  classDelay(): number {
    return classDelay([...this.answers.keys()].map((u) => this.delays.get(u) ?? 0));
  }

  /** Per-student results for D1 and the leaderboard. */
  results(): {
    userId: string;
    name: string;
    choices: number[];
    correct: boolean | null;
    score: number | null;
    at: number;
  }[] {
    const credit = this.poll.kind === "quiz" ? this.classDelay() : 0;
    return [...this.answers.values()].map((a) => ({
      userId: a.userId,
      name: a.name,
      choices: a.choices,
      correct: this.poll.kind === "quiz" ? isCorrect(this.poll, a.choices) : null,
      score: this.poll.kind === "quiz" ? score(this.poll, a, credit) : null,
      at: a.at,
    }));
  }
}

/** One student's running quiz total (a leaderboard row before ranking). */
export interface QuizTotal {
  userId: string;
  name: string;
  score: number;
  correct: number;
  /** Sum of answer times (ms after open): ties go to the faster player. */
  time: number;
}

/** Add one quiz question's results to `totals`; returns the totals that changed. */
export function addQuizResults(
  totals: Map<string, QuizTotal>,
  quiz: Pick<Poll, "openedAt">,
  results: ReturnType<PollBox["results"]>,
): QuizTotal[] {
  const changed: QuizTotal[] = [];
  for (const r of results) {
    const t = totals.get(r.userId) ?? {
      userId: r.userId,
      name: r.name,
      score: 0,
      correct: 0,
      time: 0,
    };
    t.score += r.score ?? 0;
    t.correct += r.correct ? 1 : 0;
    t.time += r.at - (quiz.openedAt ?? r.at);
    totals.set(r.userId, t);
    changed.push(t);
  }
  return changed;
}

/** The top `n` totals: score, ties broken by earlier total time, then user id. */
export function rankTotals(
  totals: Iterable<QuizTotal>,
  n: number,
): { userId: string; name: string; score: number; correct: number }[] {
  return [...totals]
    .sort((a, b) => b.score - a.score || a.time - b.time || a.userId.localeCompare(b.userId))
    .slice(0, n)
    .map(({ userId, name, score, correct }) => ({ userId, name, score, correct }));
}

/** Top-N leaderboard over several quiz questions: total score, ties broken by earlier total time. */
export function leaderboard(
  boxes: PollBox[],
  n = 10,
): { userId: string; name: string; score: number; correct: number }[] {
  const totals = new Map<string, QuizTotal>();
  for (const b of boxes) {
    if (b.poll.kind !== "quiz" || b.poll.state === "draft" || b.poll.state === "open") continue;
    addQuizResults(totals, b.poll, b.results());
  }
  return rankTotals(totals.values(), n);
}
