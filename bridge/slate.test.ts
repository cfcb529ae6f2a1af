import { describe, expect, it } from "vitest";
import { resolveFfmpeg } from "./ffmpeg.ts";
import { NAL_IDR, NAL_SPS } from "./h264.ts";
import {
  accessUnits,
  encodeSlate,
  MAX_HEAD_START_TICKS,
  MAX_KEYFRAME_GAP_TICKS,
  packetizeH264,
  SLATE_GOP,
  slateCatchUp,
  slateDue,
  slateEnds,
  slateHeadStart,
  splitAnnexB,
} from "./slate.ts";

/** RFC 6184 depacketizer (single NAL + FU-A), the inverse of packetizeH264. */
function depacketize(payloads: Uint8Array[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  let fu: number[] | null = null;
  for (const p of payloads) {
    const type = p[0]! & 0x1f;
    if (type !== 28) {
      out.push(p);
      continue;
    }
    const start = (p[1]! & 0x80) !== 0;
    const end = (p[1]! & 0x40) !== 0;
    if (start) fu = [(p[0]! & 0xe0) | (p[1]! & 0x1f)];
    fu!.push(...p.subarray(2));
    if (end) {
      out.push(Uint8Array.from(fu!));
      fu = null;
    }
  }
  return out;
}

describe("slate", () => {
  it("splits Annex B into access units and packetizes them losslessly", () => {
    const big = new Uint8Array(5000).map((_, i) => (i * 7) & 0xff);
    big[0] = 0x65; // IDR
    big[1] = 0x88; // first_mb_in_slice = 0
    const stream = Uint8Array.from([
      ...[0, 0, 0, 1, 0x67, 1, 2, 3],
      ...[0, 0, 0, 1, 0x68, 4, 5],
      ...[0, 0, 1, 0x06, 9, 9],
      ...[0, 0, 0, 1],
      ...big,
      ...[0, 0, 0, 1, 0x41, 0x9a, 1, 2],
    ]);
    const aus = accessUnits(splitAnnexB(stream));
    expect(aus.map((au) => au.map((n) => n[0]! & 0x1f))).toEqual([[7, 8, 5], [1]]);
    const payloads = packetizeH264(aus[0]!, 1200);
    expect(payloads.every((p) => p.length <= 1200)).toBe(true);
    expect(depacketize(payloads)).toEqual(aus[0]);
  });

  it("encodes a GOP that starts with SPS + IDR, every picture one slice", async () => {
    const ff = resolveFfmpeg();
    if (!ff) throw new Error("needs ffmpeg");
    const clip = await encodeSlate({
      ffmpegPath: ff.path,
      width: 640,
      height: 360,
      text: "Teacher reconnecting...",
      drawtext: ff.drawtext,
    });
    expect(clip.frames).toHaveLength(SLATE_GOP);
    expect(clip.frames[0]!.map((n) => n[0]! & 0x1f)).toEqual(
      expect.arrayContaining([NAL_SPS, NAL_IDR]),
    );
    for (const au of clip.frames.slice(1)) expect(au.map((n) => n[0]! & 0x1f)).toEqual([1]);
  }, 30_000);

  it("is due when the teacher's video stops arriving, or arrives but none reaches the output", () => {
    const at = (lastVideoInAt: number | null, lastVideoOutAt: number | null) =>
      slateDue({ now: 10_000, stallMs: 1000, lastVideoInAt, lastVideoOutAt });
    expect(at(9990, 9990)).toBe(false); // flowing
    expect(at(9990, 9200)).toBe(false); // a short wait for a keyframe
    expect(at(9000, 9000)).toBe(true); // stalled
    expect(at(9990, 9000)).toBe(true); // arriving, but all of it held back (stale, no keyframe)
    expect(at(null, null)).toBe(true);
  });

  it("stamps the slate early enough that keyframes stay ≤ 1.9 s apart, and gives the head start back", () => {
    const frame = 6000;
    const head = (sinceMs: number, lastKeyToLastMs: number) =>
      slateHeadStart({
        sinceLastTicks: sinceMs * 90,
        lastKeyToLastTicks: lastKeyToLastMs * 90,
        frameTicks: frame,
      });
    // A recent keyframe: no head start.
    expect(head(1000, 300)).toBe(0);
    // The stall seen 1 s after the last frame, 1.4 s after the last keyframe: 0.5 s early.
    expect(head(1000, 1400)).toBe(0.5 * 90000);
    // A busy machine saw it only after 1.8 s (a 1 s cap left a 2.2 s keyframe gap).
    const late = head(1800, 1400);
    expect(1400 * 90 + 1800 * 90 - late).toBeLessThanOrEqual(MAX_KEYFRAME_GAP_TICKS);
    // Never before the last frame sent plus one slate frame; never more than the cap.
    expect(head(300, 5000)).toBe(300 * 90 - frame);
    expect(head(10_000, 1000)).toBe(MAX_HEAD_START_TICKS);
    // Given back while the slate runs, at most one frame's time per frame.
    let lag = late;
    let frames = 0;
    while (lag > 0) {
      const step = slateCatchUp(lag, frame);
      expect(step).toBeGreaterThan(0);
      expect(step).toBeLessThanOrEqual(frame);
      lag -= step;
      frames++;
    }
    expect(lag).toBe(0);
    expect(frames).toBe(Math.ceil(late / frame));
    expect(slateCatchUp(0, frame)).toBe(0);
  });

  it("ends on a keyframe newer than the slate's last frame, not on one queued during the stall", () => {
    expect(slateEnds({ aheadTicks: null, waitedMs: 0 })).toBe(true); // a new publisher
    expect(slateEnds({ aheadTicks: 3000, waitedMs: 0 })).toBe(true);
    // 0.3 s behind the slate: history the slate covered.
    expect(slateEnds({ aheadTicks: -27000, waitedMs: 0 })).toBe(false);
    expect(slateEnds({ aheadTicks: -10_000, waitedMs: 1500 })).toBe(false);
    // Jitter (≤ 0.1 s before it) is not history: re-timed to follow the slate.
    expect(slateEnds({ aheadTicks: -8000, waitedMs: 0 })).toBe(true);
    // A teacher clock that jumped, or one that keeps lagging: re-timed, not held forever.
    expect(slateEnds({ aheadTicks: -5 * 90000, waitedMs: 0 })).toBe(true);
    expect(slateEnds({ aheadTicks: -27000, waitedMs: 2000 })).toBe(true);
  });
});
