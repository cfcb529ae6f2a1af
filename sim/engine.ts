/**
 * The simulated class: a teacher, two moderators and N students drive a real local
 * stack over real sockets with a seeded random schedule of every protocol action, and
 * invariants are checked against the model (sim/model.ts) after every step and at the end.
 *
 * Determinism: every choice comes from one seeded `Rng` and depends only on the model,
 * and each step waits for the answers to what it sent before the next step chooses.
 * Re-running a seed replays the same schedule until a wall-clock rule decides
 * differently (a quiz closing by itself, the 60 s hand rule, how many steps fit in the
 * run): seeds reproduce reliably up to the first few hundred steps.
 */
import { BOARD_COLORS, BOARD_SIZES } from "../protocol/board.ts";
import { isClassEvent, type ServerMessage } from "../protocol/realtime.ts";
import {
  ChatModel,
  type Expect,
  HandModel,
  MAX_WAITING_QUESTIONS,
  type PollModel,
  predictAnswer,
  predictVote,
  type QuestionModel,
  tally,
  unionMs,
} from "./model.ts";
import { Rng } from "./prng.ts";
import { SimSocket } from "./socket.ts";
import {
  getJson,
  guestJoin,
  SIM_PASSWORD,
  type SimStack,
  signIn,
  simClassId,
  ticketUrl,
  uploadDeck,
} from "./stack.ts";

/** Every invariant the sim checks; each can be switched off (`SimOptions.checks`). */
export const CHECKS = [
  /** Every command carrying a `rid` gets exactly one answer (ack, result, echo, rejection or error). */
  "rid-answer",
  /** Refusals of commands name the command (`ref`) and echo its `rid`. */
  "error-ref",
  /** Every accepted section message reaches each member and each watching staff socket exactly once, in `sseq` order. */
  "section-delivery",
  /** Nothing from a user reaches anyone during their time-out or ban. */
  "sanction-silence",
  /** Slow mode: one message per interval, never zero, with the right `retryAfterMs`. */
  "slow-mode",
  /** A timed-out student's messages are refused with `timed_out` and the time left. */
  "timeout",
  /** Other chat verdicts (blocked words, links, no unexplained refusals). */
  "chat-verdict",
  /** Class events: gapless per socket, identical for everyone, every open socket reaches the head. */
  "seq-log",
  /** A resumed socket replays exactly the missed events (no snapshot for a recent gap). */
  "resume",
  /** Poll and quiz answers: acks as promised; tallies and answered counts equal the model's. */
  "poll-tally",
  /** Q&A: ask/vote answers as promised; upvote counts equal the model's. */
  "qa-votes",
  /** The staff hand queue's order and count equal the model's. */
  "hand-queue",
  /** Every socket's whiteboard equals the model's at the end. */
  "board",
  /** A ban closes the user's sockets (4003) and refuses their rejoin until unbanned. */
  "ban",
  /** Attendance minutes equal connected time (within the tolerance); staff are not attendees. */
  "attendance",
  /** Staff commands get their effect, and no unexpected `error` arrives. */
  "staff-commands",
  /** Sockets close only when their user leaves, reloads, drops or is banned. */
  "connection",
] as const;
/** One invariant's name. */
export type CheckName = (typeof CHECKS)[number];

/** How to run a simulation. */
export interface SimOptions {
  students: number;
  /** Length of the class in (real) minutes. */
  minutes: number;
  seed: number;
  /** Checks to run (default: all). */
  checks?: readonly CheckName[];
  /** Slow-mode settings (s) the teacher picks from. Short ones keep CI runs short. */
  slowModeChoices?: readonly number[];
  /** Time-out lengths (s) staff pick from (10 s is the protocol's minimum). */
  timeoutChoices?: readonly number[];
  /** Doubt around time boundaries, ms (default 1000). */
  marginMs?: number;
  /** How long an answer or delivery may take, ms (default 4000). */
  deliveryMs?: number;
  /** Attendance tolerance, minutes (default 1, as docs promise). */
  attendanceToleranceMin?: number;
  /** How many actions to print before a failure (default 25). */
  lastActions?: number;
  /** Students per section (SHARD_CAPACITY); small values make several sections. */
  shardCapacity?: number;
  /** Stop at the first violation. */
  stopOnFailure?: boolean;
  log?: (line: string) => void;
}

/** A broken invariant. */
export interface Violation {
  check: CheckName;
  /** The step that detected it and the step whose action it concerns. */
  step: number;
  causeStep: number;
  message: string;
  /** The actions up to the cause, for the report. */
  lastActions: string[];
}

/** The outcome of a run. */
export interface SimResult {
  seed: number;
  steps: number;
  violations: Violation[];
  /** Actions run, by kind. */
  actions: Record<string, number>;
  /** Every action, in order (`#step time actor …`). */
  actionLog: string[];
  /** Messages, answers and frames observed. */
  stats: Record<string, number>;
}

type Role = "teacher" | "moderator" | "student";
type Presence = "offline" | "online" | "dropped" | "left" | "banned";

/** One simulated person. */
interface Actor {
  key: string;
  name: string;
  role: Role;
  guest: boolean;
  token: string;
  userId: string;
  presence: Presence;
  sock: SimSocket | null;
  /** Every socket this actor opened (attendance). */
  sockets: SimSocket[];
  /** Send time of their last `chat.send` (keeps students under the chat rate limit). */
  lastChatAt: number;
  /** When their last socket closed while they had none open (the 60 s hand rule). */
  offlineSince: number | null;
  /** Last section, for `?section=` on resume. */
  section: string | null;
}

interface PendingRid {
  rid: string;
  type: string;
  sock: SimSocket;
  actor: Actor;
  sentAt: number;
  step: number;
  expect: Expect;
  check: CheckName;
  onAnswer?: (m: ServerMessage) => void;
  resolve: () => void;
}

interface SectionRecord {
  id: string;
  sectionId: string;
  sseq: number;
  from: string;
  at: number;
  firstSeen: number;
  step: number;
  /** Sockets that should receive it and have not yet. */
  waiting: Set<SimSocket>;
}

const STAFF_FRAME_WAIT = 2500;

/** Run one simulated class against `stack`. */
export async function runSim(stack: SimStack, opts: SimOptions): Promise<SimResult> {
  const sim = new Sim(stack, opts);
  try {
    await sim.run();
  } finally {
    sim.closeAll();
  }
  return sim.result();
}

class Sim {
  private readonly rng: Rng;
  private readonly enabled: Set<CheckName>;
  private readonly margin: number;
  private readonly deliveryMs: number;
  private readonly chat = new ChatModel();
  private readonly hands = new HandModel();
  private readonly polls: PollModel[] = [];
  private readonly questions: QuestionModel[] = [];
  /** The board the model expects: slide key → stroke ids; the slide on screen. */
  private readonly boardSlides = new Map<string, string[]>([["blank", []]]);
  private boardSlide = "blank";
  private boardTouched = false;
  private deckId: string | null = null;
  private readonly deckPages = 3;
  private preModerate = false;
  private qaChangedAt = 0;
  private readonly actors: Actor[] = [];
  private readonly sockets: SimSocket[] = [];
  /** First JSON seen for each class `seq`. */
  private readonly eventLog = new Map<number, string>();
  private headSeq = 0;
  private readonly pending = new Map<string, PendingRid>();
  private readonly answered = new Map<string, number>();
  private readonly sectionMsgs = new Map<string, SectionRecord>();
  private readonly silenceChecked = new Set<string>();
  private readonly violations: Violation[] = [];
  private readonly actionLog: string[] = [];
  private readonly actionCounts: Record<string, number> = {};
  private readonly stats: Record<string, number> = {};
  private step = 0;
  private ridN = 0;
  private textN = 0;
  private t0 = Date.now();
  private stopped = false;
  /** Errors without a rid that an action expects next on a socket (`ref` → count). */
  private readonly expectedErrors = new Map<SimSocket, Map<string, number>>();
  private handVerified = -1;
  /** Action kinds taken so far (the opening tour takes each once). */
  private readonly tried = new Set<string>();
  private readonly classId: string;
  private qaVerified = -1;

  private readonly stack: SimStack;
  private readonly opts: SimOptions;

  constructor(stack: SimStack, opts: SimOptions) {
    this.stack = stack;
    this.opts = opts;
    this.rng = new Rng(opts.seed);
    this.classId = simClassId(opts.seed);
    this.enabled = new Set(opts.checks ?? CHECKS);
    this.margin = opts.marginMs ?? 1000;
    this.deliveryMs = opts.deliveryMs ?? 4000;
  }

  // -------------------------------------------------------------------------
  // Reporting
  // -------------------------------------------------------------------------

  private log(line: string): void {
    this.opts.log?.(line);
  }

  private fail(check: CheckName, message: string, causeStep = this.step): void {
    if (!this.enabled.has(check)) return;
    const n = this.opts.lastActions ?? 25;
    const upto = this.actionLog.filter((a) => Number(a.slice(1, a.indexOf(" "))) <= causeStep);
    const v: Violation = {
      check,
      step: this.step,
      causeStep,
      message,
      lastActions: upto.slice(-n),
    };
    this.violations.push(v);
    if (this.violations.filter((x) => x.check === check).length <= 3)
      this.log(
        `✗ [${check}] seed ${this.opts.seed} step ${this.step} (cause: step ${causeStep}): ${message}`,
      );
    if (this.opts.stopOnFailure) this.stopped = true;
  }

  private action(kind: string, text: string): void {
    this.actionCounts[kind] = (this.actionCounts[kind] ?? 0) + 1;
    const t = ((Date.now() - this.t0) / 1000).toFixed(1);
    this.actionLog.push(`#${this.step} ${t}s ${text}`);
  }

