/**
 * The class directory as a ticket minter sees it: the sections the class root last
 * published for this Worker's shard host, kept in isolate memory for DIRECTORY_TTL_MS, so
 * minting join tickets costs the root at most one request per isolate per window however
 * many students join (docs/decisions/014). The isolate spends each section's room as it
 * mints; where isolates race past a section's capacity, its shard refuses (`section_full`)
 * and the client asks for a new ticket. Memory only: an evicted isolate just asks again.
 */
import type { Directory } from "../../durable-objects/admission-core.ts";
import type { LatencyMode } from "../../protocol/latency.ts";

/** How long an isolate mints from one directory answer. */
export const DIRECTORY_TTL_MS = 1000;

const cache = new Map<string, { dir: Directory; at: number }>();
/** Requests in flight, shared by concurrent mints of one class in this isolate. */
const pending = new Map<string, Promise<Directory>>();
/** Mints of each class under way in this isolate: how many seats a fresh request asks for. */
const minting = new Map<string, number>();

const keyOf = (classId: string, host: string | undefined) => `${classId}|${host ?? ""}`;

/**
 * Run one mint of a student's ticket in `classId`, counted so that a directory request
 * made meanwhile asks the root for a seat for every mint waiting here (a join storm).
 */
export async function withMint<T>(
  classId: string,
  host: string | undefined,
  mint: () => Promise<T>,
): Promise<T> {
  const key = keyOf(classId, host);
  minting.set(key, (minting.get(key) ?? 0) + 1);
  try {
    return await mint();
  } finally {
    const n = (minting.get(key) ?? 1) - 1;
    if (n > 0) minting.set(key, n);
    else minting.delete(key);
  }
}

/**
 * The directory of `classId` for shard host `host` (cached per isolate; `fresh`: ask the
 * root now). `latencyMode`: the class's mode as D1 has it, for the root's quiz bound.
 */
export async function classDirectory(
  env: Env,
  classId: string,
  host: string | undefined,
  fresh = false,
  latencyMode?: LatencyMode,
): Promise<Directory> {
  const key = keyOf(classId, host);
  const hit = cache.get(key);
  if (!fresh && hit && Date.now() - hit.at < DIRECTORY_TTL_MS) return hit.dir;
  let p = pending.get(key);
  if (!p) {
    const root = env.CLASSROOM.get(env.CLASSROOM.idFromName(classId));
    const want = Math.max(1, minting.get(key) ?? 1);
    p = root.directory(classId, host ?? "", latencyMode, want).finally(() => pending.delete(key));
    pending.set(key, p);
  }
  const dir = await p;
  cache.set(key, { dir, at: Date.now() });
  return dir;
}

/** A ticket was minted for `sectionId`: one seat less in this isolate's copy. */
export function takeSeat(dir: Directory, sectionId: string): void {
  const s = dir.sections.find((x) => x.sectionId === sectionId);
  if (s) s.room = Math.max(0, s.room - 1);
}

/** A shard refused a ticket as full: the next mint in this isolate asks the root again. */
export function forgetDirectory(classId: string, host: string | undefined): void {
  cache.delete(keyOf(classId, host));
}
