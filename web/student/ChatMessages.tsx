import type { ComponentChildren } from "preact";
import { useLayoutEffect, useRef } from "preact/hooks";
import type { Author, ChatMessage } from "../../protocol/realtime.ts";
import { UserText } from "../components/UserText.tsx";
import { t } from "../i18n/common.ts";
import { clockTime } from "./chat-text.ts";

const ROLE_LABEL: Partial<Record<Author["role"], "common.role.teacher" | "common.role.moderator">> =
  {
    teacher: "common.role.teacher",
    moderator: "common.role.moderator",
  };

/**
 * A scrolling list of chat messages, newest at the bottom. It follows new messages
 * while the reader is at the bottom (also when the list shrinks or grows around them)
 * and stays put while they scroll back; the reader's own new message always shows. Every piece
 * of user text is a text node (Preact escapes it); nothing is parsed as HTML.
 */
export function ChatMessages(props: {
  messages: ChatMessage[];
  /** Our user id, to mark our own messages. */
  youId: string | null;
  label: string;
  empty: string;
  testId: string;
  /** Staff: per-message actions (delete, pin, timeout, ban). */
  actions?: (m: ChatMessage) => ComponentChildren;
}) {
  const list = useRef<HTMLOListElement>(null);
  const stick = useRef(true);
  const newest = props.messages.at(-1);
  const last = newest?.id;
  const ownLast = newest !== undefined && newest.from.id === props.youId;
  useLayoutEffect(() => {
    const el = list.current;
    if (!el) return;
    // Our own new message always comes into view, wherever the reader had scrolled.
    if (ownLast) stick.current = true;
    if (stick.current) el.scrollTop = el.scrollHeight;
  }, [last, props.messages.length]);
  useLayoutEffect(() => {
    const el = list.current;
    if (!el || typeof ResizeObserver === "undefined") return;
    // A banner (announcement, pin, time-out notice) or a keyboard shrinks the list without
    // a scroll event: keep a reader who was at the bottom there, or the newest message hides.
    const ro = new ResizeObserver(() => {
      if (stick.current) el.scrollTop = el.scrollHeight;
    });
    ro.observe(el);
    return () => ro.disconnect();
  }, []);
  return (
    <ol
      ref={list}
      class="chat-list"
      aria-label={props.label}
      aria-live="polite"
      aria-relevant="additions"
      data-testid={props.testId}
      // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be reachable by keyboard
      tabIndex={0}
      onScroll={(e) => {
        const el = e.currentTarget;
        stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < 40;
      }}
    >
      {props.messages.length === 0 ? <li class="chat-empty muted">{props.empty}</li> : null}
      {props.messages.map((m) => {
        const role = ROLE_LABEL[m.from.role];
        return (
          <li
            key={m.id}
            class={`chat-msg${m.from.id === props.youId ? " chat-msg-own" : ""}${role ? " chat-msg-staff" : ""}`}
            data-testid="chat-message"
            data-message-id={m.id}
            data-author-id={m.from.id}
          >
            <div class="chat-msg-head">
              <UserText text={m.from.name} clip class="chat-author" />
              {role ? <span class="chat-role">{t(role)}</span> : null}
              <time class="chat-time" dateTime={new Date(m.at).toISOString()}>
                {clockTime(m.at)}
              </time>
            </div>
            <p class="chat-text" data-testid="chat-text">
              <UserText text={m.text} />
            </p>
            {props.actions ? <div class="chat-actions">{props.actions(m)}</div> : null}
          </li>
        );
      })}
    </ol>
  );
}
