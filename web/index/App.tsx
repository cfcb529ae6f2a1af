import { useEffect, useState } from "preact/hooks";
import type { SessionUser } from "../../protocol/api.ts";
import { AppHeader } from "../components/AppHeader.tsx";
import { Notice, PageMessage } from "../components/Notice.tsx";
import { t } from "../i18n/start.ts";
import { errorMessage } from "../lib/api.ts";
import { getMe } from "../lib/session.ts";
import { Account } from "./Account.tsx";
import { AuthForm } from "./AuthForm.tsx";
import { Landing } from "./Landing.tsx";

/** Picks the page from the path; the Worker serves this entry for `/`, `/signin` and `/signup`. */
export function App() {
  const path = location.pathname.replace(/\/$/, "") || "/";
  if (path === "/signin") return <AuthForm mode="signin" />;
  if (path === "/signup") return <AuthForm mode="signup" />;
  return <Home />;
}

function Home() {
  const [state, setState] = useState<
    | { kind: "loading" }
    | { kind: "anonymous" }
    | { kind: "user"; user: SessionUser }
    | { kind: "error"; message: string }
  >({ kind: "loading" });
  useEffect(() => {
    getMe().then(
      (user) => setState(user ? { kind: "user", user } : { kind: "anonymous" }),
      (err) => setState({ kind: "error", message: errorMessage(err) }),
    );
  }, []);
  switch (state.kind) {
    case "loading":
      return (
        <>
          <AppHeader />
          <PageMessage title={t("common.loading")} />
        </>
      );
    case "anonymous":
      return <Landing />;
    case "user":
      return <Account user={state.user} />;
    case "error":
      return (
        <>
          <AppHeader />
          <PageMessage title={t("start.home.unreachable")}>
            <Notice>{state.message}</Notice>
          </PageMessage>
        </>
      );
  }
}
