/**
 * A small typed client for the Cloudflare Calls (Realtime SFU) REST API.
 * There is no npm package for it; the API is plain JSON over HTTPS with the app
 * secret as a Bearer token, so the secret must stay server-side (Worker, bridge).
 * Runtime-neutral: it only needs `fetch`, so the Worker and the Node bridge share it.
 */

export const CALLS_API_BASE = "https://rtc.live.cloudflare.com/v1";

export interface SessionDescription {
  type: "offer" | "answer";
  sdp: string;
}

/** A track to push (`local`, identified by transceiver mid) or pull (`remote`, by session + name). */
export type TrackObject =
  | { location: "local"; mid: string; trackName: string }
  | { location: "remote"; sessionId: string; trackName: string; mid?: string };

export interface TrackResult {
  mid?: string;
  trackName?: string;
  sessionId?: string;
  errorCode?: string;
  errorDescription?: string;
}

export interface NewSessionResult {
  sessionId: string;
  sessionDescription?: SessionDescription;
}

export interface TracksResult {
  requiresImmediateRenegotiation: boolean;
  sessionDescription?: SessionDescription;
  tracks: TrackResult[];
}

/** A Calls API failure: HTTP status plus Calls' own `errorCode`/`errorDescription` when given. */
export class CallsError extends Error {
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.name = "CallsError";
    this.status = status;
    this.code = code;
  }
}

export interface CallsClientOptions {
  appId: string;
  appSecret: string;
  /** Override for tests (a local stand-in); defaults to Cloudflare's endpoint. */
  baseUrl?: string;
  fetch?: typeof fetch;
}

/** Typed wrapper over `/apps/{appId}/sessions/...`. */
export class CallsClient {
  private readonly base: string;
  /**
   * The Authorization header value, behind a function: a function is not an own
   * enumerable value that JSON.stringify or a structured logger would print, so serialising
   * a client never writes the app secret (common/calls-client.test.ts).
   */
  private readonly authorization: () => string;
  private readonly fetch: typeof fetch;

  constructor(opts: CallsClientOptions) {
    if (!opts.appId || !opts.appSecret) throw new Error("Calls appId and appSecret are required");
    this.base = `${(opts.baseUrl ?? CALLS_API_BASE).replace(/\/$/, "")}/apps/${encodeURIComponent(opts.appId)}`;
    const authorization = `Bearer ${opts.appSecret}`;
    this.authorization = () => authorization;
    this.fetch = opts.fetch ?? ((input, init) => fetch(input, init));
  }

  private async call<T>(method: "GET" | "POST" | "PUT", path: string, body?: unknown): Promise<T> {
    const init: RequestInit = { method, headers: { authorization: this.authorization() } };
    if (body !== undefined) {
      init.body = JSON.stringify(body);
      (init.headers as Record<string, string>)["content-type"] = "application/json";
    }
    const res = await this.fetch(`${this.base}${path}`, init);
    const text = await res.text();
    let json: Record<string, unknown> = {};
    if (text) {
      try {
        json = JSON.parse(text) as Record<string, unknown>;
      } catch {
        throw new CallsError(
          res.status,
          "invalid_response",
          `Calls answered ${res.status} with non-JSON`,
        );
      }
    }
    if (!res.ok || typeof json.errorCode === "string") {
      const code = typeof json.errorCode === "string" ? json.errorCode : `http_${res.status}`;
      const desc =
        typeof json.errorDescription === "string" ? json.errorDescription : res.statusText;
      throw new CallsError(
        res.status,
        code,
        `Calls ${method} ${path.replace(/\/sessions\/[^/]+/, "/sessions/…")}: ${desc}`,
      );
    }
    return json as T;
  }

  /** Create a session (one PeerConnection on Cloudflare's side). */
  newSession(offer?: SessionDescription): Promise<NewSessionResult> {
    return this.call("POST", "/sessions/new", offer ? { sessionDescription: offer } : undefined);
  }

  /**
   * Push local tracks (with the publisher's offer; the result carries Calls' answer) or
   * pull remote tracks (no offer; Calls returns an offer when `requiresImmediateRenegotiation`).
   */
  async addTracks(
    sessionId: string,
    tracks: TrackObject[],
    offer?: SessionDescription,
  ): Promise<TracksResult> {
    const body: { tracks: TrackObject[]; sessionDescription?: SessionDescription } = { tracks };
    if (offer) body.sessionDescription = offer;
    const res = await this.call<Partial<TracksResult>>(
      "POST",
      `/sessions/${encodeURIComponent(sessionId)}/tracks/new`,
      body,
    );
    const failed = (res.tracks ?? []).filter((t) => t.errorCode);
    if (failed.length > 0) {
      throw new CallsError(
        400,
        failed[0]!.errorCode!,
        failed.map((t) => `${t.trackName ?? t.mid}: ${t.errorDescription}`).join("; "),
      );
    }
    const result: TracksResult = {
      requiresImmediateRenegotiation: res.requiresImmediateRenegotiation ?? false,
      tracks: res.tracks ?? [],
    };
    if (res.sessionDescription) result.sessionDescription = res.sessionDescription;
    return result;
  }

  /** Complete a renegotiation Calls asked for (send our answer). */
  async renegotiate(sessionId: string, answer: SessionDescription): Promise<void> {
    await this.call("PUT", `/sessions/${encodeURIComponent(sessionId)}/renegotiate`, {
      sessionDescription: answer,
    });
  }

  /** Close tracks by mid; `force` closes without a renegotiation round. */
  async closeTracks(sessionId: string, mids: string[], force = true): Promise<void> {
    await this.call("PUT", `/sessions/${encodeURIComponent(sessionId)}/tracks/close`, {
      tracks: mids.map((mid) => ({ mid })),
      force,
    });
  }

  /** Session state and its tracks. */
  getSession(sessionId: string): Promise<{ tracks: TrackResult[] }> {
    return this.call("GET", `/sessions/${encodeURIComponent(sessionId)}`);
  }
}

/** The `a=mid:` values of an SDP's media sections, in order, with their kinds. */
export function sdpMids(sdp: string): { mid: string; kind: string }[] {
  const out: { mid: string; kind: string }[] = [];
  let kind = "";
  for (const line of sdp.split(/\r?\n/)) {
    const m = line.match(/^m=(\w+)\s/);
    if (m) kind = m[1]!;
    const mid = line.match(/^a=mid:(\S+)/);
    if (mid && kind) out.push({ mid: mid[1]!, kind });
  }
  return out;
}
