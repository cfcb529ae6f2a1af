/**
 * "Live now" is a lease the Classroom DO renews while the stream's publisher reports and
 * clears when the stream ends: a stream whose bridge session is gone, or a class whose
 * sessions were never closed, does not stay "live now" in the admin class list.
 */
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { Classroom } from "../durable-objects/classroom.ts";
import { PUBLISHER_SILENCE_MS } from "../durable-objects/classroom-core.ts";
import type { AdminClass } from "../protocol/admin.ts";
import { bridgeHealth, bridgeHealthRequest, signUp } from "./helpers.ts";
import { createClass, open } from "./realtime/helpers.ts";

async function newAdmin() {
  const a = await signUp("teacher", "Ada Admin");
  await env.DB.prepare("UPDATE users SET role = 'admin' WHERE id = ?").bind(a.id).run();
  return a;
}

const health = (classId: string, state: string) => bridgeHealth(classId, { state });

const postHealth = (body: unknown) => exports.default.fetch(bridgeHealthRequest(body));

describe("live state", { timeout: 30_000 }, () => {
  it("ends a live stream whose publisher went silent, and the admin list stops calling it live", async () => {
    const admin = await newAdmin();
    const { classId, teacher } = await createClass();
    const root = env.CLASSROOM.get(env.CLASSROOM.idFromName(classId));
    const student = await signUp("student", "Sal");
    const s = await open(classId, student.client.cookie);
    const studio = await open(classId, teacher.client.cookie);
    await root.setStreamStatus(classId, "live");
    expect(await postHealth(health(classId, "live"))).toMatchObject({ status: 204 });
    await runDurableObjectAlarm(root);
    const liveNow = async () =>
      (
        (await (await admin.client.get("/api/admin/classes?status=live")).json()) as {
          classes: AdminClass[];
        }
      ).classes.map((c) => c.id);
    expect(await liveNow()).toContain(classId);

    // The bridge's session is gone (crash, teacher never came back): no more reports.
    await runInDurableObject(root, (obj: Classroom) => {
      const d = (obj as unknown as { core: { durable: { publisherSeenAt: number } } }).core.durable;
      d.publisherSeenAt = Date.now() - PUBLISHER_SILENCE_MS - 1;
    });
    await runDurableObjectAlarm(root);
    expect(await s.next("stream.status", (f) => f.status === "ended")).toBeTruthy();
    await runDurableObjectAlarm(root);
    expect(await liveNow()).not.toContain(classId);
    const session = await env.DB.prepare("SELECT ended_at FROM class_sessions WHERE class_id = ?")
      .bind(classId)
      .first<{ ended_at: number | null }>();
    expect(session!.ended_at).toBeGreaterThan(0);
    s.close();
    studio.close();
  });

  it("a bridge reporting its session ended ends the stream at once", async () => {
    const { classId } = await createClass();
    const root = env.CLASSROOM.get(env.CLASSROOM.idFromName(classId));
    await root.setStreamStatus(classId, "live");
    await runDurableObjectAlarm(root);
    const until = () =>
      env.DB.prepare("SELECT live_until FROM classes WHERE id = ?")
        .bind(classId)
        .first<{ live_until: number | null }>();
    expect((await until())!.live_until).toBeGreaterThan(Date.now());
    expect(await postHealth(health(classId, "ended"))).toMatchObject({ status: 204 });
    await runDurableObjectAlarm(root);
    expect((await until())!.live_until).toBeNull();
  });

  it("does not call a class live for a session row left open or a lapsed lease", async () => {
    const admin = await newAdmin();
    const { classId: stale } = await createClass();
    const { classId: lapsed } = await createClass();
    await env.DB.batch([
      // What the 34 "live now" classes had: a session never closed.
      env.DB.prepare(
        "INSERT INTO class_sessions (id, class_id, started_at, ended_at) VALUES (?, ?, ?, NULL)",
      ).bind(`${stale}-s`, stale, Date.now() - 86_400_000),
      env.DB.prepare("UPDATE classes SET live_until = ? WHERE id = ?").bind(
        Date.now() - 1000,
        lapsed,
      ),
    ]);
    const res = await admin.client.get("/api/admin/classes?status=live");
    const ids = ((await res.json()) as { classes: AdminClass[] }).classes.map((c) => c.id);
    expect(ids).not.toContain(stale);
    expect(ids).not.toContain(lapsed);
    const past = await admin.client.get("/api/admin/classes?status=past");
    const pastIds = ((await past.json()) as { classes: AdminClass[] }).classes.map((c) => c.id);
    expect(pastIds).toEqual(expect.arrayContaining([stale, lapsed]));
  });
});
