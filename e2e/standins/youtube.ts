/**
 * A local stand-in for Google's OAuth 2.0 authorization server and the YouTube Data API
 * v3 Live Streaming resources. It speaks the documented shapes and errors and checks
 * every request the Worker sends (client id and secret, redirect URI, PKCE S256,
 * grant types, Bearer tokens and their scope, `part` parameters, insert bodies); any
 * malformed request is a violation that fails the run.
 *
 * Google:  GET /o/oauth2/v2/auth (consents at once: 302 to redirect_uri with code+state),
 *          POST /token, POST /revoke.
 * YouTube: /youtube/v3/channels, liveBroadcasts (+ /bind, /transition), liveStreams.
 * Tests:   /__control/* to script consent, errors, token expiry and stream health.
 */
import { createHash, randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";

/** The scope Mass Class must ask for (worker/youtube/config.ts). */
export const STANDIN_SCOPE = "https://www.googleapis.com/auth/youtube";

export interface YouTubeStandinOptions {
  clientId: string;
  clientSecret: string;
  /** Redirect URIs registered for the client (exact match, as Google requires). */
  redirectUris: string[];
  /**
   * Where new streams ingest (their `cdn.ingestionInfo`). Default: YouTube's addresses.
   * The e2e suite points it at the local RTMP server so the bridge really pushes.
   */
  ingest?: { rtmpsAddress: string; streamName: (streamId: string) => string };
}

export interface YouTubeStandin {
  url: string;
  violations: string[];
  close(): Promise<void>;
}

interface Grant {
  id: string;
  channelId: string;
  refreshToken: string;
  scope: string;
  revoked: boolean;
}
interface Broadcast {
  id: string;
  channelId: string;
  snippet: Record<string, unknown>;
  status: Record<string, unknown> & { lifeCycleStatus: string };
  contentDetails: Record<string, unknown> & { boundStreamId?: string; enableAutoStart?: boolean };
}
interface Stream {
  id: string;
  channelId: string;
  snippet: Record<string, unknown>;
  cdn: Record<string, unknown>;
  contentDetails: Record<string, unknown>;
  status: {
    streamStatus: string;
    healthStatus: { status: string; lastUpdateTimeSeconds: string; configurationIssues: unknown[] };
  };
}
interface Fault {
  op: string;
  status: number;
  reason: string;
  times: number;
}

const BROADCAST_PARTS = new Set([
  "id",
  "snippet",
  "contentDetails",
  "monetizationDetails",
  "status",
]);
const STREAM_PARTS = new Set(["id", "snippet", "cdn", "contentDetails", "status"]);
const LATENCY = new Set(["normal", "low", "ultraLow"]);
const PRIVACY = new Set(["public", "unlisted", "private"]);
const isObj = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);
const b64url = (buf: Buffer) => buf.toString("base64url");
const rid = (n = 8) => b64url(randomBytes(n));

async function read(req: IncomingMessage): Promise<string> {
  let s = "";
  for await (const chunk of req) s += chunk;
  return s;
}

