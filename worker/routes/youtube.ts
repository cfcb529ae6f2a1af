/**
 * Connect YouTube once, then one click per class (worker/youtube/):
 *
 *   GET    /api/youtube                         this teacher's connection
 *   GET    /api/youtube/connect                 → Google's consent screen (PKCE, state cookie)
 *   GET    /api/youtube/callback                ← Google: code → tokens, stored encrypted
 *   DELETE /api/youtube                         revoke at Google and forget
 *   POST   /api/youtube/classes/:id/broadcast   create/reuse + bind the class's broadcast
 *   POST   /api/youtube/classes/:id/complete    end the class's broadcast
 *   GET    /api/youtube/classes/:id/status      YouTube + bridge health, and the alarm
 */
import { eq } from "drizzle-orm";
import type { Context } from "hono";
import { Hono } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import * as v from "valibot";
import type {
  YouTubeConnection,
  YouTubeLiveStatus,
  YouTubeLiveView,
} from "../../protocol/youtube.ts";
import { liveAlarm } from "../../protocol/youtube.ts";
import { classroomRoot, requireRole, type SignedInEnv } from "../auth/access.ts";
import { decryptSecret, encryptSecret, randomId, timingSafeEqual } from "../auth/crypto.ts";
import { workerConfig } from "../config.ts";
import { getDb, schema } from "../db/index.ts";
import type { ClassRow } from "../db/schema.ts";
import { ApiError } from "../errors.ts";
import { logEvent } from "../log.ts";
import { countMetric } from "../metrics.ts";
import type { AppEnv } from "../types.ts";
import { query } from "../validate.ts";
import { disconnect, loadAccount, saveGrant } from "../youtube/account.ts";
import { YouTubeApi } from "../youtube/api.ts";
import { YOUTUBE_SCOPE, type YouTubeConfig, youtubeConfig } from "../youtube/config.ts";
import { youtubeApiError } from "../youtube/errors.ts";
import { completeBroadcast, liveView, prepareBroadcast, youtubeContext } from "../youtube/live.ts";
import {
  authorizationUrl,
  exchangeCode,
  type Fetch,
  OAuthError,
  pkcePair,
} from "../youtube/oauth.ts";

/** The cookie that carries the OAuth `state` and PKCE verifier between connect and callback. */
export const OAUTH_COOKIE = "mc_yt_oauth";
const OAUTH_COOKIE_PATH = "/api/youtube/callback";
/** The teacher has 10 minutes on Google's consent screen. */
const OAUTH_TTL_S = 600;
const OAUTH_INFO = "mass-class youtube oauth state v1";

const fetcher: Fetch = (input, init) => fetch(input, init);

function config<E extends AppEnv>(c: Context<E>): YouTubeConfig {
  const cfg = youtubeConfig(workerConfig(c.env));
  if (!cfg)
    throw new ApiError(
      404,
      "youtube_not_configured",
      "YouTube is not set up on this server; use a stream key in the class settings.",
    );
  return cfg;
}

function origin<E extends AppEnv>(c: Context<E>): string {
  return workerConfig(c.env).PUBLIC_ORIGIN || new URL(c.req.url).origin;
}

const redirectUri = <E extends AppEnv>(c: Context<E>) => `${origin(c)}${OAUTH_COOKIE_PATH}`;

function isLocalHttp(c: Context): boolean {
  const url = new URL(c.req.url);
  return url.protocol === "http:" && ["localhost", "127.0.0.1", "[::1]"].includes(url.hostname);
}

/** Back to the studio with an outcome the class list shows (`?youtube=connected|error`). */
function backToStudio<E extends AppEnv>(c: Context<E>, outcome: string, reason?: string) {
  deleteCookie(c, OAUTH_COOKIE, { path: OAUTH_COOKIE_PATH, secure: !isLocalHttp(c) });
  const q = new URLSearchParams({ youtube: outcome });
  if (reason) q.set("reason", reason);
  return c.redirect(`/studio?${q.toString()}`, 302);
}

/** The class, if the signed-in user is its teacher (or an admin). */
async function managedClass<E extends SignedInEnv>(c: Context<E>, id: string): Promise<ClassRow> {
  const cls = await getDb(c.env).query.classes.findFirst({ where: eq(schema.classes.id, id) });
  if (!cls) throw new ApiError(404, "not_found", "No such class.");
  const user = c.get("user");
  if (user.role !== "admin" && cls.teacherId !== user.id)
    throw new ApiError(403, "forbidden", "Only this class's teacher can do this.");
  return cls;
}

async function classContext<E extends AppEnv>(c: Context<E>, cls: ClassRow) {
  config(c);
  const ctx = await youtubeContext(c.env, cls, fetcher);
  if (!ctx)
    throw new ApiError(
      409,
      "youtube_not_connected",
      cls.streamKeyCipher
        ? "This class uses a stream key from its settings, not the connected channel."
        : "The class's teacher has not connected a YouTube channel.",
    );
  return ctx;
}

/**
 * Query of `GET /api/youtube/callback`, as Google sends it: `state` and `code`, or `error`.
 * Never refused: anything missing or wrong goes back to the studio with a reason.
 */
export const OAuthCallbackQuery = v.object({
  state: v.optional(v.string()),
  code: v.optional(v.string()),
  error: v.optional(v.string()),
});

