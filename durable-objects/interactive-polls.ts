/**
 * Polls and quizzes at the root: the staff commands (create, open, close, reveal,
 * discard), the shards' summed counts of the polls they tally (docs/decisions/013), the
 * quizzes' answers (still decided at the root), the live tally sent to staff at a bounded
 * rate, the quiz deadlines, the D1 rows, and pruning finished polls. The rules of one poll
 * are poll-core.ts (`PollBox`); the quiz leaderboard is interactive-quiz.ts. Pure.
 */
import {
  DEFAULT_LATENCY_MODE,
  type LatencyMode,
  MODE_MAX_DELAY_MS,
  type PollView,
} from "../protocol/interactive.ts";
import type { Author, ClientMessageOf, ServerMessage, StaffFrame } from "../protocol/realtime.ts";
import type { RootEffect } from "./classroom-core.ts";
import {
  type D1Row,
  errorFrame,
  type InteractiveData,
  type InteractiveOutput,
  type Refusal,
  refuse,
} from "./interactive-effects.ts";
import { QuizScores } from "./interactive-quiz.ts";
import type { InteractiveReport } from "./interactive-shard.ts";
import { draftProblem, type Poll, PollBox } from "./poll-core.ts";
import { RootTally } from "./root-tally.ts";
import { STAFF_SECTION, type TallyControl } from "./rpc.ts";
import { pollKey, type ShardPoll, type TallyReport } from "./shard-tally.ts";

/** Staff poll tallies: at most this often while votes arrive, ms. */
export const TALLY_MIN_MS = 250;
/** Finished polls kept in snapshots. */
export const SNAPSHOT_FINISHED = 5;
/** A quiz closes this long after its deadline plus the largest grace (in-flight batches land). */
export const NO_VIDEO_SLACK_MS = 1000;
/**
 * Finished polls kept at the root (in memory and its SQLite); older ones live on in D1
 * only. Why: one poll of 100,000 students holds ~15 MB of answers, and a Durable Object
 * has 128 MB. Quiz totals for the leaderboard are kept apart (`QuizTotal`, poll-core.ts).
 */
export const KEEP_FINISHED = 5;

/** The root's polls and quizzes, and when their tallies and deadlines are next due. */
export class RootPolls {
  readonly polls = new Map<string, PollBox>();
  private readonly quiz: QuizScores;
  // Bounded-rate bookkeeping (memory only: after a restart everything is sent once).
  private readonly tallyDirty = new Set<string>();
  private readonly tallySentAt = new Map<string, number>();
  /** Polls whose D1 row was queued by this instance (a restart just queues it once more). */
  private readonly rowQueued = new Set<string>();
  /** The shards' counts of the polls they tally, summed (docs/decisions/013). */
  private tallies = new RootTally();

  constructor(private readonly out: InteractiveOutput) {
    this.quiz = new QuizScores(out);
  }

  /** Put back the stored polls, answers, quiz totals and shard counts (the meta row first). */
  restore(d: InteractiveData): void {
    for (const p of d.polls) this.polls.set(p.id, new PollBox(p));
    this.quiz.restore(d.scores);
    for (const a of d.answers) this.polls.get(a.pollId)?.restore(a.answer, a.delayMs);
    this.tallies = RootTally.from(d.shardCounts ?? []);
    for (const b of this.polls.values()) if (shardTallied(b)) this.sumInto(b);
    // Staff get the open polls' tallies once after a restart.
    for (const b of this.polls.values())
      if (b.poll.state === "open") this.tallyDirty.add(b.poll.id);
  }

  // ---- views -----------------------------------------------------------------

  /** The polls in a snapshot (student views): the open ones and the last finished. */
  snapshot(): PollView[] {
    const shown = [...this.polls.values()].filter((b) => b.poll.state !== "draft");
    const open = shown.filter((b) => b.poll.state === "open");
    const finished = shown.filter((b) => b.poll.state !== "open").slice(-SNAPSHOT_FINISHED);
    return [...open, ...finished]
      .sort((a, b) => (a.poll.openedAt ?? 0) - (b.poll.openedAt ?? 0))
      .map((b) => b.view(false));
  }