  private count(stat: string, n = 1): void {
    this.stats[stat] = (this.stats[stat] ?? 0) + n;
  }

  result(): SimResult {
    return {
      seed: this.opts.seed,
      steps: this.step,
      violations: this.violations,
      actions: this.actionCounts,
      actionLog: this.actionLog,
      stats: this.stats,
    };
  }

  // -------------------------------------------------------------------------
  // Sockets
  // -------------------------------------------------------------------------

  private who(s: SimSocket): string {
    return `${s.actorKey}#${s.id}`;
  }

  private actorOf(s: SimSocket): Actor {
    return this.actors.find((a) => a.key === s.actorKey)!;
  }

  /** Open a socket for `a` with a fresh ticket; resolves once welcomed (or refused). */
  private async connect(a: Actor, resume: number | null): Promise<SimSocket | null> {
    let path: string;
    try {
      path = await ticketUrl(this.stack.url, this.classId, a.token);
    } catch (err) {
      this.fail("staff-commands", `${a.key}: ticket refused: ${(err as Error).message}`);
      return null;
    }
    if (resume !== null) path += `&resume=${resume}`;
    if (a.section && resume !== null) path += `&section=${encodeURIComponent(a.section)}`;
    const url = `${this.stack.url.replace(/^http/, "ws")}${path}`;
    const s = new SimSocket(
      url,
      a.key,
      resume,
      (sock, m) => this.onFrame(sock, m),
      (sock) => this.onClose(sock),
    );
    // A resumed client keeps what it drew; the replay continues from there.
    const prev = a.sockets[a.sockets.length - 1];
    if (resume !== null && prev)
      s.board = { slide: prev.board.slide, strokes: [...prev.board.strokes] };
    this.sockets.push(s);
    a.sockets.push(s);
    const welcomed = await s.wait((m) => m.type === "welcome", 8000);
    if (!welcomed) {
      if (s.closedAt !== null) return s;
      s.close("drop");
      return null;
    }
    // Class state, then the section snapshot (students) or the staff state.
    const then = a.role === "student" ? "section.snapshot" : "mod.state";
    // Frames of one batch arrive in one tick: the state may be here already.
    if (!s.latest.has(then)) await s.wait((m) => m.type === then, 4000);
    // A student with a hand up, votes or quiz answers is told so after connecting
    // (`interactive.me`); poll answers live at the shards (decision 013) and come back
    // as one `poll.answered` without `rid` each (docs/protocol.md, personal frames).
    const has =
      this.hands.queue.includes(a.userId) ||
      this.questions.some((q) => q.voters.has(a.userId)) ||
      this.polls.some((p) => p.kind === "quiz" && p.state === "open" && p.answers.has(a.userId));
    if (a.role === "student" && has && !s.latest.has("interactive.me")) {
      const me = await s.wait((m) => m.type === "interactive.me", 2000);
      if (!me && s.open && !this.handsAmbiguous(Date.now()))
        this.fail(
          "resume",
          `${this.who(s)}: no interactive.me after connecting, though the model holds a hand, votes or quiz answers for ${a.key}`,
        );
    }
    if (a.role === "student")
      for (const p of this.polls.filter(
        (x) => x.kind === "poll" && x.state === "open" && x.id && x.answers.has(a.userId),
      )) {
        // Back on another section: once the old one handed the answers over.
        if (!s.restated.has(p.id!))
          await s.wait((m) => m.type === "poll.answered" && !m.rid && m.pollId === p.id, 3000);
        if (!s.restated.has(p.id!) && s.open)
          this.fail(
            "resume",
            `${this.who(s)}: poll ${p.key} answer ${JSON.stringify(p.answers.get(a.userId))} not restated (poll.answered) after connecting`,
          );
      }
    return s;
  }

  private onClose(s: SimSocket): void {
    const a = this.actorOf(s);
    if (!s.closing && s.welcomeAt !== null && !(s.closeCode === 4003 && a.presence === "banned"))
      this.fail(
        "connection",
        `${this.who(s)} (${a.role}) was closed by the server with ${s.closeCode}${s.error ? ` (${s.error})` : ""}`,
      );
    // Rids sent long enough before the close should have been answered.
    for (const p of [...this.pending.values()]) {
      if (p.sock !== s) continue;
      if (s.closedAt! - p.sentAt > this.deliveryMs)
        this.fail(
          "rid-answer",
          `${p.type} rid ${p.rid} from ${this.who(s)}: no answer before the socket closed`,
          p.step,
        );
      this.pending.delete(p.rid);
      p.resolve();
    }
    for (const r of this.sectionMsgs.values()) r.waiting.delete(s);
    if (a.sock === s) {
      a.sock = null;
      if (a.presence === "online") a.presence = "offline";
    }
    if (!a.sockets.some((x) => x.closedAt === null)) a.offlineSince = Date.now();
  }

  // -------------------------------------------------------------------------
  // Frames
  // -------------------------------------------------------------------------

  private onFrame(s: SimSocket, m: ServerMessage): void {
    this.count(`frame:${m.type}`);
    const a = this.actorOf(s);
    if (isClassEvent(m)) {
      this.onEvent(s, m);
      if (m.type === "chat.message") {
        const rid = m.message.rid;
        if (rid && m.message.from.id === a.userId) this.answer(s, rid, m);
        this.checkSilence(m.message.id, m.message.from.id, m.message.at);
      }
      return;
    }
    switch (m.type) {
      case "welcome":
        s.welcomeAt = Date.now();
        s.welcomeStep = this.step;
        s.sectionId = m.sectionId;
        a.userId = m.you.id;
        a.section = m.sectionId;
        a.offlineSince = null;
        break;
      case "snapshot": {
        if (s.resumeFrom !== null && !s.gotState) {
          const gap = this.headSeq - s.resumeFrom;
          if (s.resumeFrom <= this.headSeq && gap < 900)
            this.fail(
              "resume",
              `${this.who(s)} resumed from seq ${s.resumeFrom} (head ${this.headSeq}, gap ${gap}) but got a snapshot instead of the missed events`,
            );
        }
        s.gotState = true;
        s.lastSeq = m.seq;
        this.headSeq = Math.max(this.headSeq, m.seq);
        const b = m.state.board;
        s.board = b
          ? { slide: b.slide.key, strokes: b.strokes.map((x) => x.id) }
          : { slide: null, strokes: [] };
        break;
      }
      case "section.snapshot":
        s.sseq.set(m.sectionId, m.sseq);
        // What the snapshot holds must not arrive again live, and has reached this socket
        // (a staff socket that watched away and back gets it here).
        for (const msg of m.messages) {
          s.seenMessages.add(msg.id);
          this.sectionMsgs.get(msg.id)?.waiting.delete(s);
        }
        if (a.role !== "student") {
          if (s.watching && s.watching !== m.sectionId) s.unwatchedAt.set(s.watching, Date.now());
          s.watching = m.sectionId;
        }
        break;
      case "section.message":
      case "section.deleted":
        this.onSection(s, m);
        break;
      case "chat.rejected":
        if (m.rid) this.answer(s, m.rid, m);
        else this.fail("rid-answer", `${this.who(s)}: chat.rejected without rid (${m.reason})`);
        break;
      case "error":
        this.onError(s, m);
        break;
      case "poll.answered":
        if (m.rid) this.answer(s, m.rid, m);
        else this.checkRestated(s, a, m);
        break;
      case "poll.created":
      case "qa.asked":
      case "qa.voted":
        if (m.rid) this.answer(s, m.rid, m);
        break;
      case "hand.position":
        if (m.rid) this.answer(s, m.rid, m);
        break;
      case "interactive.me":
        this.checkMe(s, a, m);
        break;
      default:
        break;
    }
  }

  private onError(s: SimSocket, m: Extract<ServerMessage, { type: "error" }>): void {
    if (m.rid && this.pending.has(m.rid)) {
      const p = this.pending.get(m.rid)!;
      if (m.ref !== p.type)
        this.fail(
          "error-ref",
          `${this.who(s)}: error ${m.code} answering ${p.type} rid ${m.rid} has ref ${m.ref ?? "(none)"}`,
          p.step,
        );
      this.answer(s, m.rid, m);
      return;
    }
    if (m.rid) {
      this.answer(s, m.rid, m);
      return;
    }
    const exp = this.expectedErrors.get(s);
    const key = m.ref ?? "";
    if (exp && (exp.get(key) ?? 0) > 0) {
      exp.set(key, exp.get(key)! - 1);
      return;
    }
    // An error that names no rid while a command of this socket waits for its answer.
    const waiting = [...this.pending.values()].find((p) => p.sock === s);
    if (waiting && (!m.ref || m.ref === waiting.type)) {
      this.fail(
        "error-ref",
        `${this.who(s)}: error ${m.code} (${m.message}) came back with ref ${m.ref ?? "(none)"} and no rid; ${waiting.type} rid ${waiting.rid} waits for an answer`,
        waiting.step,
      );
      return;
    }
    this.fail(
      "staff-commands",
      `${this.who(s)}: unexpected error ${m.code} ref ${m.ref ?? "(none)"}: ${m.message}`,
    );
  }

