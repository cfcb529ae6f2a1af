/**
 * A WHIP (RFC 9725) publisher for the studio: one RTCPeerConnection sending the
 * composite video (H.264 only, so the bridge copies it) and the mixed audio to
 * `POST /whip/:classId`, and `DELETE <Location>` to stop. It knows nothing about
 * the UI: the studio injects the tracks and listens to its events.
 */
import type { ApiErrorBody, ApiErrorCode } from "../../../protocol/api.ts";
import { t } from "../../i18n/studio.ts";

/** Why publishing failed: the Worker's error code, or a local reason. */
export type WhipErrorCode =
  | ApiErrorCode
  | "network"
  | "browser_no_h264"
  | "ice_failed"
  | "connection_failed";

/** A failed publish; `message` is fit to show the teacher. */
export class WhipError extends Error {
  constructor(
    readonly code: WhipErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "WhipError";
  }
}

/** What the teacher sees once a second while live. */
export interface PublishStats {
  /** Outgoing video + audio, kbit/s. */
  bitrateKbps: number;
  fps: number | null;
  width: number | null;
  height: number | null;
  rttMs: number | null;
  /** e.g. "H264 42e01f". */
  codec: string | null;
  /** Why the encoder holds back ("cpu", "bandwidth"), when it does. */
  limitation: string | null;
  /** Frames encoded since the start; lets callers measure fps over any window. */
  framesEncoded: number;
}

/** Options for {@link WhipClient}. */
export interface WhipClientOptions {
  /** The WHIP endpoint, e.g. `/whip/<classId>`. */
  endpoint: string;
  /** Cap for the video encoder, bit/s. */
  maxBitrate?: number;
  iceServers?: RTCIceServer[];
  /** Injected for tests. */
  fetch?: typeof fetch;
}

const ICE_GATHER_TIMEOUT_MS = 3000;

/** Order H.264 first-class: packetization-mode=1 only, Constrained Baseline first, with RTX. */
export function h264Preferences(codecs: RTCRtpCodec[]): RTCRtpCodec[] {
  const h264 = codecs.filter(
    (c) =>
      c.mimeType.toLowerCase() === "video/h264" && /packetization-mode=1/.test(c.sdpFmtpLine ?? ""),
  );
  const rank = (c: RTCRtpCodec) => {
    const p = /profile-level-id=([0-9a-f]{6})/i.exec(c.sdpFmtpLine ?? "")?.[1]?.toLowerCase() ?? "";
    return p.startsWith("42e0") ? 0 : p.startsWith("4200") ? 1 : 2;
  };
  h264.sort((a, b) => rank(a) - rank(b));
  const rtx = codecs.filter((c) => c.mimeType.toLowerCase() === "video/rtx");
  return h264.length > 0 ? [...h264, ...rtx] : [];
}

/**
 * Tells the Worker that the studio is getting ready to go live (`POST <endpoint>/prepare`),
 * so the bridge starts its encoder process before the WHIP POST (decision 011). Best
 * effort: when it fails, Go live just starts cold. Resolves whether the server took it.
 */
export async function prepareWhip(
  endpoint: string,
  fetchFn: typeof fetch = fetch,
): Promise<boolean> {
  try {
    const res = await fetchFn(`${endpoint}/prepare`, {
      method: "POST",
      credentials: "same-origin",
    });
    await res.body?.cancel();
    return res.ok;
  } catch {
    return false;
  }
}

/** Publishes one video and one audio track over WHIP. One use: publish, then stop. */
export class WhipClient {
  /** The peer connection's state, as it changes. */
  onConnectionState: ((state: RTCPeerConnectionState) => void) | null = null;
  private opts: WhipClientOptions;
  private pc: RTCPeerConnection | null = null;
  private resource: string | null = null;
  private fetch: typeof fetch;
  private last: { at: number; bytes: number } | null = null;

  constructor(opts: WhipClientOptions) {
    this.opts = opts;
    this.fetch = opts.fetch ?? fetch.bind(globalThis);
  }

  /** The WHIP resource URL while published (for DELETE). */
  get location(): string | null {
    return this.resource;
  }

  /**
   * Offer, POST, answer. `onPosting` fires when the offer is ready and goes to the
   * server (the studio's "connecting" step). Throws {@link WhipError}.
   */
  async publish(
    video: MediaStreamTrack,
    audio: MediaStreamTrack,
    onPosting?: () => void,
  ): Promise<void> {
    const caps = RTCRtpSender.getCapabilities?.("video")?.codecs ?? [];
    const prefs = h264Preferences(caps);
    if (prefs.length === 0) {
      throw new WhipError("browser_no_h264", t("studio.whip.noH264"));
    }
    const pc = new RTCPeerConnection({
      iceServers: this.opts.iceServers ?? [],
      bundlePolicy: "max-bundle",
    });
    this.pc = pc;
    pc.onconnectionstatechange = () => this.onConnectionState?.(pc.connectionState);
    const stream = new MediaStream([video, audio]);
    const maxBitrate = this.opts.maxBitrate ?? 3_000_000;
    const vt = pc.addTransceiver(video, {
      direction: "sendonly",
      streams: [stream],
      sendEncodings: [{ maxBitrate, maxFramerate: 30 }],
    });
    vt.setCodecPreferences(prefs);
    pc.addTransceiver(audio, { direction: "sendonly", streams: [stream] });
    await this.tuneSender(vt.sender, maxBitrate);

    const offer = await pc.createOffer();
    await pc.setLocalDescription(offer);
    await gatheringComplete(pc);
    onPosting?.();

    let res: Response;
    try {
      res = await this.fetch(this.opts.endpoint, {
        method: "POST",
        credentials: "same-origin",
        headers: { "content-type": "application/sdp", accept: "application/sdp" },
        body: pc.localDescription!.sdp,
      });
    } catch {
      this.close();
      throw new WhipError("network", t("studio.whip.network"));
    }
    if (res.status !== 201) {
      this.close();
      throw await responseError(res);
    }
    const loc = res.headers.get("location");
    this.resource = loc ? new URL(loc, new URL(this.opts.endpoint, location.href)).href : null;
    const answer = await res.text();
    try {
      await pc.setRemoteDescription({ type: "answer", sdp: answer });
    } catch {
      await this.stop();
      throw new WhipError("bad_request", t("studio.whip.badAnswer"));
    }
    // Chromium may reset parameters on negotiation; set them again now the sender is live.
    await this.tuneSender(vt.sender, maxBitrate);
  }