  /** Every poll as staff see it. */
  list(): StaffFrame {
    return { type: "poll.list", polls: [...this.polls.values()].map((b) => b.view(true)) };
  }

  /** The last 20 polls students have seen (a reconnecting student gets their answers to them). */
  recent(): PollBox[] {
    return [...this.polls.values()].filter((b) => b.poll.state !== "draft").slice(-20);
  }

  // ---- the shards' tallies -----------------------------------------------------

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
  tallyReport(fx: RootEffect[], sectionId: string, t: TallyReport, now: number): void {
    for (const key of this.tallies.apply(sectionId, t.counts)) {
      const counts = t.counts[key]!;
      this.out.store(fx, { op: "shardCounts", key, sectionId, counts });
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
        this.out.engagement(
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

  // ---- students' answers (batched by shards) ---------------------------------------

  /** One shard's batch of answers: quizzes are decided here; a poll the shards count goes back to them. */
  answer(fx: RootEffect[], sectionId: string, answers: InteractiveReport["answers"]): void {
    const here = [sectionId];
    const sentBack = new Map<string, Extract<TallyControl, { kind: "tally.answers" }>>();
    for (const a of Object.values(answers)) {
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
        this.out.answerAll(
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
        this.out.store(fx, {
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
      this.out.answerAll(
        fx,
        a.user.id,
        { type: "poll.answered", pollId: b.poll.id, choices: mine.choices },
        a.rids,
        here,
      );
    }
    for (const [section, control] of sentBack)
      fx.push({ kind: "control", sectionId: section, control });
  }

  // ---- staff commands ------------------------------------------------------------

  /** `poll.create`: a new draft; its author gets `poll.created` with the command's rid. */
  create(fx: RootEffect[], by: Author, m: ClientMessageOf<"poll.create">): Refusal | null {
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
    if (problem) return refuse("invalid_draft", problem);
    this.out.meta.pollSeq++;
    const poll: Poll = {
      ...draft,
      id: this.out.host.newId(),
      state: "draft",
      openedAt: null,
      closesAt: null,
      closedAt: null,
    };
    this.polls.set(poll.id, new PollBox(poll));
    this.out.saveMeta(fx);
    this.out.store(fx, { op: "poll", poll });
    const ack: ServerMessage = { type: "poll.created", pollId: poll.id };
    if (m.rid !== undefined) ack.rid = m.rid;
    this.out.notifyUser(fx, by.id, ack, [STAFF_SECTION]);
    fx.push({ kind: "staff", frame: this.list() });
    return null;
  }

  /** `poll.open`: a draft opens; every shard learns it before its students see it. */
  open(fx: RootEffect[], m: ClientMessageOf<"poll.open">, now: number): Refusal | null {
    const b = this.polls.get(m.pollId);
    if (!b) return refuse("unknown_poll");
    if (b.poll.state !== "draft") return refuse("bad_state", "Only a draft can be opened.");
    b.open(now);
    if (shardTallied(b)) b.shardAnswered = 0;
    this.out.store(fx, { op: "poll", poll: b.poll });
    this.pollRow(fx, b);
    // Before the event: a delivery runs its controls first, so a shard knows the poll
    // before its students see it.
    this.pushPoll(fx, b);
    this.out.host.emit(
      fx,
      (seq, at) => ({ type: "poll.opened", seq, at, poll: b.view(false) }),
      now,
    );
    fx.push({ kind: "staff", frame: this.list() });
    this.tallyDirty.add(b.poll.id);
    return null;
  }

  /** `poll.close` (the shell has settled the shards' counts first). */
  close(fx: RootEffect[], m: ClientMessageOf<"poll.close">, now: number): Refusal | null {
    const b = this.polls.get(m.pollId);
    if (!b) return refuse("unknown_poll");
    if (b.poll.state !== "open") return refuse("bad_state", "Only an open poll can be closed.");
    this.closePoll(fx, b, now);
    return null;
  }

  /** `poll.reveal`: a closed poll's tally goes to the students. */
  reveal(fx: RootEffect[], m: ClientMessageOf<"poll.reveal">, now: number): Refusal | null {
    const b = this.polls.get(m.pollId);
    if (!b) return refuse("unknown_poll");
    if (b.poll.state !== "closed") return refuse("bad_state", "Close the poll first.");
    b.reveal();
    this.out.store(fx, { op: "poll", poll: b.poll });
    this.out.host.emit(
      fx,
      (seq, at) => ({ type: "poll.revealed", seq, at, poll: b.view(false) }),
      now,
    );
    fx.push({ kind: "staff", frame: this.list() });
    return null;
  }

  /** `poll.discard`: a draft is dropped. */
  discard(fx: RootEffect[], m: ClientMessageOf<"poll.discard">): Refusal | null {
    const b = this.polls.get(m.pollId);
    if (!b) return refuse("unknown_poll");
    if (b.poll.state !== "draft") return refuse("bad_state", "Only a draft can be discarded.");
    this.polls.delete(m.pollId);
    this.out.store(fx, { op: "pollGone", pollId: m.pollId });
    fx.push({ kind: "staff", frame: this.list() });
    return null;
  }

  private closePoll(fx: RootEffect[], b: PollBox, now: number): void {
    b.close(now);
    this.pushPoll(fx, b);
    this.out.store(fx, { op: "poll", poll: b.poll });
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
      this.out.engagement(
        fx,
        r.userId,
        quiz ? "quiz_answer" : "poll_answer",
        r.at,
        b.poll.id,
        r.score,
      );
    }
    this.out.host.emit(
      fx,
      (seq, at) => ({ type: "poll.closed", seq, at, poll: b.view(false) }),
      now,
    );
    this.tallyDirty.delete(b.poll.id);
    fx.push(
      { kind: "staff", frame: this.tallyFrame(b, now) },
      { kind: "staff", frame: this.list() },
    );
    if (quiz) this.quiz.score(fx, b, results, now);
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
      this.out.store(fx, { op: "pollGone", pollId: old.poll.id });
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

  // ---- D1 rows -------------------------------------------------------------------

  private pollRow(fx: RootEffect[], b: PollBox): void {
    const sessionId = this.out.host.sessionId();
    const p = b.poll;
    if (!sessionId || p.openedAt === null) return;
    this.rowQueued.add(p.id);
    this.out.store(fx, {
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
    if (!this.out.host.sessionId() || b.poll.anonymous) return;
    this.out.store(fx, {
      op: "d1",
      key: `answer:${b.poll.id} ${r.userId}`,
      row: { table: "poll_answers", pollId: b.poll.id, ...r },
    });
  }

  // ---- deadlines and bounded-rate output ---------------------------------------------

  /** The most video delay believed now: by the class's latency mode while live, none otherwise. */
  private graceCap(): number {
    return this.out.host.live()
      ? MODE_MAX_DELAY_MS[this.out.meta.latencyMode ?? DEFAULT_LATENCY_MODE]
      : 0;
  }

  /** The class's latency mode (from each admission): it bounds the video delay a quiz answer may claim. */
  setLatencyMode(mode: LatencyMode): RootEffect[] {
    if (this.out.meta.latencyMode === mode) return [];
    this.out.meta.latencyMode = mode;
    const fx: RootEffect[] = [];
    this.out.saveMeta(fx);
    return fx;
  }

  /** When a quiz closes by itself: its deadline plus the largest grace any viewer may get. */
  private autoCloseAt(b: PollBox): number | null {
    if (b.poll.state !== "open" || b.poll.closesAt === null) return null;
    return b.poll.closesAt + this.graceCap() + NO_VIDEO_SLACK_MS;
  }

  /** The next time `tick` has work here (a tally or a deadline), or Infinity. */
  due(): number {
    let due = Infinity;
    for (const b of this.polls.values()) {
      if (b.poll.state !== "open") continue;
      // Only while votes arrive: an idle open poll holds no timer (the object may sleep).
      if (this.tallyDirty.has(b.poll.id))
        due = Math.min(due, (this.tallySentAt.get(b.poll.id) ?? -Infinity) + TALLY_MIN_MS);
      const close = this.autoCloseAt(b);
      if (close !== null) due = Math.min(due, close);
    }
    return due;
  }

  /** Close the quizzes past their deadline; send the tallies that are due. */
  tick(fx: RootEffect[], now: number): void {
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
