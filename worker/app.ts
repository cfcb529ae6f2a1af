/**
 * The Mass Class Worker: a stateless Hono app. It authenticates, validates, routes
 * and forwards; class state lives in Durable Objects, durable records in D1.
 */
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { loadSession } from "./auth/session.ts";
import { workerConfig } from "./config.ts";
import { originCheck } from "./csrf.ts";
import { ApiError, handleError } from "./errors.ts";
import { health } from "./health.ts";
import { notFound } from "./not-found.ts";
import { type OpenApiDocument, openApiDocument } from "./openapi.ts";
import { requestId } from "./request-id.ts";
import { admin } from "./routes/admin.ts";
import { analytics } from "./routes/analytics.ts";
import { auth } from "./routes/auth.ts";
import { bridgeRoutes } from "./routes/bridge.ts";
import { classes } from "./routes/classes.ts";
import { moderators } from "./routes/moderators.ts";
import { push } from "./routes/push.ts";
import { replay } from "./routes/replay.ts";
import { slides } from "./routes/slides.ts";
import { tickets } from "./routes/tickets.ts";
import { whip } from "./routes/whip.ts";
import { ws } from "./routes/ws.ts";
import { youtube } from "./routes/youtube.ts";
import { securityHeaders } from "./security-headers.ts";
import type { AppEnv } from "./types.ts";

/** Which built HTML entry serves which page path. */
const PAGES: [RegExp, string][] = [
  [/^\/c\/[A-Za-z0-9_-]{1,32}(\/replay)?\/?$/, "/student.html"],
  [/^\/studio(\/.*)?$/, "/studio.html"],
  [/^\/admin(\/.*)?$/, "/admin.html"],
  [/^\/(signin|signup)?$/, "/index.html"],
];

let openApi: OpenApiDocument | undefined;
/** The OpenAPI document, built from the app on first use (the app is complete by then). */
function apiDocument(): OpenApiDocument {
  openApi ??= openApiDocument(app);
  return openApi;
}

const api = new Hono<AppEnv>()
  .use(
    bodyLimit({
      maxSize: 1024 * 1024,
      onError: () => {
        throw new ApiError(413, "payload_too_large", "Request body too large.");
      },
    }),
  )
  .route("/auth", auth)
  .route("/classes", classes)
  .route("/classes", tickets)
  .route("/classes", moderators)
  .route("/classes", replay)
  .route("/admin", admin)
  .route("/analytics", analytics)
  .route("/bridge", bridgeRoutes)
  .route("/youtube", youtube)
  .route("/", push)
  .get("/openapi.json", (c) => c.json(apiDocument()))
  .all("*", () => {
    throw new ApiError(404, "not_found", "No such API route.");
  });

export const app = new Hono<AppEnv>()
  // Outermost, so the id is on every answer, errors and not-found pages included.
  .use(requestId)
  // The env is parsed (and checked) before anything reads it: a bad variable answers 500
  // and logs `unhandled_error` naming it (worker/config.ts), instead of failing later.
  .use(async (c, next) => {
    workerConfig(c.env);
    await next();
  })
  // Every response leaves with the security headers (worker/security-headers.ts).
  .use(async (c, next) => {
    await next();
    if (c.res.status === 101) return;
    const url = new URL(c.req.url);
    // Pages and static files get the page policy (a script's CSP governs the workers it
    // starts); API answers, sockets, WHIP and slide images the resource policy.
    const page = !/^\/(api|ws|whip|slides)(\/|$)/.test(url.pathname);
    const headers = securityHeaders(
      page,
      /^\/studio(\/|$)/.test(url.pathname) ? "studio" : "page",
      {
        origin: url.origin,
        playbackUrl: workerConfig(c.env).LOCAL_PLAYBACK_URL,
      },
    );
    // Responses passed through from ASSETS or fetch() have immutable headers.
    const res = new Response(c.res.body, c.res);
    for (const [k, v] of Object.entries(headers)) res.headers.set(k, v);
    c.res = undefined;
    c.res = res;
  })
  .use(loadSession)
  .use("/api/*", originCheck)
  .use("/whip/*", originCheck)
  // Slide uploads stream up to 25 MiB: ahead of the API's 1 MiB body limit.
  .route("/", slides)
  .route("/api", api)
  .route("/ws", ws)
  .route("/whip", whip)
  .route("/", health)
  .get("*", async (c) => {
    const path = new URL(c.req.url).pathname;
    const page = PAGES.find(([re]) => re.test(path))?.[1];
    if (!page) {
      const asset = await c.env.ASSETS.fetch(c.req.raw);
      return asset.status === 404 ? notFound(c) : asset;
    }
    const res = await c.env.ASSETS.fetch(new URL(page, c.req.url));
    const headers = new Headers(res.headers);
    headers.set("cache-control", "no-cache");
    return new Response(res.body, { status: res.status, headers });
  });
app.notFound(notFound);
app.onError(handleError);

/** The app's type, for the typed client `hc<AppType>` in the web apps. */
export type AppType = typeof app;
