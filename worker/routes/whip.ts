/**
 * WHIP (RFC 9725) ingest for the teacher studio and OBS.
 *
 *   POST   /whip/:classId              application/sdp offer → 201 + Location + answer
 *   DELETE /whip/:classId/:resourceId  ends the publication
 *   POST   /whip/:classId/prepare      the studio is getting ready: warm the bridge (204)
 *
 * Only the class's teacher may publish: by session cookie, a session Bearer token, or a
 * per-class stream token (`POST /api/classes/:id/stream-token`, for OBS).
 * Production (CALLS_APP_ID + CALLS_APP_SECRET set): the offer goes to Cloudflare Calls and
 * the bridge pulls the tracks from there. Local mode: the Worker proxies WHIP to the
 * bridge's own WHIP endpoint. Either way the bridge is first told the class's RTMP target.
 */
import { eq } from "drizzle-orm";
import type { Context } from "hono";
import { Hono } from "hono";
import { CallsClient, CallsError, sdpMids } from "../../common/calls-client.ts";
import type { SessionUser } from "../../protocol/api.ts";
import type { BridgeErrorBody } from "../../protocol/bridge.ts";
import { classroomRoot } from "../auth/access.ts";
import { decryptSecret } from "../auth/crypto.ts";
import { refreshAccount, verifyToken } from "../auth/session.ts";
import { workerConfig } from "../config.ts";
import { getDb, schema } from "../db/index.ts";
import type { ClassRow } from "../db/schema.ts";
import { ApiError } from "../errors.ts";
import { REQUEST_ID_HEADER } from "../request-id.ts";
import type { AppEnv } from "../types.ts";
import { youtubeApiError } from "../youtube/errors.ts";
import { endClassBroadcast, prepareBroadcast, youtubeContext } from "../youtube/live.ts";

/** YouTube's primary RTMP ingest, used when a class has a stream key but no URL. */
export const YOUTUBE_RTMP = "rtmp://a.rtmp.youtube.com/live2";
const MAX_SDP_BYTES = 64 * 1024;

/** Read an SDP body. (`.text()` on application/sdp makes workerd warn that it may not be text.) */
async function sdpText(body: { arrayBuffer(): Promise<ArrayBuffer> }): Promise<string> {
  return new TextDecoder().decode(await body.arrayBuffer());
}

/**
 * Where the bridge should push this class's stream: the class's own stream key, else the
 * teacher's connected YouTube channel (its broadcast, created or reused, over RTMPS),
 * else the class's RTMP URL or the local server.
 */
export async function rtmpTarget(
  env: Env,
  cls: ClassRow,
): Promise<{ rtmpUrl: string; streamKey?: string }> {
  const yt = await youtubeContext(env, cls);
  if (yt) {
    try {
      const { rtmpUrl, streamKey } = await prepareBroadcast(env, yt, cls);
      return { rtmpUrl, streamKey };
    } catch (err) {
      throw youtubeApiError(err);
    }
  }
  if (cls.streamKeyCipher) {
    const streamKey = await decryptSecret(cls.streamKeyCipher, workerConfig(env).JWT_SECRET);
    return { rtmpUrl: cls.rtmpUrl ?? YOUTUBE_RTMP, streamKey };
  }
  if (cls.rtmpUrl) return { rtmpUrl: cls.rtmpUrl };
  if (workerConfig(env).LOCAL_RTMP_URL)
    return { rtmpUrl: workerConfig(env).LOCAL_RTMP_URL.replaceAll("{classId}", cls.id) };
  throw new ApiError(
    409,
    "conflict",
    "This class has no RTMP target: connect YouTube, or add a YouTube stream key in the class settings.",
  );
}

/** Whether Cloudflare Calls is configured (production path). */
export function callsClient(env: Env): CallsClient | null {
  if (!workerConfig(env).CALLS_APP_ID || !workerConfig(env).CALLS_APP_SECRET) return null;
  return new CallsClient({
    appId: workerConfig(env).CALLS_APP_ID,
    appSecret: workerConfig(env).CALLS_APP_SECRET,
    baseUrl: workerConfig(env).CALLS_API_BASE,
  });
}

/** Who calls the bridge: the Worker's env and the request's id (sent as `x-request-id`). */
interface BridgeCall {
  env: Env;
  requestId?: string;
}

