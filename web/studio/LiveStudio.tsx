import { useEffect, useMemo, useState } from "preact/hooks";
import type { ClassDetail, ClassPublic } from "../../protocol/api.ts";
import { JoinLink } from "../components/CopyButton.tsx";
import { Notice, PageMessage } from "../components/Notice.tsx";
import { isolate, UserText } from "../components/UserText.tsx";
import { api, errorMessage, isApiError } from "../lib/api.ts";
import { useClassroom } from "../lib/classroom-hooks.ts";
import { formatStart } from "../lib/format.ts";
import { redirectToSignIn } from "../lib/nav.ts";
import { InteractiveStudio } from "./InteractiveStudio.tsx";
import { MediaPanel, type StreamHealth } from "./media/MediaPanel.tsx";
import { SlidesStudio } from "./SlidesStudio.tsx";
import { StudioChat } from "./StudioChat.tsx";
import { YouTubeStatus } from "./YouTubeStatus.tsx";

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
      const { health } = await api<{ health: StreamHealth | null }>(
        "GET",
        `/classes/${classId}/stream-health`,
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

/** `/studio/:classId`: the live studio for one class — media, going live, chat and moderation. */
export function LiveStudio(props: { classId: string }) {
  const [state, setState] = useState<State>({ kind: "loading" });
  // Stable per class, so the media panel subscribes once rather than on every render.
  const onBridgeHealth = useMemo(
    () => (listener: (health: StreamHealth) => void) => pollStreamHealth(props.classId, listener),
    [props.classId],
  );
  useEffect(() => {
    setState({ kind: "loading" });
    api<{ class: ClassDetail | ClassPublic; manage: boolean; moderate?: boolean }>(
      "GET",
      `/classes/${props.classId}`,
    ).then(
      (res) => {
        document.title = `${isolate(res.class.title)} · Studio · Mass Class`;
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
      return <PageMessage title="Loading class…" />;
    case "missing":
      return (
        <PageMessage title="No such class">
          <p>
            <a href="/studio">Back to my classes</a>
          </p>
        </PageMessage>
      );
    case "denied":
      return (
        <PageMessage title="Not your class" testId="access-denied">
          <p>Only this class's teacher and its moderators can open its studio.</p>
        </PageMessage>
      );
    case "error":
      return (
        <PageMessage title="Could not load the class">
          <Notice>{state.message}</Notice>
        </PageMessage>
      );
    case "moderate":
      return (
        <main id="main" class="wide live-studio" data-testid="live-studio">
          <header class="card studio-header">
            <h1 class="class-title">
              <UserText text={state.cls.title} />
            </h1>
            <p class="class-meta">
              You moderate this class for <UserText text={state.cls.teacherName} />.
            </p>
          </header>
          <StudioRoom cls={state.cls} manage={false} />
        </main>
      );
    case "ready":
      return (
        <main id="main" class="wide live-studio" data-testid="live-studio">
          <header class="card studio-header">
            <h1 class="class-title">
              <UserText text={state.cls.title} />
            </h1>
            <p class="class-meta">{formatStart(state.cls.scheduledStart)}</p>
            <JoinLink url={state.cls.joinUrl} />
          </header>
          <MediaPanel cls={state.cls} onBridgeHealth={onBridgeHealth} />
          <YouTubeStatus classId={state.cls.id} />
          <StudioRoom cls={state.cls} manage />
        </main>
      );
  }
}

/**
 * The studio's real-time panels on one classroom connection: slides and whiteboard,
 * polls and quizzes, hands and Q&A, then chat and moderation.
 */
function StudioRoom(props: { cls: ClassPublic; manage: boolean }) {
  const room = useClassroom(props.cls.id);
  return (
    <>
      <SlidesStudio cls={props.cls} room={room} />
      <InteractiveStudio cls={props.cls} room={room} teacher={props.manage} />
      <StudioChat cls={props.cls} manage={props.manage} room={room} />
    </>
  );
}
