import type { FfmpegInfo } from "./ffmpeg.ts";

/**
 * The output ffmpeg's argv: RTP in (described by the SDP at `sdpPath`), H.264 copied and
 * Opus → AAC, FLV out to the loopback RTMP relay at `relayUrl` (never the real URL: argv is
 * world-readable). Progress on stdout (`-progress pipe:1`) tells the session it is on air.
 */
export function outputArgs(f: FfmpegInfo, sdpPath: string, relayUrl: string): string[] {
  return [
    "-nostdin",
    "-hide_banner",
    "-loglevel",
    process.env.BRIDGE_TRACE_FFMPEG ? process.env.BRIDGE_TRACE_FFMPEG : "warning",
    "-protocol_whitelist",
    "file,udp,rtp",
    ...(f.sdpLocalAddr ? ["-localaddr", "127.0.0.1"] : []),
    // A warm ffmpeg waits for the teacher as long as it takes: by default the SDP
    // demuxer gives up after 10 s without a packet and ffmpeg then connects to the
    // RTMP server with no media, fails its header and exits (issue 14).
    ...(f.sdpListenTimeout ? ["-listen_timeout", "-1"] : []),
    // Stop probing as soon as both streams' parameters are known (SPS/PPS from
    // the SDP or in-band, one decoded IDR, one Opus packet): the default also
    // counts 20 video frames to guess a frame rate, ~0.7-1 s that FLV copy does
    // not need. analyzeduration stays generous: running out of it before the
    // first IDR would leave the video without dimensions.
    "-analyzeduration",
    "1000000",
    "-fpsprobesize",
    "0",
    "-max_ts_probe",
    "0",
    // Progress every 50 ms: the first report after the first frames is how the
    // bridge knows the stream is on air (streamStartedAt); at 0.2 s that report
    // alone lagged the first RTMP frame by up to 200 ms (decision 011).
    ...(f.statsPeriod ? ["-stats_period", "0.05"] : []),
    "-f",
    "sdp",
    "-i",
    sdpPath,
    "-map",
    "0:v:0",
    "-map",
    "0:a:0?",
    "-c:v",
    "copy",
    // Audio onto a clean timeline: where the input's timestamps still overlap (a
    // splice between the teacher, the silence and back) or skip, trim or fill rather
    // than hand the muxer non-monotonic DTS.
    "-af",
    "aresample=async=1",
    "-c:a",
    "aac",
    "-b:a",
    "128k",
    "-ar",
    "48000",
    "-ac",
    "2",
    "-max_interleave_delta",
    "0",
    "-flvflags",
    "no_duration_filesize",
    // RTMP connect/publish is a chain of small request/response writes; Nagle +
    // delayed ACK held each ~40 ms (≈ 180 → 50 ms to a local nginx; decision 011).
    ...(f.tcpNodelay ? ["-tcp_nodelay", "1"] : []),
    "-progress",
    "pipe:1",
    "-f",
    "flv",
    relayUrl,
  ];
}
