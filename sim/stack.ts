/**
 * The simulation's local stack: the same `wrangler dev` that `npm start` and the
 * end-to-end tests run (scripts/stack.ts), on a fresh state directory, with the sim's
 * class, two moderators and some student accounts written into D1 before it starts.
 * Everything else goes through the public HTTP API a client would use.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "../e2e/ports.ts";
import { ensureDevVars, ROOT, run, type Stack, startWorker } from "../scripts/stack.ts";
import { hashPassword, PBKDF2_ITERATIONS, randomId } from "../worker/auth/crypto.ts";

/** The class id of the run with `seed` (each seed gets a fresh class). */
export const simClassId = (seed: number) => `sim-${seed}`;
/** Password of every account the sim seeds. */
export const SIM_PASSWORD = "sim-pass-0123456789";

/** An account the sim seeded. */
export interface SeededAccount {
  id: string;
  email: string;
  name: string;
}

/** What the sim seeded and where the stack listens. */
export interface SimStack {
  url: string;
  teacher: { id: string; email: string; password: string; name: string };
  moderators: SeededAccount[];
  students: SeededAccount[];
  stop(): Promise<void>;
}

const sql = (s: string) => `'${s.replaceAll("'", "''")}'`;

/**
 * Start a fresh stack with the sim's class (guests allowed), two moderators and
 * `accounts` signed-up students. Guests need no seeding.
 */
