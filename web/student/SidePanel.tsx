import { useEffect, useState } from "preact/hooks";
import type { SessionUser } from "../../protocol/api.ts";
import { UserText } from "../components/UserText.tsx";
import { formatNumber } from "../i18n/core.ts";
import { rich, t } from "../i18n/student.ts";
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
      <aside class="side-panel card" aria-label={t("student.chat.label")} data-testid="side-panel">
        <div class="panel-head">
          <h2>{t("student.chat.title")}</h2>
          <ConnectionStatus conn={state.conn} ended={state.ended} />
        </div>
        <Ended reason={state.ended} classId={props.classId} />
      </aside>
    );
  }

  const announcement = state.announcements.at(-1);
  const sectionNo = state.section ? state.section.sectionId.replace(/^s/, "") : "";
  const sectionName = sectionNo ? t("student.chat.section", { n: sectionNo }) : "";
  return (
    <aside class="side-panel card" aria-label={t("student.chat.label")} data-testid="side-panel">
      <div class="panel-head">
        <h2>{t("student.chat.title")}</h2>
        <LiveCount students={state.presence.students} />
        <ConnectionStatus conn={state.conn} ended={state.ended} />
      </div>
      {announcement ? (
        <div class="callout callout-announce" data-testid="announcement" role="status">
          <p class="callout-label">
            {t("student.chat.announcement", { time: clockTime(announcement.at) })}
          </p>
          <p class="callout-text">
            <UserText text={announcement.text} />
          </p>
        </div>
      ) : null}
      {state.pinned ? (
        <div class="callout callout-pin" data-testid="pinned-message">
          <p class="callout-label">
            {rich("student.chat.pinned", {
              name: <UserText text={state.pinned.from.name} clip />,
            })}
          </p>
          <p class="callout-text">
            <UserText text={state.pinned.text} />
          </p>
        </div>
      ) : null}
      <div
        class="panel-modes"
        role="tablist"
        aria-label={t("student.chat.modes")}
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
          {t("student.chat.title")}
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
          {t("student.chat.qa")}
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
        <div
          class="chat-tabs"
          role="tablist"
          aria-label={t("student.chat.tabs")}
          onKeyDown={onTabListKey}
        >
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
            {t("student.chat.yourSection")}
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
            {t("student.chat.everyone")}
            {unread > 0 ? (
              <span class="tab-unread">
                {formatNumber(unread)}
                <span class="visually-hidden"> {t("student.chat.new")}</span>
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
            <h3 class="chat-pane-title">{t("student.chat.everyoneTitle")}</h3>
            <ChatMessages
              messages={state.global}
              youId={state.you?.id ?? null}
              label={t("student.chat.globalLabel")}
              empty={t("student.chat.globalEmpty")}
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
              {sectionName
                ? t("student.chat.sectionChat", { section: sectionName })
                : t("student.chat.yourSectionChat")}
            </h3>
            <ChatMessages
              messages={state.section?.messages ?? []}
              youId={state.you?.id ?? null}
              label={
                sectionName
                  ? t("student.chat.sectionChat", { section: sectionName })
                  : t("student.chat.sectionLabel")
              }
              empty={t("student.chat.sectionEmpty")}
              testId="section-chat"
              actions={(m) => <ReportAction message={m} state={state} socket={socket} />}
            />
          </section>
        </div>
        <ChatComposer
          state={state}
          socket={socket}
          placeholder={
            sectionNo
              ? t("student.chat.placeholderSection", { n: sectionNo })
              : t("student.chat.placeholder")
          }
          onSent={() => setTab("section")}
        />
      </div>
      <p class="seat muted">
        {rich("student.chat.as", {
          name: (
            <strong data-testid="seat-name">
              <UserText text={user.displayName} clip />
            </strong>
          ),
        })}
        {user.role === "guest" ? (
          <span data-testid="seat-guest"> {t("student.chat.guest")}</span>
        ) : null}
      </p>
    </aside>
  );
}

function Ended(props: { reason: NonNullable<ClassroomState["ended"]>; classId: string }) {
  switch (props.reason) {
    case "banned":
      return (
        <div class="notice notice-error" role="alert" data-testid="banned-notice">
          <strong>{t("student.ended.banned")}</strong> {t("student.ended.bannedText")}
        </div>
      );
    case "version":
      return (
        <div class="notice notice-info" role="alert" data-testid="version-notice">
          {t("student.ended.version")}{" "}
          <button
            type="button"
            class="btn btn-small btn-secondary"
            onClick={() => location.reload()}
          >
            {t("student.ended.reload")}
          </button>
        </div>
      );
    case "auth":
      return (
        <div class="notice notice-error" role="alert" data-testid="auth-notice">
          {t("student.ended.auth")}{" "}
          <a href={`/c/${props.classId}`}>{t("student.ended.joinAgain")}</a>
        </div>
      );
    case "not_found":
      return (
        <div class="notice notice-error" role="alert">
          {t("student.ended.notFound")}
        </div>
      );
    case "closed":
      return null;
    default:
      return props.reason satisfies never;
  }
}
