/**
 * The benchmark's own local stack: one bundled Worker run by M runtime processes
 * (bench/runtime-host.ts, Miniflare API, one workerd each, several per Node host). Process 0 is the class
 * root (Worker + Classroom + staff shard); processes 1..M-1 are shard hosts reached
 * through `CLASSROOM_SHARD_<p>` Durable Object bindings across wrangler's dev registry
 * (docs/decisions/003-local-multiprocess-shards.md). Every process also runs the Worker,
 * so a student's socket is admitted by the root and lands on a shard in the process it
 * connected to. Generated configs and state live under .tmp/bench-fanout/.
 */
import { type ChildProcess, fork } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { ROOT, run, waitForPort } from "../scripts/stack.ts";
import { COMPATIBILITY_DATE } from "./host.ts";
import type { HostOptions } from "./runtime-host.ts";

/** Working directory of one benchmark run. */
export const WORK = `${ROOT}.tmp/bench-fanout`;
/** The guest-enabled class the benchmark seeds in every process's D1. */
export const BENCH_CLASS = "bench-class";
/** The seeded teacher account (tickets are minted for it directly). */
export const BENCH_TEACHER = { id: "bench-teacher", displayName: "Bench Teacher" };
const ROOT_NAME = "mass-class-bench";
const hostName = (p: number) => `mass-class-bench-shard-${p}`;

/** A child process the benchmark started (its own process group). */
export interface Child {
  proc: ChildProcess;
  label: string;
}

const children = new Set<Child>();

/** Fork a TypeScript module in its own process group and remember it for `stopAll`. */
export function forkChild(module: string, args: string[], label: string, logFile?: string): Child {
  const proc = fork(new URL(module, import.meta.url).pathname, args, {
    cwd: ROOT,
    detached: true,
    stdio: logFile ? ["ignore", "ignore", "pipe", "ipc"] : ["ignore", "ignore", "inherit", "ipc"],
  });
  if (logFile) {
    let log = "";
    proc.stderr?.on("data", (d) => {
      if (log.length < 200_000) log += d;
      writeFileSync(logFile, log);
    });
  }
  const child = { proc, label };
  children.add(child);
  proc.once("exit", () => children.delete(child));
  return child;
}

/** Stop one child: SIGTERM to its group, SIGKILL after `graceMs`. */
export function stopChild(child: Child, graceMs = 5000): Promise<void> {
  const { proc } = child;
  return new Promise((resolve) => {
    if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
    const kill = (sig: NodeJS.Signals) => {
      try {
        if (proc.pid) process.kill(-proc.pid, sig);
      } catch {
        // Already gone.
      }
    };
    const timer = setTimeout(() => {
      kill("SIGKILL");
      resolve();
    }, graceMs);
    proc.once("exit", () => {
      clearTimeout(timer);
      // The group may still hold a workerd whose parent just exited.
      setTimeout(() => {
        kill("SIGKILL");
        resolve();
      }, 200);
    });
    kill("SIGTERM");
  });
}

/** Stop every child this process started. */
export async function stopAll(): Promise<void> {
  await Promise.all([...children].map((c) => stopChild(c)));
}

