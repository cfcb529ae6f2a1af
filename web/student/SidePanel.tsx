import type { SessionUser } from "../../protocol/api.ts";

/** The side panel: chat, questions and polls arrive here with the realtime layer. */
export function SidePanel(props: { user: SessionUser }) {
  return (
    <aside class="side-panel card" aria-label="Class activity" data-testid="side-panel">
      <h2>Class activity</h2>
      <p>
        You are in as <strong data-testid="seat-name">{props.user.displayName}</strong>
        {props.user.role === "guest" ? " (guest)" : ""}.
      </p>
      <p class="muted">Chat, questions and polls open here when the class goes live.</p>
    </aside>
  );
}
