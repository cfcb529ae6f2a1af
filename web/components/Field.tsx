import type { ComponentChildren } from "preact";

/**
 * A labelled form control with an optional hint and inline error. The error and hint
 * are tied to the control with aria-describedby so screen readers read them.
 */
export function Field(props: {
  id: string;
  label: string;
  hint?: ComponentChildren;
  error?: string | null | undefined;
  children: (a11y: {
    id: string;
    "aria-describedby"?: string;
    "aria-invalid"?: boolean;
  }) => ComponentChildren;
}) {
  const hintId = props.hint ? `${props.id}-hint` : null;
  const errorId = props.error ? `${props.id}-error` : null;
  const describedBy = [errorId, hintId].filter(Boolean).join(" ");
  return (
    <div class={props.error ? "field field-invalid" : "field"}>
      <label for={props.id}>{props.label}</label>
      {props.children({
        id: props.id,
        ...(describedBy ? { "aria-describedby": describedBy } : {}),
        ...(props.error ? { "aria-invalid": true } : {}),
      })}
      {props.hint ? (
        <p class="field-hint" id={hintId!}>
          {props.hint}
        </p>
      ) : null}
      {props.error ? (
        <p class="field-error" id={errorId!} data-testid={`error-${props.id}`}>
          {props.error}
        </p>
      ) : null}
    </div>
  );
}

/**
 * Splits the Worker's validation issues ("email: Enter a valid email address.")
 * into per-field messages; issues without a known field go to `form`.
 */
export function issuesByField(
  issues: string[] | undefined,
  message: string,
  fields: string[],
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const issue of issues?.length ? issues : [message]) {
    const m = /^([A-Za-z]+): (.*)$/.exec(issue);
    const key = m && fields.includes(m[1]!) ? m[1]! : "form";
    out[key] ??= m && key !== "form" ? m[2]! : issue;
  }
  return out;
}
