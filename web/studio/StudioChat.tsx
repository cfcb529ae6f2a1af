import { useEffect, useState } from "preact/hooks";
import type { ClassModerator, ClassPublic } from "../../protocol/api.ts";
import {
  ANNOUNCE_MAX_CHARS as ANNOUNCE_MAX,
  CHAT_MAX_CHARS as CHAT_MAX,
  SLOW_MODE_MAX_S as SLOW_MODE_MAX,
} from "../../protocol/realtime.constants.ts";
import type { ChatMessage, ClientMessage, LinkPolicy } from "../../protocol/realtime.ts";
import { Named } from "../components/Named.tsx";
import { Notice } from "../components/Notice.tsx";
import { ReactionBurst, ReactionTotals } from "../components/Reactions.tsx";
import { isolate, UserText } from "../components/UserText.tsx";
import { t } from "../i18n/studio.ts";
import { call, client, errorMessage } from "../lib/api.ts";
import { useNow } from "../lib/classroom-hooks.ts";
import type { ClassroomSocket } from "../lib/classroom-socket.ts";
import { type ClassroomState, cooldownUntil } from "../lib/classroom-state.ts";
import { ChatMessages } from "../student/ChatMessages.tsx";
import { ConnectionStatus, LiveCount } from "../student/ConnectionStatus.tsx";
import { clockTime, REASON_LABEL, rejectionText, secondsLeft } from "../student/chat-text.ts";
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

