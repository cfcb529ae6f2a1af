/**
 * What the benchmark's runtime hosts (bench/runtime-host.ts, bench/floor-host.ts) and the
 * configs they run (bench/stack.ts) share: the app's compatibility date, and how a host
 * process ends.
 */
import { readFileSync } from "node:fs";
import type { Miniflare } from "miniflare";
import { ROOT } from "../scripts/stack.ts";

/** The app's compatibility date (wrangler.toml), for the benchmark's generated runtimes too. */
export const COMPATIBILITY_DATE = /^compatibility_date\s*=\s*"([^"]+)"/m.exec(
  readFileSync(`${ROOT}wrangler.toml`, "utf8"),
)![1]!;

/** Tell the parent the runtimes are up; dispose of them when the parent stops or leaves. */
export function holdRuntimes(runtimes: Miniflare[]): void {
  process.send?.("ready");
  const stop = async () => {
    await Promise.all(runtimes.map((mf) => mf.dispose().catch(() => {})));
    process.exit(0);
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  process.on("disconnect", stop);
}
