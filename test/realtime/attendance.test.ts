import { runDurableObjectAlarm } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { signUp } from "../helpers.ts";
import { createClass, open, sleep } from "./helpers.ts";

describe("attendance", { timeout: 30_000 }, () => {
  it("starts a session on the first join and writes one row per user, summed over reconnects, in batches", async () => {
    const { classId } = await createClass();
    const root = env.CLASSROOM.get(env.CLASSROOM.idFromName(classId));
    const ann = await signUp("student", "Ann");
    const ben = await signUp("student", "Ben");
    let a = await open(classId, ann.client.cookie);
    const b = await open(classId, ben.client.cookie);
    await sleep(200);
    a.close();
    await sleep(200);
    a = await open(classId, ann.client.cookie);
    await sleep(200);

    // Nothing is written per event: D1 sees rows only when the root flushes.
    const before = await env.DB.prepare(
      "SELECT count(*) AS n FROM attendance a JOIN class_sessions s ON s.id = a.session_id WHERE s.class_id = ?",
    )
      .bind(classId)
      .first<{ n: number }>();
    expect(before!.n).toBe(0);
    expect(await runDurableObjectAlarm(root)).toBe(true);

    const sessions = await env.DB.prepare(
      "SELECT id, ended_at, peak_concurrency FROM class_sessions WHERE class_id = ?",
    )
      .bind(classId)
      .all<{ id: string; ended_at: number | null; peak_concurrency: number }>();
    expect(sessions.results).toHaveLength(1);
    expect(sessions.results[0]).toMatchObject({ ended_at: null, peak_concurrency: 2 });
    const rows = await env.DB.prepare(
      "SELECT user_id, display_name, joins, last_leave_at FROM attendance WHERE session_id = ? ORDER BY display_name",
    )
      .bind(sessions.results[0]!.id)
      .all<{
        user_id: string;
        display_name: string;
        joins: number;
        last_leave_at: number | null;
      }>();
    expect(rows.results.map((r) => [r.display_name, r.joins])).toEqual([
      ["Ann", 2],
      ["Ben", 1],
    ]);
    expect(rows.results[0]!.last_leave_at).toBeGreaterThan(0);

    // The stream ending closes the session.
    await root.setStreamStatus(classId, "live");
    await root.setStreamStatus(classId, "ended");
    a.close();
    b.close();
    await sleep(300);
    await runDurableObjectAlarm(root);
    const ended = await env.DB.prepare("SELECT ended_at FROM class_sessions WHERE class_id = ?")
      .bind(classId)
      .first<{ ended_at: number | null }>();
    expect(ended!.ended_at).toBeGreaterThan(0);
    const ann2 = await env.DB.prepare(
      "SELECT joins, seconds_attended FROM attendance WHERE user_id = ?",
    )
      .bind(ann.id)
      .first<{ joins: number }>();
    expect(ann2!.joins).toBe(2);
  });
});
