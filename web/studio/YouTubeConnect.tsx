import { useEffect, useState } from "preact/hooks";
import type { YouTubeConnection } from "../../protocol/youtube.ts";
import { Notice } from "../components/Notice.tsx";
import { UserText } from "../components/UserText.tsx";
import { type StudioKey, t } from "../i18n/studio.ts";
import { call, client, errorMessage } from "../lib/api.ts";

/** What `/api/youtube/callback` sent back (`/studio?youtube=…&reason=…`), in words. */
const CALLBACK_REASONS: Record<string, StudioKey> = {
  state: "studio.ytc.reason.state",
  denied: "studio.ytc.reason.denied",
  scope: "studio.ytc.reason.scope",
  offline: "studio.ytc.reason.offline",
  google: "studio.ytc.reason.google",
};

/** Read and clear the callback's outcome from the address bar. */
function takeCallbackOutcome(): { kind: "success" | "error"; text: string } | null {
  const url = new URL(location.href);
  const outcome = url.searchParams.get("youtube");
  if (!outcome) return null;
  const reason = url.searchParams.get("reason") ?? "";
  url.searchParams.delete("youtube");
  url.searchParams.delete("reason");
  history.replaceState(history.state, "", url.pathname + url.search + url.hash);
  return outcome === "connected"
    ? { kind: "success", text: t("studio.ytc.connected") }
    : { kind: "error", text: t(CALLBACK_REASONS[reason] ?? "studio.ytc.reason.google") };
}

/**
 * Connect YouTube once: the teacher's channel, connected with Google (a top-level
 * navigation to `/api/youtube/connect`), or disconnected (revoked at Google). Hidden
 * when the server has no Google OAuth client: then classes use a stream key.
 */
export function YouTubeConnect() {
  const [conn, setConn] = useState<YouTubeConnection | null>(null);
  const [notice, setNotice] = useState(takeCallbackOutcome);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    call(client.youtube.$get()).then(setConn, () => setConn(null));
  }, []);

  if (!conn?.configured) return notice ? <Notice kind={notice.kind}>{notice.text}</Notice> : null;

  const disconnect = async () => {
    if (!confirm(t("studio.ytc.confirmDisconnect"))) return;
    setBusy(true);
    try {
      setConn(
        await call(client.youtube.$delete()).then(() => ({
          ...conn,
          connected: false,
          channelId: null,
          channelTitle: null,
        })),
      );
      setNotice({
        kind: "success",
        text: t("studio.ytc.disconnected"),
      });
    } catch (err) {
      setNotice({ kind: "error", text: errorMessage(err) });
    } finally {
      setBusy(false);
    }
  };

  return (
    <section
      class="card youtube-connect"
      data-testid="youtube-connect"
      aria-label={t("studio.ytc.label")}
    >
      {notice ? (
        <Notice kind={notice.kind} testId="youtube-notice">
          {notice.text}
        </Notice>
      ) : null}
      {conn.connected ? (
        <p>
          <strong>{t("studio.ytc.connectedTitle")}</strong>
          {conn.channelTitle ? (
            <>
              {" "}
              {t("studio.ytc.asOpen")}
              <UserText text={conn.channelTitle} />
              {t("studio.ytc.asClose")}
            </>
          ) : null}
          {t("studio.ytc.connectedText")}{" "}
          <button type="button" class="btn btn-small" disabled={busy} onClick={disconnect}>
            {t("studio.ytc.disconnect")}
          </button>
        </p>
      ) : (
        <p>
          {t("studio.ytc.intro")}{" "}
          <a
            class="btn btn-primary btn-small"
            href="/api/youtube/connect"
            data-testid="youtube-connect-link"
          >
            {t("studio.ytc.connect")}
          </a>
        </p>
      )}
    </section>
  );
}
