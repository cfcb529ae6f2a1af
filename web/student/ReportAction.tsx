/**
 * The "Report" action under a chat message (not one's own): pick a reason, and the
 * message goes to the staff's moderation queue (`chat.report`, protocol/social.ts).
 * Once the server took it, the action reads "Reported".
 */
import { useState } from "preact/hooks";
import type { ChatMessage } from "../../protocol/realtime.ts";
import { REPORT_REASONS } from "../../protocol/social.constants.ts";
import { t } from "../i18n/student.ts";
import type { ClassroomSocket } from "../lib/classroom-socket.ts";
import type { ClassroomState } from "../lib/classroom-state.ts";

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
        {t("student.report.done")}
      </span>
    );
  if (!open)
    return (
      <button
        type="button"
        class="btn btn-tiny btn-quiet"
        data-testid="report-message"
        aria-label={t("student.report.label")}
        onClick={() => setOpen(true)}
      >
        {t("student.report.action")}
      </button>
    );
  return (
    <fieldset class="report-menu">
      <legend class="muted">{t("student.report.why")}</legend>
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
          {t(`student.report.${reason}`)}
        </button>
      ))}
      <button type="button" class="btn btn-tiny btn-quiet" onClick={() => setOpen(false)}>
        {t("common.cancel")}
      </button>
    </fieldset>
  );
}
