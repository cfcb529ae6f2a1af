/**
 * The slate ("Teacher reconnecting…") as media the bridge holds in memory: one short
 * H.264 GOP encoded once per picture size, looped as RTP, and Opus silence made up on
 * the spot. Nothing to start when the teacher's media stalls, so the switch happens the
 * moment the stall is seen, on an IDR, with no x264 warm-up (issue 14: a slate ffmpeg
 * started at the stall left 2.85–3.2 s keyframe gaps and 1–1.7 s audio holes).
 */
import { execFile } from "node:child_process";
import { NAL_IDR, NAL_PPS, NAL_SPS } from "./h264.ts";

/** One encoded picture: its NAL units (no start codes), in decoding order. */
export type AccessUnit = Uint8Array[];

/** A looped slate clip: `frames` at `fps`, the first an IDR with SPS + PPS before it. */
export interface SlateClip {
  width: number;
  height: number;
  fps: number;
  frames: AccessUnit[];
}

/** Frames in one loop of the slate: a keyframe every ~0.5 s (YouTube wants ≤ 2 s). */
export const SLATE_FPS = 15;
export const SLATE_GOP = 8;

/**
 * A 20 ms Opus frame of silence (CELT, full band; the packet WebRTC stacks send for
 * muted audio). Decoders take it for a stereo stream too.
 */
export const OPUS_SILENCE = Uint8Array.of(0xf8, 0xff, 0xfe);
/** RTP ticks (48 kHz) per Opus silence frame. */
export const OPUS_FRAME_TICKS = 960;

/**
 * Whether the slate takes over the output's video at `now` (epoch ms): the teacher's
 * video has not arrived for `stallMs`, or it arrives but none of it has reached the
 * output for that long (after dropped stale media it waits for a keyframe; under load
 * that wait held the output's video for 2.7 s and its keyframes 2.5–2.7 s apart, issue 14).
 * Either way the viewer would watch a frozen picture and YouTube miss its keyframes.
 */
export function slateDue(o: {
  now: number;
  stallMs: number;
  /** When the teacher's last (fresh) video packet arrived; null: none yet. */
  lastVideoInAt: number | null;
  /** When the output's video last got a packet of the teacher; null: none yet. */
  lastVideoOutAt: number | null;
}): boolean {
  const quiet = (at: number | null) => at === null || o.now - at >= o.stallMs;
  return quiet(o.lastVideoInAt) || quiet(o.lastVideoOutAt);
}

/** The output's keyframes stay at most this far apart across the slate (90 kHz ticks; YouTube: ≤ 2 s). */
export const MAX_KEYFRAME_GAP_TICKS = 1.9 * 90000;
/**
 * The slate starts at most this early (90 kHz ticks; see {@link slateHeadStart}): a
 * teacher back at once jumps the video this much, after a slate keyframe ≤ 0.53 s old —
 * still inside YouTube's 2 s.
 */
export const MAX_HEAD_START_TICKS = 1.4 * 90000;

/**
 * How far before the wall clock (90 kHz ticks, ≥ 0) to stamp the slate's first frame so
 * the output's keyframes stay ≤ {@link MAX_KEYFRAME_GAP_TICKS} apart although the stall
 * is only seen `stallMs` after the teacher's last frame, and later on a busy machine.
 * Never before the last frame sent plus one slate frame; at most
 * {@link MAX_HEAD_START_TICKS}. The slate gives this back while it runs
 * ({@link slateCatchUp}), so the teacher's return does not jump the video ahead.
 */
export function slateHeadStart(o: {
  /** Wall clock since the output's last video packet, in ticks. */
  sinceLastTicks: number;
  /** Output timestamp of that packet minus that of the last keyframe, in ticks. */
  lastKeyToLastTicks: number;
  /** One slate frame, in ticks. */
  frameTicks: number;
}): number {
  const keyAge = o.lastKeyToLastTicks + o.sinceLastTicks;
  return Math.max(
    0,
    Math.min(
      keyAge - MAX_KEYFRAME_GAP_TICKS,
      o.sinceLastTicks - o.frameTicks,
      MAX_HEAD_START_TICKS,
    ),
  );
}

/**
 * How many ticks the next slate frame is stamped late beyond its own duration, giving
 * back the head start (`lagTicks` left): up to one frame's duration per frame, so a
 * 1.4 s head start is gone after 1.4 s of slate. The slate is a still picture: its
 * clock running at up to twice the speed shows nowhere.
 */
export function slateCatchUp(lagTicks: number, frameTicks: number): number {
  return Math.max(0, Math.min(lagTicks, frameTicks));
}

/**
 * Whether a keyframe of the teacher ends the slate. `aheadTicks`: where the teacher's old
 * timeline puts it, in 90 kHz ticks after the slate's last frame (null: no old timeline,
 * a new publisher). One more than 100 ms before that frame was queued during the stall
 * and sent in the burst after it: the slate has covered that time, and replaying it would run the
 * video ahead of the audio, so the slate waits for a newer keyframe — unless the
 * teacher's clock jumped (more than `maxBackTicks` back) or it has waited `maxWaitMs`
 * since the first such keyframe (a clock that drifted: the next keyframe is re-timed).
 */
export function slateEnds(o: {
  aheadTicks: number | null;
  waitedMs: number;
  /** Jitter forgiven: a keyframe this little before the slate's last frame is re-timed. */
  toleranceTicks?: number;
  maxBackTicks?: number;
  maxWaitMs?: number;
}): boolean {
  if (o.aheadTicks === null || o.aheadTicks > -(o.toleranceTicks ?? 0.1 * 90000)) return true;
  return o.aheadTicks <= -(o.maxBackTicks ?? 3 * 90000) || o.waitedMs >= (o.maxWaitMs ?? 2000);
}

