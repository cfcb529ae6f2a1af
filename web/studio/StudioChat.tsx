import { useState } from "preact/hooks";
import type { ClassPublic } from "../../protocol/api.ts";
import {
  ANNOUNCE_MAX_CHARS as ANNOUNCE_MAX,
  CHAT_MAX_CHARS as CHAT_MAX,
} from "../../protocol/realtime.constants.ts";
import type { ChatMessage, ClientMessage } from "../../protocol/realtime.ts";
import { Notice } from "../components/Notice.tsx";
import { ReactionBurst, ReactionTotals } from "../components/Reactions.tsx";
import { isolate, UserText } from "../components/UserText.tsx";
import { t } from "../i18n/studio.ts";
import { useNow } from "../lib/classroom-hooks.ts";
import type { ClassroomSocket } from "../lib/classroom-socket.ts";
import { type ClassroomState, cooldownUntil } from "../lib/classroom-state.ts";
import { ChatMessages } from "../student/ChatMessages.tsx";
import { ConnectionStatus, LiveCount } from "../student/ConnectionStatus.tsx";
import { clockTime, rejectionText, secondsLeft } from "../student/chat-text.ts";
import {
  ChatSettings,
  Moderators,
  RejectionsFeed,
  Sanctions,
  sectionLabel,
} from "./ChatModeration.tsx";
import { ModerationQueue } from "./ModerationQueue.tsx";

/** Timeout lengths offered, in seconds (protocol bounds: 10 s … 24 h). */
const TIMEOUTS = [10, 30, 60, 300, 600, 1800, 3600, 6 * 3600, 24 * 3600];

/** "30 s", "5 min", "6 h" in the reader's language. */
function durationLabel(seconds: number): string {
  if (seconds < 60) return t("studio.ix.seconds", { count: seconds });
  if (seconds < 3600) return t("studio.ix.minutes", { count: seconds / 60 });
  return t("studio.chat.hours", { count: seconds / 3600 });
}

/**
 * The teacher's chat and moderation panel: the class-wide channel (send, announce,
 * pin), any section's chat with per-message delete / timeout / ban, chat settings,
 * the rejected-messages feed, live counts, bans and timeouts, and moderators.
 */
export function StudioChat(props: {
  cls: ClassPublic /** The class's teacher/admin (manages moderators). */;
  manage: boolean;
  /** The studio's one classroom connection (LiveStudio's `useClassroom`). */
  room: { state: ClassroomState; socket: ClassroomSocket };
}) {
  const { state, socket } = props.room;
  const send = (m: ClientMessage) => socket.send(m);
  const sections = [...(state.mod?.sections ?? [])].sort((a, b) =>
    a.sectionId.localeCompare(b.sectionId, undefined, { numeric: true }),
  );
  return (
    <section class="card studio-chat" aria-labelledby="studio-chat-title" data-testid="studio-chat">
      <div class="panel-head">
        <h2 id="studio-chat-title">{t("studio.chat.title")}</h2>
        <LiveCount students={state.presence.students} />
        <ConnectionStatus conn={state.conn} ended={state.ended} />
      </div>
      <ReactionBurst reactions={state.reactions} testId="studio-reaction-burst" corner />
      <ReactionTotals reactions={state.reactions} />
      <p class="section-counts muted" data-testid="section-counts">
        {sections.length === 0
          ? t("studio.cockpit.noStudents")
          : sections.map((s, i) => (
              <span key={s.sectionId}>
                {i > 0 ? " · " : ""}
                {sectionLabel(s.sectionId)}: {s.students}
              </span>
            ))}
      </p>
      {state.lastError ? (
        <Notice testId="studio-error">
          {state.lastError.message} ({state.lastError.code})
        </Notice>
      ) : null}
      <div class="studio-chat-grid">
        <ModerationQueue
          state={state}
          socket={socket}
          sections={sections.map((s) => s.sectionId)}
        />
        <GlobalChannel state={state} socket={socket} />
        <SectionWatch state={state} socket={socket} sections={sections.map((s) => s.sectionId)} />
        <RejectionsFeed state={state} />
        <ChatSettings state={state} send={send} />
        <Sanctions state={state} send={send} />
        {props.manage ? <Moderators classId={props.cls.id} /> : null}
      </div>
    </section>
  );
}

