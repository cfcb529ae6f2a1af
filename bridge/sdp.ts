/**
 * Pure SDP helpers: validate the teacher's WHIP offer, pick the H.264 format
 * the bridge can copy, munge werift's answer so Chrome ramps up quickly, and
 * write the SDP that ffmpeg reads from loopback.
 */
import type { BridgeErrorCode } from "../protocol/bridge.ts";

/** TWCC and abs-send-time header extension URIs (send-side BWE in Chrome). */
export const EXT_TWCC = "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01";
export const EXT_ABS_SEND_TIME = "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time";

/** One codec format of an m-section. */
export interface SdpFormat {
  payloadType: number;
  codec: string;
  clockRate: number;
  channels?: number;
  fmtp: Record<string, string>;
}

/** One m-section. */
export interface SdpMedia {
  kind: string;
  port: number;
  formats: SdpFormat[];
  extmap: { id: number; uri: string }[];
  direction: "sendrecv" | "sendonly" | "recvonly" | "inactive";
  mid?: string;
}

/** Why an offer was refused; `status` is the HTTP status to answer with. */
export class SdpError extends Error {
  readonly status: 400 | 415;
  readonly code: BridgeErrorCode;
  constructor(status: 400 | 415, code: BridgeErrorCode, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

function splitLines(sdp: string): string[] {
  return sdp.split(/\r?\n/).filter((l) => l.length > 0);
}

/** Parses `a=fmtp` parameters (`k=v;k=v`). */
export function parseFmtp(params: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of params.split(";")) {
    const [k, ...v] = part.trim().split("=");
    if (k) out[k.toLowerCase()] = v.join("=");
  }
  return out;
}

/** Parses the media sections of an SDP; throws {@link SdpError} 400 on malformed input. */
export function parseSdp(sdp: string): SdpMedia[] {
  if (typeof sdp !== "string" || sdp.length > 64_000) {
    throw new SdpError(400, "bad_sdp", "SDP missing or too large");
  }
  const lines = splitLines(sdp);
  if (lines[0] !== "v=0") throw new SdpError(400, "bad_sdp", "SDP must start with v=0");
  const media: SdpMedia[] = [];
  let cur: SdpMedia | null = null;
  for (const line of lines) {
    if (!/^[a-z]=/.test(line)) throw new SdpError(400, "bad_sdp", "malformed SDP line");
    if (line.startsWith("m=")) {
      const m = /^m=(\w+) (\d+)(?:\/\d+)? ([\w/]+) ([\d ]+)$/.exec(line);
      if (!m) throw new SdpError(400, "bad_sdp", "malformed m= line");
      cur = {
        kind: m[1]!,
        port: Number(m[2]),
        formats: m[4]!
          .trim()
          .split(/\s+/)
          .map((pt) => ({ payloadType: Number(pt), codec: "", clockRate: 0, fmtp: {} })),
        extmap: [],
        direction: "sendrecv",
      };
      media.push(cur);
      continue;
    }
    if (!cur) continue;
    let m = /^a=rtpmap:(\d+) ([\w.-]+)\/(\d+)(?:\/(\d+))?/.exec(line);
    if (m) {
      const f = cur.formats.find((x) => x.payloadType === Number(m![1]));
      if (f) {
        f.codec = m[2]!.toUpperCase();
        f.clockRate = Number(m[3]);
        if (m[4]) f.channels = Number(m[4]);
      }
      continue;
    }
    m = /^a=fmtp:(\d+) (.*)$/.exec(line);
    if (m) {
      const f = cur.formats.find((x) => x.payloadType === Number(m![1]));
      if (f) f.fmtp = parseFmtp(m[2]!);
      continue;
    }
    m = /^a=extmap:(\d+)(?:\/\w+)? (\S+)/.exec(line);
    if (m) {
      cur.extmap.push({ id: Number(m[1]), uri: m[2]! });
      continue;
    }
    m = /^a=mid:(\S+)/.exec(line);
    if (m) {
      cur.mid = m[1]!;
      continue;
    }
    m = /^a=(sendrecv|sendonly|recvonly|inactive)$/.exec(line);
    if (m) cur.direction = m[1] as SdpMedia["direction"];
  }
  if (media.length === 0) throw new SdpError(400, "bad_sdp", "SDP has no media sections");
  if (!lines.some((l) => l.startsWith("a=ice-ufrag:"))) {
    throw new SdpError(400, "bad_sdp", "SDP has no ICE credentials (a=ice-ufrag)");
  }
  if (!lines.some((l) => l.startsWith("a=fingerprint:"))) {
    throw new SdpError(400, "bad_sdp", "SDP has no DTLS fingerprint");
  }
  // Shapes werift would crash on (RFC 8839 ice-char 4–256; RFC 8122 hash + hex pairs).
  for (const l of lines) {
    if (l.startsWith("a=ice-ufrag:") && !/^a=ice-ufrag:[A-Za-z0-9+/]{4,256}$/.test(l))
      throw new SdpError(400, "bad_sdp", "malformed a=ice-ufrag (4–256 ICE characters)");
    if (
      l.startsWith("a=fingerprint:") &&
      !/^a=fingerprint:[A-Za-z0-9-]+ [0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2})+$/.test(l)
    )
      throw new SdpError(400, "bad_sdp", "malformed a=fingerprint (hash function, then hex pairs)");
  }
  return media;
}

