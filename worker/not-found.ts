/**
 * The one not-found answer: JSON `{ error: { code: "not_found" } }` for API-like paths
 * (`/api`, `/ws`, `/whip`, `/slides`) and for clients that do not ask for HTML, the
 * branded page (web/not-found.html, built into the assets) for browsers. Unknown page
 * paths, malformed class links (`/c/a%2Fb`, a 300-character id) and non-GET requests to
 * pages all end here, so nobody sees a bare, empty 404.
 */
import type { Context } from "hono";
import type { ApiErrorBody } from "../protocol/api.ts";
import type { AppEnv } from "./types.ts";

const API_PATH = /^\/(api|ws|whip|slides)(\/|$)/;

const json = (): Response =>
  Response.json({ error: { code: "not_found", message: "Nothing here." } } satisfies ApiErrorBody, {
    status: 404,
    headers: { "cache-control": "no-store" },
  });

/** 404 for `c`'s request: the not-found page for browsers, a JSON error otherwise. */
export async function notFound(c: Context<AppEnv>): Promise<Response> {
  const path = new URL(c.req.url).pathname;
  const wantsHtml =
    (c.req.method === "GET" || c.req.method === "HEAD") &&
    !API_PATH.test(path) &&
    !/application\/json/.test(c.req.header("accept") ?? "");
  if (!wantsHtml) return json();
  const page = await c.env.ASSETS.fetch(new URL("/not-found.html", c.req.url));
  // Without a built page (a test runtime with no assets) say it in plain words.
  if (!page.ok)
    return new Response("Page not found · Mass Class\n", {
      status: 404,
      headers: { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store" },
    });
  const headers = new Headers(page.headers);
  headers.set("cache-control", "no-store");
  return new Response(c.req.method === "HEAD" ? null : page.body, { status: 404, headers });
}
