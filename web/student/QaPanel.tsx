import { useEffect, useState } from "preact/hooks";
import { QUESTION_MAX_CHARS as MAX_CHARS } from "../../protocol/interactive.constants.ts";
import type { QuestionView } from "../../protocol/interactive.ts";
import { UserText } from "../components/UserText.tsx";
import { socketErrorText } from "../i18n/common.ts";
import { formatNumber } from "../i18n/core.ts";
import { rich, t } from "../i18n/student.ts";
import type { ClassroomSocket } from "../lib/classroom-socket.ts";
import type { ClassroomState } from "../lib/classroom-state.ts";
import { isMine, myPendingQuestions } from "../lib/interactive-state.ts";

/**
 * The class Q&A (real-time, not held for the video): ask a question, upvote others'
 * once, see the top questions with pinned and answered marks. The student's own
 * questions waiting for the teacher's approval are listed as "awaiting approval".
 * Question text is user text, rendered as text.
 */
export function QaPanel(props: { state: ClassroomState; socket: ClassroomSocket }) {
  const { state, socket } = props;
  const ix = state.interactive;
  const [text, setText] = useState("");
  const [sentRid, setSentRid] = useState<string | null>(null);
  const connected = state.conn === "connected";
  const length = [...text.trim()].length;
  const pending = myPendingQuestions(ix);

  // Our question is in once `qa.asked` echoes; then clear the box.
  const lastMine = ix.myQuestions.at(-1);
  useEffect(() => {
    if (sentRid !== null && lastMine) {
      setSentRid(null);
      setText("");
    }
  }, [lastMine]);
  const err = state.lastError;
  const error =
    err && (err.ref === "qa.ask" || err.ref === "qa.vote") && Date.now() - err.at < 10_000
      ? err
      : null;
  useEffect(() => {
    if (error) setSentRid(null);
  }, [error]);

  const ask = (e: Event) => {
    e.preventDefault();
    if (!connected || length === 0 || length > MAX_CHARS || sentRid) return;
    const rid = `q${Date.now().toString(36)}`;
    if (socket.send({ type: "qa.ask", text: text.trim(), rid })) setSentRid(rid);
  };

  return (
    <div class="qa-panel" data-testid="qa-panel">
      <form class="qa-ask" onSubmit={ask}>
        <label class="visually-hidden" for="qa-text">
          {t("student.qa.yourQuestion")}
        </label>
        <textarea
          id="qa-text"
          rows={2}
          maxLength={MAX_CHARS}
          placeholder={t("student.qa.placeholder")}
          value={text}
          data-testid="qa-input"
          onInput={(e) => setText((e.target as HTMLTextAreaElement).value)}
        />
        <div class="qa-ask-row">
          <span class="composer-count muted">
            {length > MAX_CHARS - 50 ? t("student.qa.left", { n: MAX_CHARS - length }) : ""}
          </span>
          <button
            type="submit"
            class="btn btn-primary btn-small"
            data-testid="qa-submit"
            disabled={!connected || length === 0 || length > MAX_CHARS || sentRid !== null}
          >
            {t("student.qa.ask")}
          </button>
        </div>
        {error ? (
          <p class="ix-error" role="alert" data-testid="qa-error">
            {socketErrorText(error)}
          </p>
        ) : null}
      </form>
      {pending.length > 0 ? (
        <ul class="ix-questions qa-mine-pending" data-testid="qa-pending-mine">
          {pending.map((q) => (
            <li
              key={q.id}
              class="ix-question is-pending"
              data-testid="qa-question"
              data-state="pending"
            >
              <div class="ix-question-body">
                <p class="ix-question-text">
                  <UserText text={q.text} />
                </p>
                <p class="ix-question-meta">
                  <span class="badge badge-warn">{t("student.qa.awaiting")}</span>
                </p>
              </div>
            </li>
          ))}
        </ul>
      ) : null}
      {ix.qa.top.length === 0 ? (
        <p class="muted qa-empty">{t("student.qa.empty")}</p>
      ) : (
        <>
          <p class="muted qa-total">
            {t("student.qa.top")}
            {ix.qa.total > ix.qa.top.length ? t("student.qa.inAll", { n: ix.qa.total }) : ""}
          </p>
          <ul class="ix-questions" data-testid="qa-list">
            {ix.qa.top.map((q) => (
              <Question
                key={q.id}
                q={q}
                mine={isMine(ix, q.id)}
                voted={ix.myVotes.includes(q.id)}
                connected={connected}
                onVote={(up) =>
                  socket.send({
                    type: "qa.vote",
                    questionId: q.id,
                    up,
                    rid: `v${Date.now().toString(36)}`,
                  })
                }
              />
            ))}
          </ul>
        </>
      )}
    </div>
  );
}

function Question(props: {
  q: QuestionView;
  mine: boolean;
  voted: boolean;
  connected: boolean;
  onVote: (up: boolean) => void;
}) {
  const { q, mine, voted } = props;
  const answered = q.state === "answered";
  const canVote = props.connected && !mine && !answered;
  return (
    <li
      class={`ix-question${q.pinned ? " is-pinned" : ""}${answered ? " is-answered" : ""}`}
      data-testid="qa-question"
      data-state={q.state}
      data-pinned={q.pinned}
    >
      <button
        type="button"
        class={`qa-vote${voted ? " is-voted" : ""}`}
        data-testid="qa-vote"
        aria-pressed={voted}
        title={mine ? t("student.qa.ownVote") : undefined}
        disabled={!canVote}
        onClick={() => props.onVote(!voted)}
      >
        {/* Named for the question it acts on ("Upvote: <question> 3 votes"), the visible
            count included; aria-pressed says whether it is this student's upvote. */}
        <span class="visually-hidden">
          {rich(mine ? "student.qa.yours" : "student.qa.upvote", {
            question: <UserText text={q.text} />,
          })}{" "}
        </span>
        <span aria-hidden="true">▲</span>
        <span class="qa-vote-count" data-testid="qa-votes">
          {formatNumber(q.votes)}
        </span>
        <span class="visually-hidden">{t("student.qa.votes", { count: q.votes })}</span>
      </button>
      <div class="ix-question-body">
        <p class="ix-question-text">
          <UserText text={q.text} />
        </p>
        <p class="ix-question-meta">
          <span class="muted">
            {mine ? t("student.qa.you") : <UserText text={q.from.name} clip />}
          </span>
          {q.pinned ? <span class="badge badge-pin">{t("student.qa.pinned")}</span> : null}
          {answered ? (
            <span class="badge badge-ok" data-testid="qa-answered">
              {t("student.qa.answered")}
            </span>
          ) : null}
        </p>
      </div>
    </li>
  );
}
