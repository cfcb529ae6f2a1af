import { useEffect, useState } from "preact/hooks";
import { errorMessage, isApiError } from "../lib/api.ts";
import { disablePush, enablePush, PushDeniedError, pushEnabled, pushSupport } from "../lib/push.ts";

type View = "checking" | "off" | "on" | "busy" | "denied" | "unsupported" | "unavailable";

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
      setError(
        isApiError(err) ? errorMessage(err) : "This browser could not subscribe. Try again later.",
      );
      setView(was === "on" ? "on" : "off");
    }
  };

  if (view === "unsupported" || view === "unavailable")
    return (
      <p class="notify-note" data-testid="notify-unsupported">
        {view === "unsupported"
          ? "This browser can't show class notifications."
          : "Class notifications are not available on this server."}
      </p>
    );
  if (view === "denied")
    return (
      <p class="notify-note" data-testid="notify-denied">
        Notifications are blocked for this site. Allow them in your browser's site settings to be
        told when this class goes live.
      </p>
    );
  const on = view === "on";
  return (
    <div class="notify-toggle">
      <button
        type="button"
        class={on ? "btn btn-secondary" : "btn btn-quiet"}
        aria-pressed={on}
        disabled={view === "busy" || view === "checking"}
        onClick={toggle}
        data-testid="notify-toggle"
      >
        {on ? "🔔 You'll be notified — turn off" : "🔕 Notify me when this class goes live"}
      </button>
      {error ? (
        <p class="notify-note" role="alert">
          {error}
        </p>
      ) : null}
    </div>
  );
}
