/** Screen, camera and microphone capture for the studio, with messages a teacher can act on. */
import { type StudioKey, t } from "../../i18n/studio.ts";

/** A capture device the teacher can pick. */
export interface Device {
  id: string;
  label: string;
}

/** Cameras and microphones; labels appear once the page has had camera/mic permission. */
export async function listDevices(): Promise<{ cameras: Device[]; mics: Device[] }> {
  const all = await navigator.mediaDevices.enumerateDevices();
  const pick = (kind: MediaDeviceKind, noun: StudioKey) =>
    all
      .filter((d) => d.kind === kind && d.deviceId)
      .map((d, i) => ({ id: d.deviceId, label: d.label || t(noun, { n: i + 1 }) }));
  return {
    cameras: pick("videoinput", "studio.capture.cameraN"),
    mics: pick("audioinput", "studio.capture.micN"),
  };
}

/** Ask for a screen, window or tab, with its audio when the browser offers it. */
export function captureScreen(): Promise<MediaStream> {
  return navigator.mediaDevices.getDisplayMedia({
    // No size or rate constraints: they put Chromium's frame adapter in the path, and
    // its frames cost the compositor several times more to draw (measured: 5–7 fps
    // instead of 15–29 under the same load). The compositor scales to 720p itself.
    video: true,
    audio: { echoCancellation: false, noiseSuppression: false, autoGainControl: false },
    // Chromium-only hints; other browsers ignore unknown keys.
    ...({
      systemAudio: "include",
      surfaceSwitching: "include",
      selfBrowserSurface: "exclude",
    } as object),
  });
}

/** Open a camera (video only), preferring 720p30. */
export async function captureCamera(deviceId?: string): Promise<MediaStreamTrack> {
  const s = await navigator.mediaDevices.getUserMedia({
    video: {
      ...(deviceId ? { deviceId: { exact: deviceId } } : {}),
      width: { ideal: 1280 },
      height: { ideal: 720 },
      frameRate: { ideal: 30 },
    },
  });
  return s.getVideoTracks()[0]!;
}

/** Open a microphone with the browser's voice processing on. */
export async function captureMic(deviceId?: string): Promise<MediaStreamTrack> {
  const s = await navigator.mediaDevices.getUserMedia({
    audio: {
      ...(deviceId ? { deviceId: { exact: deviceId } } : {}),
      echoCancellation: true,
      noiseSuppression: true,
      autoGainControl: true,
    },
  });
  return s.getAudioTracks()[0]!;
}

/** A sentence for a failed capture, by the DOMException name browsers use. */
export function captureErrorMessage(
  err: unknown,
  what: "screen" | "camera" | "microphone",
): string | null {
  const name = err instanceof DOMException ? err.name : "";
  const device = t(`studio.capture.device.${what}` as const);
  switch (name) {
    case "NotAllowedError":
      // Also what Chrome throws when the teacher closes the screen picker: not an error worth shouting.
      return what === "screen" ? null : t("studio.capture.blocked", { device });
    case "NotFoundError":
    case "OverconstrainedError":
      return t("studio.capture.notFound", { device });
    case "NotReadableError":
    case "AbortError":
      return t("studio.capture.busy", { device });
    default:
      return t("studio.capture.failed", { device });
  }
}
