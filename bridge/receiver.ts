/**
 * A receiving werift peer connection that feeds one class session: the part the local
 * WHIP publisher (whip.ts) and the production Calls pull (calls-pull.ts) share —
 * codecs, RTP/RTCP routing into the session, keyframe requests, closing, and answering
 * an offer once ICE gathering is complete (neither side trickles).
 */
import { randomUUID } from "node:crypto";
import {
  type RTCPeerConnection as PeerConnection,
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
import type { ClassSession, MediaKind } from "./session.ts";

/** What the server keeps of a running ingest (a WHIP resource or a Calls pull). */
export interface Ingest {
  id: string;
  classId: string;
  close: () => Promise<void>;
  connectionState: () => string;
}

/** A receiver before and after it is attached to its session. */
export interface Receiver {
  id: string;
  pc: PeerConnection;
  /** Answer a sendonly offer as recvonly; resolves with the answer once ICE gathering completes. */
  answer: (offer: { type: "offer"; sdp: string }, gatherTimeoutMs?: number) => Promise<string>;
  /** Start feeding the session; returns the handle the server keeps. */
  attach: () => Ingest;
  /** Give up before attaching (negotiation failed). */
  abort: () => Promise<void>;
}

/** Open a receiver for `session`; `kind` names it in the `connection_changed` log lines. */
export function openReceiver(opts: {
  session: ClassSession;
  log: Logger;
  kind: "whip" | "pull";
  media?: Parameters<typeof receiverMedia>[0];
  ice?: {
    portRange?: [number, number];
    additionalHostAddresses?: string[];
    iceServers?: { urls: string }[];
  };
}): Receiver {
  const { session, log, kind } = opts;
  const id = randomUUID();
  const pc = new RTCPeerConnection({
    ...receiverMedia(opts.media),
    icePortRange: opts.ice?.portRange,
    iceAdditionalHostAddresses: opts.ice?.additionalHostAddresses,
    iceServers: opts.ice?.iceServers ?? [],
  });
  const feed = feedSession(pc);
  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    session.detachPublisher(id);
    await pc.close().catch(() => {});
  };
  pc.iceConnectionStateChange.subscribe((state) => {
    if (state === "connected") session.markStartup(id, "iceConnected");
  });
  pc.connectionStateChange.subscribe((state) => {
    if (state === "connected") session.markStartup(id, "connected");
    log("connection_changed", { classId: session.classId, kind, id, state });
    if (state === "failed" || state === "closed") void close();
  });
  return {
    id,
    pc,
    async answer(offer, gatherTimeoutMs = 5000) {
      await pc.setRemoteDescription(offer);
      for (const t of pc.getTransceivers()) t.setDirection("recvonly");
      await pc.setLocalDescription(await pc.createAnswer());
      if (pc.iceGatheringState !== "complete") {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, gatherTimeoutMs);
          pc.iceGatheringStateChange.subscribe((s) => {
            if (s === "complete") {
              clearTimeout(timer);
              resolve();
            }
          });
        });
      }
      const sdp = pc.localDescription?.sdp;
      if (!sdp) throw new Error("no local description");
      return sdp;
    },
    attach() {
      feed.attach(
        session.attachPublisher({
          id,
          requestKeyframe: feed.requestKeyframe,
          close: () => void close(),
        }),
      );
      return { id, classId: session.classId, close, connectionState: () => pc.connectionState };
    },
    async abort() {
      closed = true;
      await pc.close().catch(() => {});
    },
  };
}

/**
 * Route a receiving peer connection's media into a class session: every RTP packet of
 * its tracks, and the RTCP sender reports ffmpeg needs for A/V sync. Used by the WHIP
 * publisher (local) and the Calls pull (production). Until `attach`, media is dropped.
 */
function feedSession(pc: RTCPeerConnection): {
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
function receiverMedia(
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
