import { timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { RTCDtlsTransport } from "werift";
import { type IngestPolicy, ingestPolicy, STREAM_ERRORS } from "../protocol/ingest.ts";
import { CallsClient } from "../worker/media/calls-client.ts";
import { type CallsPull, pullFromCalls } from "./calls-pull.ts";
import type { FfmpegInfo } from "./ffmpeg.ts";
import { checkIngest, type LookupAll } from "./ingest.ts";
import type { Logger } from "./log.ts";
import { PROMETHEUS_CONTENT_TYPE, prometheusText } from "./metrics.ts";
import { allocateFreeBlock, PortAllocator } from "./ports.ts";
import { redactUrl } from "./redact.ts";
import { type BitrateHints, chooseFromOffer, DEFAULT_BITRATE_HINTS, SdpError } from "./sdp.ts";
import { ClassSession, type SessionHealth } from "./session.ts";
import { warmUpWebrtc } from "./warmup.ts";
import { acceptWhipOffer, type IceOptions, type WhipPublisher } from "./whip.ts";

/** Bridge configuration (see main.ts for the env variables). */
export interface BridgeConfig {
  host: string;
  port: number;
  /** Shared bearer secret with the Worker; empty disables auth (loopback dev only). */
  secret: string;
  ffmpeg: FfmpegInfo | null;
  rtpPortMin: number;
  rtpPortMax: number;
  ice: IceOptions;
  hints?: BitrateHints;
  healthCallbackUrl?: string;
  healthCallbackSecret?: string;
  healthIntervalMs?: number;
  /** Dev mode: permissive CORS, `?secret=` accepted, `/dev/blank` page for browser tests. */
  dev?: boolean;
  /** Dev convenience: RTMP URL template (`{classId}` substituted) used when no session was PUT. */
  defaultRtmpUrl?: string;
  stallMs?: number;
  fillerMaxMs?: number;
  /** ffmpeg restart backoff cap (default 10 s). */
  backoffMaxMs?: number;
  /**
   * A prepared session (`PUT /sessions/:id` with `prepare: true`) whose warm ffmpeg
   * sees no publisher for this long is dropped, ffmpeg stopped (default 2 min).
   */
  warmTtlMs?: number;
  /**
   * Where streams may go (`BRIDGE_INGEST_HOSTS`, `BRIDGE_LOCAL_INGEST`); default: YouTube's
   * ingest hosts only. Checked at `PUT /sessions` and again before every RTMP connect.
   */
  ingest?: IngestPolicy;
  /** DNS lookup (all addresses) for the ingest check; tests inject one. */
  lookup?: LookupAll;
  /** Cloudflare Calls app (production ingest: `POST /pull/:classId`). */
  calls?: { appId: string; appSecret: string; baseUrl?: string; stunUrl?: string };
  log: Logger;
}

/** A running bridge. */
export interface Bridge {
  url: string;
  server: Server;
  sessions: Map<string, ClassSession>;
  health: () => BridgeHealth;
  close: () => Promise<void>;
}

/** GET /health body for a caller with the bridge secret (anyone else gets `{ ok }` only). */
export interface BridgeHealth {
  ok: boolean;
  state: "ok" | "ffmpeg-missing";
  ffmpeg: { path: string; source: string; version: string } | null;
  sessions: SessionHealth[];
}

const CLASS_ID = /^[A-Za-z0-9_-]{1,64}$/;

class HttpError extends Error {
  readonly status: number;
  readonly code: string;
  readonly headers: Record<string, string>;
  constructor(status: number, code: string, message: string, headers: Record<string, string> = {}) {
    super(message);
    this.status = status;
    this.code = code;
    this.headers = headers;
  }
}

/** Starts the bridge's HTTP server (WHIP + control + health). */
export async function startBridge(cfg: BridgeConfig): Promise<Bridge> {
  const log = cfg.log;
  const warmTtlMs = cfg.warmTtlMs ?? 120_000;
  // werift makes its DTLS certificate on the first peer connection (~0.1–0.3 s,
  // part of the first teacher's WHIP answer): make it now, and run one loopback
  // handshake in the background so the first teacher's ICE/DTLS runs warm code.
  await RTCDtlsTransport.SetupCertificate();
  const warmedUp = warmUpWebrtc(log);
  const ports = new PortAllocator(cfg.rtpPortMin, cfg.rtpPortMax);
  const sessions = new Map<string, ClassSession>();
  const creating = new Map<string, Promise<ClassSession>>();
  const publishers = new Map<string, WhipPublisher>();
  /** Production ingest: one pull from Calls per class (classId → pull). */
  const pulls = new Map<string, CallsPull>();
  const calls = cfg.calls ? new CallsClient(cfg.calls) : null;
  const lastPushedState = new Map<string, string>();
  const policy = cfg.ingest ?? ingestPolicy();
  const ingestVerdict = (rtmpUrl: string) => checkIngest(rtmpUrl, policy, cfg.lookup);

  /** Refuses a destination that is not allowed (400) or cannot be resolved (502). */
  async function assertIngest(classId: string, rtmpUrl: string, log: Logger): Promise<void> {
    const v = await ingestVerdict(rtmpUrl);
    if (v.ok) return;
    log("ingest.refused", {
      classId,
      rtmp: redactUrl(rtmpUrl),
      category: v.category,
      detail: v.detail,
    });
    throw new HttpError(
      v.category === "ingest-not-allowed" ? 400 : 502,
      v.category,
      STREAM_ERRORS[v.category],
    );
  }

  const health = (): BridgeHealth => ({
    ok: cfg.ffmpeg !== null,
    state: cfg.ffmpeg ? "ok" : "ffmpeg-missing",
    ffmpeg: cfg.ffmpeg
      ? { path: cfg.ffmpeg.path, source: cfg.ffmpeg.source, version: cfg.ffmpeg.version }
      : null,
    sessions: [...sessions.values()].map((s) => s.health()),
  });

  async function getOrCreateSession(
    classId: string,
    rtmpUrl: string,
    log: Logger = cfg.log,
  ): Promise<{ s: ClassSession; created: boolean }> {
    if (!cfg.ffmpeg)
      throw new HttpError(503, "ffmpeg-missing", "ffmpeg is not installed on the bridge");
    const ffmpeg = cfg.ffmpeg;
    await assertIngest(classId, rtmpUrl, log);
    const existing = sessions.get(classId) ?? (await creating.get(classId));
    if (existing) {
      existing.setRtmpUrl(rtmpUrl);
      return { s: existing, created: false };
    }
    const p = (async () => {
      const base = await allocateFreeBlock(ports);
      if (base === null) throw new HttpError(503, "no-ports", "RTP port range exhausted");
      const s = new ClassSession({
        classId,
        rtmpUrl,
        ffmpeg,
        portBase: base,
        log,
        stallMs: cfg.stallMs,
        fillerMaxMs: cfg.fillerMaxMs,
        backoffMaxMs: cfg.backoffMaxMs,
        checkIngest: ingestVerdict,
      });
      try {
        await s.open();
      } catch (err) {
        ports.release(base);
        await s.close();
        throw err;
      }
      sessions.set(classId, s);
      s.onWarmExpired = () => {
        if (sessions.get(classId) === s && !s.publisher) void deleteSession(classId);
      };
      log("session.created", { classId, rtmp: redactUrl(rtmpUrl), portBase: base });
      return s;
    })();
    creating.set(classId, p);
    try {
      return { s: await p, created: true };
    } finally {
      creating.delete(classId);
    }
  }

  async function deleteSession(classId: string): Promise<boolean> {
    const s = sessions.get(classId);
    if (!s) return false;
    sessions.delete(classId);
    for (const [id, p] of publishers) {
      if (p.classId === classId) {
        publishers.delete(id);
        await p.close();
      }
    }
    await pulls.get(classId)?.close();
    pulls.delete(classId);
    await s.close();
    ports.release(s.portBase);
    lastPushedState.delete(classId);
    log("session.deleted", { classId });
    return true;
  }

  function authorized(req: IncomingMessage, url: URL): boolean {
    if (!cfg.secret) return true;
    const header = req.headers.authorization ?? "";
    const given = header.startsWith("Bearer ")
      ? header.slice(7)
      : cfg.dev
        ? (url.searchParams.get("secret") ?? "")
        : "";
    const a = Buffer.from(given);
    const b = Buffer.from(cfg.secret);
    return a.length === b.length && timingSafeEqual(a, b);
  }

  function authorize(req: IncomingMessage, url: URL): void {
    if (!authorized(req, url)) {
      throw new HttpError(401, "unauthorized", "missing or wrong bridge secret", {
        "WWW-Authenticate": 'Bearer realm="mass-class-bridge"',
      });
    }
  }

  async function readBody(req: IncomingMessage, limit: number): Promise<string> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const c of req) {
      size += (c as Buffer).length;
      if (size > limit) throw new HttpError(413, "too-large", "request body too large");
      chunks.push(c as Buffer);
    }
    return Buffer.concat(chunks).toString("utf8");
  }

  /** `prepare: true` in a PUT /sessions body: spawn the output ffmpeg now (studio getting ready). */
  function prepareFrom(body: unknown): boolean {
    const { prepare } = body as { prepare?: unknown };
    if (prepare === undefined) return false;
    if (typeof prepare !== "boolean")
      throw new HttpError(400, "bad-prepare", "prepare must be a boolean");
    return prepare;
  }

  function rtmpFrom(body: unknown): string {
    if (!body || typeof body !== "object")
      throw new HttpError(400, "bad-json", "body must be a JSON object");
    const { rtmpUrl, streamKey } = body as { rtmpUrl?: unknown; streamKey?: unknown };
    if (
      typeof rtmpUrl !== "string" ||
      !/^rtmps?:\/\/[^/\s]+\/\S+$/.test(rtmpUrl) ||
      rtmpUrl.length > 2000
    ) {
      throw new HttpError(
        400,
        "bad-rtmp-url",
        "rtmpUrl must be rtmp:// or rtmps:// with an app path",
      );
    }
    if (streamKey === undefined) return rtmpUrl;
    if (typeof streamKey !== "string" || !/^[\w.\-?=&]{1,500}$/.test(streamKey)) {
      throw new HttpError(400, "bad-stream-key", "streamKey must be a non-empty token");
    }
    return `${rtmpUrl.replace(/\/+$/, "")}/${streamKey}`;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // Lines this request logs carry the Worker's request id (`x-request-id`), so one
    // go-live can be followed from the Worker's logs into the bridge's.
    const requestId = requestIdOf(req);
    const log: Logger = requestId
      ? (event, fields) => cfg.log(event, { ...fields, requestId })
      : cfg.log;
    const url = new URL(req.url ?? "/", "http://bridge");
    const method = req.method ?? "GET";
    const parts = url.pathname.split("/").filter(Boolean);
    if (cfg.dev) {
      res.setHeader("Access-Control-Allow-Origin", "*");
      res.setHeader("Access-Control-Expose-Headers", "Location, ETag");
      if (method === "OPTIONS") {
        res.writeHead(204, {
          "Access-Control-Allow-Methods": "GET, POST, PUT, PATCH, DELETE, OPTIONS",
          "Access-Control-Allow-Headers": "Authorization, Content-Type",
          "Access-Control-Max-Age": "600",
        });
        res.end();
        return;
      }
      if (method === "GET" && url.pathname === "/dev/blank") {
        res.writeHead(200, { "Content-Type": "text/html; charset=utf-8" });
        res.end("<!doctype html><title>bridge dev</title><body>bridge dev page</body>");
        return;
      }
    }
    if (method === "GET" && url.pathname === "/health") {
      const h = health();
      // Liveness for anyone (a load balancer, a probe); the class list, states and
      // errors only for the Worker: they name classes and their RTMP hosts.
      return json(res, h.ok ? 200 : 503, authorized(req, url) ? h : { ok: h.ok });
    }
    if (method === "GET" && url.pathname === "/metrics") {
      // Prometheus scrapes with the bridge secret as a Bearer token: labels name classes.
      authorize(req, url);
      res.writeHead(200, { "Content-Type": PROMETHEUS_CONTENT_TYPE, "Cache-Control": "no-store" });
      res.end(prometheusText(health(), Date.now()));
      return;
    }
    if (parts[0] === "sessions" && parts.length === 2) {
      const classId = parts[1]!;
      if (!CLASS_ID.test(classId)) throw new HttpError(400, "bad-class-id", "invalid class id");
      authorize(req, url);
      if (method === "PUT") {
        let body: unknown;
        try {
          body = JSON.parse(await readBody(req, 8192));
        } catch (err) {
          if (err instanceof HttpError) throw err;
          throw new HttpError(400, "bad-json", "body must be JSON");
        }
        const rtmpUrl = rtmpFrom(body);
        const prepare = prepareFrom(body);
        const { s, created } = await getOrCreateSession(classId, rtmpUrl, log);
        if (prepare) {
          const warmed = s.prepare(warmTtlMs);
          log("session.prepared", { classId, warmed, warmUntil: s.warmUntil });
        }
        return json(res, created ? 201 : 200, { ...s.health(), warmUntil: s.warmUntil });
      }
      if (method === "GET") {
        const s = sessions.get(classId);
        if (!s) throw new HttpError(404, "no-session", "no session for this class");
        return json(res, 200, s.health());
      }
      if (method === "DELETE") {
        if (!(await deleteSession(classId)))
          throw new HttpError(404, "no-session", "no session for this class");
        res.writeHead(204).end();
        return;
      }
      throw new HttpError(405, "method-not-allowed", "use PUT, GET or DELETE", {
        Allow: "PUT, GET, DELETE",
      });
    }
    if (parts[0] === "whip" && parts.length === 2) {
      const receivedAt = Date.now();
      const classId = parts[1]!;
      if (!CLASS_ID.test(classId)) throw new HttpError(400, "bad-class-id", "invalid class id");
      authorize(req, url);
      if (method !== "POST")
        throw new HttpError(405, "method-not-allowed", "use POST", { Allow: "POST" });
      const type = (req.headers["content-type"] ?? "").split(";")[0]!.trim().toLowerCase();
      if (type !== "application/sdp") {
        throw new HttpError(415, "bad-content-type", "Content-Type must be application/sdp");
      }
      const offer = await readBody(req, 64_000);
      const choice = chooseFromOffer(offer);
      if (!cfg.ffmpeg)
        throw new HttpError(503, "ffmpeg-missing", "ffmpeg is not installed on the bridge");
      let session = sessions.get(classId);
      if (!session && cfg.defaultRtmpUrl) {
        session = (
          await getOrCreateSession(classId, cfg.defaultRtmpUrl.replaceAll("{classId}", classId))
        ).s;
      }
      if (!session) {
        throw new HttpError(
          404,
          "no-session",
          "no RTMP target for this class: PUT /sessions/:classId first",
        );
      }
      const current = session.publisher;
      if (current) {
        // A teacher whose page reloaded cannot DELETE the old resource: allow a
        // takeover once the old publisher has sent nothing for a few seconds.
        if (!session.publisherStalled()) {
          throw new HttpError(409, "publisher-exists", "this class already has a live publisher");
        }
        const old = publishers.get(current.id);
        publishers.delete(current.id);
        await old?.close();
        log("whip.takeover", { classId, old: current.id });
      }
      session.warm(); // spawn ffmpeg while werift answers and ICE/DTLS run
      let pub: Awaited<ReturnType<typeof acceptWhipOffer>>;
      try {
        pub = await acceptWhipOffer({
          offer,
          choice,
          session,
          ice: cfg.ice,
          hints: cfg.hints ?? DEFAULT_BITRATE_HINTS,
          log,
        });
      } catch (err) {
        // Nobody will feed the ffmpeg warmed above: let it expire like an unused prepare.
        session.prepare(warmTtlMs);
        throw err;
      }
      publishers.set(pub.id, pub);
      log("whip.created", { classId, publisherId: pub.id, answerMs: Date.now() - receivedAt });
      res.writeHead(201, {
        "Content-Type": "application/sdp",
        Location: `/whip/${classId}/${pub.id}`,
        ETag: `"${pub.id}"`,
      });
      res.end(pub.answer);
      return;
    }
    if (parts[0] === "pull" && parts.length === 2) {
      // Production ingest: the Worker pushed the teacher's tracks to Cloudflare Calls and
      // asks us to pull them into this class's session.
      const classId = parts[1]!;
      if (!CLASS_ID.test(classId)) throw new HttpError(400, "bad-class-id", "invalid class id");
      authorize(req, url);
      if (method === "DELETE") {
        const pull = pulls.get(classId);
        if (!pull) throw new HttpError(404, "no-pull", "this class is not pulling from Calls");
        pulls.delete(classId);
        await pull.close();
        await sessions.get(classId)?.stop("pull-delete");
        res.writeHead(204).end();
        return;
      }
      if (method !== "POST")
        throw new HttpError(405, "method-not-allowed", "use POST or DELETE", {
          Allow: "POST, DELETE",
        });
      if (!calls)
        throw new HttpError(
          501,
          "calls-not-configured",
          "CALLS_APP_ID / CALLS_APP_SECRET are not set on the bridge",
        );
      if (!cfg.ffmpeg)
        throw new HttpError(503, "ffmpeg-missing", "ffmpeg is not installed on the bridge");
      let body: { sessionId?: unknown; trackNames?: unknown };
      try {
        body = JSON.parse(await readBody(req, 8192)) as typeof body;
      } catch (err) {
        if (err instanceof HttpError) throw err;
        throw new HttpError(400, "bad-json", "body must be JSON");
      }
      const names = body.trackNames;
      if (
        typeof body.sessionId !== "string" ||
        !/^[\w-]{1,128}$/.test(body.sessionId) ||
        !Array.isArray(names) ||
        names.length === 0 ||
        names.length > 4 ||
        !names.every((n) => typeof n === "string" && /^[\w-]{1,64}$/.test(n))
      ) {
        throw new HttpError(
          400,
          "bad-pull",
          "body must be { sessionId, trackNames: string[1..4] }",
        );
      }
      const session = sessions.get(classId);
      if (!session)
        throw new HttpError(
          404,
          "no-session",
          "no RTMP target for this class: PUT /sessions/:classId first",
        );
      await pulls.get(classId)?.close();
      session.warm();
      const pull = await pullFromCalls({
        calls,
        teacherSessionId: body.sessionId,
        trackNames: names as string[],
        session,
        log,
        iceServers: cfg.calls?.stunUrl ? [{ urls: cfg.calls.stunUrl }] : [],
      }).catch((err: unknown) => {
        throw new HttpError(
          502,
          "calls-pull-failed",
          err instanceof Error ? err.message : String(err),
        );
      });
      pulls.set(classId, pull);
      log("pull.created", { classId, pullId: pull.id });
      return json(res, 201, { classId, pullId: pull.id });
    }
    if (parts[0] === "whip" && parts.length === 3) {
      authorize(req, url);
      const pub = publishers.get(parts[2]!);
      if (!pub || pub.classId !== parts[1])
        throw new HttpError(404, "no-resource", "unknown WHIP resource");
      if (method === "DELETE") {
        publishers.delete(pub.id);
        const session = sessions.get(pub.classId);
        // The current publisher, or one whose connection was lost with nobody in its
        // place (a studio stopping while it reconnects).
        const ends = session?.publisher?.id === pub.id || !session?.publisher;
        await pub.close();
        // The teacher pressed Stop / End stream or closed the studio: end the push now
        // (the slate is for a teacher who vanished without a word).
        if (ends) await session?.stop("whip-delete");
        log("whip.deleted", { classId: pub.classId, publisherId: pub.id });
        res.writeHead(200).end();
        return;
      }
      // No trickle ICE / ICE restart: RFC 9725 says answer PATCH with 405.
      throw new HttpError(
        405,
        "method-not-allowed",
        "only DELETE is supported on a WHIP resource",
        {
          Allow: "DELETE",
        },
      );
    }
    throw new HttpError(404, "not-found", "not found");
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (res.headersSent) {
        res.end();
        return;
      }
      if (err instanceof HttpError)
        return json(res, err.status, { error: err.code, message: err.message }, err.headers);
      if (err instanceof SdpError)
        return json(res, err.status, { error: err.code, message: err.message });
      log("http.error", {
        message: err instanceof Error ? err.message : String(err),
        ...(requestIdOf(req) ? { requestId: requestIdOf(req) } : {}),
      });
      json(res, 500, { error: "internal", message: "internal error" });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(cfg.port, cfg.host, () => resolve());
  });
  const addr = server.address() as AddressInfo;
  const url = `http://${addr.address.includes(":") ? `[${addr.address}]` : addr.address}:${addr.port}`;

  let pushTimer: NodeJS.Timeout | null = null;
  let lastPushError = 0;
  async function pushHealth(force: boolean): Promise<void> {
    if (!cfg.healthCallbackUrl) return;
    for (const s of sessions.values()) {
      const h = s.health();
      const changed = lastPushedState.get(s.classId) !== h.state;
      if (!force && !changed) continue;
      lastPushedState.set(s.classId, h.state);
      try {
        const r = await fetch(cfg.healthCallbackUrl, {
          method: "POST",
          headers: {
            "Content-Type": "application/json",
            ...(cfg.healthCallbackSecret
              ? { Authorization: `Bearer ${cfg.healthCallbackSecret}` }
              : {}),
          },
          body: JSON.stringify({ type: "bridge.health", at: Date.now(), ...h }),
          signal: AbortSignal.timeout(3000),
        });
        await r.body?.cancel();
      } catch (err) {
        if (Date.now() - lastPushError > 60_000) {
          lastPushError = Date.now();
          log("health.push-failed", { message: err instanceof Error ? err.message : String(err) });
        }
      }
    }
  }
  if (cfg.healthCallbackUrl) {
    let n = 0;
    const every = cfg.healthIntervalMs ?? 5000;
    // Poll state every second (push on change), full push every `every` ms.
    pushTimer = setInterval(() => {
      n++;
      const full = n * 1000 >= every;
      if (full) n = 0;
      void pushHealth(full);
    }, 1000);
  }

  return {
    url,
    server,
    sessions,
    health,
    close: async () => {
      if (pushTimer) clearInterval(pushTimer);
      await warmedUp; // its peer connections close within its timeout
      for (const id of [...sessions.keys()]) await deleteSession(id);
      await new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      });
    },
  };
}

/** The caller's `x-request-id` when it looks like one (the Worker's `cf-ray` or hex id). */
export function requestIdOf(req: IncomingMessage): string | undefined {
  const id = req.headers["x-request-id"];
  return typeof id === "string" && /^[A-Za-z0-9-]{8,64}$/.test(id) ? id : undefined;
}

function json(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, {
    "Content-Type": "application/json",
    "Cache-Control": "no-store",
    ...headers,
  });
  res.end(JSON.stringify(body));
}
