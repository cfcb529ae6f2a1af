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
import { startYouTubeStandin } from "./standins/youtube.ts";

declare module "vitest" {
  export interface ProvidedContext {
    baseUrl: string;
    /** BRIDGE_URL, LOCAL_RTMP_URL, LOCAL_PLAYBACK_URL as passed to the Worker. */
    mediaVars: Record<string, string>;
    /** The Google OAuth + YouTube Data API stand-in (e2e/standins/youtube.ts). */
    youtubeUrl: string;
  }
}

/** Also run outside vitest (bench/student-page.ts): only `provide` is used. */
export default async function setup(project: Pick<TestProject, "provide">) {
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
  // YouTube through a stand-in whose streams ingest into the local RTMP server, so a
  // connected teacher's go-live really pushes (over rtmp:// here; RTMPS needs YouTube).
  const [ingestBase, ingestSuffix] = media.vars.LOCAL_RTMP_URL!.split("/{classId}");
  const youtube = await startYouTubeStandin({
    clientId: "e2e-client.apps.googleusercontent.com",
    clientSecret: "e2e-fake-google-secret",
    redirectUris: [`http://127.0.0.1:${port}/api/youtube/callback`],
    ingest: { rtmpsAddress: ingestBase!, streamName: (id) => `yt${id}${ingestSuffix ?? ""}` },
  });
  const stack = await startWorker({
    port,
    persistTo,
    inspectorPort: await freePort(),
    quiet: true,
    vars: {
      ...media.vars,
      // A stand-in's made-up client; never a real secret on a command line.
      GOOGLE_CLIENT_ID: "e2e-client.apps.googleusercontent.com",
      GOOGLE_CLIENT_SECRET: "e2e-fake-google-secret",
      GOOGLE_AUTH_URL: `${youtube.url}/o/oauth2/v2/auth`,
      GOOGLE_TOKEN_URL: `${youtube.url}/token`,
      GOOGLE_REVOKE_URL: `${youtube.url}/revoke`,
      YOUTUBE_API_BASE: `${youtube.url}/youtube/v3`,
    },
  }).catch(async (err) => {
    await Promise.all([media.stop(), youtube.close()]);
    throw err;
  });
  project.provide("baseUrl", stack.url);
  project.provide("mediaVars", media.vars);
  project.provide("youtubeUrl", youtube.url);
  return async () => {
    await Promise.all([stack.stop(), media.stop(), youtube.close()]);
    if (youtube.violations.length > 0)
      throw new Error(`YouTube stand-in saw malformed requests:\n${youtube.violations.join("\n")}`);
    rmSync(persistTo, { recursive: true, force: true });
  };
}
