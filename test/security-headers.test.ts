/**
 * Security headers and the not-found page, through the Worker's entry (with its static
 * assets, as Cloudflare serves them): every page, asset and API answer carries the CSP,
 * framing, referrer, permissions and no-sniff headers; unknown paths and malformed class
 * links get the branded not-found page (browsers) or a JSON error (API), never an empty 404.
 * Needs `npm run build:web` first (dist/web), as `npm test` does.
 */
import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { Client, ORIGIN } from "./helpers.ts";

const get = (path: string, init: RequestInit = {}) =>
  exports.default.fetch(new Request(`${ORIGIN}${path}`, init));

function csp(res: Response): Map<string, string[]> {
  const raw = res.headers.get("content-security-policy") ?? "";
  return new Map(
    raw
      .split(";")
      .map((d) => d.trim().split(/\s+/))
      .filter((d) => d[0])
      .map(([k, ...v]) => [k!, v]),
  );
}

function expectCommon(res: Response) {
  expect(res.headers.get("x-content-type-options")).toBe("nosniff");
  expect(res.headers.get("referrer-policy")).toBe("strict-origin-when-cross-origin");
  expect(res.headers.get("x-frame-options")).toBe("DENY");
  const policy = csp(res);
  expect(policy.get("frame-ancestors")).toEqual(["'none'"]);
  expect(res.headers.get("permissions-policy")).toContain("camera=");
}

describe("security headers", () => {
  it("every page gets a strict CSP that allows the YouTube player, workers and our WebSocket", async () => {
    for (const path of ["/", "/signin", "/c/abc123", "/studio", "/studio/classes/x", "/admin"]) {
      const res = await get(path);
      expect(res.status, path).toBe(200);
      expect(res.headers.get("content-type"), path).toMatch(/^text\/html/);
      expectCommon(res);
      const p = csp(res);
      expect(p.get("default-src"), path).toEqual(["'self'"]);
      expect(p.get("script-src"), path).toEqual([
        "'self'",
        "https://www.youtube.com",
        "https://challenges.cloudflare.com",
      ]);
      expect(p.get("frame-src"), path).toContain("https://www.youtube.com");
      expect(p.get("worker-src"), path).toEqual(["'self'", "blob:"]);
      expect(p.get("connect-src"), path).toContain("ws://localhost");
      expect(p.get("object-src"), path).toEqual(["'none'"]);
      expect(p.get("base-uri"), path).toEqual(["'none'"]);
      // Nothing inline, nothing evaluated.
      for (const [k, v] of p)
        expect(v.join(" "), `${path} ${k}`).not.toMatch(/unsafe-inline|unsafe-eval|\*/);
    }
    // Local playback (mpegts.js) fetches the stream from LOCAL_PLAYBACK_URL's origin.
    const student = csp(await get("/c/abc123"));
    expect(student.get("connect-src")).toContain("http://127.0.0.1:8791");
    expect(student.get("media-src")).toEqual(["'self'", "blob:", "http://127.0.0.1:8791"]);
  });

  it("only the studio may use camera, microphone and screen capture, and only for itself", async () => {
    const studio = (await get("/studio")).headers.get("permissions-policy");
    expect(studio).toContain("camera=(self)");
    expect(studio).toContain("microphone=(self)");
    expect(studio).toContain("display-capture=(self)");
    for (const path of ["/", "/c/abc123", "/admin", "/api/push/key", "/nope"]) {
      const pp = (await get(path)).headers.get("permissions-policy");
      expect(pp, path).toContain("camera=()");
      expect(pp, path).toContain("microphone=()");
      expect(pp, path).toContain("display-capture=()");
    }
  });

  it("static assets and API answers carry them too", async () => {
    const html = await (await get("/c/abc123")).text();
    const assets = [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1]!);
    expect(assets.length).toBeGreaterThan(0);
    for (const path of [...assets, "/sw.js"]) {
      const res = await get(path);
      expect(res.status, path).toBe(200);
      expectCommon(res);
      expect(csp(res).get("script-src"), path).toEqual([
        "'self'",
        "https://www.youtube.com",
        "https://challenges.cloudflare.com",
      ]);
    }
    for (const res of [
      await get("/api/push/key"),
      await get("/api/auth/me"),
      await new Client().post("/api/auth/signin", { email: "x@y.z", password: "nope-nope" }),
    ]) {
      expectCommon(res);
      expect(csp(res).get("default-src")).toEqual(["'none'"]);
    }
  });
});

describe("not found", () => {
  const longId = "a".repeat(300);
  it("unknown pages and malformed class links get the branded page with status 404", async () => {
    for (const path of [
      "/nope",
      "/c/a%2Fb",
      `/c/${longId}`,
      "/c/",
      "/studiox",
      "/assets/nope.js",
    ]) {
      const res = await get(path, { headers: { accept: "text/html" } });
      expect(res.status, path).toBe(404);
      expect(res.headers.get("content-type"), path).toMatch(/^text\/html/);
      const body = await res.text();
      expect(body, path).toContain("Page not found");
      expect(body, path).toContain('href="/"');
      expectCommon(res);
    }
  });

  it("API paths and non-page requests get a JSON error", async () => {
    for (const [method, path] of [
      ["GET", "/api/nope"],
      ["GET", `/api/classes/${longId}`],
      ["GET", "/api/classes/a%2Fb"],
      ["GET", "/ws/nope"],
      ["POST", "/nope"],
      ["GET", "/slides/nope"],
    ] as const) {
      const res = await new Client().request(method, path);
      expect(res.status, `${method} ${path}`).toBe(404);
      const body = (await res.json()) as { error: { code: string } };
      expect(body.error.code, `${method} ${path}`).toBe("not_found");
      expectCommon(res);
    }
  });
});