/** The class-wide channel: latest announcement, pinned message, messages, and the composer (send or announce). */
export function GlobalChannel(props: { state: ClassroomState; socket: ClassroomSocket }) {
  const { state, socket } = props;
  const [text, setText] = useState("");
  const cooldown = cooldownUntil(state);
  const now = useNow(cooldown > Date.now());
  const length = [...text.trim()].length;
  const connected = state.conn === "connected";
  const wait = cooldown > now ? secondsLeft(cooldown, now) : 0;
  const announcement = state.announcements.at(-1);
  const post = (e: Event) => {
    e.preventDefault();
    if (!connected || length === 0 || length > CHAT_MAX || wait > 0) return;
    if (socket.sendChat(text.trim()) !== null) setText("");
  };
  const announce = () => {
    if (!connected || length === 0 || length > ANNOUNCE_MAX) return;
    if (socket.send({ type: "announce.send", text: text.trim() })) setText("");
  };
  return (
    <div class="studio-box studio-global">
      <h3>{t("studio.chat.everyone")}</h3>
      {announcement ? (
        <div class="callout callout-announce" data-testid="studio-announcement">
          <p class="callout-label">
            {t("studio.chat.latestAnnouncement")} · {clockTime(announcement.at)}
          </p>
          <p class="callout-text">
            <UserText text={announcement.text} />
          </p>
        </div>
      ) : null}
      {state.pinned ? (
        <div class="callout callout-pin" data-testid="studio-pinned">
          <p class="callout-label">{t("studio.chat.pinned")}</p>
          <p class="callout-text">
            <UserText text={state.pinned.text} />
          </p>
          <button
            type="button"
            class="btn btn-tiny btn-quiet"
            onClick={() => socket.send({ type: "chat.pin", messageId: null })}
          >
            {t("studio.qa.unpin")}
          </button>
        </div>
      ) : null}
      <ChatMessages
        messages={state.global}
        youId={state.you?.id ?? null}
        label={t("studio.chat.globalLabel")}
        empty={t("studio.chat.globalEmpty")}
        testId="studio-global-chat"
        actions={(m) => (
          <>
            {state.pinned?.id === m.id ? null : (
              <button
                type="button"
                class="btn btn-tiny btn-secondary"
                data-testid="pin-message"
                onClick={() => socket.send({ type: "chat.pin", messageId: m.id })}
              >
                {t("studio.qa.pin")}
              </button>
            )}
            <button
              type="button"
              class="btn btn-tiny btn-danger"
              data-testid="delete-message"
              onClick={() => socket.send({ type: "chat.delete", messageId: m.id })}
            >
              {t("studio.chat.delete")}
            </button>
          </>
        )}
      />
      <form class="composer" onSubmit={post} data-testid="studio-composer">
        {state.lastRejection ? (
          <p class="composer-note composer-note-error" role="alert" data-testid="chat-rejection">
            {rejectionText(state.lastRejection, now)}
          </p>
        ) : null}
        <label class="visually-hidden" for="studio-chat-input">
          {t("studio.chat.messageEveryoneLabel")}
        </label>
        <input
          id="studio-chat-input"
          type="text"
          autocomplete="off"
          placeholder={t("studio.chat.messageEveryone")}
          value={text}
          data-testid="studio-chat-input"
          onInput={(e) => setText(e.currentTarget.value)}
        />
        <div class="composer-row studio-composer-actions">
          <span class={`composer-count${length > CHAT_MAX ? " composer-count-over" : ""}`}>
            {length}/{CHAT_MAX}
          </span>
          <button
            type="button"
            class="btn btn-small btn-secondary"
            disabled={!connected || length === 0 || length > ANNOUNCE_MAX}
            data-testid="studio-announce"
            onClick={announce}
          >
            {t("studio.chat.announce")}
          </button>
          <button
            type="submit"
            class="btn btn-small btn-primary"
            disabled={!connected || length === 0 || length > CHAT_MAX || wait > 0}
            data-testid="studio-send"
          >
            {wait > 0 ? t("studio.ix.seconds", { count: wait }) : t("studio.chat.send")}
          </button>
        </div>
      </form>
    </div>
  );
}

