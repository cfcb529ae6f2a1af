import type { D1Migration } from "cloudflare:test";

declare global {
  namespace Cloudflare {
    interface Env {
      /** Provided by vitest.config.ts from migrations/. */
      TEST_MIGRATIONS: D1Migration[];
      /** The loopback Web Push service stand-in (e2e/standins/push.ts). */
      PUSH_STANDIN_URL: string;
      /** The loopback Turnstile siteverify stand-in (e2e/standins/siteverify.ts); Turnstile project only. */
      SITEVERIFY_STANDIN_URL: string;
      /** The loopback Google OAuth + YouTube Data API stand-in (e2e/standins/youtube.ts). */
      YOUTUBE_STANDIN_URL: string;
    }
  }
}
