/**
 * The quiz leaderboard at the root: each closed quiz question adds to the running totals
 * of the class session (a new session starts a new leaderboard), then the top
 * `LEADERBOARD_N` go out as a `quiz.leaderboard` event and each player gets their own
 * `quiz.result`. Totals are kept apart from the polls (`QuizTotal`, poll-core.ts), so a
 * question pruned from the root (interactive-polls.ts KEEP_FINISHED) still counts. Pure.
 */
import { LEADERBOARD_N } from "../protocol/interactive.ts";
import type { RootEffect } from "./classroom-core.ts";
import type { InteractiveOutput } from "./interactive-effects.ts";
import { addQuizResults, type PollBox, type QuizTotal, rankTotals } from "./poll-core.ts";

/** The quiz totals of the current session, by user, and the leaderboard they make. */
export class QuizScores {
  /** Quiz totals of the current session, by user. */
  private readonly scores = new Map<string, QuizTotal>();

  constructor(private readonly out: InteractiveOutput) {}

  /** Put back the stored totals (after a restart). */
  restore(scores: QuizTotal[]): void {
    for (const q of scores) this.scores.set(q.userId, q);
  }

  /** Add a closed quiz question to the session's totals; leaderboard event and personal results. */
  score(fx: RootEffect[], b: PollBox, results: ReturnType<PollBox["results"]>, now: number): void {
    const host = this.out.host;
    const sessionId = host.sessionId();
    if ((this.out.meta.scoresSession ?? null) !== sessionId) {
      this.scores.clear();
      this.out.store(fx, { op: "scoresCleared" });
      this.out.meta.scoresSession = sessionId;
      this.out.saveMeta(fx);
    }
    for (const t of addQuizResults(this.scores, b.poll, results))
      this.out.store(fx, { op: "score", score: { ...t } });
    const top = rankTotals(this.scores.values(), LEADERBOARD_N);
    const players = this.scores.size;
    host.emit(
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
    const where = host.userSections();
    for (const r of results) {
      this.out.notifyUser(
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
}
