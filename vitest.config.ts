/**
 * Three test layers (STYLE.md §6):
 *  - unit: pure cores and protocol, plain Node;
 *  - workers: the Worker, Durable Objects and D1 inside workerd (@cloudflare/vitest-plugin),
 *    with Node stand-ins for the media bridge and Cloudflare Calls on loopback;
 *  - e2e: the whole stack (`wrangler dev`) driven by a real headless Chromium.
 */
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig, type TestProjectInlineConfiguration } from "vitest/config";
import { TEST_BRIDGE_SECRET, TEST_CALLS } from "./e2e/standins/workers-global-setup.ts";
import { vapidKeyPair } from "./scripts/stack.ts";

/** One VAPID keypair per test run (worker/push/). */
const TEST_VAPID = vapidKeyPair();

/** A workerd test project; `bindings` override wrangler.toml's vars for that project. */
function workersProject(
  name: string,
  include: string[],
  exclude: string[],
  bindings: (
    inject: (key: "bridgeUrl" | "callsUrl" | "pushUrl") => string,
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
            // Web Push: the loopback push service stand-in, short timeouts and retry delays.
            ...TEST_VAPID,
            PUSH_ALLOW_LOOPBACK: "1",
            PUSH_TIMEOUT_MS: "1500",
            PUSH_RETRY_DELAY_S: "1",
            PUSH_STANDIN_URL: inject<string>("pushUrl"),
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

/** Bridge tests that push real media (see the "media" project). */
const MEDIA_TESTS = [
  "bridge/media.test.ts",
  "bridge/media-faults.test.ts",
  "bridge/chrome-whip.test.ts",
];

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: [
            "protocol/**/*.test.ts",
            "durable-objects/**/*.test.ts",
            "worker/**/*.test.ts",
            "web/**/*.test.ts",
            "bridge/**/*.test.ts",
            "scripts/**/*.test.ts",
          ],
          exclude: MEDIA_TESTS,
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
      workersProject("workers", ["test/**/*.test.ts"], ["test/**/*.calls.test.ts"], () => ({})),
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
