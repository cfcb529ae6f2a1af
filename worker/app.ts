/**
 * The Mass Class Worker: a stateless Hono app. It authenticates, validates, routes
 * and forwards; class state lives in Durable Objects, durable records in D1.
 */
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { loadSession } from "./auth/session.ts";
import { originCheck } from "./csrf.ts";
import { ApiError, handleError } from "./errors.ts";
import { admin } from "./routes/admin.ts";
import { analytics } from "./routes/analytics.ts";
import { auth } from "./routes/auth.ts";
import { bridgeRoutes } from "./routes/bridge.ts";
import { classes } from "./routes/classes.ts";
import { moderators } from "./routes/moderators.ts";
import { push } from "./routes/push.ts";
import { slides } from "./routes/slides.ts";
import { tickets } from "./routes/tickets.ts";
import { whip } from "./routes/whip.ts";
import { ws } from "./routes/ws.ts";
import { youtube } from "./routes/youtube.ts";
import type { AppEnv } from "./types.ts";

/** Which built HTML entry serves which page path. */
const PAGES: [RegExp, string][] = [
  [/^\/c\/[A-Za-z0-9_-]{1,32}\/?$/, "/student.html"],
  [/^\/studio(\/.*)?$/, "/studio.html"],
  [/^\/admin(\/.*)?$/, "/admin.html"],
  [/^\/(signin|signup)?$/, "/index.html"],
];

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
  .route("/admin", admin)
  .route("/analytics", analytics)
  .route("/bridge", bridgeRoutes)
  .route("/youtube", youtube)
  .route("/", push)
  .all("*", () => {
    throw new ApiError(404, "not_found", "No such API route.");
  });

export const app = new Hono<AppEnv>()
  .use(loadSession)
  .use("/api/*", originCheck)
  .use("/whip/*", originCheck)
  // Slide uploads stream up to 25 MiB: ahead of the API's 1 MiB body limit.
  .route("/", slides)
  .route("/api", api)
  .route("/ws", ws)
  .route("/whip", whip)
  .get("*", async (c) => {
    const path = new URL(c.req.url).pathname;
    const page = PAGES.find(([re]) => re.test(path))?.[1];
    if (!page) return c.env.ASSETS.fetch(c.req.raw);
    const res = await c.env.ASSETS.fetch(new URL(page, c.req.url));
    const headers = new Headers(res.headers);
    headers.set("cache-control", "no-cache");
    headers.set("x-content-type-options", "nosniff");
    headers.set("referrer-policy", "strict-origin-when-cross-origin");
    return new Response(res.body, { status: res.status, headers });
  });
app.onError(handleError);

/** The app's type, for the typed client `hc<AppType>` in the web apps. */
export type AppType = typeof app;
