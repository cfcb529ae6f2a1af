/**
 * A local stand-in for the Cloudflare Calls REST API: speaks the same JSON shapes,
 * checks every request (Bearer secret, content type, body shape) and records them,
 * so the Calls client and the WHIP façade are tested without the internet.
 */
import { createServer, type IncomingMessage, type Server } from "node:http";
import { RTCPeerConnection } from "werift";

export interface RecordedCall {
  method: string;
  path: string;
  body: unknown;
}

export interface CallsStandin {
  url: string;
  calls: RecordedCall[];
  /** Problems found in requests (wrong auth, bad shapes); a test asserts this stays empty. */
  violations: string[];
  close(): Promise<void>;
}

function read(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let s = "";
    req.on("data", (d) => {
      s += d;
    });
    req.on("end", () => resolve(s));
  });
}

const isObj = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);
const isSdp = (v: unknown) =>
  isObj(v) &&
  (v.type === "offer" || v.type === "answer") &&
  typeof v.sdp === "string" &&
  v.sdp.startsWith("v=0");

/** Answer an offer with a plausible SDP that mirrors its m-lines as recvonly. */
export function fakeAnswer(offer: string): string {
  return offer
    .split(/\r?\n/)
    .map((l) => (l === "a=sendonly" || l === "a=sendrecv" ? "a=recvonly" : l))
    .join("\r\n");
}

