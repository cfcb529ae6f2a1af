/**
 * Layout, for the media studio: the compositor that draws the screen and camera into one
 * 1280×720 picture in the chosen layout (layout.ts), and the mixer that mixes microphone
 * and screen audio with a mute per source. Both live as long as the studio; the preview
 * shows the compositor's output, which is exactly what students get.
 */
import type { RefObject } from "preact";
import { useEffect, useState } from "preact/hooks";
import { AudioMixer, type AudioSourceId } from "./audio-mixer.ts";
import { Compositor } from "./compositor.ts";
import type { Layout } from "./layout.ts";

/** The outgoing picture and sound: what publishing sends. */
export interface MediaEngine {
  compositor: Compositor;
  mixer: AudioMixer;
}

/** The compositor's own frame rate and time per frame. */
export interface CompositeRate {
  fps: number;
  drawMs: number;
}

export interface LayoutControls {
  layout: Layout;
  setLayout(layout: Layout): void;
  muted: Record<AudioSourceId, boolean>;
  /** Flip a source's mute; returns whether it is muted now. */
  toggleMute(id: AudioSourceId): boolean;
  composite: CompositeRate | null;
}

/**
 * @param engine filled with the compositor and mixer while the studio is open (null when
 *   the browser cannot composite, `supported` false).
 * @param preview the video element that shows the composite.
 * @param sources the captured tracks to draw and mix (use-capture.ts).
 */
export function useLayout(
  supported: boolean,
  engine: { current: MediaEngine | null },
  preview: RefObject<HTMLVideoElement | null>,
  sources: {
    screen: MediaStream | null;
    camera: MediaStreamTrack | null;
    mic: MediaStreamTrack | null;
  },
): LayoutControls {
  const [layout, setLayout] = useState<Layout>({ kind: "pip", corner: "bottom-right" });
  const [muted, setMuted] = useState<Record<AudioSourceId, boolean>>({ mic: false, screen: false });
  const [composite, setComposite] = useState<CompositeRate | null>(null);

  useEffect(() => {
    if (!supported) return;
    const compositor = new Compositor(layout);
    const mixer = new AudioMixer();
    compositor.onFps = (fps, drawMs) => setComposite({ fps, drawMs });
    engine.current = { compositor, mixer };
    if (preview.current) preview.current.srcObject = new MediaStream([compositor.track]);
    return () => {
      compositor.stop();
      mixer.close();
      engine.current = null;
    };
  }, [supported]);

  const { screen, camera, mic } = sources;
  useEffect(() => {
    engine.current?.compositor.setSource("screen", screen?.getVideoTracks()[0] ?? null);
    engine.current?.mixer.setSource("screen", screen?.getAudioTracks()[0] ?? null);
  }, [screen]);
  useEffect(() => engine.current?.compositor.setSource("camera", camera), [camera]);
  useEffect(() => engine.current?.mixer.setSource("mic", mic), [mic]);
  useEffect(() => engine.current?.compositor.setLayout(layout), [layout]);

  const toggleMute = (id: AudioSourceId) => {
    const next = { ...muted, [id]: !muted[id] };
    setMuted(next);
    engine.current?.mixer.setMuted(id, next[id]);
    return next[id];
  };

  return { layout, setLayout, muted, toggleMute, composite };
}
