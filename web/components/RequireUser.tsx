import type { ComponentChildren } from "preact";
import { useEffect, useState } from "preact/hooks";
import type { SessionUser } from "../../protocol/api.ts";
import { t } from "../i18n/common.ts";
import { errorMessage } from "../lib/api.ts";
import { redirectToSignIn } from "../lib/nav.ts";
import { getMe } from "../lib/session.ts";
import { AppHeader } from "./AppHeader.tsx";
import { Notice, PageMessage } from "./Notice.tsx";

/**
 * Loads the session for a staff area. Anonymous visitors go to sign-in (and come
 * back); signed-in users without one of `roles` get a clear "not for you" page.
 */
export function RequireUser(props: {
  roles: SessionUser["role"][];
  deniedTitle: string;
  deniedText: string;
  children: (user: SessionUser) => ComponentChildren;
}) {
  const [state, setState] = useState<
    { kind: "loading" } | { kind: "user"; user: SessionUser } | { kind: "error"; message: string }
  >({ kind: "loading" });
  useEffect(() => {
    getMe().then(
      (user) => {
        if (user) setState({ kind: "user", user });
        else redirectToSignIn();
      },
      (err) => setState({ kind: "error", message: errorMessage(err) }),
    );
  }, []);
  if (state.kind === "loading") {
    return (
      <>
        <AppHeader />
        <PageMessage title={t("common.loading")} />
      </>
    );
  }
  if (state.kind === "error") {
    return (
      <>
        <AppHeader />
        <PageMessage title={t("common.sessionFailed")}>
          <Notice>{state.message}</Notice>
        </PageMessage>
      </>
    );
  }
  if (!props.roles.includes(state.user.role)) {
    return (
      <>
        <AppHeader user={state.user} />
        <PageMessage title={props.deniedTitle} testId="access-denied">
          <p>{props.deniedText}</p>
          <p>
            <a href="/">{t("common.goToAccount")}</a>
          </p>
        </PageMessage>
      </>
    );
  }
  return <>{props.children(state.user)}</>;
}
