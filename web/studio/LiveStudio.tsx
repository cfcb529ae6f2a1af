import { useEffect, useMemo, useState } from "preact/hooks";
import type { ClassDetail, ClassPublic } from "../../protocol/api.ts";
import { Notice, PageMessage } from "../components/Notice.tsx";
import { isolate } from "../components/UserText.tsx";
import { t } from "../i18n/studio.ts";
import { call, client, errorMessage, isApiError } from "../lib/api.ts";
import { redirectToSignIn } from "../lib/nav.ts";
import { Cockpit } from "./cockpit/Cockpit.tsx";
import type { StreamHealth } from "./media/MediaPanel.tsx";

type State =
  | { kind: "loading" }
  | { kind: "missing" }
  | { kind: "denied" }
  | { kind: "error"; message: string }
  | { kind: "ready"; cls: ClassDetail }
  /** A per-class moderator: chat and moderation only. */
  | { kind: "moderate"; cls: ClassPublic };

/** How often the studio asks for the media bridge's view of the stream. */
const HEALTH_POLL_MS = 2000;

/** Poll the bridge's health report for a class; returns a stop function. */
function pollStreamHealth(classId: string, listener: (health: StreamHealth) => void): () => void {
  let stopped = false;
  const tick = async () => {
    try {
      const { health } = await call(
        client.classes[":id"]["stream-health"].$get({ param: { id: classId } }),
      );
      if (health && !stopped) listener(health);
    } catch {
      // transient: the next poll tries again
    }
  };
  void tick();
  const timer = setInterval(tick, HEALTH_POLL_MS);
  return () => {
    stopped = true;
    clearInterval(timer);
  };
}

/** `/studio/:classId`: the live studio for one class, as one screen (cockpit/Cockpit.tsx). */
export function LiveStudio(props: { classId: string }) {
  const [state, setState] = useState<State>({ kind: "loading" });
  // Stable per class, so the media panel subscribes once rather than on every render.
  const onBridgeHealth = useMemo(
    () => (listener: (health: StreamHealth) => void) => pollStreamHealth(props.classId, listener),
    [props.classId],
  );
  useEffect(() => {
    setState({ kind: "loading" });
    call(client.classes[":id"].$get({ param: { id: props.classId } })).then(
      (res) => {
        document.title = t("studio.studio.docTitle", { title: isolate(res.class.title) });
        setState(
          res.manage
            ? { kind: "ready", cls: res.class as ClassDetail }
            : res.moderate
              ? { kind: "moderate", cls: res.class }
              : { kind: "denied" },
        );
      },
      (err) => {
        if (isApiError(err, "unauthenticated")) redirectToSignIn();
        else if (isApiError(err, "not_found")) setState({ kind: "missing" });
        else setState({ kind: "error", message: errorMessage(err) });
      },
    );
  }, [props.classId]);

  switch (state.kind) {
    case "loading":
      return <PageMessage title={t("studio.studio.loadingClass")} />;
    case "missing":
      return (
        <PageMessage title={t("studio.studio.noSuchClass")}>
          <p>
            <a href="/studio">{t("studio.studio.backToClasses")}</a>
          </p>
        </PageMessage>
      );
    case "denied":
      return (
        <PageMessage title={t("studio.studio.notYourClass")} testId="access-denied">
          <p>{t("studio.studio.onlyTeacherMods")}</p>
        </PageMessage>
      );
    case "error":
      return (
        <PageMessage title={t("studio.studio.loadFailed")}>
          <Notice>{state.message}</Notice>
        </PageMessage>
      );
    case "moderate":
      return <Cockpit cls={state.cls} detail={null} />;
    case "ready":
      return <Cockpit cls={state.cls} detail={state.cls} onBridgeHealth={onBridgeHealth} />;
  }
}
