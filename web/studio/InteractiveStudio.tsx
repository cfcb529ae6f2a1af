import { useEffect, useState } from "preact/hooks";
import type { ClassPublic } from "../../protocol/api.ts";
import {
  LEADERBOARD_N as TOP_N,
  HAND_WINDOW as WINDOW,
} from "../../protocol/interactive.constants.ts";
import type { PollView } from "../../protocol/interactive.ts";
import type { ClientMessage } from "../../protocol/realtime.ts";
import { Leaderboard } from "../components/Leaderboard.tsx";
import { PollBars } from "../components/PollBars.tsx";
import { isolate, UserText } from "../components/UserText.tsx";
import { type StudioKey, t } from "../i18n/studio.ts";
import { useNow } from "../lib/classroom-hooks.ts";
import type { ClassroomSocket } from "../lib/classroom-socket.ts";
import type { ClassroomState } from "../lib/classroom-state.ts";
import { handWindow, secondsLeft, tallyOf } from "../lib/interactive-state.ts";
import { PollComposer } from "./PollComposer.tsx";
import { ActsOn, QaBox } from "./QaBox.tsx";

export type Room = { state: ClassroomState; socket: ClassroomSocket };

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
