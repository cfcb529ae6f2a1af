import type { ComponentChildren } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import type { ClassPublic } from "../../protocol/api.ts";
import {
  POLL_MAX_OPTIONS as MAX_OPTIONS,
  POLL_OPTION_MAX_CHARS as OPTION_MAX,
  POLL_QUESTION_MAX_CHARS as QUESTION_MAX,
  LEADERBOARD_N as TOP_N,
  HAND_WINDOW as WINDOW,
} from "../../protocol/interactive.constants.ts";
import type { PollView, QuestionView } from "../../protocol/interactive.ts";
import type { ClientMessage } from "../../protocol/realtime.ts";
import { Leaderboard } from "../components/Leaderboard.tsx";
import { PollBars } from "../components/PollBars.tsx";
import { isolate, UserText } from "../components/UserText.tsx";
import { type StudioKey, t } from "../i18n/studio.ts";
import { useNow } from "../lib/classroom-hooks.ts";
import type { ClassroomSocket } from "../lib/classroom-socket.ts";
import type { ClassroomState } from "../lib/classroom-state.ts";
import { handWindow, secondsLeft, tallyOf } from "../lib/interactive-state.ts";

type Room = { state: ClassroomState; socket: ClassroomSocket };

/**
 * The studio's interactive panels: compose, run and reveal polls and quizzes with a live
 * tally and the quiz leaderboard; the hand-raise queue; Q&A moderation. Everything goes
 * over the studio's classroom socket; the server answers with `poll.list`, `poll.tally`,
 * `hand.queue` and `qa.pending` (staff frames) and the public events.
 */
export function InteractiveStudio(props: { cls: ClassPublic; room: Room; teacher: boolean }) {
  const { state } = props.room;
  const err = state.lastError;
  const ixError =
    err && /^(poll|hand|qa)\./.test(err.ref ?? "") && Date.now() - err.at < 10_000 ? err : null;
  return (
    <section
      class="card studio-interactive"
      aria-labelledby="studio-ix-title"
      data-testid="studio-interactive"
    >
      <div class="panel-head">
        <h2 id="studio-ix-title">{t("studio.ix.title")}</h2>
      </div>
      {ixError ? (
        <p class="ix-error" role="alert" data-testid="studio-ix-error">
          {ixError.message}
        </p>
      ) : null}
      <div class="studio-ix-grid">
        <PollsBox room={props.room} />
        <div class="studio-ix-col">
          <HandsBox room={props.room} />
          <QaBox room={props.room} teacher={props.teacher} />
        </div>
      </div>
    </section>
  );
}

/* ---------- Polls and quizzes ---------- */

/** Polls and quizzes: compose, open, close, reveal, with live tallies; the open ones first. */
export function PollsBox(props: { room: Room }) {
  const { state, socket } = props.room;
  const ix = state.interactive;
  // Newest first, the open ones on top: the poll running now is the one to watch.
  const newest = [...ix.polls].reverse();
  const polls = [
    ...newest.filter((p) => p.state === "open"),
    ...newest.filter((p) => p.state !== "open"),
  ];
  const [composing, setComposing] = useState(false);
  const board = ix.leaderboard;
  return (
    <div class="studio-box studio-polls" data-testid="studio-polls">
      <div class="studio-row">
        <h3 class="studio-box-title">{t("studio.ix.polls")}</h3>
        {composing ? null : (
          <button
            type="button"
            class="btn btn-primary btn-small"
            data-testid="poll-new"
            onClick={() => setComposing(true)}
          >
            {t("studio.ix.newPoll")}
          </button>
        )}
      </div>
      {composing ? (
        <PollComposer room={props.room} onDone={() => setComposing(false)} />
      ) : polls.length === 0 ? (
        <p class="muted">{t("studio.ix.noPolls")}</p>
      ) : null}
      <ul class="ix-poll-list">
        {polls.map((p) => (
          <StaffPoll key={p.id} poll={p} state={state} socket={socket} />
        ))}
      </ul>
      {board && board.top.length > 0 ? (
        <div class="ix-leaderboard" data-testid="studio-leaderboard">
          <h4>
            {t("studio.ix.leaderboard")}{" "}
            <span class="muted">· {t("studio.ix.players", { count: board.players })}</span>
          </h4>
          <Leaderboard top={board.top.slice(0, TOP_N)} />
        </div>
      ) : null}
    </div>
  );
}

