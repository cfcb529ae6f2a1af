/**
 * The class-wide moderation queue for staff (studio and admin console): messages held by
 * the blocked-word and link rules and messages students reported, from every section,
 * highest priority first (`mod.queue`, protocol/social.ts). Each item can be removed
 * (deleted for everyone), its author timed out or banned, or dismissed. What did not fit
 * the queue is counted, not hidden. A peek reads any section once, without leaving the
 * queue or changing the section being watched.
 */
import { useState } from "preact/hooks";
import type { ModQueueItem, ResolveAction } from "../../protocol/social.ts";
import { UserText } from "../components/UserText.tsx";
import type { ClassroomSocket } from "../lib/classroom-socket.ts";
import type { ClassroomState } from "../lib/classroom-state.ts";
import { ChatMessages } from "../student/ChatMessages.tsx";
import { clockTime, REASON_LABEL } from "../student/chat-text.ts";
import "../components/social.css";
import { type StudioKey, t } from "../i18n/studio.ts";
import { sectionLabel as studentSectionLabel } from "./ChatModeration.tsx";

const REPORT_LABEL: Record<string, StudioKey> = {
  spam: "studio.queue.reason.spam",
  abuse: "studio.queue.reason.abuse",
  off_topic: "studio.queue.reason.offTopic",
  other: "studio.queue.reason.other",
};

function sectionLabel(id: string): string {
  return id === "global" ? t("studio.queue.everyone") : studentSectionLabel(id);
}

function why(item: ModQueueItem): string {
  if (item.kind === "held")
    return t("studio.queue.held", { rule: REASON_LABEL[item.rule ?? "blocked_word"] });
  const reasons = Object.entries(item.reasons)
    .map(([r, n]) => {
      const key = REPORT_LABEL[r];
      return `${key ? t(key) : r}${n && n > 1 ? ` ×${n}` : ""}`;
    })
    .join(t("studio.queue.listSep"));
  return t("studio.queue.reported", { count: item.reports, reasons });
}

/** The queue and the section peek. `sections`: the student sections staff may peek at. */
export function ModerationQueue(props: {
  state: ClassroomState;
  socket: ClassroomSocket;
  sections: string[];
}) {
  const { state, socket } = props;
  const q = state.modQueue;
  const [confirmBan, setConfirmBan] = useState<string | null>(null);
  const [peekAt, setPeekAt] = useState("");
  const resolve = (item: ModQueueItem, action: ResolveAction) => {
    socket.send({ type: "mod.resolve", itemId: item.id, action });
    setConfirmBan(null);
  };
  const peek = state.peek;
  return (
    <div class="studio-box studio-mod-queue" data-testid="mod-queue">
      <h3>
        {t("studio.queue.title")}{" "}
        {q && q.pending > 0 ? (
          <span class="badge" data-testid="mod-queue-count">
            {q.pending}
          </span>
        ) : null}
      </h3>
      <p class="muted">
        {t("studio.queue.hint")}
        {q && q.overflow > 0 ? (
          <>
            {" "}
            <strong data-testid="mod-queue-overflow">
              {t("studio.queue.overflow", { count: q.overflow })}
            </strong>{" "}
            {t("studio.queue.overflowNote")}
          </>
        ) : null}
      </p>
      {!q || q.items.length === 0 ? (
        <p class="muted" data-testid="mod-queue-empty">
          {t("studio.queue.empty")}
        </p>
      ) : (
        <ol class="mod-queue-list" aria-label={t("studio.queue.title")}>
          {q.items.map((item) => (
            <li
              key={item.id}
              class="mod-queue-item"
              data-testid="mod-queue-item"
              data-kind={item.kind}
              data-message-id={item.messageId ?? ""}
            >
              <div class="chat-msg-head">
                <UserText text={item.author.name} clip class="chat-author" />
                <span class={`badge${item.kind === "held" ? " badge-warn" : ""}`}>{why(item)}</span>
                <span class="muted">{sectionLabel(item.sectionId)}</span>
                <time class="chat-time" dateTime={new Date(item.lastAt).toISOString()}>
                  {clockTime(item.lastAt)}
                </time>
              </div>
              <p class="chat-text" data-testid="mod-queue-text">
                <UserText text={item.text} />
              </p>
              <div class="mod-queue-actions">
                {item.messageId ? (
                  <button
                    type="button"
                    class="btn btn-tiny btn-secondary"
                    data-testid="queue-remove"
                    onClick={() => resolve(item, "remove")}
                  >
                    {t("studio.mods.remove")}
                  </button>
                ) : null}
                <button
                  type="button"
                  class="btn btn-tiny btn-secondary"
                  data-testid="queue-timeout"
                  onClick={() => resolve(item, "timeout")}
                >
                  {t("studio.queue.timeout5")}
                </button>
                {confirmBan === item.id ? (
                  <button
                    type="button"
                    class="btn btn-tiny btn-danger"
                    data-testid="queue-confirm-ban"
                    onClick={() => resolve(item, "ban")}
                  >
                    {t("studio.chat.confirmBan")}
                  </button>
                ) : (
                  <button
                    type="button"
                    class="btn btn-tiny btn-danger"
                    data-testid="queue-ban"
                    onClick={() => setConfirmBan(item.id)}
                  >
                    {t("studio.chat.ban")}
                  </button>
                )}
                <button
                  type="button"
                  class="btn btn-tiny btn-quiet"
                  data-testid="queue-dismiss"
                  onClick={() => resolve(item, "dismiss")}
                >
                  {t("studio.queue.dismiss")}
                </button>
              </div>
            </li>
          ))}
        </ol>
      )}
      <div class="mod-peek">
        <div class="studio-row">
          <label for="peek-section">{t("studio.queue.peekAt")}</label>
          <select
            id="peek-section"
            data-testid="peek-picker"
            value={peekAt}
            onChange={(e) => setPeekAt(e.currentTarget.value)}
          >
            <option value="">{t("studio.chat.chooseSection")}</option>
            {props.sections.map((id) => (
              <option key={id} value={id}>
                {sectionLabel(id)}
              </option>
            ))}
          </select>
          <button
            type="button"
            class="btn btn-tiny btn-secondary"
            data-testid="peek"
            disabled={!peekAt}
            onClick={() => socket.send({ type: "mod.peek", sectionId: peekAt })}
          >
            {t(peek && peek.sectionId === peekAt ? "studio.queue.refresh" : "studio.queue.peek")}
          </button>
        </div>
        {peek ? (
          <>
            <p class="muted">
              {t("studio.queue.peekAsOf", {
                section: sectionLabel(peek.sectionId),
                time: clockTime(peek.at),
              })}
            </p>
            <ChatMessages
              messages={peek.messages}
              youId={null}
              label={t("studio.queue.peekLabel", { section: sectionLabel(peek.sectionId) })}
              empty={t("studio.chat.sectionEmpty")}
              testId="mod-peek"
            />
          </>
        ) : null}
      </div>
    </div>
  );
}
