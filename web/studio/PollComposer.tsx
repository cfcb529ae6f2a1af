/**
 * The studio's poll and quiz composer: question, options, single or multiple choice, the
 * quiz's correct answers and time limit; refuses to send a draft the server would refuse
 * (draftProblem) and says why.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import {
  POLL_MAX_OPTIONS as MAX_OPTIONS,
  POLL_OPTION_MAX_CHARS as OPTION_MAX,
  POLL_QUESTION_MAX_CHARS as QUESTION_MAX,
} from "../../protocol/interactive.constants.ts";
import { type StudioKey, t } from "../i18n/studio.ts";
import type { Room } from "./InteractiveStudio.tsx";

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

export function PollComposer(props: { room: Room; onDone: () => void }) {
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