  private onEvent(s: SimSocket, m: Extract<ServerMessage, { seq: number }>): void {
    if (!("at" in m)) return;
    const json = JSON.stringify(m);
    const known = this.eventLog.get(m.seq);
    const first = known === undefined;
    if (first) this.eventLog.set(m.seq, json);
    else if (known !== json)
      this.fail(
        "seq-log",
        `seq ${m.seq} differs between sockets: ${this.who(s)} got ${json.slice(0, 160)} vs ${known.slice(0, 160)}`,
      );
    this.headSeq = Math.max(this.headSeq, m.seq);
    if (s.resumeFrom !== null && !s.gotState) {
      s.gotState = true;
      if (m.seq > s.resumeFrom + 1)
        this.fail(
          "resume",
          `${this.who(s)} resumed from seq ${s.resumeFrom}: first event is seq ${m.seq} (missed ${s.resumeFrom + 1}…${m.seq - 1})`,
        );
    }
    if (m.seq <= s.lastSeq) return; // a duplicate around a reconnect: dropped by design
    if (s.lastSeq >= 0 && m.seq !== s.lastSeq + 1)
      this.fail(
        s.resumeFrom !== null ? "resume" : "seq-log",
        `${this.who(s)}: seq gap ${s.lastSeq} → ${m.seq} (${m.type})`,
      );
    s.lastSeq = m.seq;
    this.applyBoard(s, m);
    if (first) this.onFirstEvent(m);
  }

  /** Model updates driven by the server's own events (server-assigned times). */
  private onFirstEvent(m: ServerMessage): void {
    if (m.type === "poll.opened" || m.type === "poll.closed" || m.type === "poll.revealed") {
      const p = this.polls.find((x) => x.id === m.poll.id);
      if (!p) return;
      if (m.type === "poll.opened") {
        p.state = "open";
        p.closesAt = m.poll.closesAt;
      } else if (m.type === "poll.closed") {
        p.state = "closed";
        p.closedAt = m.at;
        if (p.kind === "quiz") this.checkTally(p, m.poll.tally, m.poll.answered, "poll.closed");
      } else {
        p.state = "revealed";
        this.checkTally(p, m.poll.tally, m.poll.answered, "poll.revealed");
      }
    }
  }

  /** A poll answer restated after a (re)connect (no `rid`) must be the model's. */
  private checkRestated(
    s: SimSocket,
    a: Actor,
    m: Extract<ServerMessage, { type: "poll.answered" }>,
  ): void {
    s.restated.set(m.pollId, m.choices);
    // Against the model as of the connect's step (a later step may re-vote meanwhile).
    if (s.welcomeAt === null || this.step !== s.welcomeStep) return;
    const p = this.polls.find((x) => x.id === m.pollId);
    if (p?.kind !== "poll") return;
    const want = p.answers.get(a.userId);
    if (JSON.stringify(want) !== JSON.stringify(m.choices))
      this.fail(
        "resume",
        `${this.who(s)} poll.answered (restated): poll ${p.key} answer ${JSON.stringify(m.choices)}, model ${JSON.stringify(want ?? null)}`,
      );
  }

  /** After a (re)connect the server restates the user's answers, hand and votes: they must equal the model's. */
  private checkMe(
    s: SimSocket,
    a: Actor,
    m: Extract<ServerMessage, { type: "interactive.me" }>,
  ): void {
    const where = `${this.who(s)} interactive.me`;
    // Compare with the model as it was when the socket was welcomed: the next step may
    // already have changed it (the frame can follow the section snapshot by a batch).
    if (s.meSeen || (s.welcomeAt !== null && this.step !== s.welcomeStep)) return;
    s.meSeen = true;
    for (const ans of m.answers) {
      const p = this.polls.find((x) => x.id === ans.pollId);
      if (!p) continue;
      const want = p.answers.get(a.userId);
      if (JSON.stringify(want) !== JSON.stringify(ans.choices))
        this.fail(
          "resume",
          `${where}: ${p.kind} ${p.key} answer ${JSON.stringify(ans.choices)}, model ${JSON.stringify(want ?? null)}`,
        );
    }
    const listed = new Set(m.answers.map((x) => x.pollId));
    // Open quizzes for sure (the root forgets all but the last few finished ones); poll
    // answers are restated by the shard as `poll.answered` (checkRestated).
    for (const p of this.polls.filter((x) => x.id && x.kind === "quiz" && x.state === "open"))
      if (p.answers.has(a.userId) && !listed.has(p.id!))
        this.fail(
          "resume",
          `${where}: ${p.kind} ${p.key} answer ${JSON.stringify(p.answers.get(a.userId))} missing`,
        );
    const place = this.hands.queue.indexOf(a.userId);
    const wantHand = place >= 0 ? place + 1 : null;
    if (!this.handsAmbiguous(Date.now()) && m.hand !== wantHand)
      this.fail("resume", `${where}: hand at ${m.hand}, model ${wantHand}`);
    const votes = this.questions
      .filter((q) => q.voters.has(a.userId))
      .map((q) => q.id)
      .sort();
    if (JSON.stringify([...m.votes].sort()) !== JSON.stringify(votes))
      this.fail("resume", `${where}: votes [${[...m.votes].sort()}], model [${votes}]`);
  }

  private checkTally(
    p: PollModel,
    got: number[] | null,
    answered: number | null,
    where: string,
  ): void {
    const want = tally(p);
    if (JSON.stringify(got) !== JSON.stringify(want) || answered !== p.answers.size)
      this.fail(
        "poll-tally",
        `${p.kind} ${p.key} (${p.id}) ${where}: tally ${JSON.stringify(got)} answered ${answered}, model ${JSON.stringify(want)} answered ${p.answers.size}`,
      );
  }

  private applyBoard(s: SimSocket, m: ServerMessage): void {
    switch (m.type) {
      case "slide.changed":
        s.board = { slide: m.board.slide.key, strokes: m.board.strokes.map((x) => x.id) };
        break;
      case "board.stroke":
        if (m.slide === s.board.slide && !s.board.strokes.includes(m.stroke.id))
          s.board.strokes.push(m.stroke.id);
        break;
      case "board.undone":
        if (m.slide === s.board.slide)
          s.board.strokes = s.board.strokes.filter((x) => x !== m.strokeId);
        break;
      case "board.cleared":
        if (m.slide === s.board.slide) s.board.strokes = [];
        break;
      default:
        break;
    }
  }

  private onSection(
    s: SimSocket,
    m: Extract<ServerMessage, { type: "section.message" | "section.deleted" }>,
  ): void {
    const last = s.sseq.get(m.sectionId);
    const id = m.type === "section.message" ? m.message.id : `del:${m.messageId}`;
    if (last === undefined) {
      const a = this.actorOf(s);
      const gone = s.unwatchedAt.get(m.sectionId);
      if (a.role !== "student" && gone !== undefined && Date.now() - gone < 2000) return;
      this.fail(
        "section-delivery",
        `${this.who(s)} (section ${s.sectionId}, watching ${s.watching}) got ${m.type} sseq ${m.sseq} of section ${m.sectionId} before (or without) that section's section.snapshot`,
      );
      return;
    }
    const watchingOld =
      s.watching !== null && s.watching !== m.sectionId && s.sectionId === "staff";
    if (watchingOld) {
      const gone = s.unwatchedAt.get(m.sectionId);
      if (gone !== undefined && Date.now() - gone < 2000) return;
    }
    if (s.seenMessages.has(id))
      this.fail(
        "section-delivery",
        `${this.who(s)} got ${id} (sseq ${m.sseq}, section ${m.sectionId}) twice (live, after a snapshot or live frame that had it)`,
      );
    else if (m.sseq <= last)
      this.fail(
        "section-delivery",
        `${this.who(s)} got sseq ${m.sseq} of ${m.sectionId} after sseq ${last} (out of order)`,
      );
    else if (m.sseq > last + 1)
      this.fail(
        "section-delivery",
        `${this.who(s)} (${this.actorOf(s).role}) missed section ${m.sectionId} sseq ${last + 1}…${m.sseq - 1}: jumped ${last} → ${m.sseq}`,
      );
    s.seenMessages.add(id);
    s.sseq.set(m.sectionId, Math.max(last, m.sseq));
    let rec = this.sectionMsgs.get(id);
    if (!rec) {
      rec = {
        id,
        sectionId: m.sectionId,
        sseq: m.sseq,
        from: m.type === "section.message" ? m.message.from.id : "",
        at: m.type === "section.message" ? m.message.at : Date.now(),
        firstSeen: Date.now(),
        step: this.step,
        waiting: new Set(),
      };
      this.sectionMsgs.set(id, rec);
      for (const o of this.sockets) {
        if (o === s || !o.open) continue;
        const base = o.sseq.get(m.sectionId);
        if (base === undefined || base >= m.sseq) continue;
        const member = o.sectionId === m.sectionId || o.watching === m.sectionId;
        if (member) rec.waiting.add(o);
      }
      if (m.type === "section.message") this.count("section messages");
    } else rec.waiting.delete(s);
    if (m.type === "section.message") {
      const a = this.actorOf(s);
      if (m.message.rid && m.message.from.id === a.userId) this.answer(s, m.message.rid, m);
      this.checkSilence(m.message.id, m.message.from.id, m.message.at);
    }
  }

  private checkSilence(messageId: string, from: string, at: number): void {
    if (this.silenceChecked.has(messageId)) return;
    this.silenceChecked.add(messageId);
    const why = this.chat.silenced(from, at, this.margin);
    if (why) {
      const a = this.actors.find((x) => x.userId === from);
      this.fail(
        "sanction-silence",
        `message ${messageId} from ${a?.key ?? from} accepted at ${at} while ${why}`,
      );
    }
  }

  // -------------------------------------------------------------------------
  // Commands with a rid
  // -------------------------------------------------------------------------

