import { useEffect, useRef, useState } from "preact/hooks";
import { LEADERBOARD_N as TOP_N } from "../../protocol/interactive.constants.ts";
import type { PollView } from "../../protocol/interactive.ts";
import { type LatencyMode, MODE_MAX_DELAY_MS } from "../../protocol/latency.ts";
import { Leaderboard } from "../components/Leaderboard.tsx";
import { PollBars } from "../components/PollBars.tsx";
import { UserText } from "../components/UserText.tsx";
import { socketErrorText } from "../i18n/common.ts";
import { formatNumber } from "../i18n/core.ts";
import { rich, t } from "../i18n/student.ts";
import { useNow } from "../lib/classroom-hooks.ts";
import type { ClassroomSocket } from "../lib/classroom-socket.ts";
import type { ClassroomState } from "../lib/classroom-state.ts";
import {
  AUTO_SUBMIT_AHEAD_MS,
  quizDeadlineLocal,
  secondsLeft,
  tallyOf,
  visibleQuizResult,
} from "../lib/interactive-state.ts";
import type { SyncView } from "../lib/video-delay.ts";

/**
 * What the student does in class besides chat, under the video: raise a hand (and see
 * their place in line). The current poll or quiz (`PollCard`) is shown in the focus
 * region. Poll and quiz rounds reach the card when the student's video reaches them
 * (video-delay.ts), so a quiz's countdown includes this viewer's delay — the server
 * accepts answers for that much longer.
 */
export function ClassActivity(props: {
  state: ClassroomState;
  socket: ClassroomSocket;
  /** Whether "the teacher called on you" is still news (focus-state.ts expires it). */
  calledOn: boolean;
}) {
  const { state, socket } = props;
  return (
    <div class="class-activity" data-testid="class-activity">
      <HandBar
        state={state}
        socket={socket}
        connected={state.conn === "connected"}
        calledOn={props.calledOn}
      />
    </div>
  );
}

/* ---------- Hand ---------- */

function HandBar(props: {
  state: ClassroomState;
  socket: ClassroomSocket;
  connected: boolean;
  calledOn: boolean;
}) {
  const { socket } = props;
  const ix = props.state.interactive;
  const hand = ix.myHand;
  // Between the click and the server's `hand.position`, show the intent.
  const [asked, setAsked] = useState<boolean | null>(null);
  const err = props.state.lastError;
  const refused = err !== null && (err.ref === "hand.raise" || err.ref === "hand.lower");
  useEffect(() => setAsked(null), [hand]);
  useEffect(() => {
    if (refused) setAsked(null);
  }, [err]);
  const raised = asked ?? hand.raised;
  const toggle = () => {
    const up = !raised;
    if (socket.send({ type: up ? "hand.raise" : "hand.lower", rid: `h${Date.now().toString(36)}` }))
      setAsked(up);
  };
  let status: string;
  if (hand.raised && hand.position !== null)
    status = t("student.hand.position", { n: hand.position });
  else if (raised) status = t("student.hand.raising");
  else if (hand.acknowledged && props.calledOn) status = t("student.hand.calledOn");
  else status = ix.handCount > 0 ? t("student.hand.count", { count: ix.handCount }) : "";
  return (
    <div class={`hand-bar${raised ? " is-raised" : ""}`} data-testid="hand-bar">
      <button
        type="button"
        class={`btn ${raised ? "btn-secondary" : "btn-primary"} hand-btn`}
        data-testid="hand-toggle"
        aria-pressed={raised}
        disabled={!props.connected}
        onClick={toggle}
      >
        <HandIcon /> {raised ? t("student.hand.lower") : t("student.hand.raise")}
      </button>
      {status ? (
        <span class="hand-status" data-testid="hand-status" role="status">
          {status}
        </span>
      ) : null}
    </div>
  );
}

/** A raised hand (inline, so it shows without an emoji font). */
function HandIcon() {
  return (
    <svg
      class="hand-icon"
      viewBox="0 0 24 24"
      width="18"
      height="18"
      aria-hidden="true"
      fill="none"
      stroke="currentColor"
      stroke-width="2"
      stroke-linecap="round"
      stroke-linejoin="round"
    >
      <path d="M18 11V6a2 2 0 0 0-4 0v5M14 10V4a2 2 0 0 0-4 0v6M10 10.5V6a2 2 0 0 0-4 0v8" />
      <path d="M18 8a2 2 0 1 1 4 0v6a8 8 0 0 1-8 8h-2c-2.8 0-4.5-.86-5.99-2.34l-3.6-3.6a2 2 0 0 1 2.83-2.82L7 15" />
    </svg>
  );
}

