/**
 * The page side of the studio compositor: one 1280×720 video track made from the
 * shared screen and the webcam, composited in a Worker (see compositor-worker.ts).
 * Layout and sources change live; the output track stays the same, so a live
 * WebRTC sender never renegotiates.
 */

import { t } from "../../i18n/studio.ts";
import type { CompositorCommand, CompositorEvent, Slot } from "./compositor-worker.ts";
import type { Layout } from "./layout.ts";

/** Whether this browser can composite without main-thread timers (Chromium: Chrome, Edge, Opera). */
export function compositorSupported(): boolean {
  return (
    typeof MediaStreamTrackProcessor === "function" &&
    typeof MediaStreamTrackGenerator === "function" &&
    typeof OffscreenCanvas === "function" &&
    typeof VideoFrame === "function"
  );
}

/** Composites screen + camera into {@link Compositor.track}. Call {@link Compositor.stop} when done. */
export class Compositor {
  /** The composite video track to send; lives until {@link stop}. */
  readonly track: MediaStreamTrack;
  /** Once a second: frames the worker wrote, and the mean ms it took to draw one. */
  onFps: ((fps: number, drawMs: number) => void) | null = null;
  private worker: Worker;
  private generator: MediaStreamTrackGenerator;
  private inputs: Partial<Record<Slot, MediaStreamTrack>> = {};

  constructor(layout: Layout) {
    this.generator = new MediaStreamTrackGenerator({ kind: "video" });
    // Screen content: keep text sharp; pairs with degradationPreference "maintain-resolution".
    this.generator.contentHint = "detail";
    this.track = this.generator;
    this.worker = new Worker(new URL("./compositor-worker.ts", import.meta.url), {
      type: "module",
      name: "studio-compositor",
    });
    this.worker.onmessage = (e: MessageEvent<CompositorEvent>) => {
      if (e.data.type === "fps") this.onFps?.(e.data.fps, e.data.drawMs);
    };
    const output = this.generator.writable;
    const slates = {
      shareScreen: t("studio.media.slate.share"),
      startingSoon: t("studio.media.slate.soon"),
    };
    this.post({ type: "init", output, slates }, [output]);
    this.setLayout(layout);
  }

  /** Use `track` (or nothing) as the screen or camera picture. */
  setSource(slot: Slot, track: MediaStreamTrack | null): void {
    this.inputs[slot]?.stop();
    delete this.inputs[slot];
    if (!track) {
      this.post({ type: "source", slot, readable: null });
      return;
    }
    // A clone, so cancelling the processor never ends the track the preview shows.
    const clone = track.clone();
    this.inputs[slot] = clone;
    const readable = new MediaStreamTrackProcessor({ track: clone, maxBufferSize: 1 }).readable;
    this.post({ type: "source", slot, readable }, [readable]);
  }

  /** Switch layout; takes effect on the next frame. */
  setLayout(layout: Layout): void {
    this.post({ type: "layout", layout });
  }

  /** Stop compositing and end the output track. */
  stop(): void {
    this.post({ type: "stop" });
    for (const t of Object.values(this.inputs)) t.stop();
    this.inputs = {};
    this.track.stop();
    // Give the worker a moment to close its writer before it goes.
    setTimeout(() => this.worker.terminate(), 500);
  }

  private post(msg: CompositorCommand, transfer: Transferable[] = []): void {
    this.worker.postMessage(msg, transfer);
  }
}
