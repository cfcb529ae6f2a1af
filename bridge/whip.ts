import type { Logger } from "./log.ts";
import { type Ingest, openReceiver } from "./receiver.ts";
import { type BitrateHints, mungeAnswer, type OfferChoice } from "./sdp.ts";
import type { ClassSession } from "./session.ts";

/** ICE settings for the bridge's own WHIP endpoint (local mode). */
export interface IceOptions {
  /** UDP port range for ICE host candidates. */
  portRange?: [number, number];
  /** Extra host addresses to advertise (e.g. the container's public IP). */
  additionalHostAddresses?: string[];
}

/** A WHIP resource: the teacher's peer connection feeding one class session. */
export interface WhipPublisher extends Ingest {
  answer: string;
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
  const { offer, choice } = opts;
  const vf = choice.video.format;
  const receiver = openReceiver({
    session: opts.session,
    log: opts.log,
    kind: "whip",
    // Keep the teacher's payload types so the answer matches the offer.
    media: {
      videoPayloadType: vf.payloadType,
      profileLevelId: vf.fmtp["profile-level-id"] ?? "42e01f",
      audioPayloadType: choice.audio?.format.payloadType ?? 111,
    },
    ice: opts.ice,
  });
  try {
    const local = await receiver.answer({ type: "offer", sdp: offer });
    return { ...receiver.attach(), answer: mungeAnswer(local, offer, opts.hints) };
  } catch (err) {
    await receiver.abort();
    throw err;
  }
}
