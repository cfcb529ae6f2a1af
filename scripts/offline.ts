/**
 * Run a tool from node_modules/.bin with wrangler/miniflare kept offline and quiet:
 * no metrics, no error reports, no cf-fetch, no update checks. Every npm script that
 * touches wrangler goes through here, so nobody has to set these in their shell.
 *   node scripts/offline.ts wrangler d1 migrations apply mass-class --local
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";

export const OFFLINE_ENV = {
  WRANGLER_SEND_METRICS: "false",
  WRANGLER_SEND_ERROR_REPORTS: "false",
  CLOUDFLARE_CF_FETCH_ENABLED: "false",
  DO_NOT_TRACK: "1",
  NO_UPDATE_NOTIFIER: "1",
  WRANGLER_HIDE_BANNER: "true",
} as const;

const BIN = join(import.meta.dirname, "..", "node_modules", ".bin");

/**
 * Command + args that run a project tool on *this* Node (22), not whatever `node` is
 * first on PATH: the bin shims start with `#!/usr/bin/env node`, which may be Node 20.
 */
export function toolCommand(name: string, args: string[]): [string, string[]] {
  const shim = join(BIN, name);
  return existsSync(shim) ? [process.execPath, [shim, ...args]] : [name, args];
}

if (import.meta.main) {
  const [cmd, ...args] = process.argv.slice(2);
  if (!cmd) {
    console.error("usage: node scripts/offline.ts <bin> [args...]");
    process.exit(2);
  }
  const child = spawn(...toolCommand(cmd, args), {
    stdio: "inherit",
    env: { ...process.env, ...OFFLINE_ENV },
  });
  for (const sig of ["SIGINT", "SIGTERM"] as const) process.on(sig, () => child.kill(sig));
  child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}
