import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  buildFfmpegSdp,
  chooseFromOffer,
  DEFAULT_BITRATE_HINTS,
  EXT_ABS_SEND_TIME,
  EXT_TWCC,
  mungeAnswer,
  parseSdp,
  SdpError,
} from "./sdp.ts";

/** A real Chromium 156 WHIP offer (fake devices, H.264 preferred with setCodecPreferences). */
const CHROME_OFFER = readFileSync(new URL("./fixtures/chrome-offer.sdp", import.meta.url), "utf8");

const vp8Only = CHROME_OFFER.replace(/^m=video (\d+) (\S+) .*$/m, "m=video $1 $2 96").replace(
  /^a=(rtpmap|fmtp|rtcp-fb):(?!96 |111 |63 |9 |0 |8 |13 |110 |126 ).*\r?\n/gm,
  "",
);

function expectSdpError(fn: () => unknown, status: number, code?: string): void {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(SdpError);
    expect((err as SdpError).status).toBe(status);
    if (code) expect((err as SdpError).code).toBe(code);
    return;
  }
  throw new Error("expected an SdpError");
}

describe("chooseFromOffer", () => {
  it("picks Constrained Baseline H.264 with packetization-mode=1 and Opus from Chrome's offer", () => {
    const c = chooseFromOffer(CHROME_OFFER);
    expect(c.video.format.codec).toBe("H264");
    expect(c.video.format.fmtp["packetization-mode"]).toBe("1");
    expect(c.video.format.fmtp["profile-level-id"]).toBe("42e01f");
    expect(c.audio?.format.codec).toBe("OPUS");
  });
  it("refuses an offer without H.264 with 415 and says why", () => {
    expect(
      parseSdp(vp8Only)
        .find((m) => m.kind === "video")!
        .formats.map((f) => f.codec),
    ).toEqual(["VP8"]);
    expectSdpError(() => chooseFromOffer(vp8Only), 415, "no_h264");
    try {
      chooseFromOffer(vp8Only);
    } catch (err) {
      expect((err as Error).message).toMatch(/H\.264.*VP8/);
    }
  });
  it("refuses H.264 that is only packetization-mode=0", () => {
    const pm0 = CHROME_OFFER.replaceAll("packetization-mode=1", "packetization-mode=0");
    expectSdpError(() => chooseFromOffer(pm0), 415, "no_h264_pm1");
  });
  it("answers malformed SDP with 400", () => {
    expectSdpError(() => chooseFromOffer("hello"), 400);
    expectSdpError(() => chooseFromOffer("v=0\r\nm=video nonsense\r\n"), 400);
    expectSdpError(() => chooseFromOffer("v=0\r\ns=-\r\n"), 400);
    expectSdpError(() => chooseFromOffer(CHROME_OFFER.replace(/^a=ice-ufrag:.*$/gm, "")), 400);
    // Present but malformed: werift would throw a TypeError while answering (a 500).
    expectSdpError(
      () => chooseFromOffer(CHROME_OFFER.replace(/^a=fingerprint:.*$/gm, "a=fingerprint:bogus")),
      400,
    );
    expectSdpError(
      () => chooseFromOffer(CHROME_OFFER.replace(/^a=ice-ufrag:.*$/gm, "a=ice-ufrag:")),
      400,
    );
    expectSdpError(
      () =>
        chooseFromOffer(CHROME_OFFER.replace(/^m=video.*$/m, "m=video 0 UDP/TLS/RTP/SAVPF 102")),
      400,
    );
  });
});

