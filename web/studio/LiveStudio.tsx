import { useEffect, useState } from "preact/hooks";
import type { ClassDetail, ClassPublic } from "../../protocol/api.ts";
import { JoinLink } from "../components/CopyButton.tsx";
import { Notice, PageMessage } from "../components/Notice.tsx";
import { api, errorMessage, isApiError } from "../lib/api.ts";
import { formatStart } from "../lib/format.ts";
import { redirectToSignIn } from "../lib/nav.ts";
import { MediaPanel } from "./media/MediaPanel.tsx";
import { StudioChat } from "./StudioChat.tsx";

type State =
  | { kind: "loading" }
  | { kind: "missing" }
  | { kind: "denied" }
  | { kind: "error"; message: string }
  | { kind: "ready"; cls: ClassDetail };

/**
 * `/studio/:classId`: the live studio for one class. Today it shows the class header
 * and join link; the live controls (capture, go live, chat, Q&A, polls) plug into
 * {@link LiveControls} when streaming arrives.
 */
export function LiveStudio(props: { classId: string }) {
  const [state, setState] = useState<State>({ kind: "loading" });
  useEffect(() => {
    setState({ kind: "loading" });
    api<{ class: ClassDetail | ClassPublic; manage: boolean }>(
      "GET",
      `/classes/${props.classId}`,
    ).then(
      (res) => {
        document.title = `${res.class.title} · Studio · Mass Class`;
        setState(
          res.manage ? { kind: "ready", cls: res.class as ClassDetail } : { kind: "denied" },
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
          <p>Only this class's teacher can open its studio.</p>
        </PageMessage>
      );
    case "error":
      return (
        <PageMessage title="Could not load the class">
          <Notice>{state.message}</Notice>
        </PageMessage>
      );
    case "ready":
      return (
        <main class="wide live-studio" data-testid="live-studio">
          <header class="card studio-header">
            <h1 class="class-title">{state.cls.title}</h1>
            <p class="class-meta">{formatStart(state.cls.scheduledStart)}</p>
            <JoinLink url={state.cls.joinUrl} />
          </header>
          <MediaPanel cls={state.cls} />
          <StudioChat cls={state.cls} />
        </main>
      );
  }
}

/** The live controls area. Placeholder until streaming lands; keep its place in the layout. */
export function LiveControls(props: { cls: ClassDetail }) {
  return (
    <section
      class="card live-controls"
      aria-labelledby="live-controls-title"
      data-testid="live-controls"
    >
      <h2 id="live-controls-title">Live controls</h2>
      <p>
        The live studio arrives with streaming: going live, your camera and screen, chat, questions
        and polls.
      </p>
      <p class="muted">
        {props.cls.youtubeVideoId
          ? `Students will watch YouTube video ${props.cls.youtubeVideoId}.`
          : "Add your YouTube video id in the class settings so students can watch."}
      </p>
    </section>
  );
}
