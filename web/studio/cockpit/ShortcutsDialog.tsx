import { useEffect, useRef, useState } from "preact/hooks";
import { t } from "../../i18n/studio.ts";
import { SHORTCUTS } from "./shortcuts.ts";

const KEY = "massclass.cockpit.singleKeys";

/** Whether the character-key shortcuts (P, H, M, ?) are on; kept per browser. On by default. */
export function useSingleKeys(): [boolean, (on: boolean) => void] {
  const [on, setOn] = useState(() => {
    try {
      return localStorage.getItem(KEY) !== "off";
    } catch {
      return true;
    }
  });
  const set = (v: boolean) => {
    setOn(v);
    try {
      localStorage.setItem(KEY, v ? "on" : "off");
    } catch {
      // kept for this page only
    }
  };
  return [on, set];
}

/**
 * The cockpit's keyboard shortcuts, listed from {@link SHORTCUTS}, with the switch that
 * turns the single-character ones off (for speech input and screen reader users).
 */
export function ShortcutsDialog(props: {
  open: boolean;
  onClose: () => void;
  singleKeys: boolean;
  onSingleKeys: (on: boolean) => void;
  /** Moderators get calling on hands only; the rest is the teacher's. */
  manage: boolean;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (props.open && !d.open) d.showModal();
    else if (!props.open && d.open) d.close();
  }, [props.open]);
  const rows = SHORTCUTS.filter(
    (s) => props.manage || s.action === "hand.next" || s.action === "help",
  );
  return (
    <dialog
      ref={ref}
      class="confirm-dialog shortcuts-dialog"
      aria-labelledby="shortcuts-title"
      data-testid="shortcuts-dialog"
      onClose={props.onClose}
    >
      <h2 id="shortcuts-title">{t("studio.cockpit.shortcuts")}</h2>
      <p class="muted">{t("studio.shortcuts.where")}</p>
      <table class="shortcuts-table" data-testid="shortcuts-list">
        <thead>
          <tr>
            <th scope="col">{t("studio.shortcuts.keys")}</th>
            <th scope="col">{t("studio.shortcuts.action")}</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((s) => (
            <tr key={s.action} class={s.singleKey && !props.singleKeys ? "is-off" : ""}>
              <td>
                {s.keys.map((k, i) => (
                  <span key={k}>
                    {i > 0 ? ` ${t("studio.shortcuts.or")} ` : ""}
                    <kbd>{k}</kbd>
                  </span>
                ))}
              </td>
              <td>{t(s.label)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <label class="check">
        <input
          type="checkbox"
          checked={props.singleKeys}
          data-testid="single-keys"
          onChange={(e) => props.onSingleKeys(e.currentTarget.checked)}
        />
        <span>
          {t("studio.shortcuts.single")}
          <small>{t("studio.shortcuts.singleHint")}</small>
        </span>
      </label>
      <div class="actions">
        <button type="button" class="btn btn-primary" onClick={props.onClose} autofocus>
          {t("studio.close")}
        </button>
      </div>
    </dialog>
  );
}