export async function startSimStack(opts: {
  accounts: number;
  /** Seeds to run: one class each. */
  seeds: readonly number[];
  /** Students per section (SHARD_CAPACITY). */
  shardCapacity: number;
  quiet?: boolean;
}): Promise<SimStack> {
  const started = Date.now();
  ensureDevVars();
  // wrangler.toml serves the built web app; the sim needs none, but wrangler wants the folder.
  mkdirSync(`${ROOT}dist/web`, { recursive: true });
  const persistTo = mkdtempSync(join(tmpdir(), "mass-class-sim-"));
  // One hash for every seeded account: PBKDF2 is slow on purpose.
  const salt = randomId(16);
  const hash = await hashPassword(SIM_PASSWORD, salt);
  const account = (kind: string, i: number, name: string): SeededAccount => ({
    id: `sim-${kind}-${i}`,
    email: `${kind}${i}@sim.local`,
    name,
  });
  const teacher = account("teacher", 1, "Sim Teacher");
  const moderators = [1, 2].map((i) => account("mod", i, `Moderator ${i}`));
  const students = Array.from({ length: opts.accounts }, (_, i) =>
    account("student", i + 1, `Student ${i + 1}`),
  );
  // One wrangler call for the schema and the seed (each call costs seconds): the
  // migrations' SQL, then the sim's accounts and classes.
  const stmts = readdirSync(`${ROOT}migrations`)
    .filter((f) => f.endsWith(".sql"))
    .sort()
    .flatMap((f) =>
      readFileSync(`${ROOT}migrations/${f}`, "utf8").split("--> statement-breakpoint"),
    )
    .map((x) => x.trim())
    .filter(Boolean)
    .map((x) => (x.endsWith(";") ? x : `${x};`));
  for (const [role, a] of [
    ["teacher", teacher] as const,
    ...moderators.map((a) => ["student", a] as const),
    ...students.map((a) => ["student", a] as const),
  ]) {
    stmts.push(
      `INSERT INTO users (id, email, display_name, role, password_hash, password_salt, password_iterations) VALUES (${sql(a.id)}, ${sql(a.email)}, ${sql(a.name)}, ${sql(role)}, ${sql(hash)}, ${sql(salt)}, ${PBKDF2_ITERATIONS});`,
    );
  }
  for (const seed of opts.seeds)
    stmts.push(
      `INSERT INTO classes (id, teacher_id, title, description, guest_access) VALUES (${sql(simClassId(seed))}, ${sql(teacher.id)}, 'Simulated class, seed ${seed}', 'npm run sim', 1);`,
    );
  for (const seed of opts.seeds)
    for (const m of moderators)
      stmts.push(
        `INSERT INTO class_moderators (class_id, user_id) VALUES (${sql(simClassId(seed))}, ${sql(m.id)});`,
      );
  const sqlFile = join(persistTo, "setup.sql");
  writeFileSync(sqlFile, stmts.join("\n"));
  await run(
    "wrangler",
    ["d1", "execute", "mass-class", "--local", "--persist-to", persistTo, "--file", sqlFile],
    { quiet: true },
  );
  const port = await freePort();
  let stack: Stack;
  try {
    stack = await startWorker({
      port,
      persistTo,
      inspectorPort: await freePort(),
      quiet: true,
      vars: { SHARD_CAPACITY: String(opts.shardCapacity) },
    });
  } catch (err) {
    rmSync(persistTo, { recursive: true, force: true });
    throw err;
  }
  if (!opts.quiet) console.log(`sim: stack up in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return {
    url: stack.url,
    teacher: { ...teacher, password: SIM_PASSWORD },
    moderators,
    students,
    async stop() {
      await stack.stop();
      rmSync(persistTo, { recursive: true, force: true });
    },
  };
}

/** A session token from a `Set-Cookie: mc_session=…` answer. */
function sessionFrom(res: Response): string {
  const m = /mc_session=([^;]+)/.exec(res.headers.get("set-cookie") ?? "");
  if (!m) throw new Error(`no session cookie (${res.status})`);
  return m[1]!;
}

async function post(url: string, body: unknown, bearer?: string): Promise<Response> {
  return fetch(url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      origin: new URL(url).origin,
      ...(bearer ? { authorization: `Bearer ${bearer}` } : {}),
    },
    body: JSON.stringify(body),
  });
}

/** Sign in; returns the session token (presented as `Authorization: Bearer`). */
export async function signIn(base: string, email: string, password: string): Promise<string> {
  const res = await post(`${base}/api/auth/signin`, { email, password });
  if (!res.ok) throw new Error(`sign-in ${email}: ${res.status} ${await res.text()}`);
  return sessionFrom(res);
}

/** Join the class as a guest; returns the session token and the guest's user id. */
export async function guestJoin(
  base: string,
  classId: string,
  displayName: string,
): Promise<{ token: string; id: string }> {
  const res = await post(`${base}/api/auth/guest/${classId}`, { displayName });
  if (!res.ok) throw new Error(`guest join: ${res.status} ${await res.text()}`);
  const { user } = (await res.json()) as { user: { id: string } };
  return { token: sessionFrom(res), id: user.id };
}

/** A fresh join ticket (`POST /api/classes/:id/ticket`); returns the socket path. */
export async function ticketUrl(base: string, classId: string, token: string): Promise<string> {
  const res = await post(`${base}/api/classes/${classId}/ticket`, {}, token);
  if (!res.ok) throw new Error(`ticket: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { url: string }).url;
}

/** GET a JSON API answer with a session. */
export async function getJson<T>(base: string, path: string, token: string): Promise<T> {
  const res = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${token}` } });
  if (!res.ok) throw new Error(`GET ${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

/** The smallest valid PNG (1×1), for slide pages. */
const PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==",
  "base64",
);

/** Upload a deck of `pages` pages as the teacher; returns its id. */
export async function uploadDeck(
  base: string,
  classId: string,
  token: string,
  pages: number,
): Promise<string> {
  const res = await post(
    `${base}/api/classes/${classId}/slides`,
    { name: "Sim deck", pageType: "image/png" },
    token,
  );
  if (!res.ok) throw new Error(`create deck: ${res.status} ${await res.text()}`);
  const deck = (await res.json()) as { id?: string; deck?: { id: string } };
  const deckId = deck.id ?? deck.deck?.id;
  if (!deckId) throw new Error(`create deck: no id in ${JSON.stringify(deck)}`);
  for (let n = 1; n <= pages; n++) {
    const put = await fetch(`${base}/api/slides/${deckId}/pages/${n}`, {
      method: "PUT",
      headers: { "content-type": "image/png", authorization: `Bearer ${token}`, origin: base },
      body: PNG,
    });
    if (!put.ok) throw new Error(`page ${n}: ${put.status} ${await put.text()}`);
  }
  return deckId;
}
