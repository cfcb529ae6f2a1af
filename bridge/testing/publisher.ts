/**
 * A WHIP client for tests and manual runs: werift sends H.264 (Constrained
 * Baseline, packetization-mode=1) + Opus produced by an ffmpeg subprocess
 * (testsrc + sine). ffmpeg cannot honour PLI, so it uses a short GOP instead.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createSocket, type Socket } from "node:dgram";
import {
  MediaStreamTrack,
  RTCPeerConnection,
  RTCRtpCodecParameters,
  useAbsSendTime,
  useNACK,
  usePLI,
  useSdesMid,
  useTransportWideCC,
  useTWCC,
} from "werift";
import { resolveFfmpeg } from "../ffmpeg.ts";

/** Options for {@link startTestPublisher}. */
export interface TestPublisherOptions {
  /** WHIP endpoint, e.g. http://127.0.0.1:8790/whip/demo. */
  whipUrl: string;
  secret?: string;
  size?: string;
  fps?: number;
  /** Keyframe interval in frames. */
  gop?: number;
  videoKbps?: number;
  /** Offer codecs; tests use this to send a VP8-only offer. */
  offerVideoCodec?: "H264" | "VP8";
}

/** A running publisher. */
export interface TestPublisher {
  /** Resource URL from the Location header. */
  resourceUrl: string;
  answer: string;
  /** Epoch ms when the WHIP POST was sent. */
  postedAt: number;
  /**
   * Stop forwarding media (simulates the teacher's network dropping). With `queue`,
   * hold the packets instead and send them all at once on resume — what a browser
   * does with media it queued during a network stall.
   */
  pause: (opts?: { queue?: boolean }) => void;
  resume: () => void;
  connectionState: () => string;
  pids: () => number[];
  /** DELETE the resource (unless `skipDelete`), stop ffmpeg and werift. */
  stop: (opts?: { skipDelete?: boolean }) => Promise<void>;
}

function bind(): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = createSocket("udp4");
    s.once("error", reject);
    s.bind(0, "127.0.0.1", () => resolve(s));
  });
}