const STATE_LABEL: Record<PollView["state"], StudioKey> = {
  draft: "studio.ix.state.draft",
  open: "studio.ix.state.open",
  closed: "studio.ix.state.closed",
  revealed: "studio.ix.state.revealed",
};

function StaffPoll(props: { poll: PollView; state: ClassroomState; socket: ClassroomSocket }) {
  const { poll, state, socket } = props;
  const tally = tallyOf(state.interactive, poll);
  const open = poll.state === "open";
  const now = useNow(open && poll.closesAt !== null);
  const send = (m: ClientMessage) => socket.send(m);
  const left =
    open && poll.closesAt !== null ? secondsLeft(poll.closesAt - state.clockOffset, now) : null;
  return (
    <li class={`ix-poll is-${poll.state}`} data-testid="studio-poll" data-state={poll.state}>
      <div class="ix-poll-head">
        <span class={`badge ix-state-${poll.state}`}>{t(STATE_LABEL[poll.state])}</span>
        <span class="badge">{t(poll.kind === "quiz" ? "studio.ix.quiz" : "studio.ix.poll")}</span>
        {poll.multiple ? <span class="badge">{t("studio.ix.multiple")}</span> : null}
        {poll.anonymous ? <span class="badge">{t("studio.ix.anonymous")}</span> : null}
        {left !== null ? (
          <span class="badge badge-warn" data-testid="studio-poll-countdown">
            {left > 0 ? t("studio.ix.secondsLeft", { count: left }) : t("studio.ix.timesUp")}
          </span>
        ) : null}
      </div>
      <p class="ix-poll-question">
        <UserText text={poll.question} />
      </p>
      <PollBars
        options={poll.options}
        tally={tally?.tally ?? poll.options.map(() => 0)}
        answered={tally?.answered ?? 0}
        correct={poll.correct}
        testId="studio-poll-bars"
      />
      <div class="studio-row ix-poll-actions">
        {poll.state === "draft" ? (
          <>
            <button
              type="button"
              class="btn btn-primary btn-small"
              data-testid="poll-open"
              onClick={() => send({ type: "poll.open", pollId: poll.id })}
            >
              {t("studio.ix.open")}
            </button>
            <button
              type="button"
              class="btn btn-quiet btn-small"
              onClick={() => send({ type: "poll.discard", pollId: poll.id })}
            >
              {t("studio.ix.discard")}
            </button>
          </>
        ) : poll.state === "open" ? (
          <button
            type="button"
            class="btn btn-secondary btn-small"
            data-testid="poll-close"
            onClick={() => send({ type: "poll.close", pollId: poll.id })}
          >
            {t("studio.close")}
          </button>
        ) : poll.state === "closed" ? (
          <button
            type="button"
            class="btn btn-primary btn-small"
            data-testid="poll-reveal"
            onClick={() => send({ type: "poll.reveal", pollId: poll.id })}
          >
            {t("studio.ix.reveal")}
          </button>
        ) : null}
      </div>
    </li>
  );
}

interface Draft {
  kind: "poll" | "quiz";
  question: string;
  options: string[];
  multiple: boolean;
  anonymous: boolean;
  correct: number[];
  timeLimitSec: number;
  speedBonus: number;
}

const emptyDraft = (): Draft => ({
  kind: "poll",
  question: "",
  options: ["", ""],
  multiple: false,
  anonymous: false,
  correct: [],
  timeLimitSec: 30,
  speedBonus: 50,
});

/** Why the draft cannot be sent yet, or null. */
function draftProblem(d: Draft): StudioKey | null {
  if (d.question.trim() === "") return "studio.ix.problem.question";
  if (d.options.some((o) => o.trim() === "")) return "studio.ix.problem.options";
  if (d.kind === "quiz" && d.correct.length === 0) return "studio.ix.problem.correct";
  if (d.kind === "quiz" && !d.multiple && d.correct.length > 1) return "studio.ix.problem.single";
  return null;
}