  /** Send `msg` with a fresh rid; resolves when answered (or after `deliveryMs`). */
  private command(
    a: Actor,
    msg: Record<string, unknown>,
    expect: Expect,
    check: CheckName,
    onAnswer?: (m: ServerMessage) => void,
  ): Promise<void> {
    const s = a.sock;
    if (!s?.open) return Promise.resolve();
    const rid = `r${++this.ridN}`;
    return new Promise((resolve) => {
      const p: PendingRid = {
        rid,
        type: String(msg.type),
        sock: s,
        actor: a,
        sentAt: Date.now(),
        step: this.step,
        expect,
        check,
        onAnswer,
        resolve,
      };
      this.pending.set(rid, p);
      if (!s.send({ ...msg, rid })) {
        this.pending.delete(rid);
        resolve();
        return;
      }
      this.count("commands with rid");
      setTimeout(resolve, this.deliveryMs);
    });
  }

  private answer(s: SimSocket, rid: string, m: ServerMessage): void {
    const n = (this.answered.get(rid) ?? 0) + 1;
    this.answered.set(rid, n);
    if (n > 1) {
      this.fail("rid-answer", `${this.who(s)}: rid ${rid} answered ${n} times (now ${m.type})`);
      return;
    }
    const p = this.pending.get(rid);
    if (!p) return;
    this.pending.delete(rid);
    this.judge(p, m);
    p.onAnswer?.(m);
    p.resolve();
  }

  /** Compare an answer with what the model expected. */
  private judge(p: PendingRid, m: ServerMessage): void {
    const refused = m.type === "error" ? m.code : m.type === "chat.rejected" ? m.reason : null;
    const e = p.expect;
    this.count(refused === null ? `${p.type} accepted` : `${p.type} refused ${refused}`);
    const desc = () =>
      m.type === "chat.rejected"
        ? `chat.rejected ${m.reason}${m.retryAfterMs !== undefined ? ` retryAfterMs ${m.retryAfterMs}` : ""}`
        : m.type === "error"
          ? `error ${m.code}`
          : m.type;
    const at = `${p.type} rid ${p.rid} by ${p.actor.key} (${this.who(p.sock)})`;
    if (e.kind === "either") return;
    if (e.kind === "accept") {
      if (refused === null) return;
      const check: CheckName =
        refused === "slow_mode" ? "slow-mode" : refused === "timed_out" ? "timeout" : p.check;
      const extra =
        refused === "slow_mode"
          ? ` (slow mode ${this.chat.slowModeSec} s; last accepted ${this.sinceLast(p.actor, p.sentAt)} before)`
          : "";
      this.fail(check, `${at}: expected it accepted, got ${desc()}${extra}`, p.step);
      return;
    }
    // Expected a refusal.
    if (refused === null) {
      const check: CheckName =
        e.reason === "slow_mode" ? "slow-mode" : e.reason === "timed_out" ? "timeout" : p.check;
      this.fail(
        check,
        `${at}: expected ${e.reason}${e.retryAfterMs !== undefined ? ` (≈${Math.round(e.retryAfterMs)} ms left)` : ""}, but it was accepted`,
        p.step,
      );
      return;
    }
    if (!e.reason.split("|").includes(refused)) {
      this.fail(p.check, `${at}: expected ${e.reason}, got ${desc()}`, p.step);
      return;
    }
    if (e.retryAfterMs !== undefined && m.type === "chat.rejected") {
      const got = m.retryAfterMs;
      const tol = this.margin + 500;
      if (got === undefined || Math.abs(got - e.retryAfterMs) > tol) {
        const check: CheckName = e.reason === "slow_mode" ? "slow-mode" : "timeout";
        this.fail(
          check,
          `${at}: ${e.reason} retryAfterMs ${got} but ≈${Math.round(e.retryAfterMs)} ms were left`,
          p.step,
        );
      }
    }
  }

  private sinceLast(a: Actor, now: number): string {
    const last = this.chat.lastAccepted.get(a.userId);
    return last === undefined ? "never" : `${now - last} ms`;
  }

  // -------------------------------------------------------------------------
  // Checks run after every step
  // -------------------------------------------------------------------------

  private tick(final = false): void {
    const now = Date.now();
    for (const p of [...this.pending.values()]) {
      if (now - p.sentAt <= this.deliveryMs) continue;
      this.pending.delete(p.rid);
      if (p.sock.closedAt === null)
        this.fail(
          "rid-answer",
          `${p.type} rid ${p.rid} by ${p.actor.key} (${this.who(p.sock)}): no answer in ${this.deliveryMs} ms`,
          p.step,
        );
      p.resolve();
    }
    for (const [id, r] of this.sectionMsgs) {
      if (now - r.firstSeen <= this.deliveryMs) continue;
      for (const s of r.waiting) {
        if (!s.open) continue;
        // A staff socket that moved its watch away soon after may have missed it legitimately.
        const moved = s.unwatchedAt.get(r.sectionId);
        if (s.watching !== r.sectionId && moved !== undefined && moved - r.firstSeen < 1500)
          continue;
        this.fail(
          "section-delivery",
          `${this.who(s)} (${this.actorOf(s).role}, ${s.sectionId === "staff" ? `watching ${s.watching}` : `in ${s.sectionId}`}) never got ${r.id} (section ${r.sectionId} sseq ${r.sseq}) ${now - r.firstSeen} ms after others did`,
          r.step,
        );
      }
      this.sectionMsgs.delete(id);
    }
    this.dropStaleHands(now);
    this.checkHands(now, final);
    this.checkQa(now, final);
  }

  /** The 60 s rule: a hand whose owner has had no socket for 60 s goes down. */
  private dropStaleHands(now: number): void {
    for (const a of this.actors) {
      if (
        a.offlineSince !== null &&
        now - a.offlineSince > 66_000 &&
        this.hands.queue.includes(a.userId)
      )
        this.hands.lower(a.userId, a.offlineSince + 60_000);
    }
  }

  private handsAmbiguous(now: number): boolean {
    return this.actors.some(
      (a) =>
        a.offlineSince !== null &&
        this.hands.queue.includes(a.userId) &&
        now - a.offlineSince > 55_000 &&
        now - a.offlineSince <= 66_000,
    );
  }

  private checkHands(now: number, final: boolean): void {
    if (!final && (now - this.hands.changedAt < 3000 || this.handVerified === this.hands.changedAt))
      return;
    if (this.handsAmbiguous(now)) return;
    this.handVerified = this.hands.changedAt;
    const teacher = this.actors[0]!.sock;
    const q = teacher?.latest.get("hand.queue");
    if (!teacher?.open || !q || q.frame.type !== "hand.queue") return;
    const got = q.frame.hands.map((h) => h.userId);
    const want = this.hands.queue.slice(0, got.length === 50 ? 50 : undefined);
    const name = (u: string) => this.actors.find((a) => a.userId === u)?.key ?? u;
    if (
      q.frame.count !== this.hands.queue.length ||
      JSON.stringify(got) !== JSON.stringify(want.slice(0, 50))
    )
      this.fail(
        "hand-queue",
        `staff hand.queue has ${q.frame.count} [${got.map(name).join(", ")}], model ${this.hands.queue.length} [${want.slice(0, 50).map(name).join(", ")}]`,
      );
    const c = teacher.latest.get("hand.count");
    if (c?.frame.type === "hand.count" && c.frame.count !== this.hands.queue.length)
      this.fail("hand-queue", `hand.count ${c.frame.count}, model ${this.hands.queue.length}`);
  }

  private checkQa(now: number, final: boolean): void {
    if (!final && (now - this.qaChangedAt < 3000 || this.qaVerified === this.qaChangedAt)) return;
    this.qaVerified = this.qaChangedAt;
    const teacher = this.actors[0]!.sock;
    const top = teacher?.latest.get("qa.top");
    if (!teacher?.open || top?.frame.type !== "qa.top") return;
    for (const q of top.frame.top) {
      const mq = this.questions.find((x) => x.id === q.id);
      if (!mq) continue;
      if (q.votes !== mq.voters.size)
        this.fail(
          "qa-votes",
          `question ${q.id} by ${mq.author}: qa.top says ${q.votes} votes, model ${mq.voters.size}`,
        );
      if (q.state !== mq.state)
        this.fail("qa-votes", `question ${q.id}: qa.top says ${q.state}, model ${mq.state}`);
    }
    const listed = new Set(top.frame.top.map((q) => q.id));
    const visible = this.questions.filter((q) => q.state === "visible" || q.state === "answered");
    if (visible.length <= 20)
      for (const q of visible)
        if (!listed.has(q.id))
          this.fail("qa-votes", `question ${q.id} (${q.state}) missing from qa.top`);
  }

  // -------------------------------------------------------------------------
  // The run
  // -------------------------------------------------------------------------

