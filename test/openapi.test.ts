/**
 * The REST contract as a client sees it: `GET /api/openapi.json` is served by the Worker,
 * no session needed, and lists every route the app registers; and the validator middleware
 * keeps the API's old reading of bodies (any content type, then `invalid_json` /
 * `validation_failed`), where Hono's stock `validator("json")` would read a body sent
 * without `content-type: application/json` as `{}`.
 */
import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { app } from "../worker/app.ts";
import { openApiPath } from "../worker/openapi.ts";
import { appRoutes } from "../worker/protocol-doc.ts";
import { ORIGIN } from "./helpers.ts";

const send = (path: string, init: RequestInit = {}) =>
  exports.default.fetch(new Request(`${ORIGIN}${path}`, init));

describe("GET /api/openapi.json", () => {
  it("serves the OpenAPI document of every route, signed out", async () => {
    const res = await send("/api/openapi.json");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    const doc = (await res.json()) as {
      openapi: string;
      paths: Record<string, Record<string, unknown>>;
    };
    expect(doc.openapi).toBe("3.1.0");
    const missing = appRoutes(app)
      .filter((r) => !r.startsWith("ALL ") && !r.endsWith("*"))
      .filter((r) => {
        const [method, path] = r.split(" ") as [string, string];
        return !doc.paths[openApiPath(path)]?.[method.toLowerCase()];
      });
    expect(missing).toEqual([]);
  });
});

describe("bodies through the validator middleware", () => {
  it("reads a body whatever its content type: not JSON is invalid_json, JSON of the wrong shape validation_failed", async () => {
    const notJson = await send("/api/auth/signin", {
      method: "POST",
      body: "email=a",
      headers: { origin: ORIGIN },
    });
    expect(notJson.status).toBe(400);
    expect(((await notJson.json()) as { error: { code: string } }).error.code).toBe("invalid_json");
    const wrong = await send("/api/auth/signin", {
      method: "POST",
      body: JSON.stringify({ email: 5 }),
      headers: { "content-type": "text/plain", origin: ORIGIN },
    });
    expect(wrong.status).toBe(400);
    const body = (await wrong.json()) as { error: { code: string; issues?: string[] } };
    expect(body.error.code).toBe("validation_failed");
    expect(body.error.issues?.some((i) => i.startsWith("email:"))).toBe(true);
  });
});
