import { rich, t } from "../i18n/common.ts";
import type { ConnState, EndReason } from "../lib/classroom-state.ts";
import { approxCount, connLabel } from "./chat-text.ts";

/**
 * The honest connection indicator: "Connected" only once the server has welcomed
 * this socket; "Reconnecting…" while the client backs off; "Offline" when the
 * browser is offline or the client has stopped.
 */
export function ConnectionStatus(props: { conn: ConnState; ended: EndReason | null }) {
  const state = props.ended === "banned" ? "ended" : props.conn;
  return (
    <span
      class={`conn conn-${state}`}
      role="status"
      data-testid="connection-status"
      data-state={state}
    >
      <span class="conn-dot" aria-hidden="true" />
      {connLabel(props.conn, props.ended)}
    </span>
  );
}

/** The approximate number of students in the class right now. */
export function LiveCount(props: { students: number }) {
  return (
    <span
      class="live-count"
      data-testid="live-count"
      data-count={props.students}
      title={t("common.live.title", { count: props.students })}
    >
      {rich("common.live.count", {
        n: (
          <>
            {approxCount(props.students)}
            <span class="visually-hidden"> {t("common.live.students")}</span>
          </>
        ),
      })}
    </span>
  );
}
