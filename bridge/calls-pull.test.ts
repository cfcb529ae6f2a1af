/**
 * The production ingest path against a local Calls stand-in that speaks the Calls REST
 * API with real SDP: the teacher's tracks are pushed, the bridge pulls them with werift,
 * and its answer must apply cleanly on the stand-in's side.
 */

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RTCPeerConnection } from "werift";
import { CallsClient, sdpMids } from "../common/calls-client.ts";
import { type CallsStandin, startCallsStandin } from "../e2e/standins/calls.ts";
import { pullFromCalls } from "./calls-pull.ts";
import type { ClassSession } from "./session.ts";

describe("pulling the teacher's tracks from Cloudflare Calls", () => {
  let standin: CallsStandin;
  let calls: CallsClient;
  beforeAll(async () => {
    standin = await startCallsStandin({ appId: "app", appSecret: "secret" });
    calls = new CallsClient({ appId: "app", appSecret: "secret", baseUrl: standin.url });
  });
  afterAll(() => standin.close());

  it("creates its own session, pulls the named tracks, answers Calls' offer and attaches to the class", async () => {
    // The teacher side, as the Worker's WHIP façade does it.
    const teacher = new RTCPeerConnection();
    teacher.addTransceiver("audio", { direction: "sendonly" });
    teacher.addTransceiver("video", { direction: "sendonly" });
    await teacher.setLocalDescription(await teacher.createOffer());
    const offer = teacher.localDescription!.sdp;
    const pub = await calls.newSession();
    const tracks = sdpMids(offer).map(({ mid, kind }) => ({
      location: "local" as const,
      mid,
      trackName: `c1-${kind}`,
    }));
    await calls.addTracks(pub.sessionId, tracks, { type: "offer", sdp: offer });

    const attached: string[] = [];
    const session = {
      classId: "c1",
      attachPublisher: (p: { id: string }) => {
        attached.push(p.id);
        return { onRtp: () => {}, onSenderReport: () => {} };
      },
      detachPublisher: () => {},
    } as unknown as ClassSession;

    const pull = await pullFromCalls({
      calls,
      teacherSessionId: pub.sessionId,
      trackNames: tracks.map((t) => t.trackName),
      session,
      log: () => {},
      gatherTimeoutMs: 1000,
    });
    expect(attached).toEqual([pull.id]);
    expect(pull.callsSessionId).not.toBe(pub.sessionId);
    const remote = standin.calls.find(
      (c) => c.path.endsWith("/tracks/new") && JSON.stringify(c.body).includes('"remote"'),
    );
    expect(remote?.body).toMatchObject({
      tracks: [
        { location: "remote", sessionId: pub.sessionId, trackName: "c1-audio" },
        { location: "remote", sessionId: pub.sessionId, trackName: "c1-video" },
      ],
    });
    expect(standin.calls.at(-1)?.path).toMatch(/\/renegotiate$/);
    expect(standin.violations).toEqual([]);
    await pull.close();
    await teacher.close();
  });

  it("fails clearly when the tracks do not exist, leaving nothing attached", async () => {
    const attached: string[] = [];
    const session = {
      classId: "c2",
      attachPublisher: (p: { id: string }) => attached.push(p.id),
      detachPublisher: () => {},
    } as unknown as ClassSession;
    await expect(
      pullFromCalls({
        calls,
        teacherSessionId: "sess1",
        trackNames: ["nobody-video"],
        session,
        log: () => {},
        gatherTimeoutMs: 500,
      }),
    ).rejects.toThrow(/no such published track/);
    expect(attached).toEqual([]);
    expect(standin.violations).toEqual([]);
  });
});
