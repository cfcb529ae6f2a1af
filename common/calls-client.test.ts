import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RTCPeerConnection } from "werift";
import { type CallsStandin, startCallsStandin } from "../e2e/standins/calls.ts";
import { CallsClient, CallsError, sdpMids } from "./calls-client.ts";

const OFFER = [
  "v=0",
  "o=- 1 2 IN IP4 127.0.0.1",
  "s=-",
  "t=0 0",
  "m=audio 9 UDP/TLS/RTP/SAVPF 111",
  "a=mid:0",
  "a=sendonly",
  "m=video 9 UDP/TLS/RTP/SAVPF 102",
  "a=mid:1",
  "a=sendonly",
  "",
].join("\r\n");

describe("CallsClient against a local Calls stand-in", () => {
  let standin: CallsStandin;
  let client: CallsClient;
  beforeAll(async () => {
    standin = await startCallsStandin({ appId: "app123", appSecret: "s3cret" });
    client = new CallsClient({ appId: "app123", appSecret: "s3cret", baseUrl: standin.url });
  });
  afterAll(() => standin.close());

  it("pushes the publisher's tracks and gets an answer, then pulls them from a second session", async () => {
    const pub = await client.newSession();
    const tracks = sdpMids(OFFER).map(({ mid, kind }) => ({
      location: "local" as const,
      mid,
      trackName: kind,
    }));
    expect(tracks).toEqual([
      { location: "local", mid: "0", trackName: "audio" },
      { location: "local", mid: "1", trackName: "video" },
    ]);
    const pushed = await client.addTracks(pub.sessionId, tracks, { type: "offer", sdp: OFFER });
    expect(pushed.sessionDescription?.type).toBe("answer");
    expect(pushed.sessionDescription?.sdp).toContain("a=recvonly");

    const sub = await client.newSession();
    const pulled = await client.addTracks(sub.sessionId, [
      { location: "remote", sessionId: pub.sessionId, trackName: "video" },
    ]);
    expect(pulled.requiresImmediateRenegotiation).toBe(true);
    expect(pulled.sessionDescription?.type).toBe("offer");
    const puller = new RTCPeerConnection();
    await puller.setRemoteDescription(pulled.sessionDescription!);
    await puller.setLocalDescription(await puller.createAnswer());
    await client.renegotiate(sub.sessionId, { type: "answer", sdp: puller.localDescription!.sdp });
    await puller.close();

    await client.closeTracks(pub.sessionId, ["0", "1"]);
    expect((await client.getSession(pub.sessionId)).tracks).toEqual([]);
    expect(standin.violations).toEqual([]);
    expect(standin.calls.map((c) => `${c.method} ${c.path.replace(/sess\d+/, ":id")}`)).toEqual([
      "POST /v1/apps/app123/sessions/new",
      "POST /v1/apps/app123/sessions/:id/tracks/new",
      "POST /v1/apps/app123/sessions/new",
      "POST /v1/apps/app123/sessions/:id/tracks/new",
      "PUT /v1/apps/app123/sessions/:id/renegotiate",
      "PUT /v1/apps/app123/sessions/:id/tracks/close",
      "GET /v1/apps/app123/sessions/:id",
    ]);
  });

  it("surfaces Calls errors with their code, and never puts the secret in the message", async () => {
    const wrong = new CallsClient({ appId: "app123", appSecret: "nope", baseUrl: standin.url });
    const err = await wrong.newSession().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CallsError);
    expect((err as CallsError).status).toBe(401);
    expect((err as CallsError).code).toBe("unauthorized");
    expect(String(err)).not.toContain("nope");
    standin.violations.length = 0;

    const missing = await client
      .addTracks("no-such-session", [{ location: "local", mid: "0", trackName: "a" }], {
        type: "offer",
        sdp: OFFER,
      })
      .catch((e: unknown) => e);
    expect((missing as CallsError).code).toBe("session_not_found");
  });

  it("never prints its secret when the client itself is serialised or inspected", async () => {
    const { inspect } = await import("node:util");
    const c = new CallsClient({ appId: "app123", appSecret: "s3cret-value", baseUrl: standin.url });
    expect(JSON.stringify(c)).not.toContain("s3cret-value");
    expect(JSON.stringify({ client: c })).not.toContain("s3cret-value");
    expect(inspect(c, { depth: 5 })).not.toContain("s3cret-value");
  });
});
