/**
 * The studio's chat moderation controls, apart from the chat itself (StudioChat.tsx):
 * the feed of messages the rules held back, slow mode in one click, the chat settings
 * form, the list of time-outs and bans with their undo, and the class's moderators.
 */
import { useEffect, useState } from "preact/hooks";
import type { ClassModerator } from "../../protocol/api.ts";
import { SLOW_MODE_MAX_S as SLOW_MODE_MAX } from "../../protocol/realtime.constants.ts";
import type { ClientMessage, LinkPolicy } from "../../protocol/realtime.ts";
import { Named } from "../components/Named.tsx";
import { Notice } from "../components/Notice.tsx";
import { UserText } from "../components/UserText.tsx";
import { t } from "../i18n/studio.ts";
import { call, client, errorMessage } from "../lib/api.ts";
import { useNow } from "../lib/classroom-hooks.ts";
import type { ClassroomState } from "../lib/classroom-state.ts";
import { clockTime, REASON_LABEL } from "../student/chat-text.ts";

/** "Section 3" for `s3`; other ids as they are. */
export function sectionLabel(id: string): string {
  return /^s\d+$/.test(id) ? t("studio.chat.section", { n: id.slice(1) }) : id;
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
