/**
 * The bridge's HTTP API on Hono: WHIP (`/whip/:classId`), the Worker's control routes
 * (`/sessions/:classId`, `/pull/:classId`), `/health` and `/metrics`. Bodies are parsed
 * with protocol/bridge.ts's schemas, errors leave as `{ error, message }` with a stable
 * code. The routes own no state: {@link BridgeRoutesDeps} is the bridge (server.ts), so
 * tests build the app with a stand-in and call `app.request()`.
 */
import { timingSafeEqual } from "node:crypto";
import { type Context, Hono } from "hono";
import * as v from "valibot";
import type { CallsClient } from "../common/calls-client.ts";
import {
  BRIDGE_CLASS_ID,
  type BridgeErrorBody,
  type BridgeErrorCode,
  type BridgeHealth,
  type PullCreated,
  PullSchema,
  type SessionPut,
  SessionPutSchema,
  sessionRtmpUrl,
} from "../protocol/bridge.ts";
import { type CallsPull, pullFromCalls } from "./calls-pull.ts";
import type { FfmpegInfo } from "./ffmpeg.ts";
import type { Logger } from "./log.ts";
import { PROMETHEUS_CONTENT_TYPE, prometheusText } from "./metrics.ts";
import { type BitrateHints, chooseFromOffer, DEFAULT_BITRATE_HINTS, SdpError } from "./sdp.ts";
import type { ClassSession } from "./session.ts";
import { acceptWhipOffer, type IceOptions, type WhipPublisher } from "./whip.ts";

/** An HTTP error with a stable code: the routes throw it, `onError` answers it. */
export class HttpError extends Error {
  readonly status: number;
  readonly code: BridgeErrorCode;
  readonly headers: Record<string, string>;
  constructor(
    status: number,
    code: BridgeErrorCode,
    message: string,
    headers: Record<string, string> = {},
  ) {
    super(message);
    this.status = status;
    this.code = code;
    this.headers = headers;
  }
}

/** What the routes use of the bridge (server.ts builds it; tests may stand in). */
export interface BridgeRoutesDeps {
  /** Shared bearer secret with the Worker; empty disables auth (loopback dev only). */
  secret: string;
  /** Permissive CORS, `?secret=` accepted, `/dev/blank`. */
  dev?: boolean;
  ffmpeg: FfmpegInfo | null;
  ice: IceOptions;
  hints?: BitrateHints;
  /** RTMP URL template (`{classId}` substituted) used when WHIP comes before a PUT. */
  defaultRtmpUrl?: string;
  warmTtlMs: number;
  calls: CallsClient | null;
  stunUrl?: string;
  log: Logger;
  sessions: Map<string, ClassSession>;
  publishers: Map<string, WhipPublisher>;
  pulls: Map<string, CallsPull>;
  health: () => BridgeHealth;
  getOrCreateSession: (
    classId: string,
    rtmpUrl: string,
    log: Logger,
  ) => Promise<{ s: ClassSession; created: boolean }>;
  deleteSession: (classId: string) => Promise<boolean>;
}

type Env = { Variables: { log: Logger } };

/** The codes a bad `PUT /sessions` body gets, by the first field that is wrong. */
const SESSION_PUT_ERRORS: Record<keyof SessionPut, [BridgeErrorCode, string]> = {
  rtmpUrl: ["bad_rtmp_url", "rtmpUrl must be rtmp:// or rtmps:// with an app path"],
  streamKey: ["bad_stream_key", "streamKey must be a non-empty token"],
  prepare: ["bad_prepare", "prepare must be a boolean"],
};

const NO_SESSION = "no RTMP target for this class: PUT /sessions/:classId first";

