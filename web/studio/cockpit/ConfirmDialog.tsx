import type { ComponentChildren } from "preact";
import { useEffect, useRef } from "preact/hooks";
import { t } from "../../i18n/studio.ts";

/**
 * A modal confirmation on a native `<dialog>` (focus trapped and restored by the browser,
 * Escape cancels). Focus starts on Cancel, so Enter never confirms by accident.
 */
export function ConfirmDialog(props: {
  open: boolean;
  title: string;
  children: ComponentChildren;
  confirmLabel: string;
  onConfirm: () => void;
  onCancel: () => void;
  testId?: string;
  confirmTestId?: string;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const cancel = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (props.open && !d.open) {
      d.showModal();
      cancel.current?.focus();
    } else if (!props.open && d.open) d.close();
  }, [props.open]);
  const id = `${props.testId ?? "confirm"}-title`;
  return (
    <dialog
      ref={ref}
      class="confirm-dialog"
      aria-labelledby={id}
      data-testid={props.testId}
      onCancel={(e) => {
        e.preventDefault();
        props.onCancel();
      }}
    >
      <h2 id={id}>{props.title}</h2>
      <div class="confirm-dialog-body">{props.children}</div>
      <div class="actions">
        <button ref={cancel} type="button" class="btn btn-secondary" onClick={props.onCancel}>
          {t("common.cancel")}
        </button>
        <button
          type="button"
          class="btn btn-danger"
          data-testid={props.confirmTestId}
          onClick={props.onConfirm}
        >
          {props.confirmLabel}
        </button>
      </div>
    </dialog>
  );
}
