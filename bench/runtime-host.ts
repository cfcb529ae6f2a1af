/**
 * Local runtime processes for the benchmark: each a single workerd started through the
 * Miniflare API (no wrangler dev front proxy, which costs ~3 extra fds per socket).
 * One host (Node) process starts several of them: a host costs ~330 MB of RSS whatever
 * it runs, so twelve hosts for a 100,000-socket run would take 4 GB of a 24 GB machine.
 * Forked by bench/stack.ts; options (an array, one per runtime) arrive as JSON in argv[2];
 * answers "ready" over IPC once every runtime is up.
 */
import { readFileSync } from "node:fs";
import { dirname } from "node:path";
import { convertV4MiniflareOptions, Miniflare } from "miniflare";
import { unstable_getMiniflareWorkerOptions } from "wrangler";
import { holdRuntimes } from "./host.ts";

/** What bench/stack.ts passes to a runtime host. */
export interface HostOptions {
  /** Generated wrangler config of this process (name, bindings, vars). */
  configPath: string;
  /** The bundled Worker (one bundle serves every process). */
  scriptPath: string;
  port: number;
  /** Per-process state: D1 copy and Durable Object storage. */
  persistTo: string;
  /** Isolated dev registry shared by the processes of one run. */
  registryPath: string;
  bindings: Record<string, string>;
  /** SQL run on this process's D1 after start (migrations, then the bench seed). */
  setupSql: string[];
  /**
   * Keep D1 and Durable Object storage under `persistTo` (Miniflare's
   * `resourcePersistencePath`) instead of the instance's temporary directory, so a
   * restarted process finds its state (kill-shard-host).
   */
  durable?: boolean;
}

const all = JSON.parse(process.argv[2] ?? "[]") as HostOptions[];

async function start(opts: HostOptions): Promise<Miniflare> {
  const { workerOptions } = unstable_getMiniflareWorkerOptions(opts.configPath);
  const mf = new Miniflare(
    convertV4MiniflareOptions({
      ...workerOptions,
      modulesRules: undefined,
      // The dev registry lists a Worker only by name; workerOptions leaves it out.
      name: (JSON.parse(readFileSync(opts.configPath, "utf8")) as { name: string }).name,
      modules: true,
      scriptPath: opts.scriptPath,
      // The config's `main` is the TypeScript source; module names are relative to the bundle.
      modulesRoot: dirname(opts.scriptPath),
      bindings: { ...(workerOptions.bindings ?? {}), ...opts.bindings },
      host: "127.0.0.1",
      port: opts.port,
      d1Persist: `${opts.persistTo}/v3/d1`,
      durableObjectsPersist: `${opts.persistTo}/v3/do`,
      r2Persist: `${opts.persistTo}/v3/r2`,
      unsafeDevRegistryPath: opts.registryPath,
      ...(opts.durable ? { resourcePersistencePath: opts.persistTo } : {}),
      log: undefined,
    } as never),
  );
  await mf.ready;
  if (opts.setupSql.length > 0) {
    const db = await mf.getD1Database("DB");
    await db.batch(opts.setupSql.map((q) => db.prepare(q)));
  }
  return mf;
}

const runtimes = await Promise.all(all.map(start));

/** Parent → host: the class root's request meter (Classroom.rpcStats), answered over IPC. */
export interface RootStatsAsk {
  kind: "rootStats";
  port: number;
  classId: string;
  reset: boolean;
}
process.on("message", (m: RootStatsAsk) => {
  if (m?.kind !== "rootStats") return;
  const i = all.findIndex((o) => o.port === m.port);
  if (i < 0) return;
  void (async () => {
    try {
      const ns = await runtimes[i]!.getDurableObjectNamespace("CLASSROOM");
      const stub = ns.get(ns.idFromName(m.classId)) as unknown as {
        rpcStats(reset: boolean): Promise<{ perSecMax: number; total: number }>;
      };
      process.send?.({ kind: "rootStats", ...(await stub.rpcStats(m.reset)) });
    } catch (err) {
      process.send?.({ kind: "rootStats", error: String(err).slice(0, 200) });
    }
  })();
});

holdRuntimes(runtimes);
