/**
 * Three test layers (docs/architecture.md, rules):
 *  - unit: pure cores and protocol, plain Node;
 *  - workers: the Worker, Durable Objects and D1 inside workerd (@cloudflare/vitest-plugin),
 *    with Node stand-ins for the media bridge and Cloudflare Calls on loopback;
 *  - e2e: the whole stack (`wrangler dev`) driven by a real headless Chromium.
 */
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig, type TestProjectInlineConfiguration } from "vitest/config";
import { TEST_TURNSTILE } from "./e2e/standins/siteverify.ts";
import {
  TEST_BRIDGE_SECRET,
  TEST_CALLS,
  TEST_GOOGLE,
} from "./e2e/standins/workers-global-setup.ts";
import { vapidKeyPair } from "./scripts/stack.ts";

/** One VAPID keypair per test run (worker/push/). */
const TEST_VAPID = vapidKeyPair();

/** A workerd test project; `bindings` override wrangler.toml's vars for that project. */
function workersProject(
  name: string,
  include: string[],
  exclude: string[],
  bindings: (
    inject: (key: "bridgeUrl" | "callsUrl" | "pushUrl" | "siteverifyUrl" | "youtubeUrl") => string,
  ) => Record<string, string>,
): TestProjectInlineConfiguration {
  return {
    plugins: [
      cloudflareTest(async ({ inject }) => ({
        wrangler: { configPath: "./wrangler.toml" },
        miniflare: {
          bindings: {
            JWT_SECRET: "test-secret-0123456789abcdef0123456789abcdef",
            // Tiny shards so realtime tests exercise multi-shard fan-out (docs/decisions/001).
            SHARD_CAPACITY: "3",
            BRIDGE_SECRET: TEST_BRIDGE_SECRET,
            BRIDGE_URL: inject<string>("bridgeUrl"),
            LOCAL_RTMP_URL: "rtmp://127.0.0.1:1935/live/{classId}?key=local",
            LOCAL_PLAYBACK_URL: "http://127.0.0.1:8791/live/{classId}.flv",
            // Web Push: the loopback push service stand-in (its exact origin is the one
            // test-only allowlist entry), short timeouts and retry delays, small caps.
            ...TEST_VAPID,
            PUSH_TEST_ORIGIN: new URL(inject<string>("pushUrl")).origin,
            PUSH_MAX_PER_CLASS: "300",
            PUSH_MAX_PER_ADDRESS: "12",
            PUSH_TIMEOUT_MS: "1500",
            PUSH_RETRY_DELAY_S: "1",
            PUSH_STANDIN_URL: inject<string>("pushUrl"),
            // Slide storage: a quota small enough to reach with small pages.
            SLIDES_QUOTA_MB: "1",
            SLIDES_MAX_DECKS: "4",
            // YouTube: Google OAuth and the Data API, both played by a loopback stand-in.
            GOOGLE_CLIENT_ID: TEST_GOOGLE.clientId,
            GOOGLE_CLIENT_SECRET: TEST_GOOGLE.clientSecret,
            GOOGLE_AUTH_URL: `${inject<string>("youtubeUrl")}/o/oauth2/v2/auth`,
            GOOGLE_TOKEN_URL: `${inject<string>("youtubeUrl")}/token`,
            GOOGLE_REVOKE_URL: `${inject<string>("youtubeUrl")}/revoke`,
            YOUTUBE_API_BASE: `${inject<string>("youtubeUrl")}/youtube/v3`,
            YOUTUBE_STANDIN_URL: inject<string>("youtubeUrl"),
            TEST_MIGRATIONS: await readD1Migrations("./migrations"),
            ...bindings((key) => inject<string>(key)),
          },
          // A small per-IP limit so the test can reach it quickly (wrangler.toml: 300/min).
          ratelimits: { IP_LIMITER: { namespace_id: "1002", simple: { limit: 5, period: 60 } } },
        },
      })),
    ],
    test: {
      name,
      include,
      exclude,
      globalSetup: ["./e2e/standins/workers-global-setup.ts"],
      setupFiles: ["./test/apply-migrations.ts"],
    },
  };
}

/** The simulated class against a real local stack (sim/README.md; its own `npm test` phase). */
const SIM_RUN = "sim/class.sim.test.ts";

/** Bridge tests that push real media (see the "media" project). */
const MEDIA_TESTS = [
  "bridge/media.test.ts",
  "bridge/media-faults.test.ts",
  "bridge/chrome-whip.test.ts",
  // The built container image (opt-in: BRIDGE_IMAGE; scripts/build-bridge-image.sh --test).
  "bridge/image.test.ts",
];

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: [
            "protocol/**/*.test.ts",
            "common/**/*.test.ts",
            "durable-objects/**/*.test.ts",
            "worker/**/*.test.ts",
            "web/**/*.test.ts",
            "bridge/**/*.test.ts",
            "scripts/**/*.test.ts",
            "sim/**/*.test.ts",
          ],
          exclude: [...MEDIA_TESTS, SIM_RUN],
          environment: "node",
        },
      },
      // Real ffmpeg, RTMP server and Chromium: CPU-heavy, so `npm test` runs them on
      // their own (scripts/test.ts), not beside the workerd suite.
      {
        test: {
          name: "media",
          include: MEDIA_TESTS,
          environment: "node",
          testTimeout: 180_000,
          hookTimeout: 180_000,
          fileParallelism: false,
        },
      },
      {
        test: {
          name: "sim",
          include: [SIM_RUN],
          environment: "node",
          testTimeout: 180_000,
          hookTimeout: 180_000,
        },
      },
      workersProject(
        "workers",
        ["test/**/*.test.ts"],
        ["test/**/*.calls.test.ts", "test/**/*.turnstile.test.ts"],
        () => ({}),
      ),
      // Turnstile on (sign-up and guest join need a token), against a siteverify stand-in.
      workersProject("workers-turnstile", ["test/**/*.turnstile.test.ts"], [], (inject) => ({
        TURNSTILE_SITE_KEY: TEST_TURNSTILE.siteKey,
        TURNSTILE_SECRET_KEY: TEST_TURNSTILE.secret,
        TURNSTILE_VERIFY_URL: `${inject("siteverifyUrl")}/siteverify`,
        SITEVERIFY_STANDIN_URL: inject("siteverifyUrl"),
      })),
      // Production media path: the same Worker with Cloudflare Calls configured.
      workersProject("workers-calls", ["test/**/*.calls.test.ts"], [], (inject) => ({
        CALLS_APP_ID: TEST_CALLS.appId,
        CALLS_APP_SECRET: TEST_CALLS.appSecret,
        CALLS_API_BASE: inject("callsUrl"),
      })),
      {
        test: {
          name: "e2e",
          include: ["e2e/**/*.test.ts"],
          environment: "node",
          globalSetup: ["./e2e/global-setup.ts"],
          testTimeout: 120_000,
          hookTimeout: 180_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
