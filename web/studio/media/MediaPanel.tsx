/**
 * The teacher's media studio: pick a screen, camera and microphone (capture,
 * use-capture.ts), arrange them (layout, use-layout.ts), go live over WHIP and watch the
 * stream's health (publishing, use-publishing.ts), or get a token to stream from OBS.
 * This component only composes them.
 */
import { useRef } from "preact/hooks";
import type { ClassDetail } from "../../../protocol/api.ts";
import { Notice } from "../../components/Notice.tsx";
import { t } from "../../i18n/studio.ts";
import { compositorSupported } from "./compositor.ts";
import { LayoutPicker } from "./LayoutPicker.tsx";
import { ObsInstructions } from "./ObsInstructions.tsx";
import { GoLiveControls, LiveBadge, StreamStats } from "./PublishControls.tsx";
import { SourceControls } from "./SourceControls.tsx";
import { useCapture } from "./use-capture.ts";
import { type MediaEngine, useLayout } from "./use-layout.ts";
import { type OnBridgeHealth, usePublishing } from "./use-publishing.ts";

export type { LiveState, OnBridgeHealth, StreamHealth } from "./use-publishing.ts";

/**
 * What the studio cockpit's keyboard shortcuts can ask of the media panel. The panel
 * fills it in on every render, so it always acts on the current sources.
 */
export interface MediaActions {
  /** Mute or unmute the microphone; returns whether it is muted now, or null with no microphone on. */
  toggleMic(): boolean | null;
}

/**
 * The media studio panel. Hooks run in this order on purpose: on unmount, publishing
 * DELETEs the WHIP session before the compositor and mixer stop.
 */
export function MediaPanel(props: {
  cls: ClassDetail;
  onBridgeHealth?: OnBridgeHealth;
  /** Filled in for the cockpit's shortcuts (mute). */
  actions?: { current: MediaActions | null };
}) {
  const { cls } = props;
  const supported = compositorSupported();
  const engine = useRef<MediaEngine | null>(null);
  const preview = useRef<HTMLVideoElement>(null);
  const drawnFps = useRef<number | null>(null);

  const capture = useCapture(() => engine.current?.mixer.resume());
  const hasAnyVideo = !!capture.screen || !!capture.camera;
  const publishing = usePublishing({
    classId: cls.id,
    engine,
    ready: supported && hasAnyVideo,
    drawnFps,
    onBridgeHealth: props.onBridgeHealth,
  });
  const mixing = useLayout(supported, engine, preview, capture);
  drawnFps.current = mixing.composite?.fps ?? null;

  if (props.actions)
    props.actions.current = {
      toggleMic: () => (capture.mic ? mixing.toggleMute("mic") : null),
    };

  if (!supported) {
    return (
      <section class="card media-panel" aria-labelledby="media-title" data-testid="media-panel">
        <h2 id="media-title">{t("studio.media.goLive")}</h2>
        <Notice kind="info">{t("studio.media.unsupported")}</Notice>
        <ObsInstructions cls={cls} />
      </section>
    );
  }

  return (
    <section class="card media-panel" aria-labelledby="media-title" data-testid="media-panel">
      <div class="media-head">
        <h2 id="media-title">{t("studio.media.goLive")}</h2>
        <LiveBadge live={publishing.live} />
      </div>
      <div class="media-grid">
        <div class="media-preview">
          <div class="media-preview-frame">
            <video
              ref={preview}
              autoplay
              muted
              playsInline
              data-testid="studio-preview"
              aria-label={t("studio.media.previewLabel")}
            />
            {!hasAnyVideo ? (
              <p class="media-preview-empty">{t("studio.media.previewEmpty")}</p>
            ) : null}
          </div>
          <LayoutPicker layout={mixing.layout} onChange={mixing.setLayout} />
        </div>

        <div class="media-controls">
          <SourceControls capture={capture} mixing={mixing} mixer={engine.current?.mixer ?? null} />
          <GoLiveControls publishing={publishing} hasAnyVideo={hasAnyVideo} />
        </div>
      </div>

      <StreamStats
        live={publishing.live}
        stats={publishing.stats}
        composite={mixing.composite}
        health={publishing.health}
        healthAvailable={!!props.onBridgeHealth}
      />
      <ObsInstructions cls={cls} />
    </section>
  );
}
