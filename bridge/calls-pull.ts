/**
 * Production ingest: the teacher publishes to Cloudflare Calls (the Worker's WHIP
 * façade pushed their tracks there), and the bridge *pulls* those tracks as remote
 * tracks into a werift peer connection of its own, then feeds them into the class
 * session exactly like a WHIP publisher. Calls offers; the bridge answers
 * (`tracks/new` with `location: "remote"`, then `renegotiate`).
 */
import type { CallsClient } from "../common/calls-client.ts";
import type { Logger } from "./log.ts";
import { type Ingest, openReceiver } from "./receiver.ts";
import type { ClassSession } from "./session.ts";

/** A running pull: the bridge's Calls session feeding one class session. */
export interface CallsPull extends Ingest {
  /** The bridge's own Calls session id. */
  callsSessionId: string;
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
  const receiver = openReceiver({
    session,
    log,
    kind: "pull",
    ice: { iceServers: opts.iceServers },
  });
  try {
    const own = await calls.newSession();
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
    const answer = await receiver.answer(
      { type: "offer", sdp: pulled.sessionDescription.sdp },
      opts.gatherTimeoutMs,
    );
    await calls.renegotiate(own.sessionId, { type: "answer", sdp: answer });
    // PLIs travel to Calls, which forwards them to the teacher's browser.
    const ingest = receiver.attach();
    log("pull_started", {
      classId: session.classId,
      pullId: ingest.id,
      tracks: opts.trackNames.length,
    });
    return { ...ingest, callsSessionId: own.sessionId };
  } catch (err) {
    await receiver.abort();
    throw err;
  }
}