/** Ranks H.264 formats: packetization-mode=1 first, then Constrained Baseline, then Baseline. */
export function h264Rank(f: SdpFormat): number {
  if (f.codec !== "H264") return -1;
  let rank = 0;
  if (f.fmtp["packetization-mode"] === "1") rank += 100;
  const plid = (f.fmtp["profile-level-id"] ?? "").toLowerCase();
  if (plid.startsWith("42e0")) rank += 30;
  else if (plid.startsWith("4200")) rank += 20;
  else if (plid.startsWith("4d00")) rank += 10;
  return rank;
}

/** What the bridge will receive, chosen from an offer. */
export interface OfferChoice {
  video: { mid?: string; format: SdpFormat };
  audio: { mid?: string; format: SdpFormat } | null;
}

/**
 * Validates a WHIP offer and picks the H.264 format to accept.
 * 400 for malformed SDP, 415 when there is no H.264 (the bridge copies video, it does not transcode).
 */
export function chooseFromOffer(sdp: string): OfferChoice {
  const media = parseSdp(sdp);
  const video = media.find((m) => m.kind === "video" && m.port !== 0 && m.direction !== "inactive");
  if (!video) throw new SdpError(400, "no_video", "offer has no active video section");
  const h264 = video.formats
    .filter((f) => f.codec === "H264")
    .sort((a, b) => h264Rank(b) - h264Rank(a));
  const best = h264[0];
  if (!best) {
    const offered = [...new Set(video.formats.map((f) => f.codec).filter((c) => c))].join(", ");
    throw new SdpError(
      415,
      "no_h264",
      `offer has no H.264 video (offered: ${offered || "none"}); the bridge copies H.264 without re-encoding — prefer H.264 with setCodecPreferences`,
    );
  }
  if (best.fmtp["packetization-mode"] !== "1") {
    throw new SdpError(415, "no_h264_pm1", "offer has H.264 only without packetization-mode=1");
  }
  const audioSection = media.find(
    (m) => m.kind === "audio" && m.port !== 0 && m.direction !== "inactive",
  );
  const opus = audioSection?.formats.find((f) => f.codec === "OPUS" && f.clockRate === 48000);
  if (audioSection && !opus) {
    throw new SdpError(415, "no_opus", "offer has audio but not Opus/48000");
  }
  return {
    video: { mid: video.mid, format: best },
    audio: audioSection && opus ? { mid: audioSection.mid, format: opus } : null,
  };
}

/** Bitrate hints for Chrome's encoder, in kbit/s. */
export interface BitrateHints {
  startKbps: number;
  minKbps: number;
  maxKbps: number;
}

/** Defaults: start at 2.5 Mbps, never below 500 kbps, up to 6 Mbps (YouTube 1080p30 range). */
export const DEFAULT_BITRATE_HINTS: BitrateHints = { startKbps: 2500, minKbps: 500, maxKbps: 6000 };

/**
 * Munges werift's answer: H.264 fmtp gets `x-google-{start,min,max}-bitrate`
 * (Chrome otherwise starts near 300 kbps and ramps slowly); every section
 * answers the TWCC / abs-send-time extensions the offer carried (same ids, as
 * RFC 8285 requires) and `transport-cc` feedback, so Chrome's send-side BWE
 * runs. Idempotent.
 */