function PollComposer(props: { room: Room; onDone: () => void }) {
  const { state, socket } = props.room;
  const [d, setD] = useState<Draft>(emptyDraft);
  const [sent, setSent] = useState<{ rid: string; open: boolean } | null>(null);
  const [tried, setTried] = useState(false);
  const ridSeq = useRef(0);
  const set = (patch: Partial<Draft>) => setD((x) => ({ ...x, ...patch }));
  const problem = draftProblem(d);

  // The draft exists once `poll.created` echoes our rid; "Create and open" opens it then.
  const created = state.interactive.lastCreated;
  useEffect(() => {
    if (!sent || created?.rid !== sent.rid) return;
    if (sent.open) socket.send({ type: "poll.open", pollId: created.pollId });
    setSent(null);
    props.onDone();
  }, [created, sent]);

  const submit = (open: boolean) => {
    setTried(true);
    if (problem) return;
    const rid = `p${Date.now().toString(36)}${++ridSeq.current}`;
    const quiz = d.kind === "quiz";
    const ok = socket.send({
      type: "poll.create",
      rid,
      kind: d.kind,
      question: d.question.trim(),
      options: d.options.map((o) => o.trim()),
      multiple: d.multiple,
      ...(quiz
        ? { correct: d.correct, timeLimitSec: d.timeLimitSec, speedBonus: d.speedBonus }
        : { anonymous: d.anonymous }),
    });
    if (ok) setSent({ rid, open });
  };

  const setOption = (i: number, text: string) =>
    set({ options: d.options.map((o, j) => (j === i ? text : o)) });
  const removeOption = (i: number) =>
    set({
      options: d.options.filter((_, j) => j !== i),
      correct: d.correct.filter((c) => c !== i).map((c) => (c > i ? c - 1 : c)),
    });
  const toggleCorrect = (i: number) =>
    set({
      correct: d.correct.includes(i)
        ? d.correct.filter((c) => c !== i)
        : d.multiple
          ? [...d.correct, i].sort((a, b) => a - b)
          : [i],
    });

  return (
    <form
      class="ix-composer"
      data-testid="poll-composer"
      onSubmit={(e) => {
        e.preventDefault();
        submit(true);
      }}
    >
      <fieldset class="ix-kind">
        <legend class="visually-hidden">{t("studio.ix.kind")}</legend>
        {(["poll", "quiz"] as const).map((k) => (
          <label
            key={k}
            class={`ix-seg${d.kind === k ? " is-on" : ""}`}
            data-testid={`poll-kind-${k}`}
          >
            <input
              type="radio"
              name="ix-kind"
              value={k}
              checked={d.kind === k}
              onChange={() => set({ kind: k })}
            />
            {t(k === "poll" ? "studio.ix.poll" : "studio.ix.quiz")}
          </label>
        ))}
      </fieldset>
      <label class="studio-label" for="ix-question">
        {t("studio.ix.question")}
      </label>
      <input
        id="ix-question"
        type="text"
        maxLength={QUESTION_MAX}
        value={d.question}
        data-testid="poll-question"
        placeholder={t(d.kind === "quiz" ? "studio.ix.quizExample" : "studio.ix.pollExample")}
        onInput={(e) => set({ question: (e.target as HTMLInputElement).value })}
      />
      <span class="studio-label">
        {t(
          d.kind !== "quiz"
            ? "studio.ix.options"
            : d.multiple
              ? "studio.ix.optionsTickMany"
              : "studio.ix.optionsTickOne",
        )}
      </span>
      <ol class="ix-options">
        {d.options.map((o, i) => (
          <li key={i} class="ix-option">
            {d.kind === "quiz" ? (
              <input
                type="checkbox"
                aria-label={t("studio.ix.optionCorrect", { n: i + 1 })}
                checked={d.correct.includes(i)}
                data-testid={`poll-correct-${i}`}
                onChange={() => toggleCorrect(i)}
              />
            ) : null}
            <input
              type="text"
              maxLength={OPTION_MAX}
              value={o}
              aria-label={t("studio.ix.option", { n: i + 1 })}
              placeholder={t("studio.ix.option", { n: i + 1 })}
              data-testid={`poll-option-${i}`}
              onInput={(e) => setOption(i, (e.target as HTMLInputElement).value)}
            />
            {d.options.length > 2 ? (
              <button
                type="button"
                class="btn btn-quiet btn-tiny"
                aria-label={t("studio.ix.removeOption", { n: i + 1 })}
                onClick={() => removeOption(i)}
              >
                ✕
              </button>
            ) : null}
          </li>
        ))}
      </ol>
      {d.options.length < MAX_OPTIONS ? (
        <button
          type="button"
          class="btn btn-quiet btn-small ix-add-option"
          data-testid="poll-add-option"
          onClick={() => set({ options: [...d.options, ""] })}
        >
          {t("studio.ix.addOption")}
        </button>
      ) : null}
      <div class="studio-row ix-flags">
        <label>
          <input
            type="checkbox"
            checked={d.multiple}
            onChange={(e) =>
              set({
                multiple: (e.target as HTMLInputElement).checked,
                correct: (e.target as HTMLInputElement).checked ? d.correct : d.correct.slice(0, 1),
              })
            }
          />{" "}
          {t("studio.ix.severalAllowed")}
        </label>
        {d.kind === "poll" ? (
          <label>
            <input
              type="checkbox"
              checked={d.anonymous}
              onChange={(e) => set({ anonymous: (e.target as HTMLInputElement).checked })}
            />{" "}
            {t("studio.ix.anonymousHint")}
          </label>
        ) : null}
      </div>
      {d.kind === "quiz" ? (
        <div class="ix-quiz-settings">
          <label class="ix-field">
            <span class="studio-label">{t("studio.ix.timeLimit")}</span>
            <select
              value={String(d.timeLimitSec)}
              data-testid="quiz-time"
              onChange={(e) => set({ timeLimitSec: Number((e.target as HTMLSelectElement).value) })}
            >
              {[10, 15, 20, 30, 45, 60, 90, 120, 300].map((s) => (
                <option key={s} value={s}>
                  {s < 60
                    ? t("studio.ix.seconds", { count: s })
                    : t("studio.ix.minutes", { count: s / 60 })}
                </option>
              ))}
            </select>
          </label>
          <label class="ix-field">
            <span class="studio-label">{t("studio.ix.speedBonus")}</span>
            <select
              value={String(d.speedBonus)}
              onChange={(e) => set({ speedBonus: Number((e.target as HTMLSelectElement).value) })}
            >
              {[0, 25, 50, 100].map((b) => (
                <option key={b} value={b}>
                  {b === 0 ? t("studio.ix.bonusNone") : t("studio.ix.bonusUpTo", { n: b })}
                </option>
              ))}
            </select>
          </label>
        </div>
      ) : null}
      {tried && problem ? (
        <p class="ix-error" role="alert">
          {t(problem)}
        </p>
      ) : null}
      <div class="studio-row studio-composer-actions">
        <button type="button" class="btn btn-quiet btn-small" onClick={props.onDone}>
          {t("common.cancel")}
        </button>
        <button
          type="button"
          class="btn btn-secondary btn-small"
          data-testid="poll-save"
          disabled={sent !== null}
          onClick={() => submit(false)}
        >
          {t("studio.ix.saveDraft")}
        </button>
        <button
          type="submit"
          class="btn btn-primary btn-small"
          data-testid="poll-create-open"
          disabled={sent !== null}
        >
          {t(d.kind === "quiz" ? "studio.ix.startQuiz" : "studio.ix.openPoll")}
        </button>
      </div>
    </form>
  );
}

