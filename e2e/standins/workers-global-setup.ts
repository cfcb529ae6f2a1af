/**
 * Global setup for the workerd integration tests: starts the Node stand-ins for the
 * media bridge, Cloudflare Calls, a Web Push service and Turnstile's siteverify on loopback and hands their URLs
 * to the Worker's bindings (vitest.config.ts reads them with `inject`).
 */
import type { TestProject } from "vitest/node";
import { startBridgeStandin } from "./bridge.ts";
import { startCallsStandin } from "./calls.ts";
import { startPushStandin } from "./push.ts";
import { startSiteverifyStandin, TEST_TURNSTILE } from "./siteverify.ts";
import { startYouTubeStandin } from "./youtube.ts";

export const TEST_BRIDGE_SECRET = "test-bridge-secret";
export const TEST_CALLS = { appId: "test-app", appSecret: "test-calls-secret" };
/** The Google OAuth client the tests' Worker uses against the YouTube stand-in. */
export const TEST_GOOGLE = {
  clientId: "test-client.apps.googleusercontent.com",
  clientSecret: "test-google-secret",
  redirectUris: ["http://localhost/api/youtube/callback"],
};

declare module "vitest" {
  export interface ProvidedContext {
    bridgeUrl: string;
    callsUrl: string;
    pushUrl: string;
    siteverifyUrl: string;
    youtubeUrl: string;
  }
}

export default async function setup(project: TestProject) {
  const bridge = await startBridgeStandin(TEST_BRIDGE_SECRET);
  const calls = await startCallsStandin(TEST_CALLS);
  const push = await startPushStandin();
  const siteverify = await startSiteverifyStandin(TEST_TURNSTILE.secret);
  project.provide("bridgeUrl", bridge.url);
  project.provide("callsUrl", calls.url);
  project.provide("pushUrl", push.url);
  project.provide("siteverifyUrl", siteverify.url);
  const youtube = await startYouTubeStandin(TEST_GOOGLE);
  project.provide("youtubeUrl", youtube.url);
  return async () => {
    await bridge.close();
    await calls.close();
    await push.close();
    await siteverify.close();
    await youtube.close();
    // The stand-ins check every request the Worker sent; any malformed one fails the run.
    const violations = [
      ...bridge.violations.map((v) => `bridge: ${v}`),
      ...calls.violations.map((v) => `calls: ${v}`),
      ...push.violations.map((v) => `push: ${v}`),
      ...siteverify.violations.map((v) => `siteverify: ${v}`),
      ...youtube.violations.map((v) => `youtube: ${v}`),
    ];
    if (violations.length > 0)
      throw new Error(`stand-ins saw malformed requests:\n${violations.join("\n")}`);
  };
}
