/**
 * The end of a runtime host process (bench/runtime-host.ts, bench/floor-host.ts): tell the
 * parent the runtimes are up, and dispose of them when the parent stops or leaves.
 */
import type { Miniflare } from "miniflare";

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
