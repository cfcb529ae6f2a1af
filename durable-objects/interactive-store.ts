/**
 * The root's storage for polls, hands and Q&A: the shell side of interactive-core.ts.
 * Keeps polls, answers, raised hands, questions and votes in the Classroom's SQLite
 * (so a root restart loses nothing); their D1 rows go to the root's one outbox
 * (outbox.ts), flushed with attendance and audit rows from the root's alarm.
 */
import type { Hand } from "./hand-queue-core.ts";
import type { InteractiveData, InteractiveMeta, InteractiveOp } from "./interactive-core.ts";
import type { D1Outbox } from "./outbox.ts";
import type { Answer, Poll, QuizTotal } from "./poll-core.ts";
import type { Question } from "./qa-core.ts";
import type { ShardCounts } from "./shard-tally.ts";

/** What the shell must do after one op. */
export interface StoreOutcome {
  /** A D1 row is pending: make sure the flush alarm is set. */
  d1?: boolean;
  /** Run the interactive tick at this time. */
  wake?: number;
}

/** Polls, hands and Q&A in the root's SQLite. */
export class InteractiveStore {
  constructor(
    private readonly sql: SqlStorage,
    private readonly outbox: D1Outbox,
  ) {
    sql.exec(`CREATE TABLE IF NOT EXISTS ix_meta (k TEXT PRIMARY KEY, v TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS ix_polls (id TEXT PRIMARY KEY, ord INTEGER NOT NULL, poll TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS ix_answers (poll_id TEXT NOT NULL, user_id TEXT NOT NULL, answer TEXT NOT NULL,
        delay INTEGER NOT NULL, PRIMARY KEY (poll_id, user_id));
      CREATE TABLE IF NOT EXISTS ix_hands (user_id TEXT PRIMARY KEY, hand TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS ix_questions (id TEXT PRIMARY KEY, question TEXT NOT NULL, answered_at INTEGER);
      CREATE TABLE IF NOT EXISTS ix_votes (question_id TEXT NOT NULL, user_id TEXT NOT NULL,
        PRIMARY KEY (question_id, user_id));
      CREATE TABLE IF NOT EXISTS ix_scores (user_id TEXT PRIMARY KEY, score TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS ix_shard_counts (k TEXT NOT NULL, section_id TEXT NOT NULL, counts TEXT NOT NULL,
        PRIMARY KEY (k, section_id));
      CREATE TABLE IF NOT EXISTS ix_homes (user_id TEXT PRIMARY KEY, section_id TEXT NOT NULL, gen INTEGER NOT NULL);`);
  }

  /** Everything kept, for InteractiveCore.restore. */
  load(): InteractiveData {
    const meta = this.sql
      .exec<{ v: string }>("SELECT v FROM ix_meta WHERE k = 'meta'")
      .toArray()[0]?.v;
    const voters = new Map<string, string[]>();
    for (const v of this.sql
      .exec<{ question_id: string; user_id: string }>("SELECT question_id, user_id FROM ix_votes")
      .toArray()) {
      const list = voters.get(v.question_id);
      if (list) list.push(v.user_id);
      else voters.set(v.question_id, [v.user_id]);
    }
    return {
      meta: meta ? (JSON.parse(meta) as InteractiveMeta) : null,
      polls: this.sql
        .exec<{ poll: string }>("SELECT poll FROM ix_polls ORDER BY ord")
        .toArray()
        .map((r) => JSON.parse(r.poll) as Poll),
      answers: this.sql
        .exec<{ poll_id: string; answer: string; delay: number }>(
          "SELECT poll_id, answer, delay FROM ix_answers",
        )
        .toArray()
        .map((r) => ({
          pollId: r.poll_id,
          answer: JSON.parse(r.answer) as Answer,
          delayMs: r.delay,
        })),
      hands: this.sql
        .exec<{ hand: string }>("SELECT hand FROM ix_hands")
        .toArray()
        .map((r) => JSON.parse(r.hand) as Hand),
      questions: this.sql
        .exec<{ id: string; question: string; answered_at: number | null }>(
          "SELECT id, question, answered_at FROM ix_questions",
        )
        .toArray()
        .map((r) => ({
          question: JSON.parse(r.question) as Question,
          answeredAt: r.answered_at,
          voters: voters.get(r.id) ?? [],
        })),
      scores: this.sql
        .exec<{ score: string }>("SELECT score FROM ix_scores")
        .toArray()
        .map((r) => JSON.parse(r.score) as QuizTotal),
      shardCounts: this.sql
        .exec<{ k: string; section_id: string; counts: string }>(
          "SELECT k, section_id, counts FROM ix_shard_counts",
        )
        .toArray()
        .map((r) => ({
          key: r.k,
          sectionId: r.section_id,
          counts: JSON.parse(r.counts) as ShardCounts,
        })),
      homes: this.sql
        .exec<{ user_id: string; section_id: string; gen: number }>("SELECT * FROM ix_homes")
        .toArray()
        .map((r) => ({ userId: r.user_id, sectionId: r.section_id, gen: r.gen })),
    };
  }

