import { useState } from "preact/hooks";
import type { SessionUser } from "../../protocol/api.ts";
import { AppHeader } from "../components/AppHeader.tsx";
import { Field } from "../components/Field.tsx";
import { UserText } from "../components/UserText.tsx";
import { t } from "../i18n/start.ts";

/** "Your account": where a signed-in student lands without a class to go to. */
export function Account(props: { user: SessionUser }) {
  const { user } = props;
  const [link, setLink] = useState("");
  const [error, setError] = useState<string | null>(null);
  const open = (e: Event) => {
    e.preventDefault();
    const id = classIdFrom(link);
    if (!id) {
      setError(t("start.account.badLink"));
      return;
    }
    location.assign(`/c/${id}`);
  };
  const staff = user.role === "teacher" || user.role === "admin";
  return (
    <>
      <AppHeader user={user} />
      <main id="main" class="narrow" data-testid="account-page">
        <h1>{t("start.account.title")}</h1>
        <div class="card">
          <dl class="facts">
            <dt>{t("start.account.name")}</dt>
            <dd>
              <UserText text={user.displayName} />
            </dd>
            {user.email ? (
              <>
                <dt>{t("start.account.email")}</dt>
                <dd>{user.email}</dd>
              </>
            ) : null}
            <dt>{t("start.account.role")}</dt>
            <dd>{t(`common.role.${user.role}`)}</dd>
          </dl>
          {staff ? (
            <div class="actions">
              <a class="btn btn-primary" href="/studio">
                {t("start.account.studio")}
              </a>
              {user.role === "admin" ? (
                <a class="btn btn-secondary" href="/admin">
                  {t("start.account.admin")}
                </a>
              ) : null}
            </div>
          ) : null}
        </div>
        {staff ? null : (
          <form class="card" onSubmit={open} noValidate data-testid="open-class-form">
            <h2>{t("start.account.join")}</h2>
            <Field id="class-link" label={t("start.account.link")} error={error}>
              {(a11y) => (
                <input
                  {...a11y}
                  type="text"
                  autocomplete="off"
                  dir="ltr"
                  value={link}
                  onInput={(e) => setLink(e.currentTarget.value)}
                  placeholder={t("start.account.linkPlaceholder")}
                />
              )}
            </Field>
            <button type="submit" class="btn btn-primary">
              {t("start.account.open")}
            </button>
          </form>
        )}
      </main>
    </>
  );
}

/** The class id from a pasted join link or a bare code, or null. */
function classIdFrom(input: string): string | null {
  const s = input.trim();
  const m =
    /\/c\/([A-Za-z0-9_-]{1,32})\/?(?:[?#].*)?$/.exec(s) ?? /^([A-Za-z0-9_-]{1,32})$/.exec(s);
  return m ? m[1]! : null;
}
