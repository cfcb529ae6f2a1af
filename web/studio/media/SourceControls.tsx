/**
 * Capture controls for the media studio: turn the screen, camera and microphone on and
 * off, pick devices, and mute each sound source with its level meter beside it.
 */
import { useEffect, useRef } from "preact/hooks";
import { Notice } from "../../components/Notice.tsx";
import { t } from "../../i18n/studio.ts";
import type { AudioMixer, AudioSourceId } from "./audio-mixer.ts";
import type { Device } from "./capture.ts";
import type { Capture } from "./use-capture.ts";
import type { LayoutControls } from "./use-layout.ts";

/** Sources (screen, camera, microphone) and Sound (a meter and mute per audio source). */
export function SourceControls(props: {
  capture: Capture;
  mixing: Pick<LayoutControls, "muted" | "toggleMute">;
  mixer: AudioMixer | null;
}) {
  const { capture, mixing, mixer } = props;
  const { screen, camera, mic, devices } = capture;
  const screenAudio = !!screen && screen.getAudioTracks().length > 0;
  return (
    <>
      <h3>{t("studio.media.sources")}</h3>
      {capture.error ? <Notice>{capture.error}</Notice> : null}
      <div class="media-source">
        <span class="media-source-name">{t("studio.media.screen")}</span>
        <button
          type="button"
          class="btn btn-secondary btn-small"
          data-testid="share-screen"
          onClick={capture.shareScreen}
        >
          {t(screen ? "studio.media.shareAnother" : "studio.media.shareScreen")}
        </button>
        {screen ? (
          <button
            type="button"
            class="btn btn-quiet btn-small"
            data-testid="stop-screen"
            onClick={capture.stopScreen}
          >
            {t("studio.media.stop")}
          </button>
        ) : null}
      </div>
      <DevicePicker
        label={t("studio.media.camera")}
        testId="camera"
        devices={devices.cameras}
        active={camera}
        onStart={capture.startCamera}
        onStop={capture.stopCamera}
      />
      <DevicePicker
        label={t("studio.media.mic")}
        testId="mic"
        devices={devices.mics}
        active={mic}
        onStart={capture.startMic}
        onStop={capture.stopMic}
      />

      <h3>{t("studio.media.sound")}</h3>
      <AudioRow
        label={t("studio.media.mic")}
        id="mic"
        present={!!mic}
        muted={mixing.muted.mic}
        mixer={mixer}
        onToggle={() => mixing.toggleMute("mic")}
      />
      <AudioRow
        label={t("studio.media.screenAudio")}
        id="screen"
        present={screenAudio}
        muted={mixing.muted.screen}
        mixer={mixer}
        onToggle={() => mixing.toggleMute("screen")}
      />
    </>
  );
}

function DevicePicker(props: {
  label: string;
  testId: string;
  devices: Device[];
  active: MediaStreamTrack | null;
  onStart: (deviceId?: string) => void;
  onStop: () => void;
}) {
  const { active } = props;
  const current = active?.getSettings().deviceId ?? "";
  return (
    <div class="media-source">
      <span class="media-source-name">{props.label}</span>
      {active && props.devices.length > 0 ? (
        <select
          class="media-device"
          aria-label={t("studio.media.device", { source: props.label })}
          data-testid={`${props.testId}-device`}
          value={current}
          onChange={(e) => props.onStart((e.target as HTMLSelectElement).value)}
        >
          {props.devices.map((d) => (
            <option key={d.id} value={d.id}>
              {d.label}
            </option>
          ))}
        </select>
      ) : null}
      {active ? (
        <button
          type="button"
          class="btn btn-quiet btn-small"
          data-testid={`stop-${props.testId}`}
          onClick={props.onStop}
        >
          {t("studio.media.turnOff")}
        </button>
      ) : (
        <button
          type="button"
          class="btn btn-secondary btn-small"
          data-testid={`start-${props.testId}`}
          onClick={() => props.onStart()}
        >
          {t("studio.media.turnOn")}
        </button>
      )}
    </div>
  );
}

/** A source's level meter and mute toggle. The meter paints from rAF, outside Preact renders. */
function AudioRow(props: {
  label: string;
  id: AudioSourceId;
  present: boolean;
  muted: boolean;
  mixer: AudioMixer | null;
  onToggle: () => void;
}) {
  const bar = useRef<HTMLSpanElement>(null);
  useEffect(() => {
    if (!props.present || !props.mixer) return;
    const mixer = props.mixer;
    let raf = 0;
    const paint = () => {
      if (bar.current) bar.current.style.transform = `scaleX(${mixer.level(props.id).toFixed(3)})`;
      raf = requestAnimationFrame(paint);
    };
    raf = requestAnimationFrame(paint);
    return () => cancelAnimationFrame(raf);
  }, [props.present, props.mixer, props.id]);
  return (
    <div class={`media-audio${props.muted ? " is-muted" : ""}`} data-testid={`audio-${props.id}`}>
      <span class="media-source-name">{props.label}</span>
      <span class="media-meter" aria-hidden="true">
        <span class="media-meter-bar" ref={bar} />
      </span>
      {props.present ? (
        <button
          type="button"
          class="btn btn-quiet btn-small"
          aria-pressed={props.muted}
          data-testid={`mute-${props.id}`}
          onClick={props.onToggle}
        >
          {t(props.muted ? "studio.media.unmute" : "studio.media.mute")}
        </button>
      ) : (
        <span class="muted media-absent">
          {t(props.id === "mic" ? "studio.chat.slowOff" : "studio.media.noneShared")}
        </span>
      )}
    </div>
  );
}