  /** Carry out one op. */
  apply(op: InteractiveOp): StoreOutcome {
    const sql = this.sql;
    switch (op.op) {
      case "poll":
        sql.exec(
          `INSERT INTO ix_polls VALUES (?, (SELECT coalesce(max(ord), 0) + 1 FROM ix_polls), ?)
           ON CONFLICT (id) DO UPDATE SET poll = excluded.poll`,
          op.poll.id,
          JSON.stringify(op.poll),
        );
        return {};
      case "pollGone":
        sql.exec("DELETE FROM ix_polls WHERE id = ?", op.pollId);
        sql.exec("DELETE FROM ix_answers WHERE poll_id = ?", op.pollId);
        sql.exec("DELETE FROM ix_shard_counts WHERE k = ?", `poll:${op.pollId}`);
        return {};
      case "shardCounts":
        sql.exec(
          "INSERT OR REPLACE INTO ix_shard_counts VALUES (?, ?, ?)",
          op.key,
          op.sectionId,
          JSON.stringify(op.counts),
        );
        return {};
      case "home":
        sql.exec(
          "INSERT OR REPLACE INTO ix_homes VALUES (?, ?, ?)",
          op.userId,
          op.sectionId,
          op.gen,
        );
        return {};
      case "answer":
        sql.exec(
          "INSERT OR REPLACE INTO ix_answers VALUES (?, ?, ?, ?)",
          op.pollId,
          op.answer.userId,
          JSON.stringify(op.answer),
          op.delayMs,
        );
        return {};
      case "hand":
        sql.exec(
          "INSERT OR REPLACE INTO ix_hands VALUES (?, ?)",
          op.hand.userId,
          JSON.stringify(op.hand),
        );
        return {};
      case "handGone":
        sql.exec("DELETE FROM ix_hands WHERE user_id = ?", op.userId);
        return {};
      case "handsCleared":
        sql.exec("DELETE FROM ix_hands");
        return {};
      case "question":
        sql.exec(
          "INSERT OR REPLACE INTO ix_questions VALUES (?, ?, ?)",
          op.question.id,
          JSON.stringify(op.question),
          op.answeredAt,
        );
        return {};
      case "vote":
        if (op.up)
          sql.exec("INSERT OR IGNORE INTO ix_votes VALUES (?, ?)", op.questionId, op.userId);
        else
          sql.exec(
            "DELETE FROM ix_votes WHERE question_id = ? AND user_id = ?",
            op.questionId,
            op.userId,
          );
        return {};
      case "score":
        sql.exec(
          "INSERT OR REPLACE INTO ix_scores VALUES (?, ?)",
          op.score.userId,
          JSON.stringify(op.score),
        );
        return {};
      case "scoresCleared":
        sql.exec("DELETE FROM ix_scores");
        return {};
      case "meta":
        sql.exec("INSERT OR REPLACE INTO ix_meta VALUES ('meta', ?)", JSON.stringify(op.meta));
        return {};
      case "d1":
        // Keyed by the core (one poll, one answer, one question): the newest version wins.
        this.outbox.add(op.row, op.key);
        return { d1: true };
      case "wake":
        return { wake: op.at };
      default:
        return op satisfies never;
    }
  }
}
