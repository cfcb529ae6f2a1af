/**
 * `GET /healthz`: liveness for a probe or uptime check. 200 `{ok: true, version}` when the
 * Worker runs and D1 answers `select 1`; 503 `{ok: false, version, failing: ["d1"]}` when
 * it does not. Nothing else: no bindings, counts or hosts an outsider could use.
 */
import { Hono } from "hono";
import type { HealthzBody } from "../protocol/api.ts";
import { logEvent } from "./log.ts";
import { countMetric } from "./metrics.ts";
import type { AppEnv } from "./types.ts";

/** The deployed version (Workers version metadata), or "dev" where there is none. */
export function versionOf(env: Env): string {
  const meta = (env as Partial<Env>).CF_VERSION_METADATA;
  return meta?.tag || meta?.id || "dev";
}

export const health = new Hono<AppEnv>().get("/healthz", async (c) => {
  const version = versionOf(c.env);
  let d1 = false;
  try {
    const row = await c.env.DB.prepare("select 1 as one").first<{ one: number }>();
    d1 = row?.one === 1;
  } catch (err) {
    logEvent({
      event: "health_check_failed",
      check: "d1",
      message: err instanceof Error ? err.message : String(err),
      requestId: c.get("requestId"),
    });
  }
  c.header("cache-control", "no-store");
  if (!d1) {
    countMetric(c.env, { name: "error", kind: "healthz_d1" });
    return c.json({ ok: false, version, failing: ["d1"] } satisfies HealthzBody, 503);
  }
  return c.json({ ok: true, version } satisfies HealthzBody, 200);
});
