import { evictDurableObject, runDurableObjectAlarm } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { shardName } from "../../durable-objects/rpc.ts";
import type { SessionDashboard } from "../../protocol/analytics.ts";
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

  it("keeps one row per student across a shard move and a root and shard restart, and records per-minute concurrency", async () => {
    const { classId, teacher } = await createClass();
    const root = env.CLASSROOM.get(env.CLASSROOM.idFromName(classId));
    const [ann, ben, cat, dan] = await Promise.all(
      ["Ann", "Ben", "Cat", "Dan"].map((n) => signUp("student", n)),
    );
    // Shards hold 3 here (vitest.config.ts): Ann, Ben and Cat fill s1.
    let a = await open(classId, ann!.client.cookie);
    const b = await open(classId, ben!.client.cookie);
    const c = await open(classId, cat!.client.cookie);
    await sleep(200);
    a.close();
    await sleep(200);
    const d = await open(classId, dan!.client.cookie); // takes Ann's seat in s1
    await sleep(200);
    a = await open(classId, ann!.client.cookie); // s1 is full: Ann moves to s2
    await sleep(300);
    expect((await root.inspect()).sections).toEqual(
      expect.arrayContaining([
        { sectionId: "s1", sockets: 3 },
        { sectionId: "s2", sockets: 1 },
      ]),
    );

    // Nothing flushed yet; both the root and Ben's shard restart with the rows pending.
    await evictDurableObject(root);
    await evictDurableObject(
      env.CLASSROOM_SHARD.get(env.CLASSROOM_SHARD.idFromName(shardName(classId, "s1"))),
    );
    b.close(); // a leave reported by the restarted shard to the restarted root
    await sleep(400);
    expect(await runDurableObjectAlarm(root)).toBe(true);

    const rows = await env.DB.prepare(
      `SELECT a.display_name AS name, a.joins, a.last_leave_at FROM attendance a
       JOIN class_sessions s ON s.id = a.session_id WHERE s.class_id = ? ORDER BY name`,
    )
      .bind(classId)
      .all<{ name: string; joins: number; last_leave_at: number | null }>();
    expect(rows.results.map((r) => [r.name, r.joins])).toEqual([
      ["Ann", 2],
      ["Ben", 1],
      ["Cat", 1],
      ["Dan", 1],
    ]);
    expect(rows.results.find((r) => r.name === "Ben")!.last_leave_at).toBeGreaterThan(0);
    const minutes = await env.DB.prepare(
      "SELECT m.concurrency FROM session_minutes m JOIN class_sessions s ON s.id = m.session_id WHERE s.class_id = ?",
    )
      .bind(classId)
      .all<{ concurrency: number }>();
    expect(Math.max(...minutes.results.map((m) => m.concurrency))).toBe(4);

    // The teacher's dashboard shows the same session.
    const { sessions } = (await (
      await teacher.client.get(`/api/analytics/classes/${classId}/sessions`)
    ).json()) as { sessions: { id: string }[] };
    const dash = (await (
      await teacher.client.get(`/api/analytics/sessions/${sessions[0]!.id}`)
    ).json()) as SessionDashboard;
    expect(dash.summary).toMatchObject({ attendees: 4, peakConcurrency: 4, lateJoiners: 0 });
    for (const x of [a, c, d]) x.close();
  });
});
