import { t } from "../i18n/common.ts";
import { percentages } from "../lib/interactive-state.ts";
import { UserText } from "./UserText.tsx";

/**
 * A poll's results as horizontal bars: label, votes and share per option. Correct quiz
 * options get a check mark, the viewer's own choices a "your answer" mark. Used on the
 * student page (after reveal) and in the studio (live tally). Labels are user text,
 * rendered as text.
 */
export function PollBars(props: {
  options: string[];
  tally: number[];
  answered?: number | null;
  correct?: number[] | null;
  mine?: number[] | null;
  testId?: string;
}) {
  const { options, tally } = props;
  const pct = percentages(tally);
  const max = Math.max(1, ...tally);
  return (
    <div
      class={`poll-bars${props.correct && props.correct.length > 0 ? " has-correct" : ""}`}
      data-testid={props.testId ?? "poll-bars"}
    >
      <ol class="poll-bars-list">
        {options.map((label, i) => {
          const right = props.correct?.includes(i) ?? false;
          const mine = props.mine?.includes(i) ?? false;
          return (
            <li
              key={`${i}-${label}`}
              class={`poll-bar${right ? " is-correct" : ""}${mine ? " is-mine" : ""}`}
              data-testid="poll-bar"
              data-votes={tally[i] ?? 0}
            >
              <div class="poll-bar-head">
                <span class="poll-bar-label">
                  {right ? (
                    <span class="poll-bar-check">
                      ✓<span class="visually-hidden"> {t("common.poll.correct")}</span>{" "}
                    </span>
                  ) : null}
                  <UserText text={label} />
                  {mine ? <span class="poll-bar-mine"> · {t("common.poll.yours")}</span> : null}
                </span>
                <span class="poll-bar-num">
                  {t("common.poll.share", { votes: tally[i] ?? 0, pct: pct[i] ?? 0 })}
                </span>
              </div>
              <div class="poll-bar-track" aria-hidden="true">
                <div
                  class="poll-bar-fill"
                  style={{ width: `${Math.round(((tally[i] ?? 0) * 100) / max)}%` }}
                />
              </div>
            </li>
          );
        })}
      </ol>
      {props.answered !== undefined && props.answered !== null ? (
        <p class="poll-bars-total muted" data-testid="poll-answered">
          {t("common.poll.answers", { count: props.answered })}
        </p>
      ) : null}
    </div>
  );
}
