/**
 * Cloudflare Turnstile for sign-up and guest join: when the server requires it
 * (`GET /api/auth/config` has a site key), renders the widget and hands its token up;
 * otherwise renders nothing and reports `ready` at once. A token verifies once, so a form
 * that failed asks for a fresh one by bumping `resetKey`.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import type { AuthConfig } from "../../protocol/api.ts";
import { t } from "../i18n/common.ts";
import { locale } from "../i18n/core.ts";
import { call, client } from "../lib/api.ts";

interface TurnstileApi {
  render(el: HTMLElement, opts: Record<string, unknown>): string;
  reset(id: string): void;
  remove(id: string): void;
}

declare global {
  interface Window {
    turnstile?: TurnstileApi;
  }
}

const SCRIPT = "https://challenges.cloudflare.com/turnstile/v0/api.js?render=explicit";
let config: Promise<AuthConfig> | null = null;
let script: Promise<TurnstileApi> | null = null;

function loadScript(): Promise<TurnstileApi> {
  script ??= new Promise((resolve, reject) => {
    const el = document.createElement("script");
    el.src = SCRIPT;
    el.async = true;
    el.onload = () => (window.turnstile ? resolve(window.turnstile) : reject(new Error("no api")));
    el.onerror = () => reject(new Error("Turnstile did not load"));
    document.head.append(el);
  });
  return script;
}

/**
 * The widget. `onToken(null)` means "no token (yet)"; with Turnstile off it is called once
 * with `undefined`, meaning none is needed.
 */
export function Turnstile(props: {
  onToken: (token: string | null | undefined) => void;
  resetKey?: number;
}) {
  const box = useRef<HTMLDivElement>(null);
  const widget = useRef<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const { onToken } = props;

  useEffect(() => {
    let gone = false;
    config ??= call(client.auth.config.$get()).catch(() => ({ turnstileSiteKey: null }));
    void config.then(async ({ turnstileSiteKey }) => {
      if (gone) return;
      if (!turnstileSiteKey) return onToken(undefined);
      onToken(null);
      try {
        const api = await loadScript();
        if (gone || !box.current) return;
        widget.current = api.render(box.current, {
          sitekey: turnstileSiteKey,
          language: locale(),
          callback: (token: string) => onToken(token),
          "expired-callback": () => onToken(null),
          "error-callback": () => onToken(null),
        });
      } catch {
        setError(t("common.turnstile.failed"));
      }
    });
    return () => {
      gone = true;
      if (widget.current) window.turnstile?.remove(widget.current);
      widget.current = null;
    };
  }, [onToken]);

  useEffect(() => {
    if (props.resetKey && widget.current && window.turnstile) {
      window.turnstile.reset(widget.current);
      onToken(null);
    }
  }, [props.resetKey, onToken]);

  return (
    <div class="turnstile" data-testid="turnstile">
      <div ref={box} />
      {error ? <p class="field-error">{error}</p> : null}
    </div>
  );
}
