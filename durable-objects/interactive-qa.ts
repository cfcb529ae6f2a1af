/**
 * Q&A at the root: students' questions and upvotes from shard reports, the staff's
 * moderation and the teacher's pre-moderation setting, the D1 rows, and what is sent at a
 * bounded rate (the students' top list, the staff's pending queue). The board's rules are
 * qa-core.ts (`QaBoard`). Pure.
 */
import { QA_TOP_N } from "../protocol/interactive.ts";
import type {
  Author,
  ClientMessageOf,
  InteractiveSnapshot,
  ServerMessage,
  StaffFrame,
} from "../protocol/realtime.ts";
import type { RootEffect } from "./classroom-core.ts";
import {
  errorFrame,
  type InteractiveData,
  type InteractiveOutput,
  LIST_MS,
  type Refusal,
  refuse,
} from "./interactive-effects.ts";
import type { InteractiveReport } from "./interactive-shard.ts";
import { QaBoard, type Question } from "./qa-core.ts";

/** Pending questions in a `qa.pending` frame. */
export const PENDING_SHOWN = 50;

/** The root's questions, and when the top list and the pending queue are next due. */
export class RootQa {
  readonly board = new QaBoard();
  private readonly answeredAt = new Map<string, number>();
  // Bounded-rate bookkeeping (memory only: after a restart everything is sent once).
  private qaSentAt = -Infinity;
  private qaDirty = false;
  private pendingDirty = false;
  private topSent = "";

  constructor(private readonly out: InteractiveOutput) {}

  /** Put back the stored questions and their voters; `preModerate` from the meta row. */
  restore(questions: InteractiveData["questions"], preModerate: boolean): void {
    this.board.preModerate = preModerate;
    for (const q of questions) {
      this.board.restore(q.question, q.voters);
      if (q.answeredAt !== null) this.answeredAt.set(q.question.id, q.answeredAt);
    }
    this.board.takeDirty();
    // Students and staff get the current lists once after a restart.
    this.qaDirty = this.board.questions.size > 0;
    this.pendingDirty = this.qaDirty;
  }

  /** The Q&A part of a snapshot (student views). */
  snapshot(): InteractiveSnapshot["qa"] {
    return {
      top: this.board.top(QA_TOP_N),
      total: this.publicTotal(),
      preModerate: this.board.preModerate,
    };
  }

  /** The staff's moderation queue. */
  pendingFrame(): StaffFrame {
    const pending = this.board.pending();
    return {
      type: "qa.pending",
      questions: pending.slice(0, PENDING_SHOWN),
      total: pending.length,
      preModerate: this.board.preModerate,
    };
  }

  private publicTotal(): number {
    let n = 0;
    for (const q of this.board.questions.values())
      if (q.state === "visible" || q.state === "answered") n++;
    return n;
  }

