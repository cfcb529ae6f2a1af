import { useEffect, useState } from "preact/hooks";
import { t } from "../i18n/student.ts";
import { errorMessage, isApiError } from "../lib/api.ts";
import { disablePush, enablePush, PushDeniedError, pushEnabled, pushSupport } from "../lib/push.ts";

type View =
  | "checking"
  | "off"
  | "on"
  | "busy"
  | "denied"
  | "unsupported"
  | "unavailable"
  | "ios-install";

/**
 * "Notify me when this class goes live": a Web Push opt-in for one class. It asks for
 * notification permission only when clicked, shows whether this browser is on, and
 * explains blocked permission or a browser without push instead of failing silently.
 */
export function NotifyToggle(props: { classId: string }) {
  const { classId } = props;
  const [view, setView] = useState<View>(() => {
    const support = pushSupport();
    return support === "ready" ? "checking" : support;
  });
  const [error, setError] = useState("");

  useEffect(() => {
    if (view !== "checking") return;
    let live = true;
    pushEnabled(classId).then(
      (on) => live && setView(on ? "on" : "off"),
      () => live && setView("off"),
    );
    return () => {
      live = false;
    };
  }, [classId, view]);

  const toggle = async () => {
    const was = view;
    setView("busy");
    setError("");
    try {
      if (was === "on") await disablePush(classId);
      else await enablePush(classId);
      setView(was === "on" ? "off" : "on");
    } catch (err) {
      if (err instanceof PushDeniedError)
        return setView(pushSupport() === "denied" ? "denied" : "off");
      if (isApiError(err, "push_unavailable")) return setView("unavailable");
      setError(isApiError(err) ? errorMessage(err) : t("student.notify.subscribeFailed"));
      setView(was === "on" ? "on" : "off");
    }
  };

  if (view === "ios-install")
    return (
      <p class="notify-note" data-testid="notify-ios-install">
        {t("student.notify.ios")}
      </p>
    );
  if (view === "unsupported" || view === "unavailable")
    return (
      <p class="notify-note" data-testid="notify-unsupported">
        {view === "unsupported"
          ? t("student.notify.unsupported")
          : t("common.error.push_unavailable")}
      </p>
    );
  if (view === "denied")
    return (
      <p class="notify-note" data-testid="notify-denied">
        {t("student.notify.denied")}
      </p>
    );
  const on = view === "on";
  return (
    <div class="notify-toggle">
      <button
        type="button"
        class="btn btn-secondary notify-button"
        aria-pressed={on}
        disabled={view === "busy" || view === "checking"}
        onClick={toggle}
        data-testid="notify-toggle"
      >
        <BellIcon on={on} />
        {t("student.notify.toggle")}
      </button>
      {on ? (
        <span class="notify-note" data-testid="notify-on">
          {t("student.notify.on")}
        </span>
      ) : null}
      {error ? (
        <p class="notify-note" role="alert">
          {error}
        </p>
      ) : null}
    </div>
  );
}

/** A bell, filled when on (inline, so it shows without an emoji font). */
function BellIcon(props: { on: boolean }) {
  return (
    <svg
      viewBox="0 0 24 24"
      width="18"
      height="18"
      aria-hidden="true"
      fill={props.on ? "currentColor" : "none"}
      stroke="currentColor"
      stroke-width="2"
      stroke-linecap="round"
      stroke-linejoin="round"
    >
      <path d="M6 8a6 6 0 0 1 12 0c0 7 3 9 3 9H3s3-2 3-9" />
      <path d="M10.3 21a1.94 1.94 0 0 0 3.4 0" />
    </svg>
  );
}