export async function startYouTubeStandin(opts: YouTubeStandinOptions): Promise<YouTubeStandin> {
  const violations: string[] = [];
  const codes = new Map<
    string,
    { redirectUri: string; challenge: string; scope: string; used: boolean; channelId: string }
  >();
  const grants = new Map<string, Grant>();
  const byRefresh = new Map<string, Grant>();
  const access = new Map<string, { grant: Grant; expiresAt: number }>();
  const broadcasts = new Map<string, Broadcast>();
  const streams = new Map<string, Stream>();
  let faults: Fault[] = [];
  let consent: "allow" | "deny" = "allow";
  let accessTtlS = 3599;
  let grantScope = STANDIN_SCOPE;
  let omitRefresh = false;
  /** YouTube API calls by channel, for tests to count (e.g. no second insert). */
  const requests: {
    channelId: string;
    op: string;
    query: Record<string, string>;
    body: unknown;
  }[] = [];

  const send = (res: ServerResponse, status: number, json: unknown) => {
    res.writeHead(status, { "content-type": "application/json; charset=UTF-8" });
    res.end(JSON.stringify(json));
  };
  /** YouTube's error envelope. */
  const ytError = (res: ServerResponse, status: number, reason: string, message: string) =>
    send(res, status, {
      error: {
        code: status,
        message,
        errors: [
          {
            message,
            domain:
              status === 403 && /quota|Limit/.test(reason)
                ? "youtube.quota"
                : "youtube.liveBroadcast",
            reason,
          },
        ],
      },
    });
  const fault = (op: string): Fault | null => {
    const f = faults.find((x) => x.op === op && x.times > 0);
    if (!f) return null;
    f.times--;
    return f;
  };
  const checkClient = (form: URLSearchParams, where: string) => {
    if (form.get("client_id") !== opts.clientId) violations.push(`${where}: wrong client_id`);
    if (form.get("client_secret") !== opts.clientSecret)
      violations.push(`${where}: wrong client_secret`);
  };
  const checkParts = (where: string, part: string | undefined, allowed: Set<string>) => {
    if (!part) return violations.push(`${where}: no part parameter`);
    for (const p of part.split(","))
      if (!allowed.has(p.trim())) violations.push(`${where}: unknown part ${p}`);
  };
  const autoStart = (stream: Stream) => {
    if (stream.status.streamStatus !== "active") return;
    for (const b of broadcasts.values())
      if (
        b.contentDetails.boundStreamId === stream.id &&
        b.contentDetails.enableAutoStart &&
        (b.status.lifeCycleStatus === "ready" || b.status.lifeCycleStatus === "created")
      )
        goLive(b);
  };
  /** YouTube sets `snippet.actualStartTime` when a broadcast goes live, `actualEndTime` when it completes. */
  const goLive = (b: Broadcast) => {
    b.status.lifeCycleStatus = "live";
    b.snippet.actualStartTime ??= new Date().toISOString();
  };

  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    const path = url.pathname;
    const query = Object.fromEntries(url.searchParams);
    const text = await read(req);
    const type = (req.headers["content-type"] ?? "").split(";")[0]!.trim();

    // ---- test control ---------------------------------------------------------
    if (path.startsWith("/__control/")) {
      const body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
      switch (path) {
        case "/__control/consent":
          consent = body.consent === "deny" ? "deny" : "allow";
          grantScope = typeof body.scope === "string" ? body.scope : STANDIN_SCOPE;
          omitRefresh = body.omitRefresh === true;
          return send(res, 200, { ok: true });
        case "/__control/fail":
          faults.push({
            op: String(body.op),
            status: Number(body.status ?? 403),
            reason: String(body.reason),
            times: Number(body.times ?? 1),
          });
          return send(res, 200, { ok: true });
        case "/__control/reset-faults":
          faults = [];
          return send(res, 200, { ok: true });
        case "/__control/access-ttl":
          accessTtlS = Number(body.seconds);
          return send(res, 200, { ok: true });
        case "/__control/expire-access":
          // Google invalidated the access tokens (expiry it did not announce, a password change…).
          for (const [token, a] of access)
            if (!body.channelId || a.grant.channelId === body.channelId) access.delete(token);
          return send(res, 200, { ok: true });
        case "/__control/revoke-channel":
          // The teacher revoked access at myaccount.google.com.
          for (const g of grants.values()) if (g.channelId === body.channelId) g.revoked = true;
          return send(res, 200, { ok: true });
        case "/__control/stream": {
          for (const s of streams.values()) {
            if (s.channelId !== body.channelId) continue;
            if (typeof body.streamStatus === "string") s.status.streamStatus = body.streamStatus;
            if (typeof body.healthStatus === "string")
              s.status.healthStatus.status = body.healthStatus;
            if (Array.isArray(body.configurationIssues))
              s.status.healthStatus.configurationIssues = body.configurationIssues;
            s.status.healthStatus.lastUpdateTimeSeconds = String(Math.floor(Date.now() / 1000));
            if (body.autoStart !== false) autoStart(s);
          }
          return send(res, 200, { ok: true });
        }
        case "/__control/state": {
          const channelId = String(body.channelId ?? "");
          return send(res, 200, {
            grants: [...grants.values()].filter((g) => g.channelId === channelId),
            broadcasts: [...broadcasts.values()].filter((b) => b.channelId === channelId),
            streams: [...streams.values()].filter((s) => s.channelId === channelId),
            requests: requests.filter((r) => r.channelId === channelId),
          });
        }
        default:
          return send(res, 404, { error: "no such control" });
      }
    }

    let form = new URLSearchParams();
    let json: unknown;
    if (text && type === "application/x-www-form-urlencoded") form = new URLSearchParams(text);
    else if (text && type === "application/json") {
      try {
        json = JSON.parse(text);
      } catch {
        violations.push(`${path}: body is not JSON`);
      }
    } else if (text) violations.push(`${req.method} ${path}: unexpected content-type ${type}`);

    // ---- Google OAuth ---------------------------------------------------------
    if (path === "/o/oauth2/v2/auth" && req.method === "GET") {
      const where = "authorize";
      if (query.client_id !== opts.clientId) violations.push(`${where}: wrong client_id`);
      const redirectUri = query.redirect_uri ?? "";
      if (!opts.redirectUris.includes(redirectUri)) {
        violations.push(`${where}: redirect_uri not registered: ${redirectUri}`);
        return send(res, 400, { error: "redirect_uri_mismatch" });
      }
      if (query.response_type !== "code") violations.push(`${where}: response_type must be code`);
      if (query.scope !== STANDIN_SCOPE) violations.push(`${where}: scope is ${query.scope}`);
      if (query.code_challenge_method !== "S256")
        violations.push(`${where}: code_challenge_method must be S256`);
      if (!/^[A-Za-z0-9_-]{43}$/.test(query.code_challenge ?? ""))
        violations.push(`${where}: code_challenge is not a base64url SHA-256`);
      if (!query.state || query.state.length < 16) violations.push(`${where}: weak or no state`);
      if (query.access_type !== "offline") violations.push(`${where}: access_type must be offline`);
      const back = new URL(redirectUri);
      if (consent === "deny") {
        back.searchParams.set("error", "access_denied");
      } else {
        const code = `4/${rid(16)}`;
        codes.set(code, {
          redirectUri,
          challenge: query.code_challenge ?? "",
          scope: grantScope,
          used: false,
          channelId: `UC${rid(11)}`,
        });
        back.searchParams.set("code", code);
        back.searchParams.set("scope", grantScope);
      }
      back.searchParams.set("state", query.state ?? "");
      res.writeHead(302, { location: back.toString() });
      return res.end();
    }
    if (path === "/token" && req.method === "POST") {
      if (type !== "application/x-www-form-urlencoded")
        violations.push("token: body must be application/x-www-form-urlencoded");
      checkClient(form, "token");
      const grantType = form.get("grant_type");
      if (grantType === "authorization_code") {
        const entry = codes.get(form.get("code") ?? "");
        if (!entry || entry.used)
          return send(res, 400, { error: "invalid_grant", error_description: "Bad Request" });
        entry.used = true;
        if (form.get("redirect_uri") !== entry.redirectUri) {
          violations.push("token: redirect_uri differs from the authorization request");
          return send(res, 400, { error: "redirect_uri_mismatch" });
        }
        const verifier = form.get("code_verifier") ?? "";
        if (!/^[A-Za-z0-9._~-]{43,128}$/.test(verifier))
          violations.push("token: code_verifier is not 43-128 unreserved characters");
        if (b64url(createHash("sha256").update(verifier).digest()) !== entry.challenge) {
          violations.push("token: code_verifier does not match the S256 code_challenge");
          return send(res, 400, {
            error: "invalid_grant",
            error_description: "Invalid code verifier.",
          });
        }
        const grant: Grant = {
          id: rid(),
          channelId: entry.channelId,
          refreshToken: `1//${rid(24)}`,
          scope: entry.scope,
          revoked: false,
        };
        grants.set(grant.id, grant);
        byRefresh.set(grant.refreshToken, grant);
        const accessToken = `ya29.${rid(24)}`;
        access.set(accessToken, { grant, expiresAt: Date.now() + accessTtlS * 1000 });
        return send(res, 200, {
          access_token: accessToken,
          expires_in: accessTtlS,
          ...(omitRefresh ? {} : { refresh_token: grant.refreshToken }),
          scope: entry.scope,
          token_type: "Bearer",
        });
      }
      if (grantType === "refresh_token") {
        const grant = byRefresh.get(form.get("refresh_token") ?? "");
        if (!grant || grant.revoked)
          return send(res, 400, {
            error: "invalid_grant",
            error_description: "Token has been expired or revoked.",
          });
        const accessToken = `ya29.${rid(24)}`;
        access.set(accessToken, { grant, expiresAt: Date.now() + accessTtlS * 1000 });
        return send(res, 200, {
          access_token: accessToken,
          expires_in: accessTtlS,
          scope: grant.scope,
          token_type: "Bearer",
        });
      }
      violations.push(`token: unknown grant_type ${grantType}`);
      return send(res, 400, { error: "unsupported_grant_type" });
    }
    if (path === "/revoke" && req.method === "POST") {
      if (type !== "application/x-www-form-urlencoded")
        violations.push("revoke: body must be application/x-www-form-urlencoded");
      const token = form.get("token") ?? "";
      const grant = byRefresh.get(token) ?? access.get(token)?.grant;
      if (!grant || grant.revoked) return send(res, 400, { error: "invalid_token" });
      grant.revoked = true;
      for (const [t, a] of access) if (a.grant === grant) access.delete(t);
      return send(res, 200, {});
    }

    // ---- YouTube Data API v3 --------------------------------------------------
    if (!path.startsWith("/youtube/v3/")) {
      violations.push(`unexpected ${req.method} ${path}`);
      return send(res, 404, { error: "not found" });
    }
    const op = `${path.slice("/youtube/v3/".length).replace("/", ".")}.${req.method}`;
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1] ?? "";
    const tok = access.get(bearer);
    if (!tok || tok.expiresAt < Date.now() || tok.grant.revoked) {
      res.setHeader(
        "www-authenticate",
        'Bearer realm="https://accounts.google.com/", error="invalid_token"',
      );
      return ytError(res, 401, "authError", "Request had invalid authentication credentials.");
    }
    if (!tok.grant.scope.split(" ").includes(STANDIN_SCOPE))
      return ytError(
        res,
        403,
        "insufficientPermissions",
        "Request had insufficient authentication scopes.",
      );
    const channelId = tok.grant.channelId;
    requests.push({ channelId, op, query, body: json });
    const f = fault(op);
    if (f) return ytError(res, f.status, f.reason, `Injected ${f.reason}.`);

    if (op === "channels.GET") {
      checkParts(op, query.part, new Set(["id", "snippet"]));
      if (query.mine !== "true") violations.push("channels: expected mine=true");
      return send(res, 200, {
        kind: "youtube#channelListResponse",
        items: [
          { kind: "youtube#channel", id: channelId, snippet: { title: `Channel ${channelId}` } },
        ],
      });
    }
    if (op === "liveBroadcasts.POST") {
      checkParts(op, query.part, BROADCAST_PARTS);
      const b = json;
      if (!isObj(b) || !isObj(b.snippet) || !isObj(b.status) || !isObj(b.contentDetails)) {
        violations.push("liveBroadcasts.insert: needs snippet, status, contentDetails");
        return ytError(res, 400, "invalidValue", "Bad body.");
      }
      const title = b.snippet.title;
      if (typeof title !== "string" || title.length < 1 || title.length > 100 || /[<>]/.test(title))
        violations.push("liveBroadcasts.insert: snippet.title must be 1-100 chars without < >");
      if (
        typeof b.snippet.scheduledStartTime !== "string" ||
        Number.isNaN(Date.parse(b.snippet.scheduledStartTime))
      )
        violations.push("liveBroadcasts.insert: snippet.scheduledStartTime must be ISO 8601");
      if (!PRIVACY.has(String(b.status.privacyStatus)))
        violations.push("liveBroadcasts.insert: status.privacyStatus invalid");
      if (typeof b.status.selfDeclaredMadeForKids !== "boolean")
        violations.push("liveBroadcasts.insert: status.selfDeclaredMadeForKids not declared");
      if (!LATENCY.has(String(b.contentDetails.latencyPreference)))
        violations.push("liveBroadcasts.insert: contentDetails.latencyPreference invalid");
      if (b.contentDetails.enableEmbed !== true)
        violations.push("liveBroadcasts.insert: contentDetails.enableEmbed must be true");
      const id = rid(8).slice(0, 11).padEnd(11, "x");
      const broadcast: Broadcast = {
        id,
        channelId,
        snippet: { ...b.snippet, channelId },
        status: { ...b.status, lifeCycleStatus: "created", recordingStatus: "notRecording" },
        contentDetails: { ...b.contentDetails },
      };
      broadcasts.set(id, broadcast);
      return send(res, 200, { kind: "youtube#liveBroadcast", ...broadcast });
    }
    if (op === "liveBroadcasts.GET") {
      checkParts(op, query.part, BROADCAST_PARTS);
      const items = (query.id ?? "")
        .split(",")
        .map((id) => broadcasts.get(id))
        .filter((b): b is Broadcast => !!b && b.channelId === channelId);
      return send(res, 200, { kind: "youtube#liveBroadcastListResponse", items });
    }
    if (op === "liveBroadcasts.bind.POST") {
      checkParts(op, query.part, BROADCAST_PARTS);
      const b = broadcasts.get(query.id ?? "");
      if (!b || b.channelId !== channelId)
        return ytError(res, 404, "liveBroadcastNotFound", "Broadcast not found");
      const s = streams.get(query.streamId ?? "");
      if (!s || s.channelId !== channelId)
        return ytError(res, 404, "liveStreamNotFound", "Stream not found");
      if (b.status.lifeCycleStatus === "complete" || b.status.lifeCycleStatus === "revoked")
        return ytError(res, 403, "liveBroadcastBindingNotAllowed", "Binding not allowed.");
      b.contentDetails.boundStreamId = s.id;
      if (b.status.lifeCycleStatus === "created") b.status.lifeCycleStatus = "ready";
      autoStart(s);
      return send(res, 200, {
        kind: "youtube#liveBroadcast",
        id: b.id,
        contentDetails: b.contentDetails,
      });
    }
    if (op === "liveBroadcasts.transition.POST") {
      checkParts(op, query.part, BROADCAST_PARTS);
      const b = broadcasts.get(query.id ?? "");
      if (!b || b.channelId !== channelId)
        return ytError(res, 404, "liveBroadcastNotFound", "Broadcast not found");
      const to = query.broadcastStatus;
      const from = b.status.lifeCycleStatus;
      if (to !== "live" && to !== "complete" && to !== "testing")
        violations.push(`transition: broadcastStatus ${to}`);
      if (from === to) return ytError(res, 403, "redundantTransition", "Redundant transition.");
      if (to === "live") {
        const s = streams.get(String(b.contentDetails.boundStreamId ?? ""));
        if (s?.status.streamStatus !== "active")
          return ytError(res, 403, "errorStreamInactive", "The stream is inactive.");
        if (from !== "ready" && from !== "testing")
          return ytError(res, 403, "invalidTransition", "Invalid transition.");
      }
      if (to === "complete" && from !== "live" && from !== "liveStarting" && from !== "testing")
        return ytError(res, 403, "invalidTransition", "Invalid transition.");
      if (to === "live") goLive(b);
      else b.status.lifeCycleStatus = to === "complete" ? "complete" : "testing";
      if (to === "complete") b.snippet.actualEndTime = new Date().toISOString();
      return send(res, 200, { kind: "youtube#liveBroadcast", id: b.id, status: b.status });
    }
    if (op === "liveStreams.POST") {
      checkParts(op, query.part, STREAM_PARTS);
      const b = json;
      if (!isObj(b) || !isObj(b.snippet) || !isObj(b.cdn)) {
        violations.push("liveStreams.insert: needs snippet and cdn");
        return ytError(res, 400, "invalidValue", "Bad body.");
      }
      if (b.cdn.ingestionType !== "rtmp") violations.push("liveStreams.insert: ingestionType");
      if (b.cdn.resolution !== "720p") violations.push("liveStreams.insert: resolution not 720p");
      if (b.cdn.frameRate !== "30fps") violations.push("liveStreams.insert: frameRate not 30fps");
      if (!isObj(b.contentDetails) || b.contentDetails.isReusable !== true)
        violations.push("liveStreams.insert: contentDetails.isReusable must be true");
      const id = `${channelId.slice(2)}${rid(6)}`;
      const key = [0, 1, 2, 3, 4].map(() => rid(3).slice(0, 4).toLowerCase()).join("-");
      const stream: Stream = {
        id,
        channelId,
        snippet: { ...b.snippet, channelId },
        cdn: {
          ...b.cdn,
          ingestionInfo: {
            streamName: opts.ingest?.streamName(id) ?? key,
            ingestionAddress: "rtmp://a.rtmp.youtube.com/live2",
            backupIngestionAddress: "rtmp://b.rtmp.youtube.com/live2?backup=1",
            rtmpsIngestionAddress: opts.ingest?.rtmpsAddress ?? "rtmps://a.rtmps.youtube.com/live2",
            rtmpsBackupIngestionAddress: "rtmps://b.rtmps.youtube.com/live2?backup=1",
          },
        },
        contentDetails: { isReusable: true },
        status: {
          streamStatus: "ready",
          healthStatus: { status: "noData", lastUpdateTimeSeconds: "0", configurationIssues: [] },
        },
      };
      streams.set(id, stream);
      return send(res, 200, { kind: "youtube#liveStream", ...stream });
    }
    if (op === "liveStreams.GET") {
      checkParts(op, query.part, STREAM_PARTS);
      const items = (query.id ?? "")
        .split(",")
        .map((id) => streams.get(id))
        .filter((s): s is Stream => !!s && s.channelId === channelId);
      return send(res, 200, { kind: "youtube#liveStreamListResponse", items });
    }
    violations.push(`unexpected YouTube call ${req.method} ${path}`);
    return ytError(res, 404, "notFound", "Not found");
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const addr = server.address();
  const port = typeof addr === "object" && addr ? addr.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    violations,
    close: () => new Promise((r) => server.close(() => r())),
  };
}
