/**
 * Boots the real local stack once for the end-to-end suite: D1 migrations + seed into a
 * fresh state directory, the local RTMP server and media bridge, then `wrangler dev` on
 * a free port. Tests read the URL with `inject("baseUrl")` and the media settings the
 * Worker got with `inject("mediaVars")`.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { ensureDevVars, migrate, seed, startMedia, startWorker } from "../scripts/stack.ts";
import { freePort } from "./ports.ts";

declare module "vitest" {
  export interface ProvidedContext {
    baseUrl: string;
    /** BRIDGE_URL, LOCAL_RTMP_URL, LOCAL_PLAYBACK_URL as passed to the Worker. */
    mediaVars: Record<string, string>;
  }
}

export default async function setup(project: TestProject) {
  const secrets = ensureDevVars();
  const persistTo = mkdtempSync(join(tmpdir(), "mass-class-e2e-"));
  await migrate(persistTo);
  await seed(persistTo);
  const port = await freePort();
  const media = await startMedia({
    bridgeSecret: secrets.BRIDGE_SECRET!,
    workerUrl: `http://127.0.0.1:${port}`,
    bridgePort: await freePort(),
    // Keep the test output readable; the bridge's log is there when a media test fails.
    logFile: join(tmpdir(), "mass-class-e2e-bridge.log"),
  });
  const stack = await startWorker({
    port,
    persistTo,
    inspectorPort: await freePort(),
    quiet: true,
    vars: media.vars,
  }).catch(async (err) => {
    await media.stop();
    throw err;
  });
  project.provide("baseUrl", stack.url);
  project.provide("mediaVars", media.vars);
  return async () => {
    await Promise.all([stack.stop(), media.stop()]);
    rmSync(persistTo, { recursive: true, force: true });
  };
}
