/**
 * The studio's Q&A moderation box: approve, answer, pin and hide questions, with the
 * pre-moderation switch for the teacher; every control is named for the question it acts on.
 */
import type { ComponentChildren } from "preact";
import type { QuestionView } from "../../protocol/interactive.ts";
import { UserText } from "../components/UserText.tsx";
import { t } from "../i18n/studio.ts";
import type { Room } from "./InteractiveStudio.tsx";

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
                <HideButton text={q.text} onClick={() => mod(q.id, "hide")} />
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
              <HideButton text={q.text} onClick={() => mod(q.id, "hide")} />
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
export function ActsOn(props: { text: string; sep?: string }) {
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

/** Hide a question, pending or published: named for the question it acts on. */
function HideButton(props: { text: string; onClick: () => void }) {
  return (
    <button type="button" class="btn btn-quiet btn-tiny" onClick={props.onClick}>
      {t("studio.qa.hide")}
      <ActsOn text={props.text} />
    </button>
  );
}