  async run(): Promise<void> {
    const { students } = this.opts;
    const accounts = Math.min(this.stack.students.length, students);
    this.t0 = Date.now();
    this.log(
      `sim: seed ${this.opts.seed}, ${students} students (${accounts} accounts), ${this.opts.minutes} min`,
    );
    const t = this.stack.teacher;
    const teacher: Actor = this.newActor("teacher", t.name, "teacher", false);
    teacher.token = await signIn(this.stack.url, t.email, t.password);
    teacher.userId = t.id;
    for (const [i, m] of this.stack.moderators.entries()) {
      const a = this.newActor(`mod${i + 1}`, m.name, "moderator", false);
      a.token = await signIn(this.stack.url, m.email, SIM_PASSWORD);
      a.userId = m.id;
    }
    for (let i = 0; i < students; i++) {
      const acc = this.stack.students[i];
      const a = this.newActor(`s${i + 1}`, acc?.name ?? `Guest ${i + 1}`, "student", !acc);
      if (acc) {
        a.token = await signIn(this.stack.url, acc.email, SIM_PASSWORD);
        a.userId = acc.id;
      } else {
        const g = await guestJoin(this.stack.url, this.classId, a.name);
        a.token = g.token;
        a.userId = g.id;
      }
    }
    this.deckId = await uploadDeck(this.stack.url, this.classId, teacher.token, this.deckPages);
    this.log(
      `sim: ${this.actors.length} people signed in in ${((Date.now() - this.t0) / 1000).toFixed(1)} s`,
    );
    this.t0 = Date.now();
    for (const a of this.actors.filter((x) => x.role !== "student")) await this.join(a);
    // Most students are there at the start; the rest join during the class.
    const early = this.actors.filter((a) => a.role === "student" && this.rng.chance(0.75));
    await Promise.all(early.map((a) => this.join(a)));
    const end = this.t0 + this.opts.minutes * 60_000;
    const stepMs = Math.max(40, Math.min(400, 4000 / Math.max(1, students)));
    while (Date.now() < end && !this.stopped) {
      this.step++;
      const started = Date.now();
      await this.randomAction();
      this.tick();
      const wait = stepMs - (Date.now() - started);
      if (wait > 0) await sleep(wait);
    }
    await this.finish();
  }

  private newActor(key: string, name: string, role: Role, guest: boolean): Actor {
    const a: Actor = {
      key,
      name,
      role,
      guest,
      token: "",
      userId: "",
      presence: "offline",
      sock: null,
      sockets: [],
      lastChatAt: 0,
      offlineSince: null,
      section: null,
    };
    this.actors.push(a);
    return a;
  }

  private async join(a: Actor, resume: number | null = null): Promise<void> {
    const s = await this.connect(a, resume);
    if (s?.open) {
      a.sock = s;
      a.presence = "online";
    }
  }

  private get staff(): Actor[] {
    return this.actors.filter((a) => a.role !== "student" && a.sock?.open);
  }

  private studentsWhere(p: Presence): Actor[] {
    return this.actors.filter(
      (a) => a.role === "student" && a.presence === p && (p !== "online" || a.sock?.open),
    );
  }

  private text(a: Actor): string {
    return `${a.key} says ${++this.textN} ${this.rng.pick(["hi", "ok", "why?", "nice", "pardon", "again"])}`;
  }

  private async randomAction(): Promise<void> {
    // Staff whose socket closed come back first (the schedule needs them).
    const away = this.actors.find((a) => a.role !== "student" && !a.sock?.open);
    if (away) {
      this.action("staffRejoin", `${away.key} reconnects`);
      await this.join(away);
      return;
    }
    const online = this.studentsWhere("online");
    const openPolls = this.polls.filter((p) => p.state === "open");
    const drafts = this.polls.filter((p) => p.state === "draft" && p.id);
    // The root keeps the last 5 finished polls; older ones are `unknown_poll` (docs).
    const closed = this.polls
      .filter((p) => p.state === "closed" || p.state === "revealed")
      .sort((a, b) => (a.closedAt ?? 0) - (b.closedAt ?? 0))
      .slice(-5)
      .filter((p) => p.state === "closed" && p.kind === "poll");
    const votable = this.questions.length > 0;
    const n = online.length;
    const weights: Record<string, number> = {
      chat: n > 0 ? (this.chat.slowModeSec > 0 ? 45 : 30) : 0,
      chatWave: n > 1 ? 6 : 0,
      staffChat: 4,
      announce: 1,
      watchAndChat: n > 0 ? 5 : 0,
      settings: 7,
      timeout: n > 0 ? 3 : 0,
      timeoutStaff: 0.3,
      ban: n > 2 ? 1 : 0,
      unban: this.studentsWhere("banned").length > 0 ? 2 : 0,
      bannedRejoin: this.studentsWhere("banned").length > 0 ? 0.7 : 0,
      pollCreate:
        this.polls.filter((p) => p.state === "draft" || p.state === "open").length < 3 ? 2 : 0,
      pollOpen: drafts.length > 0 ? 3 : 0,
      pollClose: openPolls.length > 0 ? 1.5 : 0,
      pollReveal: closed.length > 0 ? 1.5 : 0,
      answer: n > 0 && openPolls.length > 0 ? 14 : 0,
      answerWave: n > 1 && openPolls.length > 0 ? 3 : 0,
      badAnswer: n > 0 && openPolls.length > 0 ? 0.7 : 0,
      hand: n > 0 ? 6 : 0,
      handFlurry: n > 0 ? 2 : 0,
      handStaff: this.hands.queue.length > 0 ? 3 : 0,
      ask: n > 0 ? 4 : 0,
      vote: n > 1 && votable ? 8 : 0,
      qaModerate: votable ? 2.5 : 0,
      qaSettings: 0.5,
      slide: 2,
      stroke: 3,
      boardEdit: 1,
      malformed: 1.2,
      drop: n > 0 ? 2 : 0,
      resume: this.studentsWhere("dropped").length > 0 ? 3 : 0,
      reload: n > 0 ? 1.5 : 0,
      leave: n > 1 ? 1 : 0,
      rejoin:
        this.studentsWhere("left").length + this.studentsWhere("offline").length > 0 ? 2.5 : 0,
      staffReload: 0.4,
    };
    // A tour first: every action the class can take now and has not taken yet, so even
    // a short run covers the whole protocol. Then the weighted mix.
    const untried = Object.keys(weights)
      .filter((k) => weights[k]! > 0 && !this.tried.has(k))
      .sort();
    const kind = untried.length > 0 ? this.rng.pick(untried) : this.rng.weighted(weights);
    if (!kind) return;
    this.tried.add(kind);
    await this.run1(kind, online, openPolls, drafts, closed);
  }

