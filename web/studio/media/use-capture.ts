/**
 * Capture, for the media studio: which screen, camera and microphone are on, the devices
 * the teacher can switch between, and the last capture error in words they can act on.
 * Tracks are this hook's: it stops a track when it is replaced, turned off, or the studio
 * closes. (The capture calls themselves are in capture.ts.)
 */
import { useEffect, useState } from "preact/hooks";
import {
  captureCamera,
  captureErrorMessage,
  captureMic,
  captureScreen,
  type Device,
  listDevices,
} from "./capture.ts";

export interface Capture {
  screen: MediaStream | null;
  camera: MediaStreamTrack | null;
  mic: MediaStreamTrack | null;
  devices: { cameras: Device[]; mics: Device[] };
  /** Why the last capture failed, for the teacher; null after a new attempt starts. */
  error: string | null;
  shareScreen(): Promise<void>;
  startCamera(deviceId?: string): Promise<void>;
  startMic(deviceId?: string): Promise<void>;
  stopScreen(): void;
  stopCamera(): void;
  stopMic(): void;
}

/**
 * @param onGesture called at the start of every capture click, while the browser still
 *   counts it as a user gesture (the audio mixer resumes its AudioContext then).
 */
export function useCapture(onGesture: () => void): Capture {
  const [screen, setScreen] = useState<MediaStream | null>(null);
  const [camera, setCamera] = useState<MediaStreamTrack | null>(null);
  const [mic, setMic] = useState<MediaStreamTrack | null>(null);
  const [devices, setDevices] = useState<{ cameras: Device[]; mics: Device[] }>({
    cameras: [],
    mics: [],
  });
  const [error, setError] = useState<string | null>(null);

  // Stop the tracks that are replaced or left behind.
  useEffect(() => () => camera?.stop(), [camera]);
  useEffect(() => () => mic?.stop(), [mic]);
  useEffect(
    () => () => {
      for (const t of screen?.getTracks() ?? []) t.stop();
    },
    [screen],
  );

  const shareScreen = async () => {
    onGesture();
    setError(null);
    try {
      const s = await captureScreen();
      // The browser's own "Stop sharing" bar ends the track; drop the source when it does.
      s.getVideoTracks()[0]?.addEventListener("ended", () =>
        setScreen((cur) => (cur === s ? null : cur)),
      );
      setScreen(s);
    } catch (err) {
      setError(captureErrorMessage(err, "screen"));
    }
  };

  const startCamera = async (deviceId?: string) => {
    onGesture();
    setError(null);
    try {
      setCamera(await captureCamera(deviceId));
    } catch (err) {
      setError(captureErrorMessage(err, "camera"));
    }
    setDevices(await listDevices().catch(() => devices));
  };

  const startMic = async (deviceId?: string) => {
    onGesture();
    setError(null);
    try {
      setMic(await captureMic(deviceId));
    } catch (err) {
      setError(captureErrorMessage(err, "microphone"));
    }
    setDevices(await listDevices().catch(() => devices));
  };

  return {
    screen,
    camera,
    mic,
    devices,
    error,
    shareScreen,
    startCamera,
    startMic,
    stopScreen: () => setScreen(null),
    stopCamera: () => setCamera(null),
    stopMic: () => setMic(null),
  };
}
