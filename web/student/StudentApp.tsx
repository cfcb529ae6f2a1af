import { useEffect, useState } from "preact/hooks";
import type { ClassPublic, SessionUser } from "../../protocol/api.ts";
import { AppHeader } from "../components/AppHeader.tsx";
import { Notice, PageMessage } from "../components/Notice.tsx";
import { isolate } from "../components/UserText.tsx";
import { t } from "../i18n/student.ts";
import { call, client, errorMessage, isApiError } from "../lib/api.ts";
import { getMe } from "../lib/session.ts";
import { ClassPage } from "./ClassPage.tsx";
import { JoinGate } from "./JoinGate.tsx";
import type { ReplayPage } from "./replay/ReplayPage.tsx";

type State =
  | { kind: "loading" }
  | { kind: "missing" }
  | { kind: "error"; message: string }
  | { kind: "ready"; cls: ClassPublic; manage: boolean; user: SessionUser | null };

/** Whether `user` may sit in class `classId`: any account, or a guest admitted to this class. */
export function admitted(user: SessionUser | null, classId: string): user is SessionUser {
  return !!user && (user.role !== "guest" || user.classId === classId);
}

/** Loads the class and the session, then shows the join gate or the class. */
export function StudentApp(props: { classId: string; replay?: boolean }) {
  const { classId } = props;
  const [state, setState] = useState<State>({ kind: "loading" });
  useEffect(() => {
    if (!classId) {
      setState({ kind: "missing" });
      return;
    }
    Promise.all([call(client.classes[":id"].$get({ param: { id: classId } })), getMe()]).then(
      ([res, user]) => {
        document.title = t("common.titleSuffix", { title: isolate(res.class.title) });
        setState({ kind: "ready", cls: res.class, manage: res.manage, user });
      },
      (err) =>
        setState(
          isApiError(err, "not_found")
            ? { kind: "missing" }
            : { kind: "error", message: errorMessage(err) },
        ),
    );
  }, [classId]);

  switch (state.kind) {
    case "loading":
      return (
        <>
          <AppHeader />
          <PageMessage title={t("student.loading")} />
        </>
      );
    case "missing":
      return (
        <>
          <AppHeader />
          <PageMessage title={t("student.missing.title")} testId="class-not-found">
            <p>{t("student.missing.text")}</p>
          </PageMessage>
        </>
      );
    case "error":
      return (
        <>
          <AppHeader />
          <PageMessage title={t("student.loadFailed")}>
            <Notice>{state.message}</Notice>
          </PageMessage>
        </>
      );
    case "ready":
      return admitted(state.user, classId) ? (
        props.replay ? (
          <LazyReplay cls={state.cls} user={state.user} />
        ) : (
          <ClassPage cls={state.cls} user={state.user} manage={state.manage} />
        )
      ) : (
        <JoinGate cls={state.cls} onJoined={(user) => setState({ ...state, user })} />
      );
  }
}

/** The replay page, loaded on demand: its code stays out of the live class page's bundle. */
function LazyReplay(props: { cls: ClassPublic; user: SessionUser }) {
  const [Page, setPage] = useState<{ C: typeof ReplayPage } | { error: string } | null>(null);
  useEffect(() => {
    import("./replay/ReplayPage.tsx").then(
      (m) => setPage({ C: m.ReplayPage }),
      () => setPage({ error: t("student.replay.loadFailed") }),
    );
  }, []);
  if (Page && "C" in Page) return <Page.C cls={props.cls} user={props.user} />;
  return (
    <>
      <AppHeader user={props.user} />
      {Page ? (
        <PageMessage title={t("student.replay.openFailed")}>
          <Notice>{Page.error}</Notice>
        </PageMessage>
      ) : (
        <PageMessage title={t("student.replay.loading")} />
      )}
    </>
  );
}
