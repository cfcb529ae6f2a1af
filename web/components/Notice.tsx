import type { ComponentChildren } from "preact";

/** An inline error or status message; errors are announced to screen readers. */
export function Notice(props: {
  kind?: "error" | "info" | "success";
  children: ComponentChildren;
  testId?: string;
}) {
  const kind = props.kind ?? "error";
  return (
    <div
      class={`notice notice-${kind}`}
      role={kind === "error" ? "alert" : "status"}
      data-testid={props.testId}
    >
      {props.children}
    </div>
  );
}

/** A centred full-page message: loading, not found, not allowed. */
export function PageMessage(props: {
  title: string;
  children?: ComponentChildren;
  testId?: string;
}) {
  return (
    <main id="main" class="page-message" data-testid={props.testId}>
      <h1>{props.title}</h1>
      {props.children}
    </main>
  );
}
