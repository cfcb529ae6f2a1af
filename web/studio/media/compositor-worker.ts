/**
 * The studio compositor, in a dedicated Worker. It reads the screen and camera as
 * VideoFrame streams (MediaStreamTrackProcessor readables transferred from the page),
 * draws the chosen layout on an OffscreenCanvas on its own 30 fps timer, and writes
 * each composite frame to a MediaStreamTrackGenerator's writable — the track the
 * studio sends. Why a Worker: a hidden tab gets no requestAnimationFrame at all and
 * its main-thread timers drop to ~1 Hz, while a dedicated Worker's timers keep their
 * rate (docs/decisions/020-studio-compositor.md has the measurements).
 *
 * Drawing a VideoFrame is the expensive step on a CPU-only machine (a YUV→RGB
 * conversion of the whole source), so each source frame is drawn at most once: the
 * picture-in-picture camera into its own small layer, the main picture straight into
 * the output canvas, and a tick redraws only what got a new frame. Under picture-in-
 * picture the main (screen) picture is redrawn at most 15 times a second; the camera
 * and the output stay at 30.
 */
import { contain, type Layout, OUTPUT, pipRect } from "./layout.ts";

/** Messages from the page. */
export type CompositorCommand =
  | { type: "init"; output: WritableStream<VideoFrame>; slates: Slates }
  | { type: "source"; slot: Slot; readable: ReadableStream<VideoFrame> | null }
  | { type: "layout"; layout: Layout }
  | { type: "stop" };

/** Messages to the page, once a second: frames written, and the mean cost of drawing one. */
export type CompositorEvent = { type: "fps"; fps: number; drawMs: number };

export type Slot = "screen" | "camera";

/** What the picture says with no source, in the teacher's language (the worker has no catalog). */
export interface Slates {
  shareScreen: string;
  startingSoon: string;
}

interface Source {
  reader: ReadableStreamDefaultReader<VideoFrame>;
  latest: VideoFrame | null;
  /** `latest` has not been drawn yet. */
  fresh: boolean;
}

/** Under picture-in-picture, redraw the main picture at most this often (ms): screen content at 15 fps. */
const MAIN_UNDER_PIP_MIN_MS = 1000 / 15 - 5;

const scope = globalThis as unknown as {
  onmessage: ((e: MessageEvent<CompositorCommand>) => void) | null;
  postMessage(m: CompositorEvent): void;
};

const canvas = new OffscreenCanvas(OUTPUT.width, OUTPUT.height);
const ctx = canvas.getContext("2d", { alpha: false })!;
/** The picture-in-picture camera, drawn once per camera frame and stamped onto each composite. */
const pipLayer = new OffscreenCanvas(1, 1);
const pipCtx = pipLayer.getContext("2d", { alpha: false })!;
const sources: Partial<Record<Slot, Source>> = {};
let layout: Layout = { kind: "pip", corner: "bottom-right" };
let slates: Slates = { shareScreen: "", startingSoon: "" };
let writer: WritableStreamDefaultWriter<VideoFrame> | null = null;
let writing = false;
let timer: ReturnType<typeof setInterval> | null = null;
let written = 0;
let drawn = 0;
let drawTime = 0;
let fpsTimer: ReturnType<typeof setInterval> | null = null;
/** The layout or a source changed: the next composite redraws everything. */
let dirty = true;
/** When the main picture was last drawn into the output canvas. */
let mainDrawnAt = 0;

function setSource(slot: Slot, readable: ReadableStream<VideoFrame> | null): void {
  const old = sources[slot];
  if (old) {
    old.reader.cancel().catch(() => {});
    old.latest?.close();
    delete sources[slot];
  }
  dirty = true;
  if (!readable) return;
  const src: Source = { reader: readable.getReader(), latest: null, fresh: false };
  sources[slot] = src;
  void (async () => {
    for (;;) {
      let r: ReadableStreamReadResult<VideoFrame>;
      try {
        r = await src.reader.read();
      } catch {
        break;
      }
      if (r.done) break;
      // Keep only the newest frame; closing the rest returns their buffers to the capturer at once.
      if (sources[slot] !== src) {
        r.value.close();
        break;
      }
      src.latest?.close();
      src.latest = r.value;
      src.fresh = true;
    }
  })();
}

function draw(frame: VideoFrame, box: { x: number; y: number; w: number; h: number }): void {
  const r = contain(frame.displayWidth, frame.displayHeight, box);
  ctx.drawImage(frame, r.x, r.y, r.w, r.h);
}

function slate(text: string): void {
  ctx.fillStyle = "#aab3bf";
  ctx.font = "600 36px system-ui, sans-serif";
  ctx.textAlign = "center";
  ctx.textBaseline = "middle";
  ctx.fillText(text, OUTPUT.width / 2, OUTPUT.height / 2);
}

/**
 * Brings the output canvas up to date, drawing only sources with a new frame (all of
 * them after a layout or source change). Returns whether anything was drawn.
 */
