import { describe, expect, it } from "vitest";
import { buildSenderReport, OutputTrack, parseRtpHeader, parseSenderReport } from "./rtp.ts";

function rtp(seq: number, ts: number, ssrc: number, pt = 102): Uint8Array {
  const b = new Uint8Array(12 + 4);
  const v = new DataView(b.buffer);
  b[0] = 0x80;
  b[1] = pt;
  v.setUint16(2, seq);
  v.setUint32(4, ts >>> 0);
  v.setUint32(8, ssrc);
  return b;
}

describe("OutputTrack", () => {
  it("keeps one SSRC, consecutive sequence numbers and wall-clock timestamps across sources", () => {
    const t = new OutputTrack({ ssrc: 1234, payloadType: 96, clockRate: 90000 });
    t.switchTo("teacher");
    const a = parseRtpHeader(t.rewrite("teacher", rtp(65534, 1000, 1), 0)!)!;
    const b = parseRtpHeader(t.rewrite("teacher", rtp(65535, 4000, 1), 33)!)!;
    expect([a.ssrc, a.payloadType, a.sequenceNumber, a.timestamp]).toEqual([1234, 96, 65534, 1000]);
    expect([b.sequenceNumber, b.timestamp]).toEqual([65535, 4000]);
    // Packets from a source that is not active are dropped.
    expect(t.rewrite("filler", rtp(7, 777, 9), 40)).toBeNull();
    // The filler takes over 1.5 s later: timeline continues by wall clock.
    t.switchTo("filler");
    const c = parseRtpHeader(t.rewrite("filler", rtp(7, 777, 9), 1533)!)!;
    expect(c.sequenceNumber).toBe(0);
    expect(c.timestamp).toBe(4000 + 1500 * 90);
    const d = parseRtpHeader(t.rewrite("filler", rtp(8, 777 + 6000, 9), 1600)!)!;
    expect(d.sequenceNumber).toBe(1);
    expect(d.timestamp).toBe(4000 + 1500 * 90 + 6000);
    expect(d.ssrc).toBe(1234);
  });

  it("handles 32-bit timestamp wrap", () => {
    const t = new OutputTrack({ ssrc: 1, payloadType: 96, clockRate: 90000 });
    t.switchTo("a");
    t.rewrite("a", rtp(1, 0xffffff00, 1), 0);
    t.switchTo("b");
    const h = parseRtpHeader(t.rewrite("b", rtp(1, 5, 2), 10)!)!;
    expect(h.timestamp).toBe((0xffffff00 + 900) >>> 0);
  });

  it("advances at least minStepTicks at a switch, also in the same millisecond as the last packet", () => {
    const t = new OutputTrack({ ssrc: 1, payloadType: 96, clockRate: 90000, minStepTicks: 3000 });
    t.switchTo("slate");
    t.rewrite("slate", rtp(1, 0, 2), 1000);
    t.switchTo("teacher");
    expect(parseRtpHeader(t.rewrite("teacher", rtp(50, 777, 3), 1000)!)!.timestamp).toBe(3000);
    // Back on the slate, then the teacher again: its old timeline lands 1 ms after the
    // slate's last frame, too close: re-timed to one step after it.
    t.switchTo("slate");
    t.rewrite("slate", rtp(2, 6000, 2), 1100);
    const last = t.lastTimestamp!;
    t.switchTo("teacher", 0, 3 * 90000, false);
    const back = parseRtpHeader(
      t.rewrite("teacher", rtp(51, (last + 90 - 3000 + 777) >>> 0, 3), 1100)!,
    )!;
    expect(back.timestamp).toBe(last + 3000);
  });
});

describe("sender reports", () => {
  it("round-trip, also inside a compound packet", () => {
    const sr = {
      ssrc: 42,
      ntpSeconds: 3_900_000_000.25,
      rtpTimestamp: 123456,
      packetCount: 10,
      octetCount: 1000,
    };
    const buf = buildSenderReport(sr);
    const parsed = parseSenderReport(buf)!;
    expect(parsed.ssrc).toBe(42);
    expect(parsed.ntpSeconds).toBeCloseTo(sr.ntpSeconds, 6);
    const rr = Uint8Array.from([0x80, 201, 0, 1, 0, 0, 0, 9]);
    expect(parseSenderReport(Uint8Array.from([...rr, ...buf]))!.rtpTimestamp).toBe(123456);
    expect(parseSenderReport(rr)).toBeNull();
  });
});
