import { useState } from "preact/hooks";
import { CHAT_MAX_CHARS } from "../../protocol/realtime.constants.ts";
import { isolate, UserText } from "../components/UserText.tsx";
import { rich, t } from "../i18n/student.ts";
import { useNow } from "../lib/classroom-hooks.ts";
import type { ClassroomSocket } from "../lib/classroom-socket.ts";
import { type ClassroomState, cooldownUntil, isTimedOut } from "../lib/classroom-state.ts";
import { clockTime, rejectionText, secondsLeft } from "./chat-text.ts";

/**
 * The student's message box: character count, slow-mode countdown, timeout notice,
 * and the server's typed refusal of the last message, shown inline.
 */
export function ChatComposer(props: {
  state: ClassroomState;
  socket: ClassroomSocket;
  placeholder: string;
  onSent?: () => void;
}) {
  const { state, socket } = props;
  const [text, setText] = useState("");
  const cooldown = cooldownUntil(state);
  const rejection = state.lastRejection;
  const ticking =
    cooldown > Date.now() ||
    (state.timeoutUntil ?? 0) > Date.now() ||
    (rejection?.until ?? 0) > Date.now();
  const now = useNow(ticking);
  const timedOut = isTimedOut(state, now);
  const wait = cooldown > now ? secondsLeft(cooldown, now) : 0;
  const connected = state.conn === "connected";
  const length = [...text.trim()].length;
  const tooLong = length > CHAT_MAX_CHARS;
  const canSend = connected && !timedOut && wait === 0 && length > 0 && !tooLong;

  const submit = (e: Event) => {
    e.preventDefault();
    if (!canSend) return;
    if (socket.sendChat(text.trim()) !== null) {
      setText("");
      props.onSent?.();
    }
  };

  return (
    <form class="composer" onSubmit={submit} data-testid="chat-composer">
      {timedOut && state.timeoutUntil !== null ? (
        <p class="composer-note composer-note-warn" role="alert" data-testid="timeout-notice">
          {rich("student.composer.timedOut", {
            time: clockTime(state.timeoutUntil),
            reason: state.timeoutReason
              ? t("student.composer.reason", { reason: isolate(state.timeoutReason) })
              : "",
          })}
        </p>
      ) : null}
      {rejection && !timedOut ? (
        <p
          class="composer-note composer-note-error"
          role="alert"
          data-testid="chat-rejection"
          data-reason={rejection.reason}
        >
          {rejectionText(rejection, now)}
          {rejection.text ? (
            <span class="composer-refused">
              {" "}
              “<UserText text={rejection.text} />”
            </span>
          ) : null}
        </p>
      ) : null}
      {wait > 0 && !timedOut && rejection?.reason !== "slow_mode" ? (
        <p class="composer-note" role="status" data-testid="slow-mode-countdown">
          {t("student.composer.slowWait", { wait })}
        </p>
      ) : null}
      <div class="composer-row">
        <label class="visually-hidden" for="chat-input">
          {t("student.composer.message")}
        </label>
        <input
          id="chat-input"
          type="text"
          autocomplete="off"
          enterkeyhint="send"
          placeholder={timedOut ? t("student.composer.timedOutShort") : props.placeholder}
          value={text}
          disabled={timedOut}
          aria-describedby="chat-count"
          data-testid="chat-input"
          onInput={(e) => setText(e.currentTarget.value)}
        />
        <button
          type="submit"
          class="btn btn-primary composer-send"
          disabled={!canSend}
          data-testid="chat-send"
        >
          {wait > 0 ? t("common.seconds", { n: wait }) : t("student.composer.send")}
        </button>
      </div>
      <p class="composer-meta">
        <span>
          {connected
            ? state.settings.slowModeSec > 0
              ? t("student.composer.slowMode", { sec: state.settings.slowModeSec })
              : "\u00a0"
            : t("student.composer.offline")}
        </span>
        <span
          id="chat-count"
          class={`composer-count${tooLong ? " composer-count-over" : length > CHAT_MAX_CHARS - 50 ? " composer-count-near" : ""}`}
          data-testid="chat-count"
        >
          {t("student.composer.count", { n: length, max: CHAT_MAX_CHARS })}
        </span>
      </p>
    </form>
  );
}
