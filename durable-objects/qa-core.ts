/**
 * Q&A, kept at the root: students ask and upvote (one vote each), staff approve
 * (when pre-moderation is on), hide, mark answered and pin. The top list is what
 * travels to 100,000 students, at a bounded rate chosen by the shell. Pure.
 */

import type { QuestionView } from "../protocol/interactive.ts";

export type QuestionState = QuestionView["state"];

/** A question as the root keeps it; the wire shape is the same (voters are kept apart). */
export type Question = QuestionView;
export type { QuestionView };

export type QaError = "unknown_question" | "not_votable" | "own_question" | "too_many_questions";

/** Open questions one student may have waiting at once. */
export const MAX_OPEN_PER_STUDENT = 3;

export class QaBoard {
  readonly questions = new Map<string, Question>();
  private readonly voters = new Map<string, Set<string>>();
  /** userId → questions they upvoted (their own view after reconnecting). */
  private readonly votedBy = new Map<string, Set<string>>();
  /** Questions changed since the last `takeDirty()` (the shell broadcasts then). */
  private dirty = false;
  /** userId → ids of the questions they asked (asks and reconnects look here, not at all questions). */
  private readonly byAuthor = new Map<string, string[]>();
  /** The last `top()` result and the change count it was computed at (snapshots reuse it). */
  private rev = 0;
  private topCache: { rev: number; n: number; list: QuestionView[] } | null = null;

  private changed(): void {
    this.dirty = true;
    this.rev++;
  }

  private index(q: Question): void {
    const list = this.byAuthor.get(q.from.id);
    if (list) list.push(q.id);
    else this.byAuthor.set(q.from.id, [q.id]);
  }

  constructor(public preModerate = false) {}

  /** A student asks. Pending when pre-moderated, else visible. */
  ask(
    id: string,
    from: { id: string; name: string },
    text: string,
    at: number,
  ): Question | QaError {
    const open = (this.byAuthor.get(from.id) ?? [])
      .map((qid) => this.questions.get(qid)!)
      .filter((q) => q.state === "pending" || q.state === "visible");
    // Asking the same again (a retried batch, a double click) returns the same question.
    const same = open.find((q) => q.text === text);
    if (same) return same;
    if (open.length >= MAX_OPEN_PER_STUDENT) return "too_many_questions";
    const q: Question = {
      id,
      from,
      text,
      at,
      state: this.preModerate ? "pending" : "visible",
      pinned: false,
      votes: 0,
    };
    this.questions.set(id, q);
    this.voters.set(id, new Set());
    this.index(q);
    this.changed();
    return q;
  }

  /** Toggle a student's upvote; one per student per question, not on their own. */
  vote(questionId: string, userId: string, up: boolean): QaError | null {
    const q = this.questions.get(questionId);
    if (!q) return "unknown_question";
    if (q.state !== "visible") return "not_votable";
    if (q.from.id === userId) return "own_question";
    const set = this.voters.get(questionId)!;
    if (up === set.has(userId)) return null; // already so: idempotent
    let mine = this.votedBy.get(userId);
    if (!mine) {
      mine = new Set();
      this.votedBy.set(userId, mine);
    }
    if (up) {
      set.add(userId);
      mine.add(questionId);
    } else {
      set.delete(userId);
      mine.delete(questionId);
    }
    q.votes = set.size;
    this.changed();
    return null;
  }

  /** Staff moderation. Pinning one question unpins any other. */
  moderate(
    questionId: string,
    action: "approve" | "hide" | "answer" | "pin" | "unpin",
  ): QaError | null {
    const q = this.questions.get(questionId);
    if (!q) return "unknown_question";
    switch (action) {
      case "approve":
        if (q.state === "pending" || q.state === "hidden") q.state = "visible";
        break;
      case "hide":
        q.state = "hidden";
        q.pinned = false;
        break;
      case "answer":
        q.state = "answered";
        break;
      case "pin":
        for (const other of this.questions.values()) other.pinned = false;
        if (q.state === "pending" || q.state === "hidden") q.state = "visible";
        q.pinned = true;
        break;
      case "unpin":
        q.pinned = false;
        break;
      default:
        action satisfies never;
    }
    this.changed();
    return null;
  }

  /** Students' top list: pinned first, then most votes, then oldest. Hidden and pending never appear. */
  top(n: number): QuestionView[] {
    const c = this.topCache;
    if (c && c.rev === this.rev && c.n === n)
      return c.list.map((q) => ({ ...q, from: { ...q.from } }));
    const list = [...this.questions.values()]
      .filter((q) => q.state === "visible" || q.state === "answered")
      .sort(
        (a, b) =>
          Number(b.pinned) - Number(a.pinned) ||
          Number(a.state === "answered") - Number(b.state === "answered") ||
          b.votes - a.votes ||
          a.at - b.at,
      )
      .slice(0, n)
      .map((q) => ({ ...q, from: { ...q.from } }));
    this.topCache = { rev: this.rev, n, list };
    return list.map((q) => ({ ...q, from: { ...q.from } }));
  }

  /** Staff's moderation queue: pending questions, oldest first. */
  pending(): QuestionView[] {
    return [...this.questions.values()]
      .filter((q) => q.state === "pending")
      .sort((a, b) => a.at - b.at);
  }

  /** Whether anything changed since the last call (and reset). */
  takeDirty(): boolean {
    const d = this.dirty;
    this.dirty = false;
    return d;
  }

  /** Questions `userId` upvoted. */
  votesOf(userId: string): string[] {
    return [...(this.votedBy.get(userId) ?? [])];
  }

  /** Questions `userId` asked, oldest first. */
  askedBy(userId: string): QuestionView[] {
    return (this.byAuthor.get(userId) ?? [])
      .map((qid) => this.questions.get(qid)!)
      .map((q) => ({ ...q, from: { ...q.from } }));
  }

  /** Put back a stored question and its voters after a restart. */
  restore(q: Question, voters: string[]): void {
    this.questions.set(q.id, q);
    this.index(q);
    this.rev++;
    this.voters.set(q.id, new Set(voters));
    for (const u of voters) {
      let mine = this.votedBy.get(u);
      if (!mine) {
        mine = new Set();
        this.votedBy.set(u, mine);
      }
      mine.add(q.id);
    }
    q.votes = voters.length;
  }

  /** Whether `userId` upvoted `questionId` (for a student's own view). */
  hasVoted(questionId: string, userId: string): boolean {
    return this.voters.get(questionId)?.has(userId) ?? false;
  }
}