  private saveQuestion(fx: RootEffect[], q: Question): void {
    const answeredAt = this.answeredAt.get(q.id) ?? null;
    this.out.store(fx, { op: "question", question: { ...q, from: { ...q.from } }, answeredAt });
    const sessionId = this.out.host.sessionId();
    if (!sessionId) return;
    this.out.store(fx, {
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

  // ---- students (batched by shards) ------------------------------------------

  /** One shard's batch of questions asked, then of upvotes. */
  report(
    fx: RootEffect[],
    sectionId: string,
    asks: InteractiveReport["asks"],
    votes: InteractiveReport["votes"],
  ): void {
    const here = [sectionId];
    for (const q of asks) {
      const id = this.out.host.newId();
      const asked = this.board.ask(id, { id: q.user.id, name: q.user.name }, q.text, q.at);
      if (typeof asked === "string") {
        this.out.notifyUser(fx, q.user.id, errorFrame(asked, "qa.ask", q.rid), here);
        continue;
      }
      if (asked.id === id) {
        this.out.meta.questionSeq++;
        this.out.saveMeta(fx);
        this.saveQuestion(fx, asked);
        this.out.engagement(fx, q.user.id, "question", q.at, asked.id);
        this.qaDirty = true;
        if (asked.state === "pending") this.pendingDirty = true;
      }
      const ack: ServerMessage = {
        type: "qa.asked",
        question: { ...asked, from: { ...asked.from } },
      };
      if (q.rid !== undefined) ack.rid = q.rid;
      this.out.notifyUser(fx, q.user.id, ack, here);
    }
    for (const v of Object.values(votes)) {
      const had = this.board.hasVoted(v.questionId, v.user.id);
      const q = this.board.questions.get(v.questionId);
      // Hidden and pending questions do not exist for students.
      const err =
        !q || q.state === "hidden" || q.state === "pending"
          ? "unknown_question"
          : this.board.vote(v.questionId, v.user.id, v.up);
      if (err) {
        this.out.answerAll(fx, v.user.id, errorFrame(err, "qa.vote"), v.rids, here);
        continue;
      }
      if (had !== v.up && q) {
        this.out.store(fx, { op: "vote", questionId: v.questionId, userId: v.user.id, up: v.up });
        this.saveQuestion(fx, q);
        if (v.up) this.out.engagement(fx, v.user.id, "upvote", v.at, v.questionId);
        this.qaDirty = true;
      }
      this.out.answerAll(
        fx,
        v.user.id,
        { type: "qa.voted", questionId: v.questionId, up: v.up },
        v.rids,
        here,
      );
    }
  }

  // ---- staff commands ------------------------------------------------------------

  /** `qa.moderate`: approve, hide, answer, pin or unpin; the author is told, the action audited. */
  moderate(
    fx: RootEffect[],
    by: Author,
    m: ClientMessageOf<"qa.moderate">,
    now: number,
  ): Refusal | null {
    const err = this.board.moderate(m.questionId, m.action);
    if (err) return refuse(err);
    const q = this.board.questions.get(m.questionId)!;
    if (m.action === "answer") this.answeredAt.set(q.id, now);
    this.saveQuestion(fx, q);
    this.out.notifyUser(fx, q.from.id, {
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
    return null;
  }

  /** `qa.settings` (the teacher only): pre-moderation on or off, told to the class. */
  settings(
    fx: RootEffect[],
    by: Author,
    m: ClientMessageOf<"qa.settings">,
    now: number,
  ): Refusal | null {
    if (by.role !== "teacher") return refuse("forbidden", "Only the teacher may do that.");
    if (this.board.preModerate === m.preModerate) return null;
    this.board.preModerate = m.preModerate;
    this.out.saveMeta(fx);
    this.out.host.emit(
      fx,
      (seq, at) => ({ type: "qa.settings", seq, at, preModerate: m.preModerate }),
      now,
    );
    this.pendingDirty = true;
    return null;
  }

  // ---- bounded-rate output -----------------------------------------------------

  /** The next time `tick` has work here (the top list, the pending queue), or Infinity. */
  due(): number {
    return this.qaDirty || this.pendingDirty ? this.qaSentAt + LIST_MS : Infinity;
  }

  /** Send the students' top list (when it changed) and the staff's pending queue, when due. */
  tick(fx: RootEffect[], now: number): void {
    if (!(this.qaDirty || this.pendingDirty) || now - this.qaSentAt < LIST_MS) return;
    this.qaSentAt = now;
    if (this.qaDirty || this.board.takeDirty()) {
      this.qaDirty = false;
      const top = this.board.top(QA_TOP_N);
      const total = this.publicTotal();
      const key = JSON.stringify([top, total]);
      if (key !== this.topSent) {
        this.topSent = key;
        this.out.host.emit(fx, (seq, at) => ({ type: "qa.top", seq, at, top, total }), now);
      }
    }
    if (this.pendingDirty) {
      this.pendingDirty = false;
      fx.push({ kind: "staff", frame: this.pendingFrame() });
    }
  }
}
