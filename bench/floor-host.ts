/**
 * Runs the bare-runtime floor (bench/floor-worker.js) in M workerd processes through
 * the Miniflare API, one per port; process 0 relays to the others. Forked by
 * bench/fanout.ts (`--floor`); argv[2] is a JSON array of ports. Answers "ready" over IPC.
 */
import { fileURLToPath } from "node:url";
import { convertV4MiniflareOptions, Miniflare } from "miniflare";
import { COMPATIBILITY_DATE, holdRuntimes } from "./host.ts";

const ports = JSON.parse(process.argv[2] ?? "[]") as number[];
const scriptPath = fileURLToPath(new URL("./floor-worker.js", import.meta.url));

const runtimes = await Promise.all(
  ports.map(async (port, p) => {
    const mf = new Miniflare(
      convertV4MiniflareOptions({
        name: `mass-class-floor-${p}`,
        modules: true,
        modulesRoot: fileURLToPath(new URL(".", import.meta.url)),
        scriptPath,
        compatibilityDate: COMPATIBILITY_DATE,
        durableObjects: { FLOOR: "Floor" },
        bindings: { PEERS: p === 0 ? ports.slice(1).join(",") : "" },
        host: "127.0.0.1",
        port,
      } as never),
    );
    await mf.ready;
    return mf;
  }),
);
holdRuntimes(runtimes);
