/**
 * RTP/RTCP plumbing between media sources (the teacher, the filler) and the
 * one long-lived output ffmpeg. ffmpeg must see ONE continuous RTP stream per
 * track — same SSRC, consecutive sequence numbers, timestamps that follow the
 * wall clock — whichever source is feeding it, or it would stall, reorder or
 * jump and the RTMP publisher (YouTube) would see a hiccup. Pure except for the
 * clock passed in.
 */

const NTP_EPOCH_OFFSET = 2_208_988_800; // seconds 1900→1970

/** Fields of an RTP header the bridge reads. */
export interface RtpHeaderInfo {
  payloadType: number;
  marker: boolean;
  sequenceNumber: number;
  timestamp: number;
  ssrc: number;
  /** Offset of the payload in the packet. */
  payloadOffset: number;
}

/** Parses an RTP header; null when the buffer is not RTP v2. */
export function parseRtpHeader(buf: Uint8Array): RtpHeaderInfo | null {
  if (buf.length < 12 || buf[0]! >> 6 !== 2) return null;
  const cc = buf[0]! & 0x0f;
  const hasExt = (buf[0]! & 0x10) !== 0;
  const hasPadding = (buf[0]! & 0x20) !== 0;
  let off = 12 + cc * 4;
  if (hasExt) {
    if (buf.length < off + 4) return null;
    const words = (buf[off + 2]! << 8) | buf[off + 3]!;
    off += 4 + words * 4;
  }
  const pad = hasPadding ? buf[buf.length - 1]! : 0;
  if (off > buf.length - pad) return null;
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  return {
    payloadType: buf[1]! & 0x7f,
    marker: (buf[1]! & 0x80) !== 0,
    sequenceNumber: view.getUint16(2),
    timestamp: view.getUint32(4),
    ssrc: view.getUint32(8),
    payloadOffset: off,
  };
}

/** RTP payload bytes (without padding). */
export function rtpPayload(buf: Uint8Array, h: RtpHeaderInfo): Uint8Array {
  const pad = (buf[0]! & 0x20) !== 0 ? buf[buf.length - 1]! : 0;
  return buf.subarray(h.payloadOffset, buf.length - pad);
}

/** A sender report: NTP time (seconds since 1900, fractional) ↔ RTP timestamp. */
export interface SenderReport {
  ssrc: number;
  ntpSeconds: number;
  rtpTimestamp: number;
  packetCount: number;
  octetCount: number;
}

/** Finds the SR in a (compound) RTCP packet. */
export function parseSenderReport(buf: Uint8Array): SenderReport | null {
  let off = 0;
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  while (off + 4 <= buf.length) {
    if (buf[off]! >> 6 !== 2) return null;
    const pt = buf[off + 1]!;
    const len = (view.getUint16(off + 2) + 1) * 4;
    if (pt === 200 && off + 28 <= buf.length) {
      return {
        ssrc: view.getUint32(off + 4),
        ntpSeconds: view.getUint32(off + 8) + view.getUint32(off + 12) / 2 ** 32,
        rtpTimestamp: view.getUint32(off + 16),
        packetCount: view.getUint32(off + 20),
        octetCount: view.getUint32(off + 24),
      };
    }
    off += len;
  }
  return null;
}

/** Serialises a minimal SR (no report blocks). */
export function buildSenderReport(sr: SenderReport): Uint8Array {
  const buf = new Uint8Array(28);
  const view = new DataView(buf.buffer);
  buf[0] = 0x80;
  buf[1] = 200;
  view.setUint16(2, 6);
  view.setUint32(4, sr.ssrc >>> 0);
  const secs = Math.floor(sr.ntpSeconds);
  view.setUint32(8, secs >>> 0);
  view.setUint32(12, Math.min(2 ** 32 - 1, Math.floor((sr.ntpSeconds - secs) * 2 ** 32)));
  view.setUint32(16, sr.rtpTimestamp >>> 0);
  view.setUint32(20, sr.packetCount >>> 0);
  view.setUint32(24, sr.octetCount >>> 0);
  return buf;
}

/** Wall clock in NTP seconds. */
export function ntpNow(nowMs: number): number {
  return nowMs / 1000 + NTP_EPOCH_OFFSET;
}

/**
 * One output track (video or audio) into ffmpeg. Sources take turns; each
 * `switchTo` makes the next packet continue the output timeline where the
 * wall clock says it should be.
 */
export class OutputTrack {
  readonly ssrc: number;
  readonly payloadType: number;
  readonly clockRate: number;
  /** The least a switch advances the timeline (ticks); see the constructor. */
  readonly minStepTicks: number;
  private activeSource: string | null = null;
  private tsOffset = 0;
  private seqOffset = 0;
  private needsAnchor = true;
  private adjustTicks = 0;
  private resumeTicks = 0;
  private dropOverlap = true;
  /** The last timestamp offset each source had (for a resume). */
  private offsets = new Map<string, number>();
  private lastOutSeq: number | null = null;
  private lastOutTs: number | null = null;
  private lastOutWallMs = 0;