/** The bridge's routes. */
export function bridgeRoutes(deps: BridgeRoutesDeps): Hono<Env> {
  const app = new Hono<Env>();

  function authorized(c: Context): boolean {
    if (!deps.secret) return true;
    const header = c.req.header("authorization") ?? "";
    const given = header.startsWith("Bearer ")
      ? header.slice(7)
      : deps.dev
        ? (c.req.query("secret") ?? "")
        : "";
    const a = Buffer.from(given);
    const b = Buffer.from(deps.secret);
    return a.length === b.length && timingSafeEqual(a, b);
  }

  function authorize(c: Context): void {
    if (!authorized(c)) {
      throw new HttpError(401, "unauthorized", "missing or wrong bridge secret", {
        "WWW-Authenticate": 'Bearer realm="mass-class-bridge"',
      });
    }
  }

  function classIdOf(c: Context): string {
    const classId = c.req.param("classId") ?? "";
    if (!BRIDGE_CLASS_ID.test(classId))
      throw new HttpError(400, "bad_class_id", "invalid class id");
    return classId;
  }

  function requireFfmpeg(): void {
    if (!deps.ffmpeg)
      throw new HttpError(503, "ffmpeg_missing", "ffmpeg is not installed on the bridge");
  }

  async function jsonBody(c: Context): Promise<unknown> {
    try {
      return JSON.parse(await readText(c.req.raw, 8192));
    } catch (err) {
      if (err instanceof HttpError) throw err;
      throw new HttpError(400, "bad_json", "body must be JSON");
    }
  }

  app.use(async (c, next) => {
    // Lines this request logs carry the Worker's request id (`x-request-id`), so one
    // go-live can be followed from the Worker's logs into the bridge's.
    const requestId = requestIdOf(c.req.raw.headers);
    c.set(
      "log",
      requestId ? (event, fields) => deps.log(event, { ...fields, requestId }) : deps.log,
    );
    if (deps.dev) {
      c.header("Access-Control-Allow-Origin", "*");
      c.header("Access-Control-Expose-Headers", "Location, ETag");
      if (c.req.method === "OPTIONS") {
        return c.body(null, 204, {
          "Access-Control-Allow-Methods": "GET, POST, PUT, PATCH, DELETE, OPTIONS",
          "Access-Control-Allow-Headers": "Authorization, Content-Type",
          "Access-Control-Max-Age": "600",
        });
      }
    }
    await next();
  });

  if (deps.dev) {
    app.get("/dev/blank", (c) =>
      c.html("<!doctype html><title>bridge dev</title><body>bridge dev page</body>"),
    );
  }

  app.get("/health", (c) => {
    const h = deps.health();
    // Liveness for anyone (a load balancer, a probe); the class list, states and
    // errors only for the Worker: they name classes and their RTMP hosts.
    return json(c, h.ok ? 200 : 503, authorized(c) ? h : { ok: h.ok });
  });

  app.get("/metrics", (c) => {
    // Prometheus scrapes with the bridge secret as a Bearer token: labels name classes.
    authorize(c);
    return c.body(prometheusText(deps.health(), Date.now()), 200, {
      "Content-Type": PROMETHEUS_CONTENT_TYPE,
      "Cache-Control": "no-store",
    });
  });

  app.use("/sessions/:classId", async (c, next) => {
    classIdOf(c);
    authorize(c);
    await next();
  });

  app.put("/sessions/:classId", async (c) => {
    const classId = classIdOf(c);
    const log = c.get("log");
    const body = await jsonBody(c);
    if (!body || typeof body !== "object")
      throw new HttpError(400, "bad_json", "body must be a JSON object");
    const parsed = v.safeParse(SessionPutSchema, body);
    if (!parsed.success) {
      const key = parsed.issues[0].path?.[0]?.key as keyof SessionPut;
      const [code, message] = SESSION_PUT_ERRORS[key] ?? SESSION_PUT_ERRORS.rtmpUrl;
      throw new HttpError(400, code, message);
    }
    const { s, created } = await deps.getOrCreateSession(
      classId,
      sessionRtmpUrl(parsed.output),
      log,
    );
    if (parsed.output.prepare) {
      const warmed = s.prepare(deps.warmTtlMs);
      log("session_prepared", { classId, warmed, warmUntil: s.warmUntil });
    }
    return json(c, created ? 201 : 200, { ...s.health(), warmUntil: s.warmUntil });
  });

  app.get("/sessions/:classId", (c) => {
    const s = deps.sessions.get(classIdOf(c));
    if (!s) throw new HttpError(404, "no_session", "no session for this class");
    return json(c, 200, s.health());
  });

  app.delete("/sessions/:classId", async (c) => {
    if (!(await deps.deleteSession(classIdOf(c))))
      throw new HttpError(404, "no_session", "no session for this class");
    return c.body(null, 204);
  });

  app.all("/sessions/:classId", () => {
    throw new HttpError(405, "method_not_allowed", "use PUT, GET or DELETE", {
      Allow: "PUT, GET, DELETE",
    });
  });

  app.all("/whip/:classId", async (c) => {
    const receivedAt = Date.now();
    const classId = classIdOf(c);
    const log = c.get("log");
    authorize(c);
    if (c.req.method !== "POST")
      throw new HttpError(405, "method_not_allowed", "use POST", { Allow: "POST" });
    const type = (c.req.header("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
    if (type !== "application/sdp") {
      throw new HttpError(415, "bad_content_type", "Content-Type must be application/sdp");
    }
    const offer = await readText(c.req.raw, 64_000);
    const choice = chooseFromOffer(offer);
    requireFfmpeg();
    let session = deps.sessions.get(classId);
    if (!session && deps.defaultRtmpUrl) {
      const rtmpUrl = deps.defaultRtmpUrl.replaceAll("{classId}", classId);
      session = (await deps.getOrCreateSession(classId, rtmpUrl, deps.log)).s;
    }
    if (!session) throw new HttpError(404, "no_session", NO_SESSION);
    const current = session.publisher;
    if (current) {
      // A teacher whose page reloaded cannot DELETE the old resource: allow a
      // takeover once the old publisher has sent nothing for a few seconds.
      if (!session.publisherStalled()) {
        throw new HttpError(409, "publisher_exists", "this class already has a live publisher");
      }
      const old = deps.publishers.get(current.id);
      deps.publishers.delete(current.id);
      await old?.close();
      log("whip_taken_over", { classId, old: current.id });
    }
    session.warm(); // spawn ffmpeg while werift answers and ICE/DTLS run
    let pub: Awaited<ReturnType<typeof acceptWhipOffer>>;
    try {
      pub = await acceptWhipOffer({
        offer,
        choice,
        session,
        ice: deps.ice,
        hints: deps.hints ?? DEFAULT_BITRATE_HINTS,
        log,
      });
    } catch (err) {
      // Nobody will feed the ffmpeg warmed above: let it expire like an unused prepare.
      session.prepare(deps.warmTtlMs);
      throw err;
    }
    deps.publishers.set(pub.id, pub);
    log("whip_created", { classId, publisherId: pub.id, answerMs: Date.now() - receivedAt });
    return c.body(pub.answer, 201, {
      "Content-Type": "application/sdp",
      Location: `/whip/${classId}/${pub.id}`,
      ETag: `"${pub.id}"`,
    });
  });

  app.all("/whip/:classId/:publisherId", async (c) => {
    authorize(c);
    const pub = deps.publishers.get(c.req.param("publisherId"));
    if (!pub || pub.classId !== c.req.param("classId"))
      throw new HttpError(404, "no_resource", "unknown WHIP resource");
    // No trickle ICE / ICE restart: RFC 9725 says answer PATCH with 405.
    if (c.req.method !== "DELETE")
      throw new HttpError(
        405,
        "method_not_allowed",
        "only DELETE is supported on a WHIP resource",
        {
          Allow: "DELETE",
        },
      );
    deps.publishers.delete(pub.id);
    const session = deps.sessions.get(pub.classId);
    // The current publisher, or one whose connection was lost with nobody in its
    // place (a studio stopping while it reconnects).
    const ends = session?.publisher?.id === pub.id || !session?.publisher;
    await pub.close();
    // The teacher pressed Stop / End stream or closed the studio: end the push now
    // (the slate is for a teacher who vanished without a word).
    if (ends) await session?.stop("whip-delete");
    c.get("log")("whip_deleted", { classId: pub.classId, publisherId: pub.id });
    return c.body(null, 200);
  });

  // Production ingest: the Worker pushed the teacher's tracks to Cloudflare Calls and
  // asks us to pull them into this class's session.
  app.all("/pull/:classId", async (c) => {
    const classId = classIdOf(c);
    const log = c.get("log");
    authorize(c);
    if (c.req.method === "DELETE") {
      const pull = deps.pulls.get(classId);
      if (!pull) throw new HttpError(404, "no_pull", "this class is not pulling from Calls");
      deps.pulls.delete(classId);
      await pull.close();
      await deps.sessions.get(classId)?.stop("pull-delete");
      return c.body(null, 204);
    }
    if (c.req.method !== "POST")
      throw new HttpError(405, "method_not_allowed", "use POST or DELETE", {
        Allow: "POST, DELETE",
      });
    const calls = deps.calls;
    if (!calls)
      throw new HttpError(
        501,
        "calls_not_configured",
        "CALLS_APP_ID / CALLS_APP_SECRET are not set on the bridge",
      );
    requireFfmpeg();
    const parsed = v.safeParse(PullSchema, await jsonBody(c));
    if (!parsed.success)
      throw new HttpError(400, "bad_pull", "body must be { sessionId, trackNames: string[1..4] }");
    const session = deps.sessions.get(classId);
    if (!session) throw new HttpError(404, "no_session", NO_SESSION);
    await deps.pulls.get(classId)?.close();
    session.warm();
    const pull = await pullFromCalls({
      calls,
      teacherSessionId: parsed.output.sessionId,
      trackNames: parsed.output.trackNames,
      session,
      log,
      iceServers: deps.stunUrl ? [{ urls: deps.stunUrl }] : [],
    }).catch((err: unknown) => {
      throw new HttpError(
        502,
        "calls_pull_failed",
        err instanceof Error ? err.message : String(err),
      );
    });
    deps.pulls.set(classId, pull);
    log("pull_created", { classId, pullId: pull.id });
    return json(c, 201, { classId, pullId: pull.id } satisfies PullCreated);
  });

  app.notFound((c) => json(c, 404, errorBody("not_found", "not found")));

  app.onError((err, c) => {
    if (err instanceof HttpError)
      return json(c, err.status, errorBody(err.code, err.message), err.headers);
    if (err instanceof SdpError) return json(c, err.status, errorBody(err.code, err.message));
    const requestId = requestIdOf(c.req.raw.headers);
    deps.log("request_failed", {
      message: err instanceof Error ? err.message : String(err),
      ...(requestId ? { requestId } : {}),
    });
    return json(c, 500, errorBody("internal", "internal error"));
  });

  return app;
}

/** The caller's `x-request-id` when it looks like one (the Worker's `cf-ray` or hex id). */
export function requestIdOf(headers: Headers): string | undefined {
  const id = headers.get("x-request-id");
  return id !== null && /^[A-Za-z0-9-]{8,64}$/.test(id) ? id : undefined;
}

function errorBody(error: BridgeErrorCode, message: string): BridgeErrorBody {
  return { error, message };
}

function json(
  c: Context,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): Response {
  return c.body(JSON.stringify(body), status as 200, {
    "Content-Type": "application/json",
    "Cache-Control": "no-store",
    ...headers,
  });
}

/** The request body as text, refused with 413 past `limit` bytes. */
async function readText(req: Request, limit: number): Promise<string> {
  if (!req.body) return "";
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      throw new HttpError(413, "too_large", "request body too large");
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString("utf8");
}