  private async run1(
    kind: string,
    online: Actor[],
    openPolls: PollModel[],
    drafts: PollModel[],
    closed: PollModel[],
  ): Promise<void> {
    const r = this.rng;
    if (this.staff.length === 0) return;
    switch (kind) {
      case "chat": {
        const a = r.pick(online);
        await this.studentChat(
          a,
          r.chance(0.06) ? "zebra" : r.chance(0.05) ? "see example.com" : "",
        );
        return;
      }
      case "chatWave": {
        const group = r.sample(online, r.int(2, Math.max(2, Math.ceil(online.length / 3))));
        this.action("chatWave", `${group.length} students chat at once`);
        await Promise.all(group.map((a) => this.studentChat(a, "", true)));
        return;
      }
      case "staffChat": {
        const a = r.pick(this.staff);
        const text = this.text(a);
        this.action(kind, `${a.key} posts to the class: "${text}"`);
        await this.command(a, { type: "chat.send", text }, { kind: "accept" }, "chat-verdict");
        return;
      }
      case "announce": {
        const a = r.pick(this.staff);
        this.action(kind, `${a.key} announces`);
        a.sock!.send({ type: "announce.send", text: `Announcement ${++this.textN}` });
        await a.sock!.wait((m) => m.type === "announce", STAFF_FRAME_WAIT);
        return;
      }
      case "watchAndChat": {
        const sections = [...new Set(online.map((a) => a.sock!.sectionId!))].sort();
        const sec = r.pick(sections);
        const st = r.pick(this.staff);
        const member = r.pick(online.filter((a) => a.sock!.sectionId === sec));
        this.action(kind, `${st.key} watches ${sec}, then ${member.key} (in ${sec}) chats at once`);
        // A watch asks for a fresh view: nothing of `sec` may arrive before its snapshot.
        if (st.sock!.watching !== sec) st.sock!.sseq.delete(sec);
        st.sock!.send({ type: "section.watch", sectionId: sec });
        const snap = await st.sock!.wait(
          (m) => m.type === "section.snapshot" && m.sectionId === sec,
          STAFF_FRAME_WAIT,
        );
        if (!snap)
          this.fail("staff-commands", `${st.key}: section.watch ${sec} got no section.snapshot`);
        await this.studentChat(member, "", true);
        return;
      }
      case "settings": {
        const t = this.actors[0]!;
        if (!t.sock?.open) return;
        const what = r.pick(["slow", "slow", "save", "words", "links"] as const);
        let unchanged = false;
        const now = Date.now();
        if (what === "save") {
          // The studio's Save sends every field at once.
          const sec = r.pick(this.opts.slowModeChoices ?? [0, 2, 3, 5, 10]);
          this.action(
            kind,
            `teacher saves settings: slow mode ${sec} s, links ${this.chat.linkPolicy}, words [${this.chat.blockedWords}]`,
          );
          t.sock.send({
            type: "settings.update",
            slowModeSec: sec,
            linkPolicy: this.chat.linkPolicy,
            blockedWords: this.chat.blockedWords,
          });
          if (sec !== this.chat.slowModeSec) {
            this.chat.slowModeSec = sec;
            this.chat.slowChangedAt = now;
          }
        } else if (what === "slow") {
          const sec = r.pick(this.opts.slowModeChoices ?? [0, 2, 3, 5, 10]);
          this.action(kind, `teacher sets slow mode ${sec} s`);
          t.sock.send({ type: "settings.update", slowModeSec: sec });
          unchanged = sec === this.chat.slowModeSec;
          this.chat.slowModeSec = sec;
          this.chat.slowChangedAt = now;
        } else if (what === "words") {
          const words = this.chat.blockedWords.length ? [] : ["zebra"];
          this.action(kind, `teacher sets blocked words [${words}]`);
          t.sock.send({ type: "settings.update", blockedWords: words });
          this.chat.blockedWords = words;
          this.chat.blockedChangedAt = now;
        } else {
          const p = this.chat.linkPolicy === "allow" ? "block" : "allow";
          this.action(kind, `teacher sets link policy ${p}`);
          t.sock.send({ type: "settings.update", linkPolicy: p });
          this.chat.linkPolicy = p;
          this.chat.linkChangedAt = now;
        }
        if (what === "save" || unchanged)
          await t.sock.wait((m) => m.type === "mod.state", STAFF_FRAME_WAIT);
        else if (what !== "words") {
          const ok = await t.sock.wait((m) => m.type === "settings.changed", STAFF_FRAME_WAIT);
          if (!ok) this.fail("staff-commands", "settings.update: no settings.changed");
        } else await t.sock.wait((m) => m.type === "mod.state", STAFF_FRAME_WAIT);
        return;
      }
      case "timeout": {
        const a = r.pick(online);
        const st = r.pick(this.staff);
        const sec = r.pick(this.opts.timeoutChoices ?? [10, 15, 20]);
        this.action(kind, `${st.key} times out ${a.key} for ${sec} s`);
        const now = Date.now();
        const ws = this.chat.timeouts.get(a.userId) ?? [];
        // A new time-out replaces the old one: the old window ends now.
        for (const w of ws) if (w.to !== null && w.to > now) w.to = now;
        ws.push({ from: now, to: now + sec * 1000 });
        this.chat.timeouts.set(a.userId, ws);
        st.sock!.send({ type: "mod.timeout", userId: a.userId, seconds: sec });
        const notice = await a.sock!.wait((m) => m.type === "sanction.applied", STAFF_FRAME_WAIT);
        if (!notice && a.sock?.open)
          this.fail("timeout", `${a.key} got no sanction.applied for the time-out`);
        else if (notice?.type === "sanction.applied") {
          ws[ws.length - 1]!.to = notice.until;
          if (Math.abs(notice.until - (now + sec * 1000)) > this.margin)
            this.fail(
              "timeout",
              `${a.key}: time-out until ${notice.until} but ${sec} s from ${now} is ${now + sec * 1000}`,
            );
        }
        return;
      }
      case "timeoutStaff": {
        const st = this.staff.find((x) => x.role === "moderator");
        const t = this.actors[0]!;
        if (!st || !t.sock?.open) return;
        this.action(kind, `teacher tries to time out ${st.key} (must be forbidden)`);
        this.expectError(t.sock, "mod.timeout");
        t.sock.send({ type: "mod.timeout", userId: st.userId, seconds: 10 });
        const e = await t.sock.wait(
          (m) => m.type === "error" && m.ref === "mod.timeout",
          STAFF_FRAME_WAIT,
        );
        if (e?.type !== "error" || e.code !== "forbidden")
          this.fail(
            "staff-commands",
            `timing out a moderator: expected error forbidden, got ${e ? JSON.stringify(e) : "nothing"}`,
          );
        return;
      }
      case "ban": {
        const a = r.pick(online);
        const st = r.pick(this.staff);
        this.action(kind, `${st.key} bans ${a.key}`);
        const ws = this.chat.bans.get(a.userId) ?? [];
        ws.push({ from: Date.now(), to: null });
        this.chat.bans.set(a.userId, ws);
        a.presence = "banned";
        st.sock!.send({ type: "mod.ban", userId: a.userId });
        const socks = a.sockets.filter((x) => x.closedAt === null);
        for (const s of socks) {
          if (!(await s.waitClosed(this.deliveryMs)))
            this.fail(
              "ban",
              `${a.key}: socket ${s.id} still open ${this.deliveryMs} ms after the ban`,
            );
          else if (s.closeCode !== 4003)
            this.fail("ban", `${a.key}: socket closed with ${s.closeCode}, not 4003, on ban`);
        }
        a.sock = null;
        return;
      }
      case "unban": {
        const a = r.pick(this.studentsWhere("banned"));
        const st = r.pick(this.staff);
        this.action(kind, `${st.key} unbans ${a.key}`);
        st.sock!.send({ type: "mod.unban", userId: a.userId });
        await st.sock!.wait((m) => m.type === "mod.state", STAFF_FRAME_WAIT);
        for (const w of this.chat.bans.get(a.userId) ?? []) if (w.to === null) w.to = Date.now();
        a.presence = "left";
        return;
      }
      case "bannedRejoin": {
        const a = r.pick(this.studentsWhere("banned"));
        this.action(kind, `banned ${a.key} tries to rejoin`);
        const s = await this.connect(a, null);
        if (s && s.closedAt === null) {
          const closedOk = await s.waitClosed(2000);
          if (!closedOk) {
            this.fail("ban", `banned ${a.key} rejoined and stayed connected`);
            s.close("leave");
          }
        }
        if (s?.closeCode !== undefined && s.closeCode !== null && s.closeCode !== 4003)
          this.fail("ban", `banned ${a.key}: rejoin closed with ${s.closeCode}, not 4003`);
        return;
      }
      case "pollCreate": {
        const st = r.pick(this.staff);
        const quiz = r.chance(0.4);
        const options = r.int(2, 5);
        const multiple = !quiz && r.chance(0.3);
        const correct = quiz ? [r.int(0, options - 1)] : null;
        const p: PollModel = {
          key: this.polls.length + 1,
          id: null,
          kind: quiz ? "quiz" : "poll",
          options,
          multiple,
          correct,
          state: "draft",
          closesAt: null,
          closedAt: null,
          answers: new Map(),
        };
        this.polls.push(p);
        this.action(
          kind,
          `${st.key} drafts ${p.kind} ${p.key} (${options} options${multiple ? ", multiple" : ""})`,
        );
        await this.command(
          st,
          {
            type: "poll.create",
            kind: p.kind,
            question: `Question ${p.key}?`,
            options: Array.from({ length: options }, (_, i) => `Option ${i + 1}`),
            ...(multiple ? { multiple } : {}),
            ...(quiz ? { correct, timeLimitSec: r.pick([8, 12, 20]) } : {}),
          },
          { kind: "accept" },
          "poll-tally",
          (m) => {
            if (m.type === "poll.created") p.id = m.pollId;
          },
        );
        if (!p.id) this.polls.splice(this.polls.indexOf(p), 1);
        return;
      }
      case "pollOpen": {
        const p = r.pick(drafts);
        const st = r.pick(this.staff);
        this.action(kind, `${st.key} opens ${p.kind} ${p.key}`);
        st.sock!.send({ type: "poll.open", pollId: p.id });
        const ok = await st.sock!.wait(
          (m) => m.type === "poll.opened" && m.poll.id === p.id,
          STAFF_FRAME_WAIT,
        );
        if (!ok) this.fail("staff-commands", `poll.open ${p.key}: no poll.opened`);
        return;
      }
      case "pollClose": {
        const p = r.pick(openPolls);
        const st = r.pick(this.staff);
        this.action(kind, `${st.key} closes ${p.kind} ${p.key}`);
        this.expectError(st.sock!, "poll.close"); // a quiz may have closed itself meanwhile
        st.sock!.send({ type: "poll.close", pollId: p.id });
        await st.sock!.wait(
          (m) => m.type === "poll.closed" && m.poll.id === p.id,
          STAFF_FRAME_WAIT,
        );
        await sleep(100);
        this.expectedErrors.get(st.sock!)?.delete("poll.close");
        return;
      }
      case "pollReveal": {
        const p = r.pick(closed);
        const st = r.pick(this.staff);
        this.action(kind, `${st.key} reveals poll ${p.key}`);
        st.sock!.send({ type: "poll.reveal", pollId: p.id });
        const ok = await st.sock!.wait(
          (m) => m.type === "poll.revealed" && m.poll.id === p.id,
          STAFF_FRAME_WAIT,
        );
        if (!ok) this.fail("staff-commands", `poll.reveal ${p.key}: no poll.revealed`);
        return;
      }
      case "answer": {
        const a = r.pick(online);
        await this.answer1(a, r.pick(openPolls));
        return;
      }
      case "answerWave": {
        const p = r.pick(openPolls);
        const group = r.sample(online, r.int(2, Math.max(2, Math.ceil(online.length / 2))));
        this.action(kind, `${group.length} students answer ${p.kind} ${p.key} at once`);
        await Promise.all(group.map((a) => this.answer1(a, p, true)));
        return;
      }
      case "badAnswer": {
        const a = r.pick(online);
        const p = r.pick(openPolls);
        this.action(
          kind,
          `${a.key} answers ${p.kind} ${p.key} with option ${p.options + 1} (out of range)`,
        );
        const e = predictAnswer(p, a.userId, [p.options], Date.now(), this.margin);
        await this.command(
          a,
          { type: "poll.answer", pollId: p.id, choices: [p.options] },
          e.kind === "accept"
            ? { kind: "reject", reason: "bad_choice" }
            : { kind: "either", why: "closing" },
          "poll-tally",
        );
        return;
      }
      case "hand": {
        const a = r.pick(online);
        const up = !this.hands.queue.includes(a.userId);
        this.action(kind, `${a.key} ${up ? "raises" : "lowers"} their hand`);
        if (up) this.hands.raise(a.userId, Date.now());
        else this.hands.lower(a.userId, Date.now());
        await this.command(
          a,
          { type: up ? "hand.raise" : "hand.lower" },
          { kind: "accept" },
          "hand-queue",
        );
        return;
      }
      case "handFlurry": {
        const a = r.pick(online);
        this.action(kind, `${a.key} sends hand.raise, hand.lower, hand.raise back to back`);
        // One report window folds the three into their net effect (docs/protocol.md): a hand
        // already up keeps its place; one that was down goes up at the back.
        if (!this.hands.queue.includes(a.userId)) this.hands.raise(a.userId, Date.now());
        await Promise.all([
          this.command(a, { type: "hand.raise" }, { kind: "accept" }, "hand-queue"),
          this.command(a, { type: "hand.lower" }, { kind: "accept" }, "hand-queue"),
          this.command(a, { type: "hand.raise" }, { kind: "accept" }, "hand-queue"),
        ]);
        return;
      }
      case "handStaff": {
        const st = r.pick(this.staff);
        const what = r.weighted({ ack: 4, dismiss: 3, clear: 1 })!;
        if (what === "clear") {
          this.action(kind, `${st.key} clears every hand`);
          this.hands.clear(Date.now());
          st.sock!.send({ type: "hand.clear" });
        } else {
          const u = r.pick(this.hands.queue);
          const who = this.actors.find((x) => x.userId === u);
          this.action(kind, `${st.key} ${what}s ${who?.key ?? u}'s hand`);
          this.hands.lower(u, Date.now());
          st.sock!.send({ type: `hand.${what}`, userId: u });
          if (what === "ack" && who?.sock?.open) {
            const got = await who.sock.wait(
              (m) => m.type === "hand.position" && m.acknowledged === true,
              STAFF_FRAME_WAIT,
            );
            if (!got)
              this.fail(
                "hand-queue",
                `${who.key} was called on but got no hand.position {acknowledged}`,
              );
          }
        }
        await st.sock!.wait((m) => m.type === "hand.queue", 1500);
        return;
      }
      case "ask": {
        const a = r.pick(online);
        const mine = this.questions.filter(
          (q) => q.author === a.userId && (q.state === "pending" || q.state === "visible"),
        );
        const text = `Question ${++this.textN} from ${a.key}?`;
        this.action(
          kind,
          `${a.key} asks "${text}"${mine.length >= MAX_WAITING_QUESTIONS ? " (over the limit)" : ""}`,
        );
        await this.command(
          a,
          { type: "qa.ask", text },
          mine.length >= MAX_WAITING_QUESTIONS
            ? { kind: "reject", reason: "too_many_questions" }
            : { kind: "accept" },
          "qa-votes",
          (m) => {
            if (m.type !== "qa.asked") return;
            this.questions.push({
              id: m.question.id,
              author: a.userId,
              state: this.preModerate ? "pending" : "visible",
              voters: new Set(),
            });
            if (m.question.state !== (this.preModerate ? "pending" : "visible"))
              this.fail(
                "qa-votes",
                `${a.key}'s question came back ${m.question.state}, pre-moderation is ${this.preModerate ? "on" : "off"}`,
              );
            this.qaChangedAt = Date.now();
          },
        );
        return;
      }
      case "vote": {
        const a = r.pick(online);
        const q = r.pick(this.questions);
        const up = !q.voters.has(a.userId) || r.chance(0.2);
        const e = predictVote(q, a.userId);
        this.action(kind, `${a.key} ${up ? "upvotes" : "takes back their vote on"} ${q.id}`);
        await this.command(a, { type: "qa.vote", questionId: q.id, up }, e, "qa-votes", (m) => {
          if (m.type !== "qa.voted") return;
          if (up) q.voters.add(a.userId);
          else q.voters.delete(a.userId);
          this.qaChangedAt = Date.now();
        });
        return;
      }
      case "qaModerate": {
        const st = r.pick(this.staff);
        const q = r.pick(this.questions);
        const act = r.pick(["approve", "hide", "answer", "pin", "unpin"] as const);
        this.action(kind, `${st.key} ${act}s ${q.id}`);
        // Pinning a waiting or hidden question shows it, like approving (not in the docs).
        if ((act === "approve" || act === "pin") && (q.state === "pending" || q.state === "hidden"))
          q.state = "visible";
        if (act === "hide") q.state = "hidden";
        if (act === "answer") q.state = "answered";
        this.qaChangedAt = Date.now();
        st.sock!.send({ type: "qa.moderate", questionId: q.id, action: act });
        await sleep(150);
        return;
      }
      case "qaSettings": {
        const t = this.actors[0]!;
        if (!t.sock?.open) return;
        this.preModerate = !this.preModerate;
        this.action(kind, `teacher turns Q&A pre-moderation ${this.preModerate ? "on" : "off"}`);
        t.sock.send({ type: "qa.settings", preModerate: this.preModerate });
        const ok = await t.sock.wait((m) => m.type === "qa.settings", STAFF_FRAME_WAIT);
        if (!ok) this.fail("staff-commands", "qa.settings: no qa.settings event");
        return;
      }
      case "slide": {
        const st = r.pick(this.staff);
        const choice = r.weighted({ show: 2, next: 2, prev: 1, blank: 1 })!;
        const [deck, page] =
          this.boardSlide === "blank"
            ? [null, 0]
            : [this.deckId, Number(this.boardSlide.split("/")[1])];
        let key = this.boardSlide;
        let msg: Record<string, unknown>;
        if (choice === "show") {
          const p = r.int(1, this.deckPages);
          key = `${this.deckId}/${p}`;
          msg = { type: "slide.show", deckId: this.deckId, page: p };
        } else if (choice === "blank") {
          key = "blank";
          msg = { type: "slide.show", deckId: null };
        } else {
          msg = { type: `slide.${choice}` };
          if (deck) {
            const next = page + (choice === "next" ? 1 : -1);
            if (next >= 1 && next <= this.deckPages) key = `${deck}/${next}`;
          }
        }
        this.action(
          kind,
          `${st.key} ${choice === "blank" ? "shows the blank board" : `slide.${choice}`} → ${key === "blank" ? "blank" : `page ${key.split("/")[1]}`}`,
        );
        const changes = key !== this.boardSlide || choice === "show" || choice === "blank";
        this.boardSlide = key;
        if (!this.boardSlides.has(key)) this.boardSlides.set(key, []);
        this.boardTouched = true;
        st.sock!.send(msg);
        if (changes) await st.sock!.wait((m) => m.type === "slide.changed", STAFF_FRAME_WAIT);
        else await sleep(150);
        return;
      }
      case "stroke": {
        const st = r.pick(this.staff);
        const id = `k${++this.textN}`;
        const batches = r.int(1, 3);
        this.action(
          kind,
          `${st.key} draws stroke ${id} on ${this.boardSlide} in ${batches} batches`,
        );
        this.boardSlides.get(this.boardSlide)!.push(id);
        this.boardTouched = true;
        const style = {
          tool: r.chance(0.85) ? "pen" : "eraser",
          color: r.pick(BOARD_COLORS),
          size: r.pick(BOARD_SIZES),
        };
        for (let b = 0; b < batches; b++) {
          const points = Array.from({ length: r.int(1, 8) }, () => [r.next(), r.next(), 0.5]);
          st.sock!.send({
            type: "board.stroke",
            slide: this.boardSlide,
            id,
            ...style,
            points,
            ...(b === batches - 1 ? { end: true } : {}),
          });
        }
        await st.sock!.wait(
          (m) => m.type === "board.stroke" && m.stroke.id === id && m.done,
          STAFF_FRAME_WAIT,
        );
        return;
      }
      case "boardEdit": {
        const st = r.pick(this.staff);
        const undo = r.chance(0.7);
        this.action(
          kind,
          `${st.key} ${undo ? "undoes the last stroke" : "clears the board"} on ${this.boardSlide}`,
        );
        const strokes = this.boardSlides.get(this.boardSlide)!;
        this.boardTouched = true;
        if (undo) {
          const had = strokes.pop();
          st.sock!.send({ type: "board.undo" });
          if (had) await st.sock!.wait((m) => m.type === "board.undone", STAFF_FRAME_WAIT);
        } else {
          strokes.length = 0;
          st.sock!.send({ type: "board.clear" });
          await st.sock!.wait((m) => m.type === "board.cleared", STAFF_FRAME_WAIT);
        }
        return;
      }
      case "malformed": {
        const pool = [...online, ...this.staff];
        if (pool.length === 0) return;
        const a = r.pick(pool);
        const samples: [string, Record<string, unknown>][] = [
          ["hand.raise", { type: "hand.raise", extra: 1 }],
          ["qa.ask", { type: "qa.ask", text: "" }],
          ["qa.vote", { type: "qa.vote", questionId: "", up: true }],
          ["poll.answer", { type: "poll.answer", pollId: "x", choices: [] }],
        ];
        if (a.role !== "student")
          samples.push(
            [
              "board.stroke",
              {
                type: "board.stroke",
                slide: "blank",
                id: "bad id!",
                tool: "pen",
                color: "#123456",
                size: 7,
                points: [],
              },
            ],
            ["poll.create", { type: "poll.create", kind: "poll", question: "", options: ["a"] }],
          );
        const [type, msg] = r.pick(samples);
        this.action(kind, `${a.key} sends a malformed ${type} with a rid`);
        await this.command(a, msg, { kind: "reject", reason: "invalid_message" }, "error-ref");
        return;
      }
      case "drop": {
        const a = r.pick(online);
        this.action(kind, `${a.key}'s connection drops (no close frame)`);
        a.presence = "dropped";
        const s = a.sock!;
        a.sock = null;
        s.close("drop");
        await s.waitClosed(1000);
        return;
      }
      case "resume": {
        const a = r.pick(this.studentsWhere("dropped"));
        const last = a.sockets[a.sockets.length - 1]!;
        this.action(kind, `${a.key} reconnects with resume=${last.lastSeq}`);
        a.presence = "offline";
        await this.join(a, last.lastSeq >= 0 ? last.lastSeq : null);
        return;
      }
      case "reload": {
        const a = r.pick(online);
        this.action(kind, `${a.key} reloads the page (close 1001, new ticket, new socket)`);
        const s = a.sock!;
        a.sock = null;
        s.close("reload");
        await s.waitClosed(1000);
        a.presence = "offline";
        await this.join(a);
        return;
      }
      case "staffReload": {
        const st = r.pick(this.staff);
        this.action(kind, `${st.key} reloads the studio`);
        const s = st.sock!;
        st.sock = null;
        s.close("reload");
        await s.waitClosed(1000);
        st.presence = "offline";
        await this.join(st);
        return;
      }
      case "leave": {
        const a = r.pick(online);
        this.action(kind, `${a.key} leaves the class`);
        const s = a.sock!;
        a.sock = null;
        a.presence = "left";
        s.close("leave");
        await s.waitClosed(1000);
        return;
      }
      case "rejoin": {
        const a = r.pick([...this.studentsWhere("left"), ...this.studentsWhere("offline")]);
        this.action(kind, `${a.key} ${a.sockets.length ? "rejoins" : "joins"} the class`);
        await this.join(a);
        if (!a.sock)
          this.fail(
            "ban",
            `${a.key} could not join (${a.sockets[a.sockets.length - 1]?.closeCode ?? "no socket"})`,
          );
        return;
      }
      default:
        throw new Error(`unknown action ${kind}`);
    }
  }

