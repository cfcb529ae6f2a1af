/**
 * The repository's own files, for tests that read the tree as text (scripts/conventions.test.ts,
 * scripts/pointers.test.ts): what git tracks plus new files it does not ignore, as they are in
 * the working tree, never node_modules or build output.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root. */
export const ROOT = fileURLToPath(new URL("..", import.meta.url));

/** Paths (relative to the root, with `/`) of the repository's files that exist now. */
export function repoFiles(): string[] {
  const out = execFileSync("git", ["ls-files", "-co", "--exclude-standard", "-z"], {
    cwd: ROOT,
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  return out
    .split("\0")
    .filter(Boolean)
    .filter((f) => !/(^|\/)(node_modules|dist)\//.test(f))
    .filter((f) => existsSync(join(ROOT, f)))
    .sort();
}

/** A file's text. */
export function readRepoFile(path: string): string {
  return readFileSync(join(ROOT, path), "utf8");
}

/**
 * Whether `path` is covered by `list`: an entry ending in `/` covers a folder and all below
 * it, any other entry one file.
 */
export function listed(list: readonly string[], path: string): boolean {
  return list.some((entry) => (entry.endsWith("/") ? path.startsWith(entry) : path === entry));
}