/** Publishes to a WHIP endpoint until stopped. */
export async function startTestPublisher(o: TestPublisherOptions): Promise<TestPublisher> {
  const ffmpeg = resolveFfmpeg();
  if (!ffmpeg) throw new Error("ffmpeg not found");
  const vp8 = o.offerVideoCodec === "VP8";
  const pc = new RTCPeerConnection({
    codecs: {
      video: [
        vp8
          ? new RTCRtpCodecParameters({
              mimeType: "video/VP8",
              clockRate: 90000,
              rtcpFeedback: [usePLI()],
            })
          : new RTCRtpCodecParameters({
              mimeType: "video/H264",
              clockRate: 90000,
              payloadType: 102,
              rtcpFeedback: [useNACK(), usePLI(), useTWCC()],
              parameters: "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f",
            }),
      ],
      audio: [
        new RTCRtpCodecParameters({
          mimeType: "audio/opus",
          clockRate: 48000,
          channels: 2,
          payloadType: 111,
          rtcpFeedback: [useTWCC()],
          parameters: "minptime=10;useinbandfec=1",
        }),
      ],
    },
    headerExtensions: {
      video: [useSdesMid(), useAbsSendTime(), useTransportWideCC()],
      audio: [useSdesMid(), useAbsSendTime(), useTransportWideCC()],
    },
  });
  const video = new MediaStreamTrack({ kind: "video" });
  const audio = new MediaStreamTrack({ kind: "audio" });
  pc.addTransceiver(video, { direction: "sendonly" });
  pc.addTransceiver(audio, { direction: "sendonly" });
  await pc.setLocalDescription(await pc.createOffer());
  if (pc.iceGatheringState !== "complete") {
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, 5000);
      pc.iceGatheringStateChange.subscribe((s) => {
        if (s === "complete") {
          clearTimeout(t);
          resolve();
        }
      });
    });
  }
  const postedAt = Date.now();
  const res = await fetch(o.whipUrl, {
    method: "POST",
    headers: {
      "Content-Type": "application/sdp",
      ...(o.secret ? { Authorization: `Bearer ${o.secret}` } : {}),
    },
    body: pc.localDescription!.sdp,
  });
  const body = await res.text();
  if (res.status !== 201) {
    await pc.close();
    throw Object.assign(new Error(`WHIP POST ${res.status}: ${body}`), {
      status: res.status,
      body,
    });
  }
  const location = res.headers.get("location") ?? "";
  const resourceUrl = new URL(location, o.whipUrl).toString();
  await pc.setRemoteDescription({ type: "answer", sdp: body });

  const vSock = await bind();
  const aSock = await bind();
  let paused = false;
  let queue: { kind: "video" | "audio"; m: Buffer }[] | null = null;
  vSock.on("message", (m) => {
    if (!paused) video.writeRtp(m);
    else queue?.push({ kind: "video", m });
  });
  aSock.on("message", (m) => {
    if (!paused) audio.writeRtp(m);
    else queue?.push({ kind: "audio", m });
  });
  const vPort = (vSock.address() as { port: number }).port;
  const aPort = (aSock.address() as { port: number }).port;
  const fps = o.fps ?? 30;
  const videoArgs = vp8
    ? ["-c:v", "libvpx", "-deadline", "realtime", "-cpu-used", "8", "-g", String(o.gop ?? fps)]
    : [
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        "-tune",
        "zerolatency",
        "-profile:v",
        "baseline",
        "-pix_fmt",
        "yuv420p",
        "-g",
        String(o.gop ?? fps),
        "-bsf:v",
        "h264_mp4toannexb",
      ];
  const child: ChildProcess = spawn(
    ffmpeg.path,
    [
      "-nostdin",
      "-hide_banner",
      "-loglevel",
      "error",
      "-re",
      "-f",
      "lavfi",
      "-i",
      `testsrc=size=${o.size ?? "640x360"}:rate=${fps}`,
      "-re",
      "-f",
      "lavfi",
      "-i",
      "sine=frequency=440:sample_rate=48000",
      "-map",
      "0:v",
      ...videoArgs,
      "-b:v",
      `${o.videoKbps ?? 800}k`,
      "-f",
      "rtp",
      "-payload_type",
      "96",
      // RTCP goes to port+1, which nobody binds: harmless on loopback.
      `rtp://127.0.0.1:${vPort}?pkt_size=1200`,
      "-map",
      "1:a",
      "-c:a",
      "libopus",
      "-ac",
      "2",
      "-b:a",
      "64k",
      "-f",
      "rtp",
      "-payload_type",
      "111",
      `rtp://127.0.0.1:${aPort}?pkt_size=1200`,
    ],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  child.stderr?.resume();
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  let stopped = false;
  return {
    resourceUrl,
    answer: body,
    postedAt,
    pause: (opts = {}) => {
      paused = true;
      queue = opts.queue ? [] : null;
    },
    resume: () => {
      paused = false;
      const held = queue ?? [];
      queue = null;
      for (const p of held) (p.kind === "video" ? video : audio).writeRtp(p.m);
    },
    connectionState: () => pc.connectionState,
    pids: () => (child.exitCode === null && child.pid ? [child.pid] : []),
    stop: async (opts = {}) => {
      if (stopped) return;
      stopped = true;
      if (!opts.skipDelete) {
        await fetch(resourceUrl, {
          method: "DELETE",
          headers: o.secret ? { Authorization: `Bearer ${o.secret}` } : {},
        }).catch(() => {});
      }
      if (child.exitCode === null) {
        child.kill("SIGKILL");
        await exited;
      }
      vSock.close();
      aSock.close();
      await pc.close().catch(() => {});
    },
  };
}

// `node bridge/testing/publisher.ts <whipUrl> [secret]` publishes until Ctrl-C.
if (import.meta.url === `file://${process.argv[1]}`) {
  const [whipUrl, secret] = process.argv.slice(2);
  if (!whipUrl) {
    process.stderr.write("usage: node bridge/testing/publisher.ts <whipUrl> [secret]\n");
    process.exit(2);
  }
  const p = await startTestPublisher({ whipUrl, secret });
  process.stdout.write(`publishing: ${p.resourceUrl}\n`);
  const stop = (): void => void p.stop().then(() => process.exit(0));
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}