/** "Section 3" for `s3`; other ids as they are. */
export function sectionLabel(id: string): string {
  return /^s\d+$/.test(id) ? t("studio.chat.section", { n: id.slice(1) }) : id;
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

/** Messages the chat rules stopped, newest first, with the rule that stopped each. */
export function RejectionsFeed(props: { state: ClassroomState }) {
  const items = props.state.rejections.slice(-50).reverse();
  return (
    <div class="studio-box studio-rejections">
      <h3>{t("studio.chat.rejected")}</h3>
      {items.length === 0 ? (
        <p class="muted">{t("studio.chat.rejectedNone")}</p>
      ) : (
        <ol class="rejections" data-testid="rejections-feed">
          {items.map((r, i) => (
            <li
              key={`${r.at}-${r.user.id}-${i}`}
              class="rejection"
              data-testid="rejection-item"
              data-reason={r.reason}
            >
              <div class="chat-msg-head">
                <UserText text={r.user.name} clip class="chat-author" />
                <span class="badge badge-warn">{REASON_LABEL[r.reason]}</span>
                <span class="muted">{sectionLabel(r.sectionId)}</span>
                <time class="chat-time">{clockTime(r.at)}</time>
              </div>
              <p class="chat-text">
                <UserText text={r.text} />
              </p>
            </li>
          ))}
        </ol>
      )}
    </div>
  );
}

/** The slow-mode steps a teacher picks from while live (seconds; 0 = off). */
const QUICK_SLOW_MODE = [0, 5, 10, 30, 60, 120];

/**
 * Slow mode at one click, for the live cockpit (the full chat rules are on the class set-up
 * page): sends only `slowModeSec`, so links and blocked words stay as they are. Teachers
 * only; a value set elsewhere that is not a step is listed as it is.
 */
export function QuickSlowMode(props: {
  state: ClassroomState;
  send: (m: ClientMessage) => boolean;
}) {
  const current = props.state.settings.slowModeSec;
  const [error, setError] = useState<string | null>(null);
  const steps = QUICK_SLOW_MODE.includes(current)
    ? QUICK_SLOW_MODE
    : [...QUICK_SLOW_MODE, current].sort((a, b) => a - b);
  const pick = (sec: number) => {
    if (sec === current) return;
    setError(
      props.send({ type: "settings.update", slowModeSec: sec })
        ? null
        : t("studio.chat.notConnected"),
    );
  };
  return (
    <div class="studio-row quick-slow-mode" data-testid="quick-slow-mode">
      <label for="quick-slow-mode">{t("studio.chat.slowMode")}</label>
      <select
        id="quick-slow-mode"
        value={String(current)}
        onChange={(e) => pick(Number(e.currentTarget.value))}
      >
        {steps.map((sec) => (
          <option key={sec} value={String(sec)}>
            {sec === 0 ? t("studio.chat.slowOff") : t("studio.chat.slowEvery", { count: sec })}
          </option>
        ))}
      </select>
      {error ? <Notice>{error}</Notice> : null}
    </div>
  );
}

interface SettingsDraft {
  slowModeSec: string;
  linkPolicy: LinkPolicy;
  blockedWords: string;
}

/** The chat rules: slow mode, link policy, blocked words. */
export function ChatSettings(props: {
  state: ClassroomState;
  send: (m: ClientMessage) => boolean;
}) {
  const { state } = props;
  const current: SettingsDraft = {
    slowModeSec: String(state.settings.slowModeSec),
    linkPolicy: state.settings.linkPolicy,
    blockedWords: (state.mod?.blockedWords ?? []).join(", "),
  };
  const [draft, setDraft] = useState<SettingsDraft | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  const v = draft ?? current;
  const edit = (patch: Partial<SettingsDraft>) => {
    setSaved(false);
    setDraft({ ...v, ...patch });
  };
  const isTeacher = state.you?.role === "teacher";
  const save = (e: Event) => {
    e.preventDefault();
    const slow = Number(v.slowModeSec);
    if (!Number.isInteger(slow) || slow < 0 || slow > SLOW_MODE_MAX) {
      setError(t("studio.chat.slowInvalid", { max: SLOW_MODE_MAX }));
      return;
    }
    const words = [
      ...new Set(
        v.blockedWords
          .split(/[,\n]/)
          .map((w) => w.trim())
          .filter(Boolean),
      ),
    ];
    if (words.some((w) => w.length > 40) || words.length > 200) {
      setError(t("studio.chat.blockedInvalid", { words: 200, chars: 40 }));
      return;
    }
    setError(null);
    if (
      props.send({
        type: "settings.update",
        slowModeSec: slow,
        linkPolicy: v.linkPolicy,
        blockedWords: words,
      })
    ) {
      setDraft(null);
      setSaved(true);
    } else setError(t("studio.chat.notConnected"));
  };
  return (
    <form class="studio-box studio-settings" onSubmit={save} data-testid="chat-settings">
      <h3>{t("studio.chat.rules")}</h3>
      <div class="studio-row">
        <label for="slow-mode">{t("studio.chat.slowModeField")}</label>
        <input
          id="slow-mode"
          type="number"
          min={0}
          max={SLOW_MODE_MAX}
          step={1}
          inputMode="numeric"
          value={v.slowModeSec}
          disabled={!isTeacher}
          data-testid="slow-mode-input"
          onInput={(e) => edit({ slowModeSec: e.currentTarget.value })}
        />
      </div>
      <div class="studio-row">
        <label for="link-policy">{t("studio.chat.links")}</label>
        <select
          id="link-policy"
          value={v.linkPolicy}
          disabled={!isTeacher}
          data-testid="link-policy"
          onChange={(e) => edit({ linkPolicy: e.currentTarget.value as LinkPolicy })}
        >
          <option value="allow">{t("studio.chat.linksAllowed")}</option>
          <option value="block">{t("studio.chat.linksBlocked")}</option>
        </select>
      </div>
      <label for="blocked-words" class="studio-label">
        {t("studio.chat.blockedWords")}{" "}
        <span class="muted">{t("studio.chat.blockedWordsHint")}</span>
      </label>
      <textarea
        id="blocked-words"
        rows={2}
        value={v.blockedWords}
        disabled={!isTeacher}
        data-testid="blocked-words"
        onInput={(e) => edit({ blockedWords: e.currentTarget.value })}
      />
      {error ? <p class="field-error">{error}</p> : null}
      <div class="actions">
        <button
          type="submit"
          class="btn btn-small btn-primary"
          disabled={!isTeacher || state.conn !== "connected" || draft === null}
          data-testid="save-chat-settings"
        >
          {t("studio.chat.saveRules")}
        </button>
        {saved && draft === null ? (
          <span class="muted" role="status" data-testid="chat-settings-saved">
            {t("studio.chat.saved")}
          </span>
        ) : null}
      </div>
    </form>
  );
}

/** Who is timed out or banned, with unban. */
export function Sanctions(props: { state: ClassroomState; send: (m: ClientMessage) => boolean }) {
  const { state } = props;
  const now = useNow(false);
  // The name the ban recorded, else one seen in chat; else Named says "Unknown user/guest".
  const name = (id: string, known?: string) => known ?? state.names[id] ?? null;
  const timeouts = (state.mod?.timeouts ?? []).filter((x) => x.until - state.clockOffset > now);
  const bans = state.mod?.bans ?? [];
  return (
    <div class="studio-box studio-sanctions">
      <h3>{t("studio.chat.sanctions")}</h3>
      {timeouts.length === 0 && bans.length === 0 ? (
        <p class="muted">{t("studio.chat.sanctionsNone")}</p>
      ) : null}
      <ul class="plain-list">
        {timeouts.map((x) => (
          <li key={`t-${x.userId}`} data-testid="timeout-item">
            <span>
              <strong>
                <Named
                  id={x.userId}
                  name={name(x.userId, bans.find((b) => b.userId === x.userId)?.name)}
                />
              </strong>{" "}
              {t("studio.chat.timedOutUntil", { time: clockTime(x.until - state.clockOffset) })}
            </span>
          </li>
        ))}
        {bans.map((b) => (
          <li key={`b-${b.userId}`} data-testid="ban-item">
            <span>
              <strong>
                <Named id={b.userId} name={name(b.userId, b.name)} />
              </strong>{" "}
              {t("studio.chat.banned")}
            </span>
            <button
              type="button"
              class="btn btn-tiny btn-secondary"
              data-testid="unban-user"
              onClick={() => props.send({ type: "mod.unban", userId: b.userId })}
            >
              {t("studio.chat.unban")}
            </button>
          </li>
        ))}
      </ul>
    </div>
  );
}

/** The class's moderators (by email): list, add, remove. */
export function Moderators(props: { classId: string }) {
  const moderators = client.classes[":id"].moderators;
  const param = { id: encodeURIComponent(props.classId) };
  const [list, setList] = useState<ClassModerator[] | null>(null);
  const [email, setEmail] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    call(moderators.$get({ param })).then(
      (r) => setList(r.moderators),
      (err) => setError(errorMessage(err)),
    );
  }, [props.classId]);
  const add = async (e: Event) => {
    e.preventDefault();
    if (!email.trim()) return;
    setBusy(true);
    setError(null);
    try {
      const r = await call(moderators.$post({ param, json: { email: email.trim() } }));
      setList((l) => [...(l ?? []).filter((m) => m.email !== r.moderator.email), r.moderator]);
      setEmail("");
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };
  const remove = async (m: ClassModerator) => {
    setError(null);
    try {
      await call(moderators.$delete({ param, json: { email: m.email } }));
      setList((l) => (l ?? []).filter((x) => x.email !== m.email));
    } catch (err) {
      setError(errorMessage(err));
    }
  };
  return (
    <form class="studio-box studio-moderators" onSubmit={add} data-testid="moderators">
      <h3>{t("studio.mods.title")}</h3>
      <p class="muted">{t("studio.mods.hint")}</p>
      {list === null && !error ? <p class="muted">{t("common.loading")}</p> : null}
      {list && list.length > 0 ? (
        <ul class="plain-list">
          {list.map((m) => (
            <li key={m.email} data-testid="moderator-item">
              <span class="cell-email">{m.email}</span>
              <button
                type="button"
                class="btn btn-tiny btn-secondary"
                onClick={() => void remove(m)}
              >
                {t("studio.mods.remove")}
              </button>
            </li>
          ))}
        </ul>
      ) : null}
      {error ? <Notice>{error}</Notice> : null}
      <div class="inline">
        <label class="visually-hidden" for="moderator-email">
          {t("studio.mods.email")}
        </label>
        <input
          id="moderator-email"
          type="email"
          placeholder={t("studio.mods.emailPlaceholder")}
          value={email}
          data-testid="moderator-email"
          onInput={(e) => setEmail(e.currentTarget.value)}
        />
        <button type="submit" class="btn btn-small btn-secondary" disabled={busy}>
          {t("studio.mods.add")}
        </button>
      </div>
    </form>
  );
}
