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

const REPORT_LABEL: Record<string, string> = {
  spam: "spam",
  abuse: "abuse",
  off_topic: "off topic",
  other: "other",
};

function sectionLabel(id: string): string {
  if (id === "global") return "Everyone";
  return /^s\d+$/.test(id) ? `Section ${id.slice(1)}` : id;
}

function why(item: ModQueueItem): string {
  if (item.kind === "held") return `Held: ${REASON_LABEL[item.rule ?? "blocked_word"]}`;
  const reasons = Object.entries(item.reasons)
    .map(([r, n]) => `${REPORT_LABEL[r] ?? r}${n && n > 1 ? ` ×${n}` : ""}`)
    .join(", ");
  return `Reported ${item.reports}× · ${reasons}`;
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
        Moderation queue{" "}
        {q && q.pending > 0 ? (
          <span class="badge" data-testid="mod-queue-count">
            {q.pending}
          </span>
        ) : null}
      </h3>
      <p class="muted">
        Held and reported messages from every section, most urgent first.
        {q && q.overflow > 0 ? (
          <>
            {" "}
            <strong data-testid="mod-queue-overflow">
              {q.overflow} more arrived faster than the queue takes them
            </strong>{" "}
            (counted, not shown).
          </>
        ) : null}
      </p>
      {!q || q.items.length === 0 ? (
        <p class="muted" data-testid="mod-queue-empty">
          Nothing waiting.
        </p>
      ) : (
        <ol class="mod-queue-list" aria-label="Moderation queue">
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
                    Remove
                  </button>
                ) : null}
                <button
                  type="button"
                  class="btn btn-tiny btn-secondary"
                  data-testid="queue-timeout"
                  onClick={() => resolve(item, "timeout")}
                >
                  Time out 5 min
                </button>
                {confirmBan === item.id ? (
                  <button
                    type="button"
                    class="btn btn-tiny btn-danger"
                    data-testid="queue-confirm-ban"
                    onClick={() => resolve(item, "ban")}
                  >
                    Confirm ban
                  </button>
                ) : (
                  <button
                    type="button"
                    class="btn btn-tiny btn-danger"
                    data-testid="queue-ban"
                    onClick={() => setConfirmBan(item.id)}
                  >
                    Ban
                  </button>
                )}
                <button
                  type="button"
                  class="btn btn-tiny btn-quiet"
                  data-testid="queue-dismiss"
                  onClick={() => resolve(item, "dismiss")}
                >
                  Dismiss
                </button>
              </div>
            </li>
          ))}
        </ol>
      )}
      <div class="mod-peek">
        <div class="studio-row">
          <label for="peek-section">Peek at</label>
          <select
            id="peek-section"
            data-testid="peek-picker"
            value={peekAt}
            onChange={(e) => setPeekAt(e.currentTarget.value)}
          >
            <option value="">Choose a section…</option>
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
            {peek && peek.sectionId === peekAt ? "Refresh" : "Peek"}
          </button>
        </div>
        {peek ? (
          <>
            <p class="muted">
              {sectionLabel(peek.sectionId)} as of {clockTime(peek.at)} (read-only)
            </p>
            <ChatMessages
              messages={peek.messages}
              youId={null}
              label={`${sectionLabel(peek.sectionId)} peek`}
              empty="No messages in this section yet."
              testId="mod-peek"
            />
          </>
        ) : null}
      </div>
    </div>
  );
}
