/**
 * The typed Worker config (issue 14, point 6): one parse with defaults in one place, a
 * clear error naming the bad variable, and the deploy docs, wrangler.toml and
 * .dev.vars.example naming exactly the variables it reads.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  CONFIG_VARS,
  ConfigError,
  ENDPOINT_DEFAULTS,
  parseConfig,
  SECRET_VARS,
  workerConfig,
} from "./config.ts";

const ROOT = join(import.meta.dirname, "..");
const read = (p: string) => readFileSync(join(ROOT, p), "utf8");
const SECRET = "s".repeat(40);

/** `[vars]` of wrangler.toml: NAME = "value" lines after the header. */
function tomlVars(): Record<string, string> {
  const toml = read("wrangler.toml");
  const block = toml.slice(toml.indexOf("\n[vars]\n"));
  const vars: Record<string, string> = {};
  for (const m of block.matchAll(/^([A-Z][A-Z0-9_]*)\s*=\s*"([^"]*)"\s*$/gm)) vars[m[1]!] = m[2]!;
  return vars;
}

/** Binding names in wrangler.toml (`binding = "X"`, `name = "X"`). */
function tomlBindings(): Set<string> {
  const toml = read("wrangler.toml");
  return new Set(
    [...toml.matchAll(/^\s*(?:binding|name)\s*=\s*"([A-Z][A-Z0-9_]*)"/gm)].map((m) => m[1]!),
  );
}