export async function startCallsStandin(opts: {
  appId: string;
  appSecret: string;
}): Promise<CallsStandin> {
  const calls: RecordedCall[] = [];
  const violations: string[] = [];
  const sessions = new Map<
    string,
    { tracks: { mid: string; trackName: string }[]; pc?: RTCPeerConnection }
  >();
  let n = 0;
  const server: Server = createServer(async (req, res) => {
    const path = new URL(req.url ?? "/", "http://x").pathname;
    const text = await read(req);
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      violations.push(`${req.method} ${path}: body is not JSON`);
    }
    calls.push({ method: req.method ?? "", path, body });
    const send = (status: number, json: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(json));
    };
    if (req.headers.authorization !== `Bearer ${opts.appSecret}`) {
      violations.push(`${req.method} ${path}: wrong or missing Bearer secret`);
      return send(401, { errorCode: "unauthorized", errorDescription: "bad app secret" });
    }
    if (text && req.headers["content-type"] !== "application/json")
      violations.push(`${path}: content-type not JSON`);
    const prefix = `/v1/apps/${opts.appId}/sessions`;
    if (!path.startsWith(prefix)) {
      violations.push(`unknown path ${path}`);
      return send(404, { errorCode: "not_found", errorDescription: "no such app" });
    }
    const rest = path.slice(prefix.length).split("/").filter(Boolean);
    if (req.method === "POST" && rest[0] === "new") {
      if (body !== undefined && !(isObj(body) && isSdp(body.sessionDescription)))
        violations.push("sessions/new: bad sessionDescription");
      const id = `sess${++n}`;
      sessions.set(id, { tracks: [] });
      return send(201, { sessionId: id });
    }
    const session = rest[0] ? sessions.get(rest[0]) : undefined;
    if (!session)
      return send(404, { errorCode: "session_not_found", errorDescription: "no such session" });
    const action = rest.slice(1).join("/");
    if (req.method === "POST" && action === "tracks/new") {
      if (!isObj(body) || !Array.isArray(body.tracks) || body.tracks.length === 0) {
        violations.push("tracks/new: tracks must be a non-empty array");
        return send(400, { errorCode: "invalid_request", errorDescription: "tracks required" });
      }
      const tracks = body.tracks as Record<string, unknown>[];
      for (const t of tracks) {
        if (
          t.location === "local" &&
          (typeof t.mid !== "string" || typeof t.trackName !== "string")
        )
          violations.push("local track needs mid + trackName");
        if (
          t.location === "remote" &&
          (typeof t.sessionId !== "string" || typeof t.trackName !== "string")
        )
          violations.push("remote track needs sessionId + trackName");
        if (t.location !== "local" && t.location !== "remote")
          violations.push("track location must be local|remote");
      }
      if (tracks[0]!.location === "local") {
        if (
          !isSdp(body.sessionDescription) ||
          (body.sessionDescription as { type: string }).type !== "offer"
        )
          violations.push("pushing local tracks needs an offer");
        for (const t of tracks)
          session.tracks.push({ mid: String(t.mid), trackName: String(t.trackName) });
        const sdp = (body.sessionDescription as { sdp: string }).sdp;
        return send(200, {
          requiresImmediateRenegotiation: false,
          sessionDescription: { type: "answer", sdp: fakeAnswer(sdp) },
          tracks: tracks.map((t) => ({ mid: t.mid, trackName: t.trackName })),
        });
      }
      // Pulling. Like Calls, a track that is not published fails per track (HTTP 200).
      const published = (name: unknown) =>
        [...sessions.values()].some((s2) => s2.tracks.some((x) => x.trackName === name));
      const missing = tracks.filter((t) => !published(t.trackName));
      if (missing.length > 0) {
        return send(200, {
          requiresImmediateRenegotiation: false,
          tracks: missing.map((t) => ({
            trackName: t.trackName,
            errorCode: "track_not_found",
            errorDescription: "no such published track",
          })),
        });
      }
      // Offer the tracks with a real SDP from a real peer connection, so the puller's
      // answer can be checked by applying it in `renegotiate`.
      const pc = new RTCPeerConnection();
      for (const t of tracks) {
        pc.addTransceiver(String(t.trackName).endsWith("audio") ? "audio" : "video", {
          direction: "sendonly",
        });
      }
      await pc.setLocalDescription(await pc.createOffer());
      session.pc = pc;
      return send(200, {
        requiresImmediateRenegotiation: true,
        sessionDescription: { type: "offer", sdp: pc.localDescription!.sdp },
        tracks: tracks.map((t, i) => ({
          mid: String(i),
          trackName: t.trackName,
          sessionId: t.sessionId,
        })),
      });
    }
    if (req.method === "PUT" && action === "renegotiate") {
      if (!isObj(body) || !isSdp(body.sessionDescription)) {
        violations.push("renegotiate: needs sessionDescription");
      } else if (session.pc) {
        // werift accepts almost any answer, so check its shape like an SFU would.
        const answer = (body.sessionDescription as { sdp: string }).sdp;
        const offered = (session.pc.localDescription?.sdp.match(/^m=/gm) ?? []).length;
        if ((answer.match(/^m=/gm) ?? []).length !== offered)
          violations.push("renegotiate: answer m-lines differ from the offer");
        if (!/^a=(recvonly|inactive)/m.test(answer))
          violations.push("renegotiate: answer does not receive");
        if (!/^a=ice-ufrag:/m.test(answer) || !/^a=fingerprint:/m.test(answer))
          violations.push("renegotiate: answer lacks ICE/DTLS");
        try {
          await session.pc.setRemoteDescription(
            body.sessionDescription as { type: "answer"; sdp: string },
          );
        } catch (err) {
          violations.push(`renegotiate: the answer does not apply: ${String(err)}`);
        }
      }
      return send(200, {});
    }
    if (req.method === "PUT" && action === "tracks/close") {
      if (!isObj(body) || !Array.isArray(body.tracks) || typeof body.force !== "boolean")
        violations.push("tracks/close: needs tracks[] and force");
      const mids = new Set(
        ((isObj(body) && (body.tracks as { mid: string }[])) || []).map((t) => t.mid),
      );
      session.tracks = session.tracks.filter((t) => !mids.has(t.mid));
      return send(200, { tracks: [...mids].map((mid) => ({ mid })) });
    }
    if (req.method === "GET" && action === "") return send(200, { tracks: session.tracks });
    violations.push(`unhandled ${req.method} ${action}`);
    return send(404, { errorCode: "not_found", errorDescription: "unknown endpoint" });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const addr = server.address();
  const port = typeof addr === "object" && addr ? addr.port : 0;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    calls,
    violations,
    close: async () => {
      for (const s2 of sessions.values()) await s2.pc?.close();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
