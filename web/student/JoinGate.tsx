import { useState } from "preact/hooks";
import type { ClassPublic, SessionUser } from "../../protocol/api.ts";
import { AppHeader } from "../components/AppHeader.tsx";
import { Field } from "../components/Field.tsx";
import { Turnstile } from "../components/Turnstile.tsx";
import { locale } from "../i18n/core.ts";
import { t } from "../i18n/student.ts";
import { call, client, errorMessage, isApiError } from "../lib/api.ts";
import { signInHref } from "../lib/nav.ts";
import { ClassInfo } from "./ClassInfo.tsx";

/** Shown to someone not yet admitted: sign in, or (if the class allows it) join as a guest. */
export function JoinGate(props: { cls: ClassPublic; onJoined: (user: SessionUser) => void }) {
  const { cls } = props;
  const next = `/c/${cls.id}`;
  return (
    <>
      <AppHeader />
      <main id="main" class="narrow gate" data-testid="join-gate">
        <ClassInfo cls={cls} />
        <div class="card">
          <h2>{t("student.join.title")}</h2>
          <p>{t("student.join.text")}</p>
          <div class="actions">
            <a class="btn btn-primary" href={signInHref(next)} data-testid="gate-sign-in">
              {t("student.join.signIn")}
            </a>
            <a class="btn btn-secondary" href={`/signup?next=${encodeURIComponent(next)}`}>
              {t("student.join.signUp")}
            </a>
          </div>
        </div>
        {cls.guestAccess ? <GuestJoinForm classId={cls.id} onJoined={props.onJoined} /> : null}
      </main>
    </>
  );
}

function GuestJoinForm(props: { classId: string; onJoined: (user: SessionUser) => void }) {
  const [name, setName] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  // Turnstile: undefined = not required, null = waiting for the widget, else the token.
  const [captcha, setCaptcha] = useState<string | null | undefined>(null);
  const [resetKey, setResetKey] = useState(0);
  const submit = async (e: Event) => {
    e.preventDefault();
    if (!name.trim()) {
      setError(t("student.guest.nameMissing"));
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const res = await call(
        client.auth.guest[":classId"].$post({
          param: { classId: props.classId },
          json: { displayName: name, ...(captcha ? { turnstileToken: captcha } : {}) },
        }),
      );
      props.onJoined(res.user);
    } catch (err) {
      setBusy(false);
      setResetKey((k) => k + 1);
      setError(
        isApiError(err, "validation_failed") && locale() === "en"
          ? err.message.replace(/^displayName: /, "")
          : errorMessage(err),
      );
    }
  };
  return (
    <form
      class="card form"
      onSubmit={submit}
      noValidate
      data-testid="guest-join-form"
      aria-busy={busy}
    >
      <h2>{t("student.guest.title")}</h2>
      <p class="muted">{t("student.guest.text")}</p>
      <Field id="guest-name" label={t("student.guest.name")} error={error}>
        {(a11y) => (
          <input
            {...a11y}
            name="displayName"
            type="text"
            autocomplete="name"
            maxLength={60}
            required
            value={name}
            onInput={(e) => setName(e.currentTarget.value)}
          />
        )}
      </Field>
      <Turnstile onToken={setCaptcha} resetKey={resetKey} />
      <button
        type="submit"
        class="btn btn-primary"
        disabled={busy || captcha === null}
        data-testid="guest-join-submit"
      >
        {busy ? t("student.guest.joining") : t("student.guest.join")}
      </button>
    </form>
  );
}
