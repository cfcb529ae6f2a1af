/**
 * Three test layers (STYLE.md §6):
 *  - unit: pure cores and protocol, plain Node;
 *  - workers: the Worker, Durable Objects and D1 inside workerd (@cloudflare/vitest-plugin);
 *  - e2e: the whole stack (`wrangler dev`) driven by a real headless Chromium.
 */
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

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
          environment: "node",
        },
      },
      {
        plugins: [
          cloudflareTest(async () => ({
            wrangler: { configPath: "./wrangler.toml" },
            miniflare: {
              bindings: {
                JWT_SECRET: "test-secret-0123456789abcdef0123456789abcdef",
                // Tiny shards so realtime tests exercise multi-shard fan-out (docs/decisions/001).
                SHARD_CAPACITY: "3",
                TEST_MIGRATIONS: await readD1Migrations("./migrations"),
              },
            },
          })),
        ],
        test: {
          name: "workers",
          include: ["test/**/*.test.ts"],
          setupFiles: ["./test/apply-migrations.ts"],
        },
      },
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