describe("mungeAnswer", () => {
  const answer = [
    "v=0",
    "o=- 1 0 IN IP4 0.0.0.0",
    "s=-",
    "t=0 0",
    "a=group:BUNDLE 0 1",
    "m=audio 9 UDP/TLS/RTP/SAVPF 111",
    "a=mid:0",
    "a=rtpmap:111 opus/48000/2",
    "a=fmtp:111 minptime=10;useinbandfec=1",
    "a=recvonly",
    "m=video 9 UDP/TLS/RTP/SAVPF 102",
    "a=mid:1",
    "a=rtpmap:102 H264/90000",
    "a=rtcp-fb:102 nack pli",
    "a=fmtp:102 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42001f",
    "a=recvonly",
    "",
  ].join("\r\n");

  it("adds x-google bitrate hints to the H.264 fmtp", () => {
    const out = mungeAnswer(answer, CHROME_OFFER);
    const fmtp = out.split("\r\n").find((l) => l.startsWith("a=fmtp:102"))!;
    expect(fmtp).toContain("packetization-mode=1");
    expect(fmtp).toContain(`x-google-start-bitrate=${DEFAULT_BITRATE_HINTS.startKbps}`);
    expect(fmtp).toContain(`x-google-min-bitrate=${DEFAULT_BITRATE_HINTS.minKbps}`);
    expect(fmtp).toContain(`x-google-max-bitrate=${DEFAULT_BITRATE_HINTS.maxKbps}`);
    expect(out.split("\r\n").find((l) => l.startsWith("a=fmtp:111"))).not.toContain("x-google");
  });

  it("answers TWCC and abs-send-time with the offer's extension ids, and transport-cc feedback", () => {
    const out = mungeAnswer(answer, CHROME_OFFER);
    const offered = parseSdp(CHROME_OFFER);
    const video = offered.find((m) => m.kind === "video")!;
    const twccId = video.extmap.find((e) => e.uri === EXT_TWCC)!.id;
    const astId = video.extmap.find((e) => e.uri === EXT_ABS_SEND_TIME)!.id;
    const videoSection = out.slice(out.indexOf("m=video"));
    expect(videoSection).toContain(`a=extmap:${twccId} ${EXT_TWCC}`);
    expect(videoSection).toContain(`a=extmap:${astId} ${EXT_ABS_SEND_TIME}`);
    expect(videoSection).toContain("a=rtcp-fb:102 transport-cc");
    expect(out.slice(0, out.indexOf("m=video"))).toContain("a=rtcp-fb:111 transport-cc");
    expect(out.endsWith("\r\n")).toBe(true);
  });

  it("is idempotent", () => {
    const once = mungeAnswer(answer, CHROME_OFFER);
    expect(mungeAnswer(once, CHROME_OFFER)).toBe(once);
  });

  it("leaves rejected sections alone", () => {
    const rejected = answer.replace(
      "m=audio 9 UDP/TLS/RTP/SAVPF 111",
      "m=audio 0 UDP/TLS/RTP/SAVPF 111",
    );
    const out = mungeAnswer(rejected, CHROME_OFFER);
    expect(out.slice(0, out.indexOf("m=video"))).not.toContain("transport-cc");
  });
});

describe("buildFfmpegSdp", () => {
  it("puts SPS/PPS in sprop-parameter-sets and binds loopback", () => {
    const sps = Uint8Array.from(
      Buffer.from("6742c01fd9005005bb011000000300100000030320f1832480", "hex"),
    );
    const pps = Uint8Array.from(Buffer.from("68ce3c80", "hex"));
    const sdp = buildFfmpegSdp({
      videoPort: 40000,
      audioPort: 40002,
      videoPayloadType: 96,
      audioPayloadType: 111,
      sps,
      pps,
    });
    expect(sdp).toContain("c=IN IP4 127.0.0.1");
    expect(sdp).toContain("m=video 40000 RTP/AVP 96");
    expect(sdp).toContain(
      `sprop-parameter-sets=${Buffer.from(sps).toString("base64")},${Buffer.from(pps).toString("base64")}`,
    );
    expect(sdp).toContain("profile-level-id=42c01f");
    expect(sdp).toContain("m=audio 40002 RTP/AVP 111");
    expect(sdp).toContain("a=rtpmap:111 opus/48000/2");
  });

  it("has no sprop-parameter-sets for a warm start before any SPS arrived", () => {
    const sdp = buildFfmpegSdp({
      videoPort: 40000,
      audioPort: 40002,
      videoPayloadType: 96,
      audioPayloadType: 111,
      sps: null,
      pps: null,
    });
    expect(sdp).toContain("a=fmtp:96 packetization-mode=1\r\n");
    expect(sdp).not.toContain("sprop-parameter-sets");
    expect(sdp).toContain("m=audio 40002 RTP/AVP 111");
  });
});