  /** End the publication: DELETE the resource and close the connection. */
  async stop(): Promise<void> {
    const loc = this.resource;
    this.resource = null;
    this.close();
    if (!loc) return;
    try {
      await this.fetch(loc, { method: "DELETE", credentials: "same-origin", keepalive: true });
    } catch {
      // The bridge also ends the session when ICE times out; nothing more to do.
    }
  }

  /**
   * For `pagehide`: fire the DELETE without waiting. sendBeacon can only POST, so
   * this is a keepalive fetch, which the browser finishes after the page is gone.
   */
  stopOnUnload(): void {
    const loc = this.resource;
    this.resource = null;
    if (loc) {
      this.fetch(loc, { method: "DELETE", credentials: "same-origin", keepalive: true }).catch(
        () => {},
      );
    }
    this.close();
  }

  /** Close the peer connection without telling the server. */
  close(): void {
    if (this.pc) {
      this.pc.onconnectionstatechange = null;
      this.pc.close();
      this.pc = null;
    }
  }

  /** Sample outgoing stats; bitrate is measured since the previous call. */
  async stats(): Promise<PublishStats | null> {
    const pc = this.pc;
    if (!pc) return null;
    const report = await pc.getStats();
    let bytes = 0;
    let video: Record<string, unknown> | null = null;
    let rtt: number | null = null;
    const byId = new Map<string, Record<string, unknown>>();
    report.forEach((s: Record<string, unknown>) => {
      byId.set(s.id as string, s);
      if (s.type === "outbound-rtp") {
        bytes += (s.bytesSent as number) ?? 0;
        if (s.kind === "video") video = s;
      }
      if (s.type === "candidate-pair" && s.nominated && s.state === "succeeded") {
        const r = s.currentRoundTripTime as number | undefined;
        if (r !== undefined) rtt = Math.round(r * 1000);
      }
    });
    const now = performance.now();
    const prev = this.last;
    this.last = { at: now, bytes };
    const bitrateKbps =
      prev && now > prev.at ? Math.round(((bytes - prev.bytes) * 8) / (now - prev.at)) : 0;
    const v = video as Record<string, unknown> | null;
    const codecStat = v?.codecId ? byId.get(v.codecId as string) : undefined;
    const profile = /profile-level-id=([0-9a-f]+)/i.exec(String(codecStat?.sdpFmtpLine ?? ""))?.[1];
    const codec = codecStat
      ? `${String(codecStat.mimeType).replace(/^video\//, "")}${profile ? ` ${profile}` : ""}`
      : null;
    const limitation = (v?.qualityLimitationReason as string | undefined) ?? null;
    return {
      bitrateKbps,
      fps: (v?.framesPerSecond as number | undefined) ?? null,
      width: (v?.frameWidth as number | undefined) ?? null,
      height: (v?.frameHeight as number | undefined) ?? null,
      rttMs: rtt,
      codec,
      limitation: limitation === "none" ? null : limitation,
      framesEncoded: (v?.framesEncoded as number | undefined) ?? 0,
    };
  }

  private async tuneSender(sender: RTCRtpSender, maxBitrate: number): Promise<void> {
    try {
      const p = sender.getParameters();
      if (!p.encodings || p.encodings.length === 0) p.encodings = [{}];
      for (const e of p.encodings) {
        e.maxBitrate = maxBitrate;
        e.maxFramerate = 30;
      }
      // Slides and code must stay legible: drop frames under pressure, never pixels.
      (p as RTCRtpSendParameters & { degradationPreference?: string }).degradationPreference =
        "maintain-resolution";
      await sender.setParameters(p);
    } catch {
      // Older browsers refuse some fields; the defaults still stream.
    }
  }
}

/** Resolve when ICE gathering completes, or after a timeout with what was gathered. */
function gatheringComplete(pc: RTCPeerConnection): Promise<void> {
  if (pc.iceGatheringState === "complete") return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      pc.removeEventListener("icegatheringstatechange", check);
      resolve();
    };
    const check = () => {
      if (pc.iceGatheringState === "complete") done();
    };
    const timer = setTimeout(done, ICE_GATHER_TIMEOUT_MS);
    pc.addEventListener("icegatheringstatechange", check);
  });
}

async function responseError(res: Response): Promise<WhipError> {
  let body: unknown = null;
  try {
    body = await res.json();
  } catch {
    // not JSON
  }
  const e = (body as ApiErrorBody | null)?.error;
  if (e && typeof e.code === "string" && typeof e.message === "string") {
    return new WhipError(e.code, e.message);
  }
  if (res.status === 401) return new WhipError("unauthenticated", t("studio.whip.expired"));
  return new WhipError("internal", t("studio.whip.refused", { status: res.status }));
}
