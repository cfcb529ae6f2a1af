import { useEffect, useState } from "preact/hooks";
import type { YouTubeConnection } from "../../protocol/youtube.ts";
import { Notice } from "../components/Notice.tsx";
import { call, client, errorMessage } from "../lib/api.ts";

/** What `/api/youtube/callback` sent back (`/studio?youtube=…&reason=…`), in words. */
const CALLBACK_REASONS: Record<string, string> = {
  state:
    "The YouTube sign-in expired or was started in another window. Click Connect YouTube to try again.",
  denied: "You declined access on Google's screen, so YouTube is not connected.",
  scope:
    "Google did not grant access to manage your YouTube live streams. Connect again and allow it.",
  offline: "Google did not grant lasting access. Connect again and allow it.",
  google: "Google could not complete the sign-in. Try again in a minute.",
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
    ? { kind: "success", text: "YouTube is connected. Go live sets up each class's broadcast." }
    : { kind: "error", text: CALLBACK_REASONS[reason] ?? CALLBACK_REASONS.google! };
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
    if (
      !confirm("Disconnect YouTube? Mass Class will no longer create broadcasts on your channel.")
    )
      return;
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
        text: "YouTube is disconnected and Mass Class's access revoked.",
      });
    } catch (err) {
      setNotice({ kind: "error", text: errorMessage(err) });
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class="card youtube-connect" data-testid="youtube-connect" aria-label="YouTube">
      {notice ? (
        <Notice kind={notice.kind} testId="youtube-notice">
          {notice.text}
        </Notice>
      ) : null}
      {conn.connected ? (
        <p>
          <strong>YouTube connected</strong>
          {conn.channelTitle ? <> as “{conn.channelTitle}”</> : null}. Go live creates each class's
          broadcast and sends students its video; no stream key to copy.{" "}
          <button type="button" class="btn btn-small" disabled={busy} onClick={disconnect}>
            Disconnect
          </button>
        </p>
      ) : (
        <p>
          Connect your YouTube channel once, and Go live sets up each class's YouTube broadcast by
          itself.{" "}
          <a
            class="btn btn-primary btn-small"
            href="/api/youtube/connect"
            data-testid="youtube-connect-link"
          >
            Connect YouTube
          </a>
        </p>
      )}
    </section>
  );
}
