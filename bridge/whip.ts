import { randomUUID } from "node:crypto";
import {
  RTCPeerConnection,
  RTCRtpCodecParameters,
  type RtcpPacket,
  useAbsSendTime,
  useFIR,
  useNACK,
  usePLI,
  useSdesMid,
  useTransportWideCC,
  useTWCC,
} from "werift";
import type { Logger } from "./log.ts";
import { type BitrateHints, mungeAnswer, type OfferChoice } from "./sdp.ts";
import type { ClassSession, MediaKind } from "./session.ts";

/** ICE settings for the bridge's own WHIP endpoint (local mode). */
export interface IceOptions {
  /** UDP port range for ICE host candidates. */
  portRange?: [number, number];
  /** Extra host addresses to advertise (e.g. the container's public IP). */
  additionalHostAddresses?: string[];
}

/** A WHIP resource: the teacher's peer connection feeding one class session. */
export interface WhipPublisher {
  id: string;
  classId: string;
  answer: string;
  close: () => Promise<void>;
  connectionState: () => string;
}

/**
 * Accepts the teacher's offer with werift and wires its tracks into the
 * session. Returns once ICE gathering is complete — the answer carries every
 * candidate, since WHIP clients here do not trickle.
 */
export async function acceptWhipOffer(opts: {
  offer: string;
  choice: OfferChoice;
  session: ClassSession;
  ice: IceOptions;
  hints: BitrateHints;
  log: Logger;
}): Promise<WhipPublisher> {
  const { offer, choice, session, log } = opts;
  const id = randomUUID();
  const vf = choice.video.format;
  const pc = new RTCPeerConnection({
    ...receiverMedia({
      videoPayloadType: vf.payloadType,
      profileLevelId: vf.fmtp["profile-level-id"] ?? "42e01f",
      audioPayloadType: choice.audio?.format.payloadType ?? 111,
    }),
    icePortRange: opts.ice.portRange,
    iceAdditionalHostAddresses: opts.ice.additionalHostAddresses,
  });

  let closed = false;
  const feed = feedSession(pc);
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    session.detachPublisher(id);
    await pc.close().catch(() => {});
  };

  pc.connectionStateChange.subscribe((state) => {
    log("whip.connection", { classId: session.classId, publisherId: id, state });
    if (state === "failed" || state === "closed") void close();
  });

  try {
    await pc.setRemoteDescription({ type: "offer", sdp: offer });
    for (const t of pc.getTransceivers()) t.setDirection("recvonly");
    const answer = await pc.createAnswer();
    await pc.setLocalDescription(answer);
    if (pc.iceGatheringState !== "complete") {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 5000);
        pc.iceGatheringStateChange.subscribe((s) => {
          if (s === "complete") {
            clearTimeout(timer);
            resolve();
          }
        });
      });
    }
    const local = pc.localDescription?.sdp;
    if (!local) throw new Error("no local description");
    feed.attach(
      session.attachPublisher({
        id,
        requestKeyframe: feed.requestKeyframe,
        close: () => void close(),
      }),
    );
    return {
      id,
      classId: session.classId,
      answer: mungeAnswer(local, offer, opts.hints),
      close,
      connectionState: () => pc.connectionState,
    };
  } catch (err) {
    closed = true;
    await pc.close().catch(() => {});
    throw err;
  }
}

/**
 * Route a receiving peer connection's media into a class session: every RTP packet of
 * its tracks, and the RTCP sender reports ffmpeg needs for A/V sync. Used by the WHIP
 * publisher (local) and the Calls pull (production). Until `attach`, media is dropped.
 */
export function feedSession(pc: RTCPeerConnection): {
  attach: (sink: ReturnType<ClassSession["attachPublisher"]>) => void;
  /** PLI to every video SSRC seen so far (the sender answers with an IDR). */
  requestKeyframe: () => void;
} {
  let sink: ReturnType<ClassSession["attachPublisher"]> | null = null;
  const videoSsrcs = new Set<number>();
  pc.onTrack.subscribe((track) => {
    const kind: MediaKind = track.kind === "video" ? "video" : "audio";
    track.onReceiveRtp.subscribe((rtp) => {
      if (kind === "video") videoSsrcs.add(rtp.header.ssrc);
      sink?.onRtp(kind, rtp.serialize());
    });
  });
  const watchRtcp = (kind: string, ev: { subscribe: (fn: (p: RtcpPacket) => void) => unknown }) =>
    ev.subscribe((p) => {
      if (p.type !== 200) return;
      const ntp = p.senderInfo.ntpTimestamp;
      sink?.onSenderReport(kind === "video" ? "video" : "audio", {
        ssrc: p.ssrc,
        ntpSeconds: Number(ntp >> 32n) + Number(ntp & 0xffffffffn) / 2 ** 32,
        rtpTimestamp: p.senderInfo.rtpTimestamp,
        packetCount: p.senderInfo.packetCount,
        octetCount: p.senderInfo.octetCount,
      });
    });
  for (const t of pc.getTransceivers()) watchRtcp(t.kind, t.receiver.onRtcp);
  pc.onTransceiverAdded.subscribe((t) => watchRtcp(t.kind, t.receiver.onRtcp));
  return {
    attach: (s) => {
      sink = s;
    },
    requestKeyframe: () => {
      for (const t of pc.getTransceivers()) {
        if (t.kind !== "video") continue;
        for (const ssrc of videoSsrcs) void t.receiver.sendRtcpPLI(ssrc).catch(() => {});
      }
    },
  };
}

/**
 * What a receiving peer connection accepts: H.264 (packetization-mode 1) with PLI/FIR,
 * NACK and TWCC feedback, and Opus; with mid, abs-send-time and transport-cc
 * extensions (without them Chrome ramps up from ~300 kbps). Payload types follow the
 * offer when known (WHIP); Calls' offers are matched by codec.
 */
export function receiverMedia(
  opts: { videoPayloadType?: number; profileLevelId?: string; audioPayloadType?: number } = {},
) {
  return {
    codecs: {
      video: [
        new RTCRtpCodecParameters({
          mimeType: "video/H264",
          clockRate: 90000,
          payloadType: opts.videoPayloadType,
          rtcpFeedback: [useNACK(), usePLI(), useFIR(), useTWCC()],
          parameters: `level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=${opts.profileLevelId ?? "42e01f"}`,
        }),
      ],
      audio: [
        new RTCRtpCodecParameters({
          mimeType: "audio/opus",
          clockRate: 48000,
          channels: 2,
          payloadType: opts.audioPayloadType,
          rtcpFeedback: [useTWCC()],
          parameters: "minptime=10;useinbandfec=1",
        }),
      ],
    },
    headerExtensions: {
      video: [useSdesMid(), useAbsSendTime(), useTransportWideCC()],
      audio: [useSdesMid(), useAbsSendTime(), useTransportWideCC()],
    },
  };
}