describe("parseConfig", () => {
  it("fills every default from an environment with only the required secret", () => {
    const c = parseConfig({ JWT_SECRET: SECRET });
    expect(c.SHARD_CAPACITY).toBe(2000);
    expect(c.PUSH_REMINDER_MINUTES).toBe(10);
    expect(c.SLIDES_QUOTA_MB).toBe(500);
    expect(c.BRIDGE_URL).toBe("");
    expect(c.CALLS_API_BASE).toBe(ENDPOINT_DEFAULTS.CALLS_API_BASE);
    expect(c.YOUTUBE_API_BASE).toBe(ENDPOINT_DEFAULTS.YOUTUBE_API_BASE);
    expect(c.YOUTUBE_PRIVACY).toBe("unlisted");
  });

  it("treats empty as the default, trims, types numbers, drops trailing slashes", () => {
    const c = parseConfig({
      JWT_SECRET: SECRET,
      SHARD_CAPACITY: " 3 ",
      PUSH_REMINDER_MINUTES: "0",
      SLIDES_MAX_DECKS: "",
      PUBLIC_ORIGIN: "https://class.example.org/",
      YOUTUBE_PRIVACY: "Public",
    });
    expect(c.SHARD_CAPACITY).toBe(3);
    expect(c.PUSH_REMINDER_MINUTES).toBe(0);
    expect(c.SLIDES_MAX_DECKS).toBe(100);
    expect(c.PUBLIC_ORIGIN).toBe("https://class.example.org");
    expect(c.YOUTUBE_PRIVACY).toBe("public");
  });

  it("names each bad variable and never echoes a value", () => {
    const bad = {
      JWT_SECRET: "too-short-secret-value",
      SHARD_CAPACITY: "lots",
      PUBLIC_ORIGIN: "https://class.example.org/app",
      BRIDGE_URL: "bridge.internal:8790",
      YOUTUBE_MADE_FOR_KIDS: "maybe",
    };
    let err: unknown;
    try {
      parseConfig(bad);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const msg = (err as Error).message;
    for (const name of Object.keys(bad)) expect(msg).toContain(`${name}: `);
    expect(msg).not.toContain("too-short-secret-value");
    expect(msg).not.toContain("lots");
    expect(() => parseConfig({})).toThrow("JWT_SECRET: is not set");
  });

  it("parses an environment object once", () => {
    const env = { JWT_SECRET: SECRET, SHARD_CAPACITY: "7" };
    const first = workerConfig(env);
    env.SHARD_CAPACITY = "8";
    expect(workerConfig(env)).toBe(first);
    expect(workerConfig(env).SHARD_CAPACITY).toBe(7);
  });
});

describe("wrangler.toml holds production values the config reads", () => {
  it("every [vars] entry is a config variable, no secret, and the whole parses", () => {
    const vars = tomlVars();
    expect(Object.keys(vars).length).toBeGreaterThan(10);
    for (const name of Object.keys(vars)) {
      expect(CONFIG_VARS, name).toContain(name);
      expect(SECRET_VARS as readonly string[], name).not.toContain(name);
    }
    const c = parseConfig({ ...vars, JWT_SECRET: SECRET });
    // Production: the bridge is a container per class, not a local process.
    expect(c.BRIDGE_URL).toBe("");
    for (const name of ["LOCAL_RTMP_URL", "LOCAL_PLAYBACK_URL", "PUSH_TEST_ORIGIN", "SHARD_HOST"])
      expect(vars, name).not.toHaveProperty(name);
  });

  it(".dev.vars.example names every secret and only config variables", () => {
    const names = [...read(".dev.vars.example").matchAll(/^([A-Z][A-Z0-9_]*)=/gm)].map(
      (m) => m[1]!,
    );
    for (const name of names) expect(CONFIG_VARS, name).toContain(name);
    for (const name of SECRET_VARS) expect(names).toContain(name);
    // Together with wrangler.toml: every variable the config reads has a declared type.
    const declared = new Set([...names, ...Object.keys(tomlVars())]);
    for (const name of CONFIG_VARS) expect(declared, name).toContain(name);
  });
});

describe("docs/operations.md names the variables the config reads", () => {
  const doc = read("docs/operations.md");

  it("its configuration reference lists exactly the config's variables", () => {
    const start = doc.indexOf("## Configuration reference");
    const section = doc.slice(start, doc.indexOf("\n## ", start + 1));
    const listed = [...section.matchAll(/^\| `([A-Z][A-Z0-9_]*)` \|/gm)].map((m) => m[1]!);
    expect([...listed].sort()).toEqual([...CONFIG_VARS].sort());
  });

  it("every secret has a `wrangler secret put` in the first deploy", () => {
    const start = doc.indexOf("## First deploy");
    const section = doc.slice(start, doc.indexOf("\n## ", start + 1));
    for (const name of SECRET_VARS) expect(section, name).toContain(`secret put ${name}`);
  });

  it("every variable-like name it mentions is one something reads", () => {
    // What else may be named: bindings, the bridge's own env (bridge/*.ts), the image
    // script's (scripts/build-bridge-image.sh), and words that are not variables.
    const bridge = readdirSync(join(ROOT, "bridge"))
      .filter((f) => f.endsWith(".ts"))
      .flatMap((f) =>
        [...read(`bridge/${f}`).matchAll(/(?:env\.|Env\(")([A-Z][A-Z0-9_]*)/g)].map((m) => m[1]!),
      );
    const script = [
      ...read("scripts/build-bridge-image.sh").matchAll(/\$\{?([A-Z][A-Z0-9_]*)/g),
    ].map((m) => m[1]!);
    const known = new Set<string>([
      ...CONFIG_VARS,
      ...tomlBindings(),
      ...bridge,
      ...script,
      // Not variables: HTTP methods and headers, error names, Dockerfile words, constants.
      ...["POST", "DELETE", "TTL", "HEALTHCHECK", "SELF_SIGNED_CERT_IN_CHAIN", "RLIMIT_NPROC"],
      ...["CAP_SYS_RESOURCE", "DEFAULT_PUSH_HOSTS", "CONTAINERS_CONF"],
      // wrangler's own.
      ...["CLOUDFLARE_API_TOKEN", "WRANGLER_DOCKER_BIN"],
    ]);
    const named = new Set([...doc.matchAll(/`([A-Z][A-Z0-9_]{2,})`/g)].map((m) => m[1]!));
    const unknown = [...named].filter((n) => !known.has(n));
    expect(unknown).toEqual([]);
  });
});