  private expectError(s: SimSocket, ref: string): void {
    const m = this.expectedErrors.get(s) ?? new Map<string, number>();
    m.set(ref, (m.get(ref) ?? 0) + 1);
    this.expectedErrors.set(s, m);
  }

  /** A student's `chat.send`, predicted by the model and judged on its answer. */
  private async studentChat(a: Actor, extra: string, quiet = false): Promise<void> {
    // Drawn first, so a skipped message draws as many random numbers as a sent one and
    // the schedule after it does not depend on timing.
    const text = `${this.text(a)}${extra ? ` ${extra}` : ""}`;
    if (!a.sock?.open) return;
    const now = Date.now();
    // Stay under the chat rate limit (burst 5, one per 2 s): its refusals are not the point here.
    if (now - a.lastChatAt < 2100) return;
    a.lastChatAt = now;
    const e = this.chat.predict(a.userId, false, text, now, this.margin);
    const slow = this.chat.slowModeSec
      ? ` [slow ${this.chat.slowModeSec} s, last ${this.sinceLast(a, now)} ago]`
      : "";
    if (!quiet)
      this.action(
        "chat",
        `${a.key} (${a.sock.sectionId}) says "${text}" → expect ${e.kind === "reject" ? e.reason : e.kind}${slow}`,
      );
    else
      this.actionLog.push(
        `#${this.step}   ${a.key} (${a.sock.sectionId}) says "${text}" → expect ${e.kind === "reject" ? e.reason : e.kind}${slow}`,
      );
    await this.command(a, { type: "chat.send", text }, e, "chat-verdict", (m) => {
      if (m.type === "section.message") this.chat.lastAccepted.set(a.userId, m.message.at);
      else if (m.type === "chat.rejected" && !ChatModel.explains(m.reason))
        this.fail("chat-verdict", `${a.key}: chat refused for an unexplained reason ${m.reason}`);
    });
  }