/** The bridge call context of a request. */
const bridgeCall = (c: Context<AppEnv>): BridgeCall => ({
  env: c.env,
  requestId: c.get("requestId"),
});

/**
 * Call the class's media bridge: over HTTP when BRIDGE_URL is set (local development,
 * or a bridge you host), else through the class's MediaBridge container (production).
 */
async function bridge(
  { env, requestId }: BridgeCall,
  method: string,
  path: string,
  body?: BodyInit,
  type?: string,
): Promise<Response> {
  const headers: Record<string, string> = {
    authorization: `Bearer ${workerConfig(env).BRIDGE_SECRET}`,
  };
  if (requestId) headers[REQUEST_ID_HEADER] = requestId;
  if (type) headers["content-type"] = type;
  const init: RequestInit = { method, headers, body: body ?? null };
  try {
    if (workerConfig(env).BRIDGE_URL)
      return await fetch(`${workerConfig(env).BRIDGE_URL.replace(/\/$/, "")}${path}`, init);
    const classId = path.split("/")[2] ?? "";
    const stub = env.MEDIA_BRIDGE.get(env.MEDIA_BRIDGE.idFromName(classId));
    return await stub.fetch(new Request(`http://bridge${path}`, init));
  } catch {
    throw new ApiError(
      503,
      "bridge_unavailable",
      "The media bridge is not reachable. Is it running?",
    );
  }
}

/** Turn a bridge error response into an ApiError with the bridge's reason. */
async function bridgeError(res: Response): Promise<ApiError> {
  let message = `The media bridge refused the stream (${res.status}).`;
  let reason = "";
  try {
    const body = (await res.json()) as Partial<BridgeErrorBody>;
    if (body.message) message = `Media bridge: ${body.message}`;
    reason = body.error ?? "";
  } catch {
    // not JSON: keep the generic message
  }
  if (res.status === 409 && reason === "publisher_exists") {
    return new ApiError(
      409,
      "publisher_exists",
      "This class is already live from another studio or OBS.",
    );
  }
  const status = (res.status >= 400 && res.status < 600 ? res.status : 502) as 400;
  return new ApiError(status, "bridge_error", message);
}

/** The publisher: the class's teacher, by cookie, session Bearer, or a stream token for this class. */
async function publisher(
  c: Context<AppEnv>,
  classId: string,
): Promise<{ user: SessionUser; cls: ClassRow }> {
  let user = c.get("user");
  const bearer = c.req.header("authorization")?.match(/^Bearer\s+(.+)$/i)?.[1];
  if (!user && bearer) user = await verifyToken(bearer, workerConfig(c.env).JWT_SECRET, "whip");
  if (!user)
    throw new ApiError(
      401,
      "unauthenticated",
      "Sign in, or use the class's stream token as a Bearer token.",
    );
  user = await refreshAccount(c.env, user);
  const cls = await getDb(c.env).query.classes.findFirst({ where: eq(schema.classes.id, classId) });
  if (!cls) throw new ApiError(404, "not_found", "No such class.");
  // The platform role as D1 has it now: a demoted teacher no longer publishes their old class.
  const teaches = user.role === "teacher" || user.role === "admin";
  if (!teaches || user.id !== cls.teacherId || (user.classId && user.classId !== classId)) {
    throw new ApiError(403, "forbidden", "Only this class's teacher can go live.");
  }
  return { user, cls };
}

/** Create (or update) the class's bridge session with its RTMP target; `prepare` warms ffmpeg. */
async function putSession(at: BridgeCall, cls: ClassRow, prepare: boolean): Promise<void> {
  const target = await rtmpTarget(at.env, cls);
  const body = prepare ? { ...target, prepare: true } : target;
  const put = await bridge(
    at,
    "PUT",
    `/sessions/${cls.id}`,
    JSON.stringify(body),
    "application/json",
  );
  if (!put.ok) throw await bridgeError(put);
  await put.body?.cancel();
}

