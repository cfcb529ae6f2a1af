import { useState } from "preact/hooks";
import { AppHeader } from "../components/AppHeader.tsx";
import { Field, issuesByField } from "../components/Field.tsx";
import { Notice } from "../components/Notice.tsx";
import { Turnstile } from "../components/Turnstile.tsx";
import { locale } from "../i18n/core.ts";
import { t } from "../i18n/start.ts";
import { call, client, errorMessage, isApiError } from "../lib/api.ts";
import { safeNext } from "../lib/nav.ts";
import { homeFor } from "../lib/session.ts";

type Errors = Partial<Record<"email" | "password" | "displayName" | "form", string>>;

/** Sign in or sign up; afterwards go to `?next=` (same-site only) or the user's home. */
export function AuthForm(props: { mode: "signin" | "signup" }) {
  const signup = props.mode === "signup";
  const params = new URLSearchParams(location.search);
  const next = safeNext(params.get("next"));
  // An admin's teacher invite link (`/signup?invite=…`).
  const invite = signup ? params.get("invite") : null;
  const keepNext = next ? `?next=${encodeURIComponent(next)}` : "";
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [displayName, setDisplayName] = useState("");
  const [errors, setErrors] = useState<Errors>({});
  const [busy, setBusy] = useState(false);
  // Turnstile (sign-up only): undefined = not required, null = waiting, else the token.
  const [captcha, setCaptcha] = useState<string | null | undefined>(signup ? null : undefined);
  const [resetKey, setResetKey] = useState(0);

  const submit = async (e: Event) => {
    e.preventDefault();
    const local: Errors = {};
    if (!email.trim()) local.email = t("start.auth.enterEmail");
    if (!password) local.password = t("start.auth.enterPassword");
    if (signup && !displayName.trim()) local.displayName = t("start.auth.enterName");
    setErrors(local);
    if (Object.keys(local).length > 0) return;
    setBusy(true);
    try {
      const res = signup
        ? await call(
            client.auth.signup.$post({
              json: {
                email,
                password,
                displayName,
                ...(captcha ? { turnstileToken: captcha } : {}),
                ...(invite ? { invite } : {}),
              },
            }),
          )
        : await call(client.auth.signin.$post({ json: { email, password } }));
      location.assign(next ?? homeFor(res.user));
    } catch (err) {
      setBusy(false);
      if (signup) setResetKey((k) => k + 1);
      if (isApiError(err, "email_taken")) {
        setErrors({ email: errorMessage(err) });
      } else if (isApiError(err, "weak_password")) {
        setErrors({ password: errorMessage(err) });
      } else if (isApiError(err, "validation_failed")) {
        const byField = issuesByField(err.issues, err.message, [
          "email",
          "password",
          "displayName",
        ]);
        // The Worker's issue texts are English: other languages get the field's own message.
        if (locale() !== "en")
          for (const f of ["email", "password", "displayName"] as const)
            if (byField[f]) byField[f] = t(`start.auth.invalid.${f}`);
        if (locale() !== "en" && byField.form) byField.form = errorMessage(err);
        setErrors(byField);
      } else {
        // invalid_credentials, account_disabled, rate_limited, network…: one message for the form.
        setErrors({ form: errorMessage(err) });
      }
    }
  };

  return (
    <>
      <AppHeader />
      <main id="main" class="narrow auth">
        <h1>{signup ? t("start.auth.createTitle") : t("start.signIn")}</h1>
        <form
          class="card form"
          onSubmit={submit}
          noValidate
          data-testid={signup ? "signup-form" : "signin-form"}
          aria-busy={busy}
        >
          {errors.form ? <Notice testId="form-error">{errors.form}</Notice> : null}
          {signup ? (
            <Field
              id="displayName"
              label={t("start.auth.displayName")}
              hint={t("start.auth.displayNameHint")}
              error={errors.displayName}
            >
              {(a11y) => (
                <input
                  {...a11y}
                  name="displayName"
                  type="text"
                  autocomplete="name"
                  maxLength={60}
                  required
                  value={displayName}
                  onInput={(e) => setDisplayName(e.currentTarget.value)}
                />
              )}
            </Field>
          ) : null}
          <Field id="email" label={t("start.auth.email")} error={errors.email}>
            {(a11y) => (
              <input
                {...a11y}
                name="email"
                type="email"
                dir="ltr"
                autocomplete="email"
                required
                value={email}
                onInput={(e) => setEmail(e.currentTarget.value)}
              />
            )}
          </Field>
          <Field
            id="password"
            label={t("start.auth.password")}
            hint={signup ? t("start.auth.passwordHint") : undefined}
            error={errors.password}
          >
            {(a11y) => (
              <input
                {...a11y}
                name="password"
                type="password"
                dir="ltr"
                autocomplete={signup ? "new-password" : "current-password"}
                required
                value={password}
                onInput={(e) => setPassword(e.currentTarget.value)}
              />
            )}
          </Field>
          {signup ? <Turnstile onToken={setCaptcha} resetKey={resetKey} /> : null}
          {signup ? (
            <p class="muted" data-testid="signup-role-note">
              {invite ? t("start.auth.invited") : t("start.auth.roleNote")}
            </p>
          ) : null}
          <button
            type="submit"
            class="btn btn-primary btn-block"
            disabled={busy || captcha === null}
            data-testid="auth-submit"
          >
            {busy ? t("start.auth.wait") : signup ? t("start.auth.create") : t("start.signIn")}
          </button>
        </form>
        <p class="switch">
          {signup ? t("start.auth.haveAccount") : t("start.auth.new")}{" "}
          <a href={`${signup ? "/signin" : "/signup"}${keepNext}`}>
            {signup ? t("start.signIn") : t("start.signUp")}
          </a>
        </p>
      </main>
    </>
  );
}
