/**
 * Production ingest: the teacher publishes to Cloudflare Calls (the Worker's WHIP
 * façade pushed their tracks there), and the bridge *pulls* those tracks as remote
 * tracks into a werift peer connection of its own, then feeds them into the class
 * session exactly like a WHIP publisher. Calls offers; the bridge answers
 * (`tracks/new` with `location: "remote"`, then `renegotiate`).
 */
import { randomUUID } from "node:crypto";
import { RTCPeerConnection } from "werift";
import type { CallsClient } from "../worker/media/calls-client.ts";
import type { Logger } from "./log.ts";
import type { ClassSession } from "./session.ts";
import { feedSession, receiverMedia } from "./whip.ts";

/** A running pull: the bridge's Calls session feeding one class session. */
export interface CallsPull {
  id: string;
  classId: string;
  /** The bridge's own Calls session id. */
  callsSessionId: string;
  close: () => Promise<void>;
  connectionState: () => string;
}

/** Pull `trackNames` of the teacher's Calls session into `session`. */
export async function pullFromCalls(opts: {
  calls: CallsClient;
  teacherSessionId: string;
  trackNames: string[];
  session: ClassSession;
  log: Logger;
  /** How long to wait for ICE gathering before answering anyway. */
  gatherTimeoutMs?: number;
  /** STUN servers (production: Cloudflare's, so the container learns its public address). */
  iceServers?: { urls: string }[];
}): Promise<CallsPull> {
  const { calls, session, log } = opts;
  const id = randomUUID();
  const pc = new RTCPeerConnection({
    ...receiverMedia(),
    iceServers: opts.iceServers ?? [],
  });

  let closed = false;
  const feed = feedSession(pc);
  const own = await calls.newSession();
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    session.detachPublisher(id);
    await pc.close().catch(() => {});
  };
  pc.connectionStateChange.subscribe((state) => {
    log("pull.connection", { classId: session.classId, pullId: id, state });
    if (state === "failed" || state === "closed") void close();
  });

  try {
    const pulled = await calls.addTracks(
      own.sessionId,
      opts.trackNames.map((trackName) => ({
        location: "remote" as const,
        sessionId: opts.teacherSessionId,
        trackName,
      })),
    );
    if (!pulled.requiresImmediateRenegotiation || pulled.sessionDescription?.type !== "offer") {
      throw new Error("Calls did not offer the pulled tracks");
    }
    await pc.setRemoteDescription(pulled.sessionDescription);
    for (const t of pc.getTransceivers()) t.setDirection("recvonly");
    await pc.setLocalDescription(await pc.createAnswer());
    if (pc.iceGatheringState !== "complete") {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, opts.gatherTimeoutMs ?? 5000);
        pc.iceGatheringStateChange.subscribe((s) => {
          if (s === "complete") {
            clearTimeout(timer);
            resolve();
          }
        });
      });
    }
    const answer = pc.localDescription?.sdp;
    if (!answer) throw new Error("no local description");
    await calls.renegotiate(own.sessionId, { type: "answer", sdp: answer });
    // PLIs travel to Calls, which forwards them to the teacher's browser.
    feed.attach(
      session.attachPublisher({
        id,
        requestKeyframe: feed.requestKeyframe,
        close: () => void close(),
      }),
    );
    log("pull.started", { classId: session.classId, pullId: id, tracks: opts.trackNames.length });
    return {
      id,
      classId: session.classId,
      callsSessionId: own.sessionId,
      close,
      connectionState: () => pc.connectionState,
    };
  } catch (err) {
    closed = true;
    await pc.close().catch(() => {});
    throw err;
  }
}