export const whip = new Hono<AppEnv>()
  // The studio calls this when the teacher has picked a source, before Go live: the
  // bridge creates the class session and spawns its output ffmpeg now, so that
  // process start (0.2–2 s on a busy box) is not part of the WHIP POST → first frame
  // (decision 011). Idempotent; the bridge drops an unused warm session after 2 min.
  .post("/:classId/prepare", async (c) => {
    const classId = c.req.param("classId");
    const { cls } = await publisher(c, classId);
    await putSession(bridgeCall(c), cls, true);
    return c.body(null, 204);
  })
  .post("/:classId", async (c) => {
    const classId = c.req.param("classId");
    const { cls } = await publisher(c, classId);
    const type = (c.req.header("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
    if (type !== "application/sdp")
      throw new ApiError(
        415,
        "unsupported_media_type",
        "WHIP offers must be Content-Type: application/sdp.",
      );
    const offer = await sdpText(c.req.raw);
    if (offer.length > MAX_SDP_BYTES)
      throw new ApiError(413, "payload_too_large", "SDP offer too large.");
    if (!offer.startsWith("v=0"))
      throw new ApiError(400, "bad_request", "The body is not an SDP offer.");
    if (!/^a=rtpmap:\d+ H264\//im.test(offer)) {
      throw new ApiError(
        415,
        "no_h264",
        "The offer has no H.264 video; Mass Class needs H.264 so the bridge can copy it.",
      );
    }

    await putSession(bridgeCall(c), cls, false);

    const calls = callsClient(c.env);
    if (!calls) {
      const res = await bridge(bridgeCall(c), "POST", `/whip/${classId}`, offer, "application/sdp");
      if (res.status !== 201) throw await bridgeError(res);
      const resource = res.headers.get("location")?.split("/").pop() ?? "";
      await classroomRoot(c.env, classId).setStreamStatus(classId, "live");
      return c.body(await sdpText(res), 201, {
        "content-type": "application/sdp",
        location: `/whip/${classId}/${resource}`,
        etag: res.headers.get("etag") ?? `"${resource}"`,
      });
    }

    try {
      const session = await calls.newSession();
      const tracks = sdpMids(offer).map(({ mid, kind }) => ({
        location: "local" as const,
        mid,
        trackName: `${classId}-${kind}`,
      }));
      const pushed = await calls.addTracks(session.sessionId, tracks, {
        type: "offer",
        sdp: offer,
      });
      if (!pushed.sessionDescription)
        throw new ApiError(502, "calls_error", "Calls returned no answer.");
      const pull = await bridge(
        bridgeCall(c),
        "POST",
        `/pull/${classId}`,
        JSON.stringify({
          sessionId: session.sessionId,
          trackNames: tracks.map((t) => t.trackName),
        }),
        "application/json",
      );
      if (!pull.ok) {
        await calls
          .closeTracks(
            session.sessionId,
            tracks.map((t) => t.mid),
          )
          .catch(() => {});
        throw await bridgeError(pull);
      }
      await classroomRoot(c.env, classId).setStreamStatus(classId, "live");
      return c.body(pushed.sessionDescription.sdp, 201, {
        "content-type": "application/sdp",
        location: `/whip/${classId}/${session.sessionId}`,
        etag: `"${session.sessionId}"`,
      });
    } catch (err) {
      if (err instanceof CallsError)
        throw new ApiError(502, "calls_error", `Cloudflare Calls refused the stream: ${err.code}`);
      throw err;
    }
  })
  .delete("/:classId/:resource", async (c) => {
    const { classId, resource } = c.req.param();
    await publisher(c, classId);
    const calls = callsClient(c.env);
    if (!calls) {
      const res = await bridge(
        bridgeCall(c),
        "DELETE",
        `/whip/${classId}/${encodeURIComponent(resource)}`,
      );
      if (!res.ok && res.status !== 404) throw await bridgeError(res);
      if (res.status === 404) throw new ApiError(404, "not_found", "No such WHIP resource.");
      await classroomRoot(c.env, classId).setStreamStatus(classId, "ended");
      await endClassBroadcast(c.env, classId);
      return c.body(null, 200);
    }
    const session = await calls.getSession(resource).catch(() => null);
    if (!session) throw new ApiError(404, "not_found", "No such WHIP resource.");
    const mids = session.tracks.map((t) => t.mid).filter((m): m is string => !!m);
    if (mids.length > 0) await calls.closeTracks(resource, mids);
    await bridge(bridgeCall(c), "DELETE", `/pull/${classId}`);
    await classroomRoot(c.env, classId).setStreamStatus(classId, "ended");
    await endClassBroadcast(c.env, classId);
    return c.body(null, 200);
  })
  .patch("/:classId/:resource", (c) => c.body(null, 405, { allow: "DELETE" }));
