import { describe, expect, it } from "vitest";
import {
  isKeyframePayload,
  NAL_IDR,
  NAL_PPS,
  NAL_SPS,
  nalUnitsInPayload,
  parseSps,
} from "./h264.ts";

const hex = (s: string) => Uint8Array.from(Buffer.from(s, "hex"));
// x264 SPS NAL units (ffmpeg testsrc → libx264, yuv420p)
const SPS_360P = hex("6742c01ed900a02ff97011000003000100000300320f162e48");
const SPS_720P = hex("6742c01fd9005005bb011000000300100000030320f1832480");
const SPS_1080P_HIGH = hex("67640028acd940780227e5c044000003000400000300c83c60c658");

describe("parseSps", () => {
  it("reads picture size, including frame cropping", () => {
    expect(parseSps(SPS_360P)).toMatchObject({ width: 640, height: 360, profileLevelId: "42c01e" });
    expect(parseSps(SPS_720P)).toMatchObject({ width: 1280, height: 720 });
    expect(parseSps(SPS_1080P_HIGH)).toMatchObject({ width: 1920, height: 1080, profileIdc: 100 });
  });
  it("rejects non-SPS", () => {
    expect(() => parseSps(hex("68ce3c80"))).toThrow();
  });
});

describe("nalUnitsInPayload", () => {
  it("reads single NAL, STAP-A and FU-A start", () => {
    expect(nalUnitsInPayload(SPS_360P).map((n) => n.type)).toEqual([NAL_SPS]);
    const pps = hex("68ce3c80");
    const stap = Uint8Array.from([24, 0, SPS_360P.length, ...SPS_360P, 0, pps.length, ...pps]);
    const nals = nalUnitsInPayload(stap);
    expect(nals.map((n) => n.type)).toEqual([NAL_SPS, NAL_PPS]);
    expect(nals[0]!.data).toEqual(SPS_360P);
    const fuStart = Uint8Array.from([0x7c, 0x80 | NAL_IDR, 1, 2, 3]);
    const fuMid = Uint8Array.from([0x7c, NAL_IDR, 1, 2, 3]);
    expect(isKeyframePayload(fuStart)).toBe(true);
    expect(isKeyframePayload(fuMid)).toBe(false);
  });
  it("survives truncated STAP-A", () => {
    expect(nalUnitsInPayload(Uint8Array.from([24, 0, 50, 0x67]))).toEqual([]);
  });
});
