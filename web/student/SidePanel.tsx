import { useEffect, useState } from "preact/hooks";
import type { SessionUser } from "../../protocol/api.ts";
import { UserText } from "../components/UserText.tsx";
import type { ClassroomSocket } from "../lib/classroom-socket.ts";
import type { ClassroomState } from "../lib/classroom-state.ts";
import { onTabListKey } from "../lib/tabs.ts";
import { ChatComposer } from "./ChatComposer.tsx";
import { ChatMessages } from "./ChatMessages.tsx";
import { ConnectionStatus, LiveCount } from "./ConnectionStatus.tsx";
import { clockTime } from "./chat-text.ts";
import { QaPanel } from "./QaPanel.tsx";
import { ReportAction } from "./ReportAction.tsx";

type Tab = "section" | "global";

/**
 * The class's real-time side: connection and live count, the pinned message and
 * latest announcement, then the two chats — the student's section and the class-wide
 * channel where the teacher posts. Stacked on desktop; tabs on phones.
 */
export function SidePanel(props: {
  user: SessionUser;
  classId: string;
  state: ClassroomState;
  socket: ClassroomSocket;
}) {
  const { user, state, socket } = props;
  const [tab, setTab] = useState<Tab>("section");
  const [mode, setMode] = useState<"chat" | "qa">("chat");
  const [seenGlobal, setSeenGlobal] = useState(0);
  const unread = tab === "global" ? 0 : Math.max(0, state.global.length - seenGlobal);
  useEffect(() => {
    if (tab === "global") setSeenGlobal(state.global.length);
  }, [tab, state.global.length]);

  if (state.ended && state.ended !== "closed") {
    return (
      <aside class="side-panel card" aria-label="Class chat" data-testid="side-panel">
        <div class="panel-head">
          <h2>Chat</h2>
          <ConnectionStatus conn={state.conn} ended={state.ended} />
        </div>
        <Ended reason={state.ended} classId={props.classId} />
      </aside>
    );
  }

  const announcement = state.announcements.at(-1);
  const sectionName = state.section ? `Section ${state.section.sectionId.replace(/^s/, "")}` : "";
  return (
    <aside class="side-panel card" aria-label="Class chat" data-testid="side-panel">
      <div class="panel-head">
        <h2>Chat</h2>
        <LiveCount students={state.presence.students} />
        <ConnectionStatus conn={state.conn} ended={state.ended} />
      </div>
      {announcement ? (
        <div class="callout callout-announce" data-testid="announcement" role="status">
          <p class="callout-label">Announcement · {clockTime(announcement.at)}</p>
          <p class="callout-text">
            <UserText text={announcement.text} />
          </p>
        </div>
      ) : null}
      {state.pinned ? (
        <div class="callout callout-pin" data-testid="pinned-message">
          <p class="callout-label">
            Pinned · <UserText text={state.pinned.from.name} clip />
          </p>
          <p class="callout-text">
            <UserText text={state.pinned.text} />
          </p>
        </div>
      ) : null}
      <div
        class="panel-modes"
        role="tablist"
        aria-label="Chat or questions"
        onKeyDown={onTabListKey}
      >
        <button
          type="button"
          role="tab"
          id="mode-tab-chat"
          aria-selected={mode === "chat"}
          aria-controls="mode-panel-chat"
          tabIndex={mode === "chat" ? 0 : -1}
          data-testid="mode-chat"
          onClick={() => setMode("chat")}
        >
          Chat
        </button>
        <button
          type="button"
          role="tab"
          id="mode-tab-qa"
          aria-selected={mode === "qa"}
          aria-controls={mode === "qa" ? "mode-panel-qa" : undefined}
          tabIndex={mode === "qa" ? 0 : -1}
          data-testid="mode-qa"
          onClick={() => setMode("qa")}
        >
          Q&amp;A
          {state.interactive.qa.total > 0 ? (
            <span class="badge">{state.interactive.qa.total}</span>
          ) : null}
        </button>
      </div>
      {mode === "qa" ? (
        <div id="mode-panel-qa" class="mode-panel" role="tabpanel" aria-labelledby="mode-tab-qa">
          <QaPanel state={state} socket={socket} />
        </div>
      ) : null}
      <div
        id="mode-panel-chat"
        role="tabpanel"
        aria-labelledby="mode-tab-chat"
        class={`chat-mode${mode === "chat" ? "" : " is-hidden"}`}
      >
        <div class="chat-tabs" role="tablist" aria-label="Chats" onKeyDown={onTabListKey}>
          <button
            type="button"
            role="tab"
            id="tab-section"
            aria-selected={tab === "section"}
            aria-controls="pane-section"
            tabIndex={tab === "section" ? 0 : -1}
            data-testid="tab-section"
            onClick={() => setTab("section")}
          >
            Your section
          </button>
          <button
            type="button"
            role="tab"
            id="tab-global"
            aria-selected={tab === "global"}
            aria-controls="pane-global"
            tabIndex={tab === "global" ? 0 : -1}
            data-testid="tab-global"
            onClick={() => setTab("global")}
          >
            Everyone
            {unread > 0 ? (
              <span class="tab-unread">
                {unread}
                <span class="visually-hidden"> new</span>
              </span>
            ) : null}
          </button>
        </div>
        <div class="chat-panes">
          <section
            id="pane-global"
            role="tabpanel"
            aria-labelledby="tab-global"
            class={`chat-pane chat-pane-global${tab === "global" ? " is-active" : ""}`}
          >
            <h3 class="chat-pane-title">Everyone · from the teacher</h3>
            <ChatMessages
              messages={state.global}
              youId={state.you?.id ?? null}
              label="Messages to the whole class"
              empty="Messages from the teacher to the whole class appear here."
              testId="global-chat"
              actions={(m) => <ReportAction message={m} state={state} socket={socket} />}
            />
          </section>
          <section
            id="pane-section"
            role="tabpanel"
            aria-labelledby="tab-section"
            class={`chat-pane chat-pane-section${tab === "section" ? " is-active" : ""}`}
          >
            <h3 class="chat-pane-title">
              {sectionName ? `${sectionName} chat` : "Your section's chat"}
            </h3>
            <ChatMessages
              messages={state.section?.messages ?? []}
              youId={state.you?.id ?? null}
              label={`${sectionName || "Section"} chat`}
              empty="No messages yet. Say hello to your section."
              testId="section-chat"
              actions={(m) => <ReportAction message={m} state={state} socket={socket} />}
            />
          </section>
        </div>
        <ChatComposer
          state={state}
          socket={socket}
          placeholder={
            sectionName ? `Message ${sectionName.toLowerCase()}…` : "Message your section…"
          }
          onSent={() => setTab("section")}
        />
      </div>
      <p class="seat muted">
        Chatting as{" "}
        <strong data-testid="seat-name">
          <UserText text={user.displayName} clip />
        </strong>
        {user.role === "guest" ? <span data-testid="seat-guest"> (guest)</span> : ""}
      </p>
    </aside>
  );
}

function Ended(props: { reason: NonNullable<ClassroomState["ended"]>; classId: string }) {
  switch (props.reason) {
    case "banned":
      return (
        <div class="notice notice-error" role="alert" data-testid="banned-notice">
          <strong>You have been banned from this class.</strong> The teacher removed you; you can't
          rejoin the chat.
        </div>
      );
    case "version":
      return (
        <div class="notice notice-info" role="alert" data-testid="version-notice">
          Mass Class was updated.{" "}
          <button
            type="button"
            class="btn btn-small btn-secondary"
            onClick={() => location.reload()}
          >
            Reload
          </button>
        </div>
      );
    case "auth":
      return (
        <div class="notice notice-error" role="alert" data-testid="auth-notice">
          Your pass for this class is no longer valid.{" "}
          <a href={`/c/${props.classId}`}>Join again</a>
        </div>
      );
    case "not_found":
      return (
        <div class="notice notice-error" role="alert">
          This class no longer exists.
        </div>
      );
    case "closed":
      return null;
    default:
      return props.reason satisfies never;
  }
}
