/**
 * Just enough H.264 (RFC 6184 payloads, SPS header) for the bridge: find
 * SPS/PPS/IDR in RTP payloads and read the picture size from an SPS.
 */

/** NAL unit types the bridge cares about. */
export const NAL_IDR = 5;
export const NAL_SPS = 7;
export const NAL_PPS = 8;
const STAP_A = 24;
const FU_A = 28;

/** A NAL unit (or FU-A start) found in one RTP payload. */
export interface NalInfo {
  type: number;
  /** The whole NAL unit, when the payload carries it whole (single or STAP-A). */
  data?: Uint8Array;
}

/** Lists the NAL units in an RFC 6184 payload (FU-A: only its start fragment counts). */
export function nalUnitsInPayload(payload: Uint8Array): NalInfo[] {
  if (payload.length < 1) return [];
  const type = payload[0]! & 0x1f;
  if (type >= 1 && type <= 23) return [{ type, data: payload }];
  if (type === STAP_A) {
    const out: NalInfo[] = [];
    let off = 1;
    while (off + 2 <= payload.length) {
      const size = (payload[off]! << 8) | payload[off + 1]!;
      off += 2;
      if (size === 0 || off + size > payload.length) break;
      const nal = payload.subarray(off, off + size);
      out.push({ type: nal[0]! & 0x1f, data: nal });
      off += size;
    }
    return out;
  }
  if (type === FU_A && payload.length >= 2) {
    const start = (payload[1]! & 0x80) !== 0;
    return start ? [{ type: payload[1]! & 0x1f }] : [];
  }
  return [];
}

/** True when the payload starts (or is) an IDR picture. */
export function isKeyframePayload(payload: Uint8Array): boolean {
  return nalUnitsInPayload(payload).some((n) => n.type === NAL_IDR);
}

class BitReader {
  private data: Uint8Array;
  private pos = 0;
  constructor(data: Uint8Array) {
    this.data = data;
  }
  bit(): number {
    const byte = this.data[this.pos >> 3];
    if (byte === undefined) throw new Error("SPS truncated");
    const b = (byte >> (7 - (this.pos & 7))) & 1;
    this.pos++;
    return b;
  }
  bits(n: number): number {
    let v = 0;
    for (let i = 0; i < n; i++) v = v * 2 + this.bit();
    return v;
  }
  ue(): number {
    let zeros = 0;
    while (this.bit() === 0) {
      if (++zeros > 31) throw new Error("bad exp-golomb");
    }
    return 2 ** zeros - 1 + this.bits(zeros);
  }
  se(): number {
    const v = this.ue();
    return v % 2 === 0 ? -(v / 2) : (v + 1) / 2;
  }
}

function unescapeRbsp(nal: Uint8Array): Uint8Array {
  const out: number[] = [];
  for (let i = 0; i < nal.length; i++) {
    if (i >= 2 && nal[i] === 3 && nal[i - 1] === 0 && nal[i - 2] === 0) continue;
    out.push(nal[i]!);
  }
  return Uint8Array.from(out);
}

function skipScalingList(r: BitReader, size: number): void {
  let last = 8;
  let next = 8;
  for (let j = 0; j < size; j++) {
    if (next !== 0) next = (last + r.se() + 256) % 256;
    last = next === 0 ? last : next;
  }
}

/** Picture size and profile from an SPS NAL unit (with its 1-byte header). */
export interface SpsInfo {
  width: number;
  height: number;
  profileIdc: number;
  /** `profile-level-id` as 6 hex digits (profile, constraint flags, level). */
  profileLevelId: string;
}

/** Parses an SPS; throws on garbage. */
export function parseSps(nal: Uint8Array): SpsInfo {
  if ((nal[0]! & 0x1f) !== NAL_SPS || nal.length < 4) throw new Error("not an SPS");
  const profileLevelId = Array.from(nal.subarray(1, 4), (b) =>
    b.toString(16).padStart(2, "0"),
  ).join("");
  const r = new BitReader(unescapeRbsp(nal.subarray(1)));
  const profileIdc = r.bits(8);
  r.bits(8); // constraint flags
  r.bits(8); // level
  r.ue(); // seq_parameter_set_id
  let chromaFormatIdc = 1;
  if ([100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135].includes(profileIdc)) {
    chromaFormatIdc = r.ue();
    if (chromaFormatIdc === 3) r.bit();
    r.ue();
    r.ue();
    r.bit();
    if (r.bit()) {
      for (let i = 0; i < (chromaFormatIdc !== 3 ? 8 : 12); i++) {
        if (r.bit()) skipScalingList(r, i < 6 ? 16 : 64);
      }
    }
  }
  r.ue(); // log2_max_frame_num_minus4
  const pocType = r.ue();
  if (pocType === 0) r.ue();
  else if (pocType === 1) {
    r.bit();
    r.se();
    r.se();
    const n = r.ue();
    for (let i = 0; i < n; i++) r.se();
  }
  r.ue(); // max_num_ref_frames
  r.bit();
  const widthMbs = r.ue() + 1;
  const heightMapUnits = r.ue() + 1;
  const frameMbsOnly = r.bit();
  if (!frameMbsOnly) r.bit();
  r.bit(); // direct_8x8_inference
  let crop = [0, 0, 0, 0];
  if (r.bit()) crop = [r.ue(), r.ue(), r.ue(), r.ue()];
  const subW = chromaFormatIdc === 1 || chromaFormatIdc === 2 ? 2 : 1;
  const subH = chromaFormatIdc === 1 ? 2 : 1;
  const cropUnitX = chromaFormatIdc === 0 ? 1 : subW;
  const cropUnitY = (chromaFormatIdc === 0 ? 1 : subH) * (2 - frameMbsOnly);
  const width = widthMbs * 16 - cropUnitX * (crop[0]! + crop[1]!);
  const height = (2 - frameMbsOnly) * heightMapUnits * 16 - cropUnitY * (crop[2]! + crop[3]!);
  return { width, height, profileIdc, profileLevelId };
}
