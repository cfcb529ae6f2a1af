/**
 * The class directory as a ticket minter sees it: the sections the class root last
 * published for this Worker's shard host, kept in isolate memory for DIRECTORY_TTL_MS, so
 * minting join tickets costs the root at most one request per isolate per window however
 * many students join (docs/decisions/014). Memory only: an evicted isolate just asks again.
 */
import type { Directory } from "../../durable-objects/admission-core.ts";

/** How long an isolate mints from one directory answer. */
export const DIRECTORY_TTL_MS = 1000;

const cache = new Map<string, { dir: Directory; at: number }>();
/** Requests in flight, shared by concurrent mints of one class in this isolate. */
const pending = new Map<string, Promise<Directory>>();

/** The directory of `classId` for shard host `host` (cached per isolate). */
export async function classDirectory(
  env: Env,
  classId: string,
  host: string | undefined,
  now = Date.now(),
): Promise<Directory> {
  const key = `${classId}|${host ?? ""}`;
  const hit = cache.get(key);
  if (hit && now - hit.at < DIRECTORY_TTL_MS) return hit.dir;
  let p = pending.get(key);
  if (!p) {
    const root = env.CLASSROOM.get(env.CLASSROOM.idFromName(classId));
    p = root.directory(classId, host ?? "").finally(() => pending.delete(key));
    pending.set(key, p);
  }
  const dir = await p;
  cache.set(key, { dir, at: Date.now() });
  return dir;
}

/** A shard refused a ticket as full: the next mint in this isolate asks the root again. */
export function forgetDirectory(classId: string, host: string | undefined): void {
  cache.delete(`${classId}|${host ?? ""}`);
}