  /** One `poll.answer`: re-votes on polls, first-answer-wins on quizzes. */
  private async answer1(a: Actor, p: PollModel, quiet = false): Promise<void> {
    const r = this.rng;
    const choices = p.multiple
      ? r
          .sample(
            Array.from({ length: p.options }, (_, i) => i),
            r.int(1, p.options),
          )
          .sort()
      : [r.int(0, p.options - 1)];
    const e = predictAnswer(p, a.userId, choices, Date.now(), this.margin);
    const again = p.answers.has(a.userId) ? " again" : "";
    const line = `${a.key} answers ${p.kind} ${p.key}${again} [${choices}] → expect ${e.kind === "reject" ? e.reason : e.kind}`;
    if (quiet) this.actionLog.push(`#${this.step}   ${line}`);
    else this.action("answer", line);
    await this.command(a, { type: "poll.answer", pollId: p.id, choices }, e, "poll-tally", (m) => {
      if (m.type !== "poll.answered") return;
      if (JSON.stringify(m.choices) !== JSON.stringify(choices))
        this.fail(
          "poll-tally",
          `${a.key}: poll.answered ${JSON.stringify(m.choices)} for an answer of ${JSON.stringify(choices)}`,
        );
      if (p.kind === "poll" || !p.answers.has(a.userId)) p.answers.set(a.userId, choices);
    });
  }

  // -------------------------------------------------------------------------
  // The end
  // -------------------------------------------------------------------------

  private async finish(): Promise<void> {
    this.step++;
    this.action("end", "the class ends: settle, final checks");
    await sleep(this.deliveryMs + 500);
    this.tick(true);
    // Every open socket holds every event, up to the head.
    const head = Math.max(...this.eventLog.keys(), this.headSeq);
    for (const s of this.sockets.filter((x) => x.open)) {
      if (s.lastSeq < head)
        this.fail("seq-log", `${this.who(s)} ends at seq ${s.lastSeq}, the class is at ${head}`);
      if (this.boardTouched) {
        const want = {
          slide: this.boardSlide,
          strokes: this.boardSlides.get(this.boardSlide) ?? [],
        };
        if (
          s.board.slide !== want.slide ||
          JSON.stringify(s.board.strokes) !== JSON.stringify(want.strokes)
        )
          this.fail(
            "board",
            `${this.who(s)} draws ${s.board.slide} [${s.board.strokes}], model ${want.slide} [${want.strokes}]`,
          );
      }
    }
    // Everyone leaves; attendance is flushed to D1 ~10 s after the first pending row.
    const closing = this.sockets.filter((s) => s.closedAt === null);
    for (const s of closing) s.close("leave");
    await Promise.all(closing.map((s) => s.waitClosed(3000)));
    // How long the TCP connection outlived the close handshake (`ws` waits 30 s at most).
    const lag = (server: boolean) =>
      Math.max(
        0,
        ...this.sockets
          .filter((x) => x.welcomeAt !== null && x.closing !== server && x.closedAt !== null)
          .map((x) => (x.tcpClosedAt ?? Date.now()) - x.closedAt!),
      );
    this.stats["TCP close after a server close, slowest (ms)"] = lag(true);
    this.stats["TCP close after a client close, slowest (ms)"] = lag(false);
    const settled = Date.now();
    if (this.enabled.has("attendance")) await this.checkAttendance();
    this.log(`sim: attendance read after ${((Date.now() - settled) / 1000).toFixed(1)} s`);
  }

  private async checkAttendance(): Promise<void> {
    const teacher = this.actors[0]!;
    const tol = this.opts.attendanceToleranceMin ?? 1;
    const deadline = Date.now() + 30_000;
    let rows: { userId: string; minutesAttended: number; displayName: string }[] = [];
    let summary: { attendees: number } | null = null;
    const students = this.actors.filter(
      (a) => a.role === "student" && a.sockets.some((s) => s.welcomeAt),
    );
    // Poll until the flushed rows cover every student (or time runs out).
    await sleep(11_000);
    for (;;) {
      const { sessions } = await getJson<{ sessions: { id: string }[] }>(
        this.stack.url,
        `/api/analytics/classes/${this.classId}/sessions`,
        teacher.token,
      );
      rows = [];
      for (const sess of sessions) {
        for (let offset = 0; ; offset += 200) {
          const page = await getJson<{ rows: typeof rows; total: number }>(
            this.stack.url,
            `/api/analytics/sessions/${sess.id}/attendance?limit=200&offset=${offset}`,
            teacher.token,
          );
          rows.push(...page.rows);
          if (offset + 200 >= page.total) break;
        }
      }
      if (sessions[0])
        summary = (
          await getJson<{ summary: { attendees: number } }>(
            this.stack.url,
            `/api/analytics/sessions/${sessions[0].id}`,
            teacher.token,
          )
        ).summary;
      const have = new Set(rows.map((r) => r.userId));
      if (students.every((a) => have.has(a.userId)) || Date.now() > deadline) break;
      await sleep(2000);
    }
    const sum = new Map<string, number>();
    for (const r of rows) sum.set(r.userId, (sum.get(r.userId) ?? 0) + r.minutesAttended);
    let worst = 0;
    for (const a of students) {
      const intervals = a.sockets
        .filter((s) => s.welcomeAt !== null && s.closedAt !== null)
        .map((s) => [s.welcomeAt!, s.closedAt!] as [number, number]);
      const want = unionMs(intervals) / 60_000;
      const got = sum.get(a.userId);
      if (got === undefined) {
        this.fail(
          "attendance",
          `${a.key} (${a.guest ? "guest" : "account"}) connected ${want.toFixed(2)} min but has no attendance row`,
        );
        continue;
      }
      worst = Math.max(worst, Math.abs(got - want));
      if (Math.abs(got - want) > tol)
        this.fail(
          "attendance",
          `${a.key} (${a.guest ? "guest" : "account"}, ${a.sockets.length} sockets): ${got} min attended, connected ${want.toFixed(2)} min`,
        );
    }
    this.stats["attendance worst error (min)"] = Number(worst.toFixed(2));
    for (const st of this.actors.filter((a) => a.role !== "student"))
      if (sum.has(st.userId))
        this.fail(
          "attendance",
          `staff ${st.key} (${st.role}) is listed as an attendee (${sum.get(st.userId)} min)`,
        );
    if (summary && summary.attendees !== students.length)
      this.fail(
        "attendance",
        `dashboard says ${summary.attendees} attendees; ${students.length} students attended`,
      );
  }

  closeAll(): void {
    for (const s of this.sockets) if (s.closedAt === null) s.close("drop");
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