function compose(now: number): boolean {
  const full = { x: 0, y: 0, w: OUTPUT.width, h: OUTPUT.height };
  const screenSrc = sources.screen ?? null;
  const cameraSrc = sources.camera ?? null;
  const screen = screenSrc?.latest ?? null;
  const camera = cameraSrc?.latest ?? null;
  // A layout whose source is missing shows what exists rather than a black picture.
  const mainSrc =
    layout.kind === "camera"
      ? camera
        ? cameraSrc
        : screenSrc
      : screen
        ? screenSrc
        : layout.kind === "pip"
          ? cameraSrc
          : null;
  const main = mainSrc?.latest ?? null;
  const pip = layout.kind === "pip" && screen && camera ? cameraSrc : null;
  const pipFrame = pip?.latest ?? null;
  const pipBox = pipFrame
    ? pipRect(
        layout.kind === "pip" ? layout.corner : "bottom-right",
        pipFrame.displayWidth,
        pipFrame.displayHeight,
      )
    : null;

  const mainDue =
    dirty || (mainSrc?.fresh === true && (!pip || now - mainDrawnAt >= MAIN_UNDER_PIP_MIN_MS));
  const pipDue = pip !== null && (dirty || pip.fresh);
  if (!mainDue && !pipDue) return false;

  if (pip && pipFrame && pipBox && pipDue) {
    if (pipLayer.width !== pipBox.w || pipLayer.height !== pipBox.h) {
      pipLayer.width = pipBox.w;
      pipLayer.height = pipBox.h;
    }
    pipCtx.drawImage(pipFrame, 0, 0, pipBox.w, pipBox.h);
    pip.fresh = false;
  }
  if (mainDue) {
    ctx.fillStyle = "#14171c";
    ctx.fillRect(0, 0, OUTPUT.width, OUTPUT.height);
    if (main) draw(main, full);
    else slate(layout.kind === "screen" ? slates.shareScreen : slates.startingSoon);
    if (mainSrc) mainSrc.fresh = false;
    mainDrawnAt = now;
  }
  // The camera box sits on top of whatever the main picture left there.
  if (pipBox) {
    ctx.fillStyle = "#ffffff";
    ctx.fillRect(pipBox.x - 3, pipBox.y - 3, pipBox.w + 6, pipBox.h + 6);
    ctx.drawImage(pipLayer, pipBox.x, pipBox.y);
  }
  dirty = false;
  return true;
}

/** The frame to forward untouched, when the layout shows exactly one full-size source. */
function passThrough(): VideoFrame | null {
  const screen = sources.screen?.latest ?? null;
  const camera = sources.camera?.latest ?? null;
  const only =
    layout.kind === "camera"
      ? (camera ?? screen)
      : layout.kind === "screen"
        ? screen
        : camera
          ? screen
            ? null
            : camera
          : screen;
  if (!only) return null;
  return only.displayWidth === OUTPUT.width && only.displayHeight === OUTPUT.height ? only : null;
}

function tick(): void {
  if (!writer) return;
  // The generator applies back-pressure when the encoder lags: drop this tick rather than queue.
  if (writing) return;
  const timestamp = Math.round(performance.now() * 1000);
  const direct = passThrough();
  let frame: VideoFrame;
  if (direct) {
    // One source that already is the output size: send its frame as is. No canvas
    // draw, no RGB round trip, no copy — the cheapest path on CPU-only machines.
    frame = new VideoFrame(direct, { timestamp });
  } else {
    const t0 = performance.now();
    if (compose(t0)) {
      drawTime += performance.now() - t0;
      drawn++;
    }
    // Unchanged sources still yield a frame each tick (no redraw): the encoder keeps a
    // steady rate and can answer the bridge's keyframe requests on a still screen.
    frame = new VideoFrame(canvas, { timestamp });
  }
  writing = true;
  writer.write(frame).then(
    () => {
      writing = false;
      written++;
    },
    () => {
      writing = false;
      frame.close();
    },
  );
}

function stop(): void {
  if (timer) clearInterval(timer);
  if (fpsTimer) clearInterval(fpsTimer);
  timer = fpsTimer = null;
  setSource("screen", null);
  setSource("camera", null);
  writer?.close().catch(() => {});
  writer = null;
}

scope.onmessage = (e) => {
  const msg = e.data;
  switch (msg.type) {
    case "init":
      writer = msg.output.getWriter();
      slates = msg.slates;
      timer = setInterval(tick, 1000 / OUTPUT.fps);
      fpsTimer = setInterval(() => {
        scope.postMessage({
          type: "fps",
          fps: written,
          drawMs: drawn ? Math.round((drawTime / drawn) * 10) / 10 : 0,
        });
        written = drawn = drawTime = 0;
      }, 1000);
      break;
    case "source":
      setSource(msg.slot, msg.readable);
      break;
    case "layout":
      layout = msg.layout;
      dirty = true;
      break;
    case "stop":
      stop();
      break;
    default:
      msg satisfies never;
  }
};
