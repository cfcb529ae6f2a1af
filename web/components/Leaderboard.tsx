import { UserText } from "./UserText.tsx";
/**
 * A quiz leaderboard: rank, name, score. `you` highlights the viewer's own row. Names are
 * user text, rendered as text. Used in the studio and on the student page.
 */
export function Leaderboard(props: {
  top: { userId: string; name: string; score: number; correct: number }[];
  you?: string | null;
}) {
  return (
    <ol class="ix-leaders">
      {props.top.map((e, i) => (
        <li key={e.userId} class={e.userId === props.you ? "is-you" : ""} data-testid="leader-row">
          <span class="ix-leader-rank">{i + 1}</span>
          <span class="ix-leader-name">
            <UserText text={e.name} clip />
          </span>
          <span class="ix-leader-score">{e.score}</span>
        </li>
      ))}
    </ol>
  );
}