  /**
   * `minStepTicks`: the least a new source's first packet lands after the last one out
   * (default 1). A teacher's keyframe handled in the same millisecond as the slate's last
   * frame (one event-loop turn on a busy machine) landed 1 tick after it: the same
   * millisecond in FLV, a non-monotonic DTS step at the RTMP server.
   */
  constructor(opts: {
    ssrc: number;
    payloadType: number;
    clockRate: number;
    minStepTicks?: number;
  }) {
    this.ssrc = opts.ssrc >>> 0;
    this.payloadType = opts.payloadType;
    this.clockRate = opts.clockRate;
    this.minStepTicks = Math.max(1, opts.minStepTicks ?? 1);
  }

  /** Currently active source key, or null. */
  get source(): string | null {
    return this.activeSource;
  }

  /**
   * Makes `source` the only accepted source; its next packet re-anchors the timeline
   * where the wall clock says, moved by `adjustTicks` (the slate starts up to a few
   * hundred ms early to keep keyframes ≤ 2 s apart, and the teacher returns that much
   * later; session.ts). With `resumeTicks`, a source that was on before resumes on its
   * old timestamp mapping when that lands just after the last packet out, and its packets
   * overlapping what a stand-in (silence) already covered are dropped (null; unless
   * `dropOverlap` is false: video re-anchors instead). A jittery teacher's audio then
   * keeps its place against the video instead of drifting later, and ffmpeg's
   * RTP-to-wall-clock mapping (from the sender reports) stays true.
   */
  switchTo(source: string | null, adjustTicks = 0, resumeTicks = 0, dropOverlap = true): void {
    this.activeSource = source;
    this.needsAnchor = true;
    this.adjustTicks = adjustTicks;
    this.resumeTicks = resumeTicks;
    this.dropOverlap = dropOverlap;
  }

  /**
   * Where a packet of `source` with timestamp `ts` would land on its old mapping, in
   * ticks after the last packet out (negative: before it); null when `source` has none.
   */
  resumeAhead(source: string, ts: number): number | null {
    const prev = this.offsets.get(source);
    if (prev === undefined || this.lastOutTs === null) return null;
    return (((ts + prev) >>> 0) - this.lastOutTs) | 0;
  }

  /** Output timestamp of the last packet sent (null: none yet). */
  get lastTimestamp(): number | null {
    return this.lastOutTs;
  }

  /** Wall-clock ms when the last packet went out (null: none yet). */
  get lastOutAt(): number | null {
    return this.lastOutTs === null ? null : this.lastOutWallMs;
  }

  /** Ticks of wall clock since the last packet went out (null: none yet). */
  ticksSinceLast(nowMs: number): number | null {
    if (this.lastOutTs === null) return null;
    return Math.round(((nowMs - this.lastOutWallMs) * this.clockRate) / 1000);
  }

  /**
   * Rewrites a packet from `source` in place (SSRC, PT, seq, timestamp) and
   * returns it, or null when `source` is not the active one.
   */
  rewrite(source: string, pkt: Uint8Array, nowMs: number): Uint8Array | null {
    if (source !== this.activeSource) return null;
    const h = parseRtpHeader(pkt);
    if (!h) return null;
    if (this.needsAnchor && this.resumeTicks > 0 && this.lastOutTs !== null) {
      const prev = this.offsets.get(source);
      if (prev !== undefined) {
        const ahead = (((h.timestamp + prev) >>> 0) - this.lastOutTs) | 0;
        const since = Math.round(((nowMs - this.lastOutWallMs) * this.clockRate) / 1000);
        if (ahead <= 0 && ahead > -this.resumeTicks && this.dropOverlap) return null;
        if (ahead >= this.minStepTicks && ahead <= since + this.resumeTicks) {
          this.seqOffset = (((this.lastOutSeq ?? 0) + 1 - h.sequenceNumber) & 0xffff) >>> 0;
          this.tsOffset = prev;
          this.needsAnchor = false;
        }
      }
    }
    if (this.needsAnchor) {
      const nextSeq = this.lastOutSeq === null ? h.sequenceNumber : (this.lastOutSeq + 1) & 0xffff;
      const nextTs =
        this.lastOutTs === null
          ? h.timestamp
          : this.lastOutTs +
            Math.max(
              this.minStepTicks,
              Math.round(((nowMs - this.lastOutWallMs) * this.clockRate) / 1000) + this.adjustTicks,
            );
      this.seqOffset = (nextSeq - h.sequenceNumber) & 0xffff;
      this.tsOffset = (nextTs - h.timestamp) >>> 0;
      this.needsAnchor = false;
      this.offsets.set(source, this.tsOffset);
    }
    const seq = (h.sequenceNumber + this.seqOffset) & 0xffff;
    const ts = (h.timestamp + this.tsOffset) >>> 0;
    const view = new DataView(pkt.buffer, pkt.byteOffset, pkt.byteLength);
    pkt[1] = (pkt[1]! & 0x80) | (this.payloadType & 0x7f);
    view.setUint16(2, seq);
    view.setUint32(4, ts);
    view.setUint32(8, this.ssrc);
    // Sequence numbers can arrive out of order (NACK retransmits); keep the newest.
    if (this.lastOutSeq === null || ((seq - this.lastOutSeq) & 0xffff) < 0x8000) {
      this.lastOutSeq = seq;
      this.lastOutTs = ts;
      this.lastOutWallMs = nowMs;
    }
    return pkt;
  }
}