/** Wait for a child's first IPC message of `kind` (or the literal string). */
export function waitMessage<T>(child: Child, match: (m: unknown) => m is T, timeoutMs: number) {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${child.label}: no answer in ${timeoutMs} ms`)),
      timeoutMs,
    );
    const onMsg = (m: unknown) => {
      if (!match(m)) return;
      cleanup();
      resolve(m);
    };
    const onExit = (code: number | null) => {
      cleanup();
      reject(new Error(`${child.label} exited (code ${code})`));
    };
    const cleanup = () => {
      clearTimeout(timer);
      child.proc.off("message", onMsg);
      child.proc.off("exit", onExit);
    };
    child.proc.on("message", onMsg);
    child.proc.once("exit", onExit);
  });
}

/** D1 setup for every process: the migrations, a teacher, and a guest-enabled class. */
function setupSql(): string[] {
  const dir = `${ROOT}migrations`;
  const stmts = readdirSync(dir)
    .filter((f) => f.endsWith(".sql"))
    .sort()
    .flatMap((f) => readFileSync(`${dir}/${f}`, "utf8").split("--> statement-breakpoint"))
    .map((s) => s.trim())
    .filter(Boolean);
  stmts.push(
    `INSERT OR IGNORE INTO users (id, email, display_name, role, password_hash, password_salt, password_iterations) VALUES ('${BENCH_TEACHER.id}', 'teacher@bench.local', '${BENCH_TEACHER.displayName}', 'teacher', 'unused', 'unused', 1)`,
    `INSERT OR IGNORE INTO classes (id, teacher_id, title, guest_access) VALUES ('${BENCH_CLASS}', '${BENCH_TEACHER.id}', 'Fan-out benchmark', 1)`,
  );
  return stmts;
}

/** The generated wrangler config of process `p` of `m`. */
function config(p: number, m: number, capacity: number): object {
  const shardBindings = [];
  for (let q = 1; q < m; q++) {
    shardBindings.push(
      q === p
        ? { name: `CLASSROOM_SHARD_${q}`, class_name: "ClassroomShard" }
        : { name: `CLASSROOM_SHARD_${q}`, class_name: "ClassroomShard", script_name: hostName(q) },
    );
  }
  return {
    name: p === 0 ? ROOT_NAME : hostName(p),
    main: `${ROOT}worker/index.ts`,
    compatibility_date: COMPATIBILITY_DATE,
    durable_objects: {
      bindings: [
        p === 0
          ? { name: "CLASSROOM", class_name: "Classroom" }
          : { name: "CLASSROOM", class_name: "Classroom", script_name: ROOT_NAME },
        { name: "CLASSROOM_SHARD", class_name: "ClassroomShard" },
        ...shardBindings,
      ],
    },
    migrations: [{ tag: "v1", new_sqlite_classes: ["Classroom", "ClassroomShard"] }],
    d1_databases: [
      {
        binding: "DB",
        database_name: "mass-class",
        database_id: "00000000-0000-4000-8000-000000000000",
      },
    ],
    r2_buckets: [{ binding: "SLIDES", bucket_name: "mass-class-slides" }],
    // The edge limits the Worker reads (wrangler.toml [[ratelimits]]); per client address
    // or user, so the benchmark's distinct students never meet them.
    ratelimits: [
      { name: "AUTH_LIMITER", namespace_id: "1001", simple: { limit: 10, period: 60 } },
      { name: "IP_LIMITER", namespace_id: "1002", simple: { limit: 300, period: 60 } },
      { name: "TICKET_LIMITER", namespace_id: "1003", simple: { limit: 60, period: 60 } },
    ],
    vars: {
      PUBLIC_ORIGIN: "",
      SHARD_CAPACITY: String(capacity),
      SHARD_HOST: p === 0 ? "" : String(p),
      BRIDGE_URL: "http://127.0.0.1:1",
      LOCAL_RTMP_URL: "",
      LOCAL_PLAYBACK_URL: "",
      CALLS_APP_ID: "",
      CALLS_API_BASE: "http://127.0.0.1:1",
    },
  };
}

/** The options each runtime was started with, by process number (for `restartRuntime`). */
const started = new Map<number, HostOptions>();

/** A running runtime process. */
export interface Runtime {
  p: number;
  port: number;
  child: Child;
}

/** Bundle the Worker once (wrangler's own bundler, as `npm run build:worker`). */
export async function bundle(): Promise<string> {
  mkdirSync(WORK, { recursive: true });
  const cfg = `${WORK}/build.json`;
  writeFileSync(cfg, JSON.stringify(config(0, 1, 2000), null, 2));
  await run("wrangler", ["deploy", "--dry-run", "--config", cfg, "--outdir", `${WORK}/build`], {
    quiet: true,
  });
  return `${WORK}/build/index.js`;
}

/**
 * Start `m` runtime processes (workerd) on ports basePort..basePort+m-1 with fresh state,
 * `perHost` of them per Node host process (bench/runtime-host.ts).
 */
export async function startRuntimes(opts: {
  m: number;
  basePort: number;
  capacity: number;
  jwtSecret: string;
  scriptPath: string;
  perHost: number;
  /** Keep state on disk across a restart of a process (runtime-host.ts `durable`). */
  durable?: boolean;
}): Promise<Runtime[]> {
  const runDir = `${WORK}/run`;
  rmSync(runDir, { recursive: true, force: true });
  mkdirSync(runDir, { recursive: true });
  const sql = setupSql();
  const runtimes: Runtime[] = [];
  const hosts: Child[] = [];
  // Shard hosts first, root last: with the registry isolated per run, order does not
  // matter for correctness, but the root is then ready to admit as soon as it is up.
  for (let last = opts.m - 1; last >= 0; last -= opts.perHost) {
    const group: HostOptions[] = [];
    for (let p = last; p >= 0 && p > last - opts.perHost; p--) {
      const configPath = `${runDir}/wrangler-${p}.json`;
      writeFileSync(configPath, JSON.stringify(config(p, opts.m, opts.capacity), null, 2));
      group.push({
        configPath,
        scriptPath: opts.scriptPath,
        port: opts.basePort + p,
        persistTo: `${runDir}/state-${p}`,
        registryPath: `${runDir}/registry`,
        bindings: { JWT_SECRET: opts.jwtSecret, BRIDGE_SECRET: "unused", CALLS_APP_SECRET: "" },
        setupSql: sql,
        ...(opts.durable ? { durable: true } : {}),
      });
    }
    for (const g of group) started.set(g.port - opts.basePort, g);
    const label = `runtime ${group.map((g) => g.port - opts.basePort).join(",")}`;
    const child = forkChild(
      "./runtime-host.ts",
      [JSON.stringify(group)],
      label,
      `${runDir}/host-${hosts.length}.log`,
    );
    hosts.push(child);
    for (const g of group) runtimes.push({ p: g.port - opts.basePort, port: g.port, child });
  }
  await Promise.all(hosts.map((h) => waitMessage(h, (m): m is "ready" => m === "ready", 180_000)));
  await Promise.all(runtimes.map((r) => waitForPort(r.port, "127.0.0.1", 10_000)));
  return runtimes.sort((a, b) => a.p - b.p);
}

/** Kill a host process outright, as a crashed machine would go: SIGKILL to its group. */
export function killChild(child: Child): void {
  try {
    if (child.proc.pid) process.kill(-child.proc.pid, "SIGKILL");
  } catch {
    // Already gone.
  }
}

/**
 * Start runtime `r` again, alone in a new host, on its port with the state it left (D1 and
 * Durable Object storage): what the platform does when a machine holding objects dies.
 */
export async function restartRuntime(r: Runtime): Promise<Runtime> {
  const opts = started.get(r.p);
  if (!opts) throw new Error(`runtime ${r.p} was not started here`);
  const child = forkChild(
    "./runtime-host.ts",
    // Its D1 already has the schema and the seed.
    [JSON.stringify([{ ...opts, setupSql: [] }])],
    `runtime ${r.p} (restarted)`,
    `${WORK}/run/host-restart-${r.p}.log`,
  );
  await waitMessage(child, (m): m is "ready" => m === "ready", 180_000);
  await waitForPort(r.port, "127.0.0.1", 10_000);
  return { ...r, child };
}

/** The distinct host processes of some runtimes. */
export function hostsOf(runtimes: Runtime[]): Child[] {
  return [...new Set(runtimes.map((r) => r.child))];
}

/**
 * RSS (bytes) and CPU time used so far (s), summed over some processes — or, with
 * `descendantsOnly`, over their descendants (the workerd a runtime host started). One pass
 * over /proc however many processes are asked for.
 */
export function statsOf(pids: number[], descendantsOnly: boolean): { rss: number; cpuSec: number } {
  const roots = new Set(pids);
  const parent = new Map<number, number>();
  const cpu = new Map<number, number>();
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, "utf8");
      // Fields after the command: state ppid … utime(14) stime(15), in clock ticks (100/s).
      const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      parent.set(Number(d), Number(f[1]));
      cpu.set(Number(d), (Number(f[11]) + Number(f[12])) / 100);
    } catch {
      // Exited meanwhile.
    }
  }
  const isDesc = (p: number): boolean => {
    for (let q = parent.get(p); q !== undefined && q > 1; q = parent.get(q))
      if (roots.has(q)) return true;
    return false;
  };
  let rss = 0;
  let cpuSec = 0;
  for (const p of parent.keys()) {
    if (!(descendantsOnly ? isDesc(p) : roots.has(p))) continue;
    cpuSec += cpu.get(p) ?? 0;
    try {
      const m = readFileSync(`/proc/${p}/status`, "utf8").match(/VmRSS:\s+(\d+) kB/);
      if (m) rss += Number(m[1]) * 1024;
    } catch {
      // Exited meanwhile.
    }
  }
  return { rss, cpuSec };
}
