import { useState } from "preact/hooks";
import type { ClassDetail } from "../../../protocol/api.ts";
import { CopyButton } from "../../components/CopyButton.tsx";
import { Notice } from "../../components/Notice.tsx";
import { rich, t } from "../../i18n/studio.ts";
import { call, client, errorMessage } from "../../lib/api.ts";

/** The protocol OBS calls its service by (a name, not a word to translate). */
const SERVICE = "WHIP";

/** OBS (or any WHIP encoder) instructions: the WHIP URL and a one-time stream token. */
export function ObsInstructions(props: { cls: ClassDetail }) {
  const whipUrl = `${location.origin}/whip/${props.cls.id}`;
  const [token, setToken] = useState<{ token: string; whipUrl: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const getToken = async () => {
    setBusy(true);
    setError(null);
    try {
      setToken(
        await call(
          client.classes[":id"]["stream-token"].$post({
            param: { id: encodeURIComponent(props.cls.id) },
          }),
        ),
      );
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <details class="media-obs" data-testid="obs-instructions">
      <summary>{t("studio.obs.summary")}</summary>
      <ol>
        <li>{rich("studio.obs.step1", { service: <strong>{SERVICE}</strong> })}</li>
        <li>
          {t("studio.obs.server")}{" "}
          <code class="media-code" data-testid="whip-url">
            {token?.whipUrl ?? whipUrl}
          </code>{" "}
          <CopyButton
            text={token?.whipUrl ?? whipUrl}
            label={t("studio.obs.copyUrl")}
            testId="copy-whip-url"
          />
        </li>
        <li>{t("studio.obs.token")}</li>
        <li>{t("studio.obs.output")}</li>
      </ol>
      {error ? <Notice>{error}</Notice> : null}
      {token ? (
        <div class="media-token">
          <input
            type="text"
            readOnly
            value={token.token}
            aria-label={t("studio.obs.tokenLabel")}
            data-testid="stream-token"
            onFocus={(e) => (e.target as HTMLInputElement).select()}
          />
          <CopyButton
            text={token.token}
            label={t("studio.obs.copyToken")}
            testId="copy-stream-token"
          />
          <button type="button" class="btn btn-quiet btn-small" onClick={() => setToken(null)}>
            {t("studio.qa.hide")}
          </button>
        </div>
      ) : (
        <button
          type="button"
          class="btn btn-secondary btn-small"
          disabled={busy}
          data-testid="get-stream-token"
          onClick={getToken}
        >
          {t(busy ? "studio.obs.getting" : "studio.obs.get")}
        </button>
      )}
    </details>
  );
}
