import { describe, expect, it } from "vitest";
import { resolveFfmpeg } from "./ffmpeg.ts";
import { NAL_IDR, NAL_SPS } from "./h264.ts";
import { accessUnits, encodeSlate, packetizeH264, SLATE_GOP, splitAnnexB } from "./slate.ts";

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
});
