/**
 * `ticket_mints` is pruned by the cron (worker/index.ts `scheduled`): a revocation reads only
 * the mints whose ticket may still be spent (expiry after now − MINT_SLACK_MS), so older rows
 * are dead weight — one per user and class for ever — and the cron forgets them, in batches.
 */
import { createScheduledController } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { MINT_PRUNE_BATCH, MINT_SLACK_MS, pruneTicketMints } from "../worker/auth/access.ts";
import worker from "../worker/index.ts";

async function mints(prefix: string): Promise<string[]> {
  const { results } = await env.DB.prepare(
    "SELECT user_id FROM ticket_mints WHERE user_id LIKE ? ORDER BY user_id",
  )
    .bind(`${prefix}%`)
    .all<{ user_id: string }>();
  return results.map((r) => r.user_id);
}

describe("ticket mints", () => {
  it("the cron forgets mints expired longer ago than the slack, and keeps every other", async () => {
    const now = Date.now();
    const rows: [string, number][] = [
      ["tm1_old", now - MINT_SLACK_MS - 60_000],
      ["tm1_just_old", now - MINT_SLACK_MS - 5_000],
      // Expired, but within the slack: a socket it opened may still be unrecorded in D1.
      ["tm1_slack", now - MINT_SLACK_MS + 20_000],
      ["tm1_live", now + 30_000],
    ];
    for (const [user, expiresAt] of rows)
      await env.DB.prepare(
        "INSERT INTO ticket_mints (user_id, class_id, expires_at) VALUES (?, ?, ?)",
      )
        .bind(user, "class_tm1", expiresAt)
        .run();
    await worker.scheduled(createScheduledController({ cron: "* * * * *" }), env);
    expect(await mints("tm1_")).toEqual(["tm1_live", "tm1_slack"]);
  });

  it("deletes at most one batch per run; the next runs take the rest", async () => {
    const old = Date.now() - MINT_SLACK_MS - 3_600_000;
    const n = MINT_PRUNE_BATCH + 7;
    const stmt = env.DB.prepare(
      "INSERT INTO ticket_mints (user_id, class_id, expires_at) VALUES (?, ?, ?)",
    );
    for (let i = 0; i < n; i += 500)
      await env.DB.batch(
        Array.from({ length: Math.min(500, n - i) }, (_, k) =>
          stmt.bind(`tm2_${String(i + k).padStart(5, "0")}`, "class_tm2", old),
        ),
      );
    expect(await pruneTicketMints(env)).toBe(MINT_PRUNE_BATCH);
    expect((await mints("tm2_")).length).toBe(7);
    expect(await pruneTicketMints(env)).toBe(7);
    expect(await mints("tm2_")).toEqual([]);
    expect(await pruneTicketMints(env)).toBe(0);
  });
});