/* ---------- Hands ---------- */

/** The hand-raise queue: call on, lower, lower all, paged past the live window. */
export function HandsBox(props: { room: Room }) {
  const { state, socket } = props.room;
  const ix = state.interactive;
  const [offset, setOffset] = useState(0);
  const count = ix.handQueue?.count ?? ix.handCount;
  // Pages past the live window are not pushed: ask again every 2 s while one is shown.
  useEffect(() => {
    if (offset === 0) return;
    const ask = () => socket.send({ type: "hand.page", offset, limit: WINDOW });
    ask();
    const timer = setInterval(ask, 2000);
    return () => clearInterval(timer);
  }, [offset, socket]);
  useEffect(() => {
    if (offset > 0 && offset >= count)
      setOffset(Math.max(0, Math.floor((count - 1) / WINDOW) * WINDOW));
  }, [count, offset]);
  const hands = handWindow(ix, offset);
  const ack = ix.handQueue?.acknowledged ?? null;
  return (
    <div class="studio-box studio-hands" data-testid="studio-hands">
      <div class="studio-row">
        <h3 class="studio-box-title">
          {t("studio.cockpit.pane.hands")}{" "}
          <span class="badge" data-testid="hand-count">
            {count}
          </span>
        </h3>
        <button
          type="button"
          class="btn btn-quiet btn-small"
          disabled={count === 0}
          data-testid="hand-clear"
          onClick={() => socket.send({ type: "hand.clear" })}
        >
          {t("studio.hands.lowerAll")}
        </button>
      </div>
      {ack ? (
        <p class="muted" data-testid="hand-last-ack">
          {t("studio.hands.lastCalled")} <UserText text={ack.name} clip />
        </p>
      ) : null}
      {count === 0 ? (
        <p class="muted">{t("studio.cockpit.said.noHands")}</p>
      ) : (
        <ol class="ix-hands" data-testid="hand-queue">
          {hands.map((h) => (
            <li key={h.userId} class="ix-hand" data-testid="hand-row">
              <span class="ix-hand-pos">{h.position}</span>
              <UserText text={h.name} clip class="ix-hand-name" />
              <span class="ix-hand-actions">
                <button
                  type="button"
                  class="btn btn-primary btn-tiny"
                  data-testid="hand-ack"
                  onClick={() => socket.send({ type: "hand.ack", userId: h.userId })}
                >
                  {t("studio.hands.callOn")}
                  <ActsOn text={h.name} sep=" " />
                </button>
                <button
                  type="button"
                  class="btn btn-quiet btn-tiny"
                  aria-label={t("studio.hands.lowerName", { name: isolate(h.name) })}
                  onClick={() => socket.send({ type: "hand.dismiss", userId: h.userId })}
                >
                  {t("studio.hands.lower")}
                </button>
              </span>
            </li>
          ))}
        </ol>
      )}
      {count > WINDOW ? (
        <div class="studio-row ix-pager">
          <button
            type="button"
            class="btn btn-quiet btn-tiny"
            disabled={offset === 0}
            onClick={() => setOffset(Math.max(0, offset - WINDOW))}
          >
            {t("studio.hands.earlier")}
          </button>
          <span class="muted">
            {t("studio.hands.range", {
              from: offset + 1,
              to: Math.min(count, offset + WINDOW),
              count,
            })}
          </span>
          <button
            type="button"
            class="btn btn-quiet btn-tiny"
            disabled={offset + WINDOW >= count}
            onClick={() => setOffset(offset + WINDOW)}
          >
            {t("studio.hands.later")}
          </button>
        </div>
      ) : null}
    </div>
  );
}

