/**
 * Warms the bridge's WebRTC stack once at startup, so the first teacher's
 * WHIP publish does not pay for cold code: werift's DTLS certificate, and one
 * loopback ICE + DTLS handshake between two werift peer connections (pure-JS
 * P-256 tables, SRTP/DTLS code paths JIT-compiled). Measured: the first
 * handshake in a fresh process costs ~0.2–0.5 s more than later ones
 * (docs/decisions/010-bridge-media-path.md, "Startup").
 */
import { RTCDtlsTransport, RTCPeerConnection } from "werift";
import type { Logger } from "./log.ts";

/** Resolves when warm (or after `timeoutMs`); never throws. */
export async function warmUpWebrtc(log: Logger, timeoutMs = 5000): Promise<void> {
  const started = Date.now();
  await RTCDtlsTransport.SetupCertificate();
  const a = new RTCPeerConnection({ iceServers: [] });
  const b = new RTCPeerConnection({ iceServers: [] });
  let timer: NodeJS.Timeout | undefined;
  try {
    a.createDataChannel("warmup");
    const connected = Promise.all(
      [a, b].map(
        (pc) =>
          new Promise<void>((resolve) => {
            if (pc.connectionState === "connected") resolve();
            pc.connectionStateChange.subscribe((s) => s === "connected" && resolve());
          }),
      ),
    );
    await a.setLocalDescription(await a.createOffer());
    await b.setRemoteDescription(a.localDescription!);
    await b.setLocalDescription(await b.createAnswer());
    await a.setRemoteDescription(b.localDescription!);
    const ok = await Promise.race([
      connected.then(() => true),
      new Promise<boolean>((r) => {
        timer = setTimeout(() => r(false), timeoutMs);
      }),
    ]);
    log("webrtc_warmed_up", { ok, ms: Date.now() - started });
  } catch (err) {
    log("webrtc_warmed_up", {
      ok: false,
      message: err instanceof Error ? err.message : String(err),
    });
  } finally {
    clearTimeout(timer);
    await Promise.all([a.close(), b.close()]).catch(() => {});
  }
}
