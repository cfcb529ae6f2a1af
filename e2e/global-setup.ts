/**
 * Boots the real local stack once for the end-to-end suite: D1 migrations + seed into a
 * fresh state directory, then `wrangler dev` on a free port. Tests read the URL with
 * `inject("baseUrl")`.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { ensureDevVars, migrate, seed, startWorker } from "../scripts/stack.ts";
import { freePort } from "./ports.ts";

declare module "vitest" {
  export interface ProvidedContext {
    baseUrl: string;
  }
}

export default async function setup(project: TestProject) {
  ensureDevVars();
  const persistTo = mkdtempSync(join(tmpdir(), "mass-class-e2e-"));
  await migrate(persistTo);
  await seed(persistTo);
  const port = await freePort();
  const stack = await startWorker({
    port,
    persistTo,
    inspectorPort: await freePort(),
    quiet: true,
  });
  project.provide("baseUrl", stack.url);
  return async () => {
    await stack.stop();
    rmSync(persistTo, { recursive: true, force: true });
  };
}
