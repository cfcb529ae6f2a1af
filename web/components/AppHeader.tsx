import type { ComponentChildren } from "preact";
import type { SessionUser } from "../../protocol/api.ts";
import { signOut } from "../lib/session.ts";
import { UserText } from "./UserText.tsx";

/** The top bar on every page: brand, optional navigation, and who is signed in. */
export function AppHeader(props: {
  user?: SessionUser | null;
  /** Label of the sign-out button ("Leave class" for guests, say). */
  signOutLabel?: string;
  /** Where to go after signing out. */
  signOutTo?: string;
  children?: ComponentChildren;
}) {
  const { user } = props;
  return (
    <header class="app-header">
      <a class="brand" href="/">
        <span class="brand-mark" aria-hidden="true">
          M
        </span>
        <span class="brand-name">Mass Class</span>
      </a>
      {props.children ? <nav class="app-nav">{props.children}</nav> : null}
      {user ? (
        <div class="app-user">
          <span class="app-user-name" data-testid="current-user">
            <UserText text={user.displayName} clip />
          </span>
          <button
            type="button"
            class="btn btn-quiet"
            data-testid="sign-out"
            onClick={() => void signOut(props.signOutTo)}
          >
            {props.signOutLabel ?? "Sign out"}
          </button>
        </div>
      ) : null}
    </header>
  );
}