/** Any section's chat, chosen from a list, with delete / time out / ban on each message. */
export function SectionWatch(props: {
  state: ClassroomState;
  socket: ClassroomSocket;
  sections: string[];
}) {
  const { state, socket } = props;
  const [seconds, setSeconds] = useState(300);
  const [confirmBan, setConfirmBan] = useState<string | null>(null);
  const [note, setNote] = useState<string | null>(null);
  const watching = state.section?.sectionId ?? "";
  const options =
    watching && !props.sections.includes(watching) ? [watching, ...props.sections] : props.sections;
  const moderate = (m: ChatMessage, kind: "timeout" | "ban" | "purge") => {
    if (kind === "timeout") {
      if (socket.send({ type: "mod.timeout", userId: m.from.id, seconds }))
        setNote(
          t("studio.chat.timedOutNote", {
            name: isolate(m.from.name),
            length: durationLabel(seconds),
          }),
        );
    } else if (
      socket.send(
        kind === "purge"
          ? { type: "mod.ban", userId: m.from.id, purge: true }
          : { type: "mod.ban", userId: m.from.id },
      )
    ) {
      setNote(
        t(kind === "purge" ? "studio.chat.bannedPurgedNote" : "studio.chat.bannedNote", {
          name: isolate(m.from.name),
        }),
      );
      setConfirmBan(null);
    }
  };
  return (
    <div class="studio-box studio-section">
      <h3>{t("studio.chat.sectionChat")}</h3>
      <div class="studio-row">
        <label for="watch-section">{t("studio.chat.sectionPick")}</label>
        <select
          id="watch-section"
          data-testid="section-picker"
          value={watching}
          onChange={(e) => socket.watch(e.currentTarget.value || null)}
        >
          <option value="">{t("studio.chat.chooseSection")}</option>
          {options.map((id) => (
            <option key={id} value={id}>
              {sectionLabel(id)}
            </option>
          ))}
        </select>
        <label for="timeout-length">{t("studio.chat.timeout")}</label>
        <select
          id="timeout-length"
          data-testid="timeout-length"
          value={String(seconds)}
          onChange={(e) => setSeconds(Number(e.currentTarget.value))}
        >
          {TIMEOUTS.map((s) => (
            <option key={s} value={String(s)}>
              {durationLabel(s)}
            </option>
          ))}
        </select>
      </div>
      {note ? (
        <p class="composer-note" role="status" data-testid="moderation-note">
          {note}
        </p>
      ) : null}
      <ChatMessages
        messages={state.section?.messages ?? []}
        youId={state.you?.id ?? null}
        label={
          watching
            ? t("studio.chat.sectionChatOf", { section: sectionLabel(watching) })
            : t("studio.chat.sectionChat")
        }
        empty={t(watching ? "studio.chat.sectionEmpty" : "studio.chat.sectionChoose")}
        testId="studio-section-chat"
        actions={(m) => (
          <>
            <button
              type="button"
              class="btn btn-tiny btn-secondary"
              data-testid="delete-message"
              onClick={() => socket.send({ type: "chat.delete", messageId: m.id })}
            >
              {t("studio.chat.delete")}
            </button>
            {m.from.role === "student" || m.from.role === "guest" ? (
              <>
                <button
                  type="button"
                  class="btn btn-tiny btn-secondary"
                  data-testid="timeout-user"
                  onClick={() => moderate(m, "timeout")}
                >
                  {t("studio.chat.timeOut")}
                </button>
                {confirmBan === m.id ? (
                  <>
                    <button
                      type="button"
                      class="btn btn-tiny btn-danger"
                      data-testid="confirm-ban"
                      onClick={() => moderate(m, "ban")}
                    >
                      {t("studio.chat.confirmBan")}
                    </button>
                    <button
                      type="button"
                      class="btn btn-tiny btn-danger"
                      data-testid="confirm-ban-purge"
                      onClick={() => moderate(m, "purge")}
                    >
                      {t("studio.chat.banPurge")}
                    </button>
                  </>
                ) : (
                  <button
                    type="button"
                    class="btn btn-tiny btn-danger"
                    data-testid="ban-user"
                    onClick={() => setConfirmBan(m.id)}
                  >
                    {t("studio.chat.ban")}
                  </button>
                )}
              </>
            ) : null}
          </>
        )}
      />
    </div>
  );
}
