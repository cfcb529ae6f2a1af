/**
 * `npm run build:worker`: bundle the production Worker exactly as `npm run deploy` would
 * (`wrangler deploy --dry-run`, offline: no login, no network) and refuse it if the bundle
 * or its bindings carry a local value — a loopback URL (127.0.0.1, localhost, ::1) or the
 * zeroed D1 id local development used to need (docs/operations.md#first-deploy).
 *   node scripts/deploy-check.ts [--outdir dist/worker] [--config wrangler.toml]
 */
import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { OFFLINE_ENV, toolCommand } from "./offline.ts";

const ROOT = join(import.meta.dirname, "..");

/** A loopback URL (http, ws, rtmp…; 127.0.0.0/8, localhost, [::1], 0.0.0.0) or a zeroed UUID. */
const LOCAL_VALUE =
  /\b(?:https?|wss?|rtmps?):\/\/(?:127(?:\.\d{1,3}){3}|localhost|\[::1\]|0\.0\.0\.0)(?![\w.-])|\b0{8}-0{4}-[0-9a-f]{4}-[0-9a-f]{4}-0{12}\b/gi;

/** Each loopback URL or zeroed id in `text`, with a little context. */
export function findLocalValues(text: string): string[] {
  return [...text.matchAll(LOCAL_VALUE)].map((m) => {
    const at = m.index ?? 0;
    return text.slice(Math.max(0, at - 30), at + m[0].length + 30).replace(/\s+/g, " ");
  });
}

/**
 * The same for a bundle, by source module (esbuild's `// path` headers). Library code
 * under node_modules/ is skipped: Hono makes relative paths absolute on a dummy
 * `http://localhost` base, which is never fetched. Our own modules must carry none.
 */
export function findLocalValuesInBundle(bundle: string): string[] {
  const found: string[] = [];
  let module = "(bundle)";
  let chunk: string[] = [];
  const flush = () => {
    if (!module.includes("node_modules/"))
      for (const s of findLocalValues(chunk.join("\n"))) found.push(`${module}: ${s}`);
    chunk = [];
  };
  for (const line of bundle.split("\n")) {
    const header = line.match(/^\/\/ (\S+\.(?:m?js|ts|tsx))$/);
    if (header) {
      flush();
      module = header[1]!;
    } else chunk.push(line);
  }
  flush();
  return found;
}

/** wrangler.toml without its comment lines (they may explain local values). */
export function configValues(toml: string): string {
  return toml
    .split("\n")
    .filter((l) => !/^\s*#/.test(l))
    .join("\n");
}

/** Run the production dry run into `outdir`; resolves with wrangler's output (its binding table). */
export function dryRun(outdir: string, configPath = "wrangler.toml"): Promise<string> {
  const args = [
    "deploy",
    "--dry-run",
    "--containers-rollout=none",
    "--config",
    configPath,
    "--outdir",
    outdir,
  ];
  // No account: whatever credentials the shell holds are not handed to the dry run.
  const env: NodeJS.ProcessEnv = { ...process.env, ...OFFLINE_ENV };
  for (const k of ["CLOUDFLARE_API_TOKEN", "CLOUDFLARE_API_KEY", "CLOUDFLARE_ACCOUNT_ID"])
    delete env[k];
  return wrangler(args, env).then(({ code, out }) => {
    if (code !== 0) throw new Error(`wrangler deploy --dry-run exited ${code}\n${out}`);
    return out;
  });
}

/**
 * Run the pinned wrangler from the root (offline unless `env` says otherwise); resolves
 * with its exit code and everything it printed, stdout and stderr as they came.
 */
export function wrangler(
  args: string[],
  env: NodeJS.ProcessEnv = { ...process.env, ...OFFLINE_ENV },
): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(...toolCommand("wrangler", args), {
      cwd: ROOT,
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (d) => {
      out += d;
    });
    child.stderr.on("data", (d) => {
      out += d;
    });
    child.on("error", reject);
    child.on("exit", (code) => resolve({ code, out }));
  });
}

/** Problems in the config, a dry run's output and its bundle directory (empty: fit to deploy). */
export function checkBuild(configText: string, output: string, outdir: string): string[] {
  const problems = [
    ...findLocalValues(configValues(configText)).map((s) => `config: ${s}`),
    ...findLocalValues(output).map((s) => `bindings: ${s}`),
  ];
  const files = readdirSync(outdir).filter((f) => /\.m?js$/.test(f));
  if (files.length === 0) problems.push(`${outdir}: no bundle written`);
  for (const f of files)
    for (const s of findLocalValuesInBundle(readFileSync(join(outdir, f), "utf8")))
      problems.push(`${f} ${s}`);
  return problems;
}

if (import.meta.main) {
  const arg = (name: string, fallback: string) => {
    const i = process.argv.indexOf(name);
    return i > 0 ? (process.argv[i + 1] ?? fallback) : fallback;
  };
  const outdir = arg("--outdir", "dist/worker");
  const configPath = arg("--config", "wrangler.toml");
  if (!existsSync(join(ROOT, "dist", "web"))) {
    console.error("dist/web is missing: run `npm run build:web` first (npm run build does).");
    process.exit(1);
  }
  const output = await dryRun(outdir, configPath);
  const problems = checkBuild(
    readFileSync(join(ROOT, configPath), "utf8"),
    output,
    join(ROOT, outdir),
  );
  if (problems.length > 0) {
    console.error(
      `The production build carries local values (wrangler.toml must hold production values only; docs/operations.md):\n  ${problems.join("\n  ")}`,
    );
    process.exit(1);
  }
  console.log(`production bundle in ${outdir}: no loopback URL, no placeholder D1 id`);
}