/* ---------- Q&A ---------- */

/** Q&A moderation: approve, answer, pin, hide; pre-moderation switch for the teacher. */
export function QaBox(props: { room: Room; teacher: boolean }) {
  const { state, socket } = props.room;
  const ix = state.interactive;
  const pending = ix.pending?.questions ?? [];
  const mod = (questionId: string, action: "approve" | "hide" | "answer" | "pin" | "unpin") =>
    socket.send({ type: "qa.moderate", questionId, action });
  return (
    <div class="studio-box studio-qa" data-testid="studio-qa">
      <div class="studio-row">
        <h3 class="studio-box-title">
          {t("studio.cockpit.tab.qa")} <span class="badge">{ix.qa.total}</span>
        </h3>
        {props.teacher ? (
          <label class="ix-switch">
            <input
              type="checkbox"
              checked={ix.qa.preModerate}
              data-testid="qa-premoderate"
              onChange={(e) =>
                socket.send({
                  type: "qa.settings",
                  preModerate: (e.target as HTMLInputElement).checked,
                })
              }
            />{" "}
            {t("studio.qa.premoderate")}
          </label>
        ) : null}
      </div>
      {pending.length > 0 ? (
        <div class="ix-pending" data-testid="qa-pending">
          <h4>
            {t("studio.qa.waiting")} <span class="badge badge-warn">{ix.pending?.total ?? 0}</span>
          </h4>
          <ul class="ix-questions">
            {pending.map((q) => (
              <StaffQuestion key={q.id} q={q}>
                <button
                  type="button"
                  class="btn btn-primary btn-tiny"
                  data-testid="qa-approve"
                  onClick={() => mod(q.id, "approve")}
                >
                  {t("studio.qa.approve")}
                  <ActsOn text={q.text} />
                </button>
                <button
                  type="button"
                  class="btn btn-quiet btn-tiny"
                  onClick={() => mod(q.id, "hide")}
                >
                  {t("studio.qa.hide")}
                  <ActsOn text={q.text} />
                </button>
              </StaffQuestion>
            ))}
          </ul>
        </div>
      ) : null}
      {ix.qa.top.length === 0 ? (
        <p class="muted">{t("studio.qa.none")}</p>
      ) : (
        <ul class="ix-questions" data-testid="qa-top">
          {ix.qa.top.map((q) => (
            <StaffQuestion key={q.id} q={q}>
              {q.state !== "answered" ? (
                <button
                  type="button"
                  class="btn btn-secondary btn-tiny"
                  data-testid="qa-answer"
                  onClick={() => mod(q.id, "answer")}
                >
                  {t("studio.qa.answered")}
                  <ActsOn text={q.text} />
                </button>
              ) : null}
              <button
                type="button"
                class="btn btn-quiet btn-tiny"
                data-testid="qa-pin"
                onClick={() => mod(q.id, q.pinned ? "unpin" : "pin")}
              >
                {t(q.pinned ? "studio.qa.unpin" : "studio.qa.pin")}
                <ActsOn text={q.text} />
              </button>
              <button
                type="button"
                class="btn btn-quiet btn-tiny"
                onClick={() => mod(q.id, "hide")}
              >
                {t("studio.qa.hide")}
                <ActsOn text={q.text} />
              </button>
            </StaffQuestion>
          ))}
        </ul>
      )}
    </div>
  );
}

