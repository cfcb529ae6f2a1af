/**
 * Text a user wrote (a name, a message, a question, a poll option), rendered so it cannot
 * change the page around it: `<bdi dir="auto">` isolates its direction (a U+202E in a name
 * does not flip "(guest)" or a badge next to it), long words wrap instead of overflowing,
 * and `clip` keeps it on one line with an ellipsis and the full text in `title`.
 */
export function UserText(props: {
  text: string;
  /** One line, cut with an ellipsis; the full text in the tooltip. */
  clip?: boolean;
  class?: string;
}) {
  const cls = ["user-text", props.clip ? "user-text-clip" : "", props.class ?? ""]
    .filter(Boolean)
    .join(" ");
  return (
    <bdi class={cls} dir="auto" title={props.clip ? props.text : undefined}>
      {props.text}
    </bdi>
  );
}

/**
 * User text inside a plain string (document titles, aria-labels, notes built as text):
 * wrapped in FIRST STRONG ISOLATE … POP DIRECTIONAL ISOLATE, the string form of `<bdi>`.
 */
export function isolate(text: string): string {
  return `\u2068${text}\u2069`;
}
