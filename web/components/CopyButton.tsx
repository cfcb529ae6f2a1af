import { useEffect, useState } from "preact/hooks";
import { t } from "../i18n/common.ts";

/** Copies `text` to the clipboard and says so for a moment. */
export function CopyButton(props: {
  text: string;
  label?: string;
  testId?: string;
  /** Names the button for screen readers when its visible label is short ("Copy id"). */
  ariaLabel?: string;
  class?: string;
}) {
  const [state, setState] = useState<"idle" | "copied" | "failed">("idle");
  useEffect(() => {
    if (state === "idle") return;
    const timer = setTimeout(() => setState("idle"), 2000);
    return () => clearTimeout(timer);
  }, [state]);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(props.text);
      setState("copied");
    } catch {
      // Clipboard access needs a secure context and permission; say so rather than fail silently.
      setState("failed");
    }
  };
  return (
    <button
      type="button"
      class={props.class ?? "btn btn-secondary btn-small"}
      data-testid={props.testId ?? "copy-join-link"}
      aria-label={state === "idle" ? props.ariaLabel : undefined}
      onClick={copy}
      aria-live="polite"
    >
      {state === "copied"
        ? t("common.copy.done")
        : state === "failed"
          ? t("common.copy.failed")
          : (props.label ?? t("common.copy.link"))}
    </button>
  );
}

/** A join link shown as selectable text with a Copy button beside it. */
export function JoinLink(props: { url: string }) {
  return (
    <div class="join-link">
      <a class="join-link-url" href={props.url} data-testid="join-link">
        {props.url}
      </a>
      <CopyButton text={props.url} />
    </div>
  );
}