/**
 * What a row's button acts on, for screen readers only ("Approve: <question>", "Call on
 * <name>"), so a list of rows is not a list of identically named buttons.
 */
function ActsOn(props: { text: string; sep?: string }) {
  return (
    <span class="visually-hidden">
      {props.sep ?? t("studio.colon")}
      <UserText text={props.text} />
    </span>
  );
}

function StaffQuestion(props: { q: QuestionView; children: ComponentChildren }) {
  const { q } = props;
  return (
    <li
      class={`ix-question${q.pinned ? " is-pinned" : ""}${q.state === "answered" ? " is-answered" : ""}`}
      data-testid="staff-question"
      data-state={q.state}
    >
      <div class="ix-question-votes" title={t("studio.qa.upvotes")}>
        <span aria-hidden="true">▲</span> {q.votes}
      </div>
      <div class="ix-question-body">
        <p class="ix-question-text">
          <UserText text={q.text} />
        </p>
        <p class="ix-question-meta muted">
          <UserText text={q.from.name} clip />
          {q.pinned ? ` · ${t("studio.qa.pinnedMark")}` : ""}
          {q.state === "answered" ? ` · ${t("studio.qa.answeredMark")}` : ""}
        </p>
        <div class="ix-question-actions">{props.children}</div>
      </div>
    </li>
  );
}