export const youtube = new Hono<AppEnv>()
  .get("/", requireRole("teacher"), async (c) => {
    const cfg = youtubeConfig(workerConfig(c.env));
    const row = cfg ? await loadAccount(c.env, c.get("user").id) : null;
    return c.json({
      configured: !!cfg,
      connected: !!row,
      channelId: row?.channelId ?? null,
      channelTitle: row?.channelTitle ?? null,
    } satisfies YouTubeConnection);
  })
  .get("/connect", requireRole("teacher"), async (c) => {
    const cfg = config(c);
    const user = c.get("user");
    const state = randomId(24);
    const { verifier, challenge } = await pkcePair();
    const exp = Date.now() + OAUTH_TTL_S * 1000;
    // The state and verifier ride in an encrypted HttpOnly cookie bound to this user: a
    // callback only succeeds in the browser, and for the session, that started it.
    const sealed = await encryptSecret(
      JSON.stringify({ state, verifier, exp }),
      workerConfig(c.env).JWT_SECRET,
      {
        info: OAUTH_INFO,
        aad: user.id,
      },
    );
    setCookie(c, OAUTH_COOKIE, sealed, {
      httpOnly: true,
      secure: !isLocalHttp(c),
      // Lax: sent on Google's top-level redirect back to us, never on cross-site subrequests.
      sameSite: "Lax",
      path: OAUTH_COOKIE_PATH,
      maxAge: OAUTH_TTL_S,
    });
    const url = authorizationUrl(cfg, {
      redirectUri: redirectUri(c),
      state,
      challenge,
      ...(user.email ? { loginHint: user.email } : {}),
    });
    return c.redirect(url, 302);
  })
  .get("/callback", requireRole("teacher"), query(OAuthCallbackQuery), async (c) => {
    const cfg = config(c);
    const user = c.get("user");
    const q = c.req.valid("query");
    const sealed = getCookie(c, OAUTH_COOKIE);
    const saved = sealed
      ? await decryptSecret(sealed, workerConfig(c.env).JWT_SECRET, {
          info: OAUTH_INFO,
          aad: user.id,
        })
          .then((t) => JSON.parse(t) as { state: string; verifier: string; exp: number })
          .catch(() => null)
      : null;
    if (!saved || saved.exp < Date.now() || !q.state || !timingSafeEqual(q.state, saved.state))
      return backToStudio(c, "error", "state");
    if (q.error) return backToStudio(c, "error", q.error === "access_denied" ? "denied" : "google");
    if (!q.code) return backToStudio(c, "error", "google");
    try {
      const tokens = await exchangeCode(cfg, fetcher, {
        code: q.code,
        verifier: saved.verifier,
        redirectUri: redirectUri(c),
      });
      if (!tokens.scope.split(" ").includes(YOUTUBE_SCOPE))
        return backToStudio(c, "error", "scope");
      if (!tokens.refreshToken) return backToStudio(c, "error", "offline");
      const channel = await new YouTubeApi(cfg.apiBase, fetcher, tokens.accessToken)
        .myChannel()
        .catch(() => null);
      await saveGrant(c.env, user.id, { ...tokens, refreshToken: tokens.refreshToken }, channel);
    } catch (err) {
      logEvent({
        event: "youtube_oauth_failed",
        reason: err instanceof OAuthError ? err.reason : "error",
        requestId: c.get("requestId"),
      });
      return backToStudio(c, "error", "google");
    }
    return backToStudio(c, "connected");
  })
  .delete("/", requireRole("teacher"), async (c) => {
    const cfg = config(c);
    try {
      await disconnect(c.env, cfg, fetcher, c.get("user").id);
    } catch (err) {
      throw youtubeApiError(err);
    }
    return c.json({ connected: false });
  })
  .post("/classes/:id/broadcast", requireRole("teacher"), async (c) => {
    const cls = await managedClass(c, c.req.param("id"));
    const ctx = await classContext(c, cls);
    try {
      const { broadcastId } = await prepareBroadcast(c.env, ctx, cls);
      return c.json({ broadcastId, videoId: broadcastId });
    } catch (err) {
      throw youtubeApiError(err);
    }
  })
  .post("/classes/:id/complete", requireRole("teacher"), async (c) => {
    const cls = await managedClass(c, c.req.param("id"));
    const ctx = await classContext(c, cls);
    try {
      return c.json({ completed: await completeBroadcast(c.env, ctx, cls) });
    } catch (err) {
      throw youtubeApiError(err);
    }
  })
  .get("/classes/:id/status", requireRole("teacher"), async (c) => {
    const cls = await managedClass(c, c.req.param("id"));
    const root = classroomRoot(c.env, cls.id);
    const [bridge, { status: stream, liveSince }] = await Promise.all([
      root.getStreamHealth(),
      root.getStreamStatus(),
    ]);
    const ctx = youtubeConfig(workerConfig(c.env))
      ? await youtubeContext(c.env, cls, fetcher)
      : null;
    let view: YouTubeLiveView | null = null;
    let youtubeError: { code: string; message: string } | null = null;
    if (ctx && cls.youtubeBroadcastId) {
      try {
        view = await liveView(c.env, ctx, cls);
      } catch (err) {
        const e = youtubeApiError(err);
        youtubeError = { code: e.code, message: e.message };
      }
    }
    if (view || youtubeError)
      countMetric(c.env, {
        name: "youtube_health",
        classId: cls.id,
        kind: youtubeError ? `error:${youtubeError.code}` : (view?.healthStatus ?? "unknown"),
        issues: view?.configurationIssues.length ?? 0,
      });
    const now = Date.now();
    return c.json({
      youtube: view,
      youtubeError,
      bridge,
      stream,
      alarm: liveAlarm({ stream, liveSince, bridge, youtube: view, youtubeError, now }),
      at: now,
    } satisfies YouTubeLiveStatus);
  });
