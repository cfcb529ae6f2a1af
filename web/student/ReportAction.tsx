/**
 * The "Report" action under a chat message (not one's own): pick a reason, and the
 * message goes to the staff's moderation queue (`chat.report`, protocol/social.ts).
 * Once the server took it, the action reads "Reported".
 */
import { useState } from "preact/hooks";
import type { ChatMessage } from "../../protocol/realtime.ts";
import { REPORT_REASONS, type ReportReason } from "../../protocol/social.constants.ts";
import type { ClassroomSocket } from "../lib/classroom-socket.ts";
import type { ClassroomState } from "../lib/classroom-state.ts";

const LABEL: Record<ReportReason, string> = {
  spam: "Spam",
  abuse: "Abuse",
  off_topic: "Off topic",
  other: "Other",
};

let ridCounter = 0;

export function ReportAction(props: {
  message: ChatMessage;
  state: ClassroomState;
  socket: ClassroomSocket;
}) {
  const { message: m, state, socket } = props;
  const [open, setOpen] = useState(false);
  if (state.you && m.from.id === state.you.id) return null;
  if (state.reported[m.id])
    return (
      <span class="muted chat-reported" data-testid="reported">
        Reported
      </span>
    );
  if (!open)
    return (
      <button
        type="button"
        class="btn btn-tiny btn-quiet"
        data-testid="report-message"
        aria-label="Report this message"
        onClick={() => setOpen(true)}
      >
        Report
      </button>
    );
  return (
    <fieldset class="report-menu">
      <legend class="muted">Why report it?</legend>
      {REPORT_REASONS.map((reason) => (
        <button
          key={reason}
          type="button"
          class="btn btn-tiny btn-secondary"
          data-testid="report-reason"
          data-reason={reason}
          onClick={() => {
            socket.send({
              type: "chat.report",
              messageId: m.id,
              reason,
              rid: `report-${++ridCounter}`,
            });
            setOpen(false);
          }}
        >
          {LABEL[reason]}
        </button>
      ))}
      <button type="button" class="btn btn-tiny btn-quiet" onClick={() => setOpen(false)}>
        Cancel
      </button>
    </fieldset>
  );
}
