import { useEffect, useState } from "preact/hooks";
import type { ClassDetail } from "../../protocol/api.ts";
import { JoinLink } from "../components/CopyButton.tsx";
import { Notice, PageMessage } from "../components/Notice.tsx";
import { isolate, UserText } from "../components/UserText.tsx";
import { t } from "../i18n/studio.ts";
import { call, client, errorMessage, isApiError } from "../lib/api.ts";
import { useClassroom } from "../lib/classroom-hooks.ts";
import { redirectToSignIn } from "../lib/nav.ts";
import { onLinkClick } from "../lib/router.ts";
import { ChatSettings, Moderators } from "./ChatModeration.tsx";
import { ClassForm } from "./ClassForm.tsx";

type State =
  | { kind: "loading" }
  | { kind: "denied" }
  | { kind: "error"; message: string }
  | { kind: "ready"; cls: ClassDetail };

/**
 * `/studio/:classId/setup`: everything about a class that is set before (or between)
 * live moments — title, description, schedule, guests, YouTube and stream key, the chat
 * rules and the moderators — kept out of the live cockpit. The teacher and admins only.
 */
export function ClassSetup(props: { classId: string }) {
  const [state, setState] = useState<State>({ kind: "loading" });
  const [flash, setFlash] = useState<string | null>(null);
  useEffect(() => {
    call(client.classes[":id"].$get({ param: { id: props.classId } })).then(
      (res) => {
        document.title = t("studio.setup.docTitle", { title: isolate(res.class.title) });
        setState(res.manage ? { kind: "ready", cls: res.class } : { kind: "denied" });
      },
      (err) => {
        if (isApiError(err, "unauthenticated")) redirectToSignIn();
        else setState({ kind: "error", message: errorMessage(err) });
      },
    );
  }, [props.classId]);
  switch (state.kind) {
    case "loading":
      return <PageMessage title={t("studio.studio.loadingClass")} />;
    case "denied":
      return (
        <PageMessage title={t("studio.studio.notYourClass")} testId="access-denied">
          <p>{t("studio.setup.onlyTeacher")}</p>
        </PageMessage>
      );
    case "error":
      return (
        <PageMessage title={t("studio.studio.loadFailed")}>
          <Notice>{state.message}</Notice>
        </PageMessage>
      );
  }
  const { cls } = state;
  const studio = `/studio/${cls.id}`;
  return (
    <main id="main" class="wide class-setup" data-testid="class-setup">
      <div class="page-head">
        <h1>
          {t("studio.setup.heading")} <UserText text={cls.title} />
        </h1>
        <a class="btn btn-primary" href={studio} onClick={onLinkClick} data-testid="back-to-studio">
          {t("studio.setup.openStudio")}
        </a>
      </div>
      <JoinLink url={cls.joinUrl} />
      {flash ? (
        <Notice kind="success" testId="flash">
          {flash}
        </Notice>
      ) : null}
      <ClassForm
        initial={cls}
        onSaved={(c) => {
          setState({ kind: "ready", cls: c });
          setFlash(t("studio.setup.saved", { title: isolate(c.title) }));
        }}
      />
      <SetupRules classId={cls.id} />
      <div class="card">
        <Moderators classId={cls.id} />
      </div>
    </main>
  );
}

/** The chat rules go to the class over a classroom connection of this page's own. */
function SetupRules(props: { classId: string }) {
  const room = useClassroom(props.classId);
  return (
    <div class="card" data-conn={room.state.conn}>
      {room.state.conn === "connected" ? (
        <ChatSettings state={room.state} send={(m) => room.socket.send(m)} />
      ) : (
        <p class="muted">{t("studio.setup.connecting")}</p>
      )}
    </div>
  );
}
