import type { ComponentChildren } from "preact";
import type { SessionUser } from "../../protocol/api.ts";
import { t } from "../i18n/common.ts";
import { signOut } from "../lib/session.ts";
import { LanguagePicker } from "./LanguagePicker.tsx";
import { UserText } from "./UserText.tsx";

/**
 * Moves keyboard focus to the page's `<main id="main">` (every page has one), the skip
 * link's target; without script the link still jumps to `#main`.
 */
function skipToMain(e: MouseEvent) {
  const main = document.querySelector<HTMLElement>("main");
  if (!main) return;
  e.preventDefault();
  if (!main.hasAttribute("tabindex")) main.setAttribute("tabindex", "-1");
  main.focus();
  main.scrollIntoView();
}

/**
 * The top bar on every page: a skip link (first in the tab order, shown when focused),
 * brand, optional navigation, who is signed in, and the language menu.
 */
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
      {/* biome-ignore lint/a11y/useValidAnchor: a skip link is in-page navigation (to <main id="main">); the handler also moves keyboard focus there */}
      <a class="skip-link" href="#main" onClick={skipToMain} data-testid="skip-link">
        {t("common.skipToMain")}
      </a>
      <a class="brand" href="/">
        <span class="brand-mark" aria-hidden="true">
          {t("common.brandMark")}
        </span>
        <span class="brand-name">{t("common.brand")}</span>
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
            {props.signOutLabel ?? t("common.signOut")}
          </button>
        </div>
      ) : null}
      <LanguagePicker />
    </header>
  );
}
