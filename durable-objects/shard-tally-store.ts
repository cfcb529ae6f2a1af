/**
 * The shard's storage for its tally (shard-tally.ts): the polls it knows, its voters'
 * answers and votes, the users carried to another shard, the keys it reports and its
 * report stamp — in the shard's SQLite, so a restarted shard counts exactly what it did.
 */
import type { HeldAnswer, HeldVote, SavedTally, ShardPoll, TallyOp } from "./shard-tally.ts";

export class ShardTallyStore {
  constructor(private readonly sql: SqlStorage) {
    sql.exec(`CREATE TABLE IF NOT EXISTS tally_polls (id TEXT PRIMARY KEY, poll TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS tally_answers (poll_id TEXT NOT NULL, user_id TEXT NOT NULL,
        answer TEXT NOT NULL, pending INTEGER NOT NULL, PRIMARY KEY (poll_id, user_id));
      CREATE TABLE IF NOT EXISTS tally_votes (question_id TEXT NOT NULL, user_id TEXT NOT NULL,
        vote TEXT NOT NULL, PRIMARY KEY (question_id, user_id));
      CREATE TABLE IF NOT EXISTS tally_moved (user_id TEXT PRIMARY KEY, to_section TEXT NOT NULL, gen INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS tally_keys (k TEXT PRIMARY KEY);
      CREATE TABLE IF NOT EXISTS tally_meta (k TEXT PRIMARY KEY, v INTEGER NOT NULL);`);
  }

  /** The polls known, then everything `ShardTally.restore` takes. */
  load(): { polls: ShardPoll[]; saved: SavedTally } {
    const sql = this.sql;
    const answers: HeldAnswer[] = [];
    const pending: string[] = [];
    for (const r of sql.exec<{ answer: string; pending: number }>(
      "SELECT answer, pending FROM tally_answers",
    )) {
      const a = JSON.parse(r.answer) as HeldAnswer;
      answers.push(a);
      if (r.pending) pending.push(`${a.pollId} ${a.userId}`);
    }
    return {
      polls: sql
        .exec<{ poll: string }>("SELECT poll FROM tally_polls")
        .toArray()
        .map((r) => JSON.parse(r.poll) as ShardPoll),
      saved: {
        answers,
        votes: sql
          .exec<{ vote: string }>("SELECT vote FROM tally_votes")
          .toArray()
          .map((r) => JSON.parse(r.vote) as HeldVote),
        moved: sql
          .exec<{ user_id: string; to_section: string; gen: number }>("SELECT * FROM tally_moved")
          .toArray()
          .map((r) => ({ userId: r.user_id, to: r.to_section, gen: r.gen })),
        stamp:
          sql.exec<{ v: number }>("SELECT v FROM tally_meta WHERE k = 'stamp'").toArray()[0]?.v ??
          0,
        pending,
        keys: sql
          .exec<{ k: string }>("SELECT k FROM tally_keys")
          .toArray()
          .map((r) => r.k),
      },
    };
  }

  /** Carry out the tally's storage work, in order. */
  apply(ops: TallyOp[]): void {
    const sql = this.sql;
    for (const o of ops) {
      switch (o.op) {
        case "poll":
          sql.exec(
            "INSERT OR REPLACE INTO tally_polls VALUES (?, ?)",
            o.poll.id,
            JSON.stringify(o.poll),
          );
          break;
        case "pollGone":
          sql.exec("DELETE FROM tally_polls WHERE id = ?", o.pollId);
          sql.exec("DELETE FROM tally_answers WHERE poll_id = ?", o.pollId);
          sql.exec("DELETE FROM tally_keys WHERE k = ?", `poll:${o.pollId}`);
          break;
        case "answer":
          sql.exec(
            "INSERT OR REPLACE INTO tally_answers VALUES (?, ?, ?, ?)",
            o.answer.pollId,
            o.answer.userId,
            JSON.stringify(o.answer),
            o.pending ? 1 : 0,
          );
          break;
        case "answerGone":
          sql.exec(
            "DELETE FROM tally_answers WHERE poll_id = ? AND user_id = ?",
            o.pollId,
            o.userId,
          );
          break;
        case "vote":
          sql.exec(
            "INSERT OR REPLACE INTO tally_votes VALUES (?, ?, ?)",
            o.vote.questionId,
            o.vote.userId,
            JSON.stringify(o.vote),
          );
          break;
        case "voteGone":
          sql.exec(
            "DELETE FROM tally_votes WHERE question_id = ? AND user_id = ?",
            o.questionId,
            o.userId,
          );
          break;
        case "moved":
          sql.exec("INSERT OR REPLACE INTO tally_moved VALUES (?, ?, ?)", o.userId, o.to, o.gen);
          break;
        case "movedGone":
          sql.exec("DELETE FROM tally_moved WHERE user_id = ?", o.userId);
          break;
        case "key":
          sql.exec("INSERT OR IGNORE INTO tally_keys VALUES (?)", o.key);
          break;
        case "sent":
          sql.exec("UPDATE tally_answers SET pending = 0 WHERE pending = 1");
          sql.exec("INSERT OR REPLACE INTO tally_meta VALUES ('stamp', ?)", o.stamp);
          break;
        case "pending":
          sql.exec(
            "UPDATE tally_answers SET pending = 1 WHERE poll_id = ? AND user_id = ?",
            o.pollId,
            o.userId,
          );
          break;
        default:
          o satisfies never;
      }
    }
  }
}