/* ---------- Poll or quiz ---------- */

/**
 * The current poll or quiz: its question and options while open, the result and tally
 * once closed. The student page shows it in the focus region (FocusRegion.tsx).
 */
export function PollCard(props: {
  poll: PollView;
  state: ClassroomState;
  socket: ClassroomSocket;
  sync: SyncView;
  mode: LatencyMode;
  connected: boolean;
  onHide: () => void;
}) {
  const { poll, state, socket, sync } = props;
  const ix = state.interactive;
  const quiz = poll.kind === "quiz";
  const open = poll.state === "open";
  const mine = ix.myAnswers[poll.id] ?? null;
  const [choice, setChoice] = useState<number[]>(mine ?? []);
  const [sending, setSending] = useState(false);
  useEffect(() => {
    setSending(false);
    // Our counted answer (also after a reconnect, from `interactive.me`) is what is ticked.
    if (mine) setChoice(mine);
  }, [mine]);

  const delay = sync.active ? sync.delayMs : 0;
  const offset = socket.sync ? socket.sync.estimator.offsetMs() : state.clockOffset;
  // The root stretches the deadline by our delay only while live, and only up to the mode's cap.
  const graceCap = state.stream === "live" ? MODE_MAX_DELAY_MS[props.mode] : 0;
  const deadline = quiz && open ? quizDeadlineLocal(poll, offset, delay, graceCap) : null;
  const now = useNow(deadline !== null);
  const left = deadline === null ? null : secondsLeft(deadline, now);
  const locked = quiz && mine !== null;
  const canAnswer = open && props.connected && !locked && (left === null || left > 0);

  // A refusal (too late, closed…) ends the wait and is shown under the options.
  const err = state.lastError;
  const refusal = err?.ref === "poll.answer" ? err : null;
  useEffect(() => {
    if (refusal) setSending(false);
  }, [refusal]);
  const error = refusal && Date.now() - refusal.at < 10_000 ? refusal : null;

  const pick = (i: number) => {
    if (!canAnswer) return;
    setChoice((c) =>
      poll.multiple ? (c.includes(i) ? c.filter((x) => x !== i) : [...c, i]) : [i],
    );
  };
  const send = () => {
    if (!canAnswer || choice.length === 0) return;
    const sorted = [...choice].sort((a, b) => a - b);
    const ok = socket.send({
      type: "poll.answer",
      pollId: poll.id,
      choices: sorted,
      rid: `a${Date.now().toString(36)}`,
      ...(delay > 0 ? { delayMs: delay } : {}),
    });
    if (ok) setSending(true);
  };
  const submit = (e: Event) => {
    e.preventDefault();
    send();
  };
  // A quiz answer picked but not locked in is sent just before time is up, as Kahoot and
  // Slido players expect: a pick is never silently thrown away. (The lead covers the trip
  // to the shard, whose receipt time is what the deadline is checked against.)
  const pending = quiz && canAnswer && !sending && choice.length > 0 && deadline !== null;
  // Once per card: a refused automatic send (too late after all) is shown, not retried.
  const autoSent = useRef(false);
  useEffect(() => {
    if (!pending || deadline === null || autoSent.current) return;
    const timer = setTimeout(
      () => {
        autoSent.current = true;
        send();
      },
      Math.max(0, deadline - AUTO_SUBMIT_AHEAD_MS - Date.now()),
    );
    return () => clearTimeout(timer);
  }, [pending, deadline, choice]);
  const same =
    mine !== null && mine.length === choice.length && mine.every((x) => choice.includes(x));
  const result = visibleQuizResult(ix, poll);
  const tally = tallyOf(ix, poll);
  const board = quiz && ix.leaderboard?.pollId === poll.id ? ix.leaderboard : null;

  return (
    <section
      class={`card poll-card is-${poll.state}`}
      data-testid="poll-card"
      data-poll-id={poll.id}
      data-state={poll.state}
      data-opened-at={poll.openedAt ?? undefined}
      aria-labelledby={`poll-q-${poll.id}`}
    >
      <div class="poll-card-head">
        <span class="badge poll-kind">
          {quiz ? t("student.poll.quiz") : t("student.poll.poll")}
        </span>
        {open ? (
          left !== null ? (
            <span
              class={`poll-countdown${left <= 5 ? " is-urgent" : ""}`}
              data-testid="quiz-countdown"
              role="timer"
            >
              {left > 0 ? t("common.seconds", { n: left }) : t("student.poll.timesUp")}
            </span>
          ) : (
            <span class="badge badge-ok">{t("student.poll.open")}</span>
          )
        ) : (
          <>
            <span class="badge">
              {poll.state === "revealed" ? t("student.poll.results") : t("student.poll.closed")}
            </span>
            <button
              type="button"
              class="btn btn-quiet btn-tiny poll-hide"
              aria-label={t("student.poll.hide")}
              onClick={props.onHide}
            >
              ✕
            </button>
          </>
        )}
      </div>
      <h2 class="poll-question" id={`poll-q-${poll.id}`}>
        <UserText text={poll.question} />
      </h2>
      {open ? (
        <form onSubmit={submit}>
          <fieldset class="poll-options" disabled={!canAnswer}>
            <legend class="visually-hidden">
              {poll.multiple ? t("student.poll.chooseMany") : t("student.poll.chooseOne")}
            </legend>
            {poll.options.map((label, i) => (
              <label
                key={`${i}-${label}`}
                class={`poll-option${choice.includes(i) ? " is-chosen" : ""}`}
                data-testid="poll-option"
              >
                <input
                  type={poll.multiple ? "checkbox" : "radio"}
                  name={`poll-${poll.id}`}
                  checked={choice.includes(i)}
                  onChange={() => pick(i)}
                />
                <UserText text={label} />
              </label>
            ))}
          </fieldset>
          <div class="poll-actions">
            {locked ? (
              <p class="poll-note" data-testid="poll-status">
                {t("student.poll.locked")}
              </p>
            ) : (
              <>
                <button
                  type="submit"
                  class="btn btn-primary"
                  data-testid="poll-submit"
                  disabled={!canAnswer || choice.length === 0 || same || sending}
                >
                  {sending
                    ? t("student.poll.sending")
                    : mine
                      ? t("student.poll.change")
                      : quiz
                        ? t("student.poll.lockIn")
                        : t("student.poll.vote")}
                </button>
                {mine && !quiz ? (
                  <p class="poll-note" data-testid="poll-status">
                    {t("student.poll.counted")}
                  </p>
                ) : pending && !autoSent.current ? (
                  <p class="poll-note" data-testid="poll-status" role="status">
                    {t("student.poll.autoSend")}
                  </p>
                ) : poll.multiple ? (
                  <p class="poll-note muted">{t("student.poll.chooseManyHint")}</p>
                ) : null}
              </>
            )}
          </div>
          {error ? (
            <p class="ix-error" role="alert" data-testid="poll-error">
              {socketErrorText(error)}
            </p>
          ) : null}
        </form>
      ) : (
        <>
          {result ? (
            <p
              class={`quiz-result ${result.correct ? "is-right" : "is-wrong"}`}
              data-testid="quiz-result"
              role="status"
            >
              {result.correct
                ? rich("student.poll.correct", {
                    points: <strong>+{formatNumber(result.score)}</strong>,
                  })
                : t("student.poll.wrong")}
            </p>
          ) : quiz && mine === null ? (
            <p class="poll-note muted">{t("student.poll.unanswered")}</p>
          ) : null}
          {tally ? (
            <PollBars
              options={poll.options}
              tally={tally.tally}
              answered={tally.answered}
              correct={poll.correct}
              mine={mine}
            />
          ) : (
            <p class="poll-note" data-testid="poll-status">
              {mine ? t("student.poll.closedCounted") : t("student.poll.closedWait")}
            </p>
          )}
          {board ? (
            <div class="poll-leaderboard" data-testid="leaderboard">
              <h3>
                {t("student.poll.leaderboard")}{" "}
                <span class="muted">{t("student.poll.players", { count: board.players })}</span>
              </h3>
              <Leaderboard top={board.top.slice(0, TOP_N)} you={state.you?.id ?? null} />
            </div>
          ) : null}
        </>
      )}
    </section>
  );
}