/** Splits an Annex B byte stream into NAL units (start codes removed). */
export function splitAnnexB(buf: Uint8Array): Uint8Array[] {
  const starts: { at: number; len: number }[] = [];
  for (let i = 0; i + 2 < buf.length; i++) {
    if (buf[i] === 0 && buf[i + 1] === 0) {
      if (buf[i + 2] === 1) {
        starts.push({ at: i, len: 3 });
        i += 2;
      } else if (buf[i + 2] === 0 && buf[i + 3] === 1) {
        starts.push({ at: i, len: 4 });
        i += 3;
      }
    }
  }
  return starts
    .map((s, k) => buf.subarray(s.at + s.len, starts[k + 1]?.at ?? buf.length))
    .filter((n) => n.length > 0);
}

/**
 * Groups NAL units into access units: a picture starts at a slice whose
 * first_mb_in_slice is 0, or at the SPS/PPS before one. SEI and AUD are dropped.
 */
export function accessUnits(nals: Uint8Array[]): AccessUnit[] {
  const out: AccessUnit[] = [];
  let cur: AccessUnit = [];
  let curHasSlice = false;
  for (const n of nals) {
    const type = n[0]! & 0x1f;
    if (type === 6 || type === 9) continue;
    const firstSlice = (type === 1 || type === NAL_IDR) && ((n[1] ?? 0) & 0x80) !== 0;
    const paramSet = type === NAL_SPS || type === NAL_PPS;
    if (curHasSlice && (firstSlice || paramSet)) {
      out.push(cur);
      cur = [];
      curHasSlice = false;
    }
    cur.push(n);
    if (type === 1 || type === NAL_IDR) curHasSlice = true;
  }
  if (curHasSlice) out.push(cur);
  return out;
}

/**
 * RFC 6184 packetization-mode 1 payloads for one access unit: a NAL unit that fits is
 * sent whole, a bigger one as FU-A fragments. The caller sets the marker on the last.
 */
export function packetizeH264(au: AccessUnit, maxPayload = 1200): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const nal of au) {
    if (nal.length <= maxPayload) {
      out.push(nal);
      continue;
    }
    const header = nal[0]!;
    const indicator = (header & 0xe0) | 28;
    let off = 1;
    while (off < nal.length) {
      const n = Math.min(maxPayload - 2, nal.length - off);
      const start = off === 1;
      const end = off + n >= nal.length;
      const frag = new Uint8Array(n + 2);
      frag[0] = indicator;
      frag[1] = (start ? 0x80 : 0) | (end ? 0x40 : 0) | (header & 0x1f);
      frag.set(nal.subarray(off, off + n), 2);
      out.push(frag);
      off += n;
    }
  }
  return out;
}

/** A 12-byte RTP header + payload. */
export function rtpPacket(o: {
  payloadType: number;
  seq: number;
  timestamp: number;
  ssrc: number;
  marker: boolean;
  payload: Uint8Array;
}): Uint8Array {
  const pkt = new Uint8Array(12 + o.payload.length);
  const v = new DataView(pkt.buffer);
  pkt[0] = 0x80;
  pkt[1] = (o.marker ? 0x80 : 0) | (o.payloadType & 0x7f);
  v.setUint16(2, o.seq & 0xffff);
  v.setUint32(4, o.timestamp >>> 0);
  v.setUint32(8, o.ssrc >>> 0);
  pkt.set(o.payload, 12);
  return pkt;
}

/**
 * Encodes the slate once (one GOP of a still picture with `text`): ~0.2 s of ffmpeg
 * on a quiet machine. Baseline profile, one slice per picture, SPS + PPS in band.
 */
export function encodeSlate(o: {
  ffmpegPath: string;
  width: number;
  height: number;
  text: string;
  drawtext: boolean;
}): Promise<SlateClip> {
  const font = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";
  const text = o.text.replace(/[^A-Za-z0-9 .,!?-]/g, "");
  const vf = o.drawtext
    ? `drawtext=fontfile=${font}:text='${text}':fontcolor=white:fontsize=h/14:x=(w-tw)/2:y=(h-th)/2`
    : "null";
  const args = [
    "-nostdin",
    "-hide_banner",
    "-loglevel",
    "error",
    "-f",
    "lavfi",
    "-i",
    `color=c=0x1f2937:s=${o.width}x${o.height}:r=${SLATE_FPS}`,
    "-vf",
    vf,
    "-frames:v",
    String(SLATE_GOP),
    "-c:v",
    "libx264",
    "-preset",
    "ultrafast",
    "-tune",
    "zerolatency",
    "-threads",
    "1",
    "-profile:v",
    "baseline",
    "-pix_fmt",
    "yuv420p",
    "-g",
    String(SLATE_GOP),
    "-b:v",
    "300k",
    "-f",
    "h264",
    "pipe:1",
  ];
  return new Promise((resolve, reject) => {
    execFile(
      o.ffmpegPath,
      args,
      { encoding: "buffer", maxBuffer: 16 * 1024 * 1024, timeout: 20_000 },
      (err, stdout) => {
        if (err) return reject(err);
        const frames = accessUnits(splitAnnexB(new Uint8Array(stdout)));
        const first = frames[0]?.map((n) => n[0]! & 0x1f) ?? [];
        if (frames.length === 0 || !first.includes(NAL_SPS) || !first.includes(NAL_IDR))
          return reject(new Error("slate encode produced no IDR with SPS"));
        resolve({ width: o.width, height: o.height, fps: SLATE_FPS, frames });
      },
    );
  });
}