export function mungeAnswer(
  answer: string,
  offer: string,
  hints: BitrateHints = DEFAULT_BITRATE_HINTS,
): string {
  const offerMedia = parseSdp(offer);
  const eol = answer.includes("\r\n") ? "\r\n" : "\n";
  const lines = answer.split(/\r?\n/);
  if (lines[lines.length - 1] === "") lines.pop();
  const out: string[] = [];
  let section: { lines: string[] } | null = null;
  const sections: { lines: string[] }[] = [];
  for (const line of lines) {
    if (line.startsWith("m=")) {
      section = { lines: [line] };
      sections.push(section);
    } else if (section) section.lines.push(line);
    else out.push(line);
  }
  sections.forEach((sec, index) => {
    const mline = sec.lines[0]!;
    const kind = mline.slice(2, mline.indexOf(" "));
    const offered = offerMedia[index];
    const rejected = /^m=\w+ 0 /.test(mline);
    const pts = mline.split(" ").slice(3).map(Number);
    const h264Pts = pts.filter((pt) =>
      sec.lines.some((l) => new RegExp(`^a=rtpmap:${pt} H264/`, "i").test(l)),
    );
    let result = sec.lines.map((l) => {
      const fm = /^a=fmtp:(\d+) (.*)$/.exec(l);
      if (!fm || !h264Pts.includes(Number(fm[1]))) return l;
      const params = fm[2]!
        .split(";")
        .map((p) => p.trim())
        .filter((p) => p && !p.startsWith("x-google-"));
      if (!params.some((p) => p.startsWith("packetization-mode=")))
        params.push("packetization-mode=1");
      params.push(
        `x-google-start-bitrate=${hints.startKbps}`,
        `x-google-min-bitrate=${hints.minKbps}`,
        `x-google-max-bitrate=${hints.maxKbps}`,
      );
      return `a=fmtp:${fm[1]} ${params.join(";")}`;
    });
    if (!rejected && offered && (kind === "video" || kind === "audio")) {
      // H.264 formats answered without fmtp still need the hints.
      for (const pt of h264Pts) {
        if (!result.some((l) => l.startsWith(`a=fmtp:${pt} `))) {
          const at = result.findIndex((l) => l.startsWith(`a=rtpmap:${pt} `));
          result.splice(
            at + 1,
            0,
            `a=fmtp:${pt} packetization-mode=1;x-google-start-bitrate=${hints.startKbps};x-google-min-bitrate=${hints.minKbps};x-google-max-bitrate=${hints.maxKbps}`,
          );
        }
      }
      for (const uri of [EXT_TWCC, EXT_ABS_SEND_TIME]) {
        const offeredExt = offered.extmap.find((e) => e.uri === uri);
        if (!offeredExt || result.some((l) => l.startsWith("a=extmap:") && l.endsWith(` ${uri}`)))
          continue;
        const at = Math.max(
          result.findIndex((l) => l.startsWith("a=mid:")),
          result.findLastIndex((l) => l.startsWith("a=extmap:")),
        );
        result.splice(at + 1, 0, `a=extmap:${offeredExt.id} ${uri}`);
      }
      if (offered.extmap.some((e) => e.uri === EXT_TWCC)) {
        for (const pt of pts) {
          const isPrimary = result.some(
            (l) => l.startsWith(`a=rtpmap:${pt} `) && !/ (rtx|red|ulpfec)\//i.test(l),
          );
          if (!isPrimary || result.some((l) => l === `a=rtcp-fb:${pt} transport-cc`)) continue;
          const at = result.findLastIndex(
            (l) =>
              l.startsWith(`a=rtpmap:${pt} `) ||
              l.startsWith(`a=fmtp:${pt} `) ||
              l.startsWith(`a=rtcp-fb:${pt} `),
          );
          result.splice(at + 1, 0, `a=rtcp-fb:${pt} transport-cc`);
        }
      }
    }
    if (rejected) result = sec.lines;
    out.push(...result);
  });
  return out.join(eol) + eol;
}

/** Base64 `sprop-parameter-sets` value from SPS and PPS NAL units. */
export function spropParameterSets(sps: Uint8Array, pps: Uint8Array): string {
  return `${Buffer.from(sps).toString("base64")},${Buffer.from(pps).toString("base64")}`;
}

/** Inputs for the SDP ffmpeg reads. */
export interface FfmpegSdpOptions {
  videoPort: number;
  audioPort: number | null;
  videoPayloadType: number;
  audioPayloadType: number;
  /** The teacher's SPS/PPS when known (a restart); null for a warm start before any arrived. */
  sps: Uint8Array | null;
  pps: Uint8Array | null;
}

/**
 * SDP for ffmpeg's RTP input on loopback. Known SPS/PPS go into
 * `sprop-parameter-sets`, because a restarted ffmpeg may first see P-frames
 * and its probe needs them before the next in-band ones (docs/architecture.md, facts). A warm
 * start (ffmpeg spawned when the publisher attaches, before any media) has
 * none: the session then feeds it from an in-band SPS onwards, so its probe
 * sees SPS, PPS and an IDR first.
 */
export function buildFfmpegSdp(o: FfmpegSdpOptions): string {
  const fmtp = ["packetization-mode=1"];
  if (o.sps && o.pps) {
    const plid = Array.from(o.sps.subarray(1, 4), (b) => b.toString(16).padStart(2, "0")).join("");
    fmtp.push(
      `profile-level-id=${plid}`,
      `sprop-parameter-sets=${spropParameterSets(o.sps, o.pps)}`,
    );
  }
  const lines = [
    "v=0",
    "o=- 0 0 IN IP4 127.0.0.1",
    "s=mass-class-bridge",
    "c=IN IP4 127.0.0.1",
    "t=0 0",
    `m=video ${o.videoPort} RTP/AVP ${o.videoPayloadType}`,
    `a=rtpmap:${o.videoPayloadType} H264/90000`,
    `a=fmtp:${o.videoPayloadType} ${fmtp.join(";")}`,
    "a=recvonly",
  ];
  if (o.audioPort !== null) {
    lines.push(
      `m=audio ${o.audioPort} RTP/AVP ${o.audioPayloadType}`,
      `a=rtpmap:${o.audioPayloadType} opus/48000/2`,
      `a=fmtp:${o.audioPayloadType} minptime=10;useinbandfec=1;stereo=1`,
      "a=recvonly",
    );
  }
  return `${lines.join("\r\n")}\r\n`;
}
