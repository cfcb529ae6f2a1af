/**
 * Admin area API in workerd: every admin action lands in the audit log, moderator
 * actions taken from a class socket (the console) too; the audit view filters and
 * pages; classes filter by live now / scheduled / past; non-admins are refused.
 */
import { runDurableObjectAlarm } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { AdminAuditPage, AdminClass, AdminOverview } from "../protocol/admin.ts";
import { Client, errorCode, signUp } from "./helpers.ts";
import { createClass, open } from "./realtime/helpers.ts";

async function newAdmin() {
  const a = await signUp("teacher", "Ada Admin");
  await env.DB.prepare("UPDATE users SET role = 'admin' WHERE id = ?").bind(a.id).run();
  return a;
}

describe("admin audit log", { timeout: 30_000 }, () => {
  it("records role changes and disabling, filters by actor and action, and pages newest first", async () => {
    const admin = await newAdmin();
    const target = await signUp("student", "Tess Target");
    expect(
      (await admin.client.patch(`/api/admin/users/${target.id}`, { role: "teacher" })).status,
    ).toBe(200);
    expect(
      (await admin.client.patch(`/api/admin/users/${target.id}`, { disabled: true })).status,
    ).toBe(200);
    expect(
      (await admin.client.patch(`/api/admin/users/${target.id}`, { disabled: false })).status,
    ).toBe(200);
    // A refused change (no fields) is not an action.
    expect((await admin.client.patch(`/api/admin/users/${target.id}`, {})).status).toBe(400);

    const get = async (q: string) => {
      const res = await admin.client.get(`/api/admin/audit?${q}`);
      expect(res.status).toBe(200);
      return (await res.json()) as AdminAuditPage;
    };
    const mine = await get(`actorId=${admin.id}`);
    expect(mine.entries.map((e) => [e.action, e.targetName, e.actorName])).toEqual([
      ["user.enable", "Tess Target", "Ada Admin"],
      ["user.disable", "Tess Target", "Ada Admin"],
      ["user.role", "Tess Target", "Ada Admin"],
    ]);
    expect(JSON.parse(mine.entries[2]!.detail!)).toEqual({ role: "teacher" });
    expect(mine.next).toBeNull();

    const first = await get(`actorId=${admin.id}&limit=2`);
    expect(first.entries).toHaveLength(2);
    expect(first.next).toBe(first.entries[1]!.id);
    const rest = await get(`actorId=${admin.id}&limit=2&before=${first.next}`);
    expect(rest.entries.map((e) => e.action)).toEqual(["user.role"]);
    expect(rest.next).toBeNull();

    const disables = await get(`actorId=${admin.id}&action=user.disable`);
    expect(disables.entries.map((e) => e.target)).toEqual([target.id]);
  });

  it("shows a timeout an admin gives from a class socket (the console), filtered by class", async () => {
    const admin = await newAdmin();
    const { classId } = await createClass();
    const stu = await signUp("student", "Sam");
    const s = await open(classId, stu.client.cookie);
    const a = await open(classId, admin.client.cookie);
    a.send({ type: "mod.timeout", userId: stu.id, seconds: 60, reason: "spam" });
    // The student learns it at once; the audit row follows with the root's D1 flush.
    expect(await s.next("sanction.applied")).toMatchObject({ kind: "timeout", reason: "spam" });
    const root = env.CLASSROOM.get(env.CLASSROOM.idFromName(classId));
    await runDurableObjectAlarm(root);
    const res = await admin.client.get(`/api/admin/audit?classId=${classId}`);
    const page = (await res.json()) as AdminAuditPage;
    expect(page.entries.map((e) => [e.action, e.actorName, e.targetName, e.classTitle])).toEqual([
      ["mod.timeout", "Ada Admin", "Sam", "Physics"],
    ]);
    expect(JSON.parse(page.entries[0]!.detail!)).toMatchObject({ seconds: 60, reason: "spam" });
    s.close();
    a.close();
  });
});

describe("admin audit log by name", { timeout: 30_000 }, () => {
  it("names banned guests, finds entries by class title (classQuery) and actor name, and refuses unknown query fields", async () => {
    const admin = await newAdmin();
    const { classId } = await createClass();
    const tag = `Opt${Date.now()}`;
    const title = `Optics ${tag} and waves`;
    await env.DB.prepare("UPDATE classes SET title = ? WHERE id = ?").bind(title, classId).run();
    const other = await createClass();
    const guest = `g_${tag}`;
    const now = Date.now();
    await env.DB.batch([
      env.DB.prepare(
        "INSERT INTO class_sessions (id, class_id, started_at, ended_at) VALUES (?, ?, ?, NULL)",
      ).bind(`${classId}-s`, classId, now - 60_000),
      env.DB.prepare(
        "INSERT INTO attendance (session_id, user_id, display_name, first_join_at) VALUES (?, ?, ?, ?)",
      ).bind(`${classId}-s`, guest, "Gina Guest", now - 50_000),
      env.DB.prepare(
        "INSERT INTO audit_log (at, actor_id, class_id, action, target, detail) VALUES (?, ?, ?, 'mod.ban', ?, NULL)",
      ).bind(now, admin.id, classId, guest),
      env.DB.prepare(
        "INSERT INTO audit_log (at, actor_id, class_id, action, target, detail) VALUES (?, ?, ?, 'chat.delete', 's1.31', NULL)",
      ).bind(now + 1, admin.id, other.classId),
    ]);
    const get = async (q: string) => {
      const res = await admin.client.get(`/api/admin/audit?${q}`);
      expect(res.status).toBe(200);
      return (await res.json()) as AdminAuditPage;
    };
    const byTitle = await get(`classQuery=${encodeURIComponent(`${tag.toLowerCase()} AND`)}`);
    expect(byTitle.entries.map((e) => [e.action, e.target, e.targetName, e.classTitle])).toEqual([
      ["mod.ban", guest, "Gina Guest", title],
    ]);
    expect((await get(`classQuery=${tag}x`)).entries).toEqual([]);
    // LIKE wildcards in the query are literal.
    expect((await get(`classQuery=${encodeURIComponent(`${tag}%`)}`)).entries).toEqual([]);
    const byActor = await get(`actorQuery=${encodeURIComponent("ada adm")}&classQuery=${tag}`);
    expect(byActor.entries).toHaveLength(1);

    for (const q of ["bogus=1", "limit=0", "limit=abc", `classQuery=${"x".repeat(101)}`]) {
      const res = await admin.client.get(`/api/admin/audit?${q}`);
      expect([q, res.status, await errorCode(res)]).toEqual([q, 400, "validation_failed"]);
    }
  });

  it("gives the admin landing page its counts", async () => {
    const admin = await newAdmin();
    const res = await admin.client.get("/api/admin/overview");
    expect(res.status).toBe(200);
    const o = (await res.json()) as AdminOverview;
    const users = (await env.DB.prepare("SELECT count(*) AS n FROM users").first<{ n: number }>())!
      .n;
    expect(o.users).toBe(users);
    expect(o.admins).toBeGreaterThanOrEqual(1);
    expect(o.liveClasses).toBeGreaterThanOrEqual(0);
    expect(o.classes).toBeGreaterThanOrEqual(0);
  });
});

describe("admin classes", { timeout: 30_000 }, () => {
  it("filters every teacher's classes by live now, scheduled and past", async () => {
    const admin = await newAdmin();
    const teacher = await signUp("teacher", "Tina Teacher");
    const make = async (title: string, scheduledStart?: string) => {
      const res = await teacher.client.post("/api/classes", {
        title,
        ...(scheduledStart ? { scheduledStart } : {}),
      });
      return ((await res.json()) as { class: { id: string } }).class.id;
    };
    const tag = `t${Date.now()}`;
    const live = await make(`${tag} live`);
    const soon = await make(`${tag} soon`, new Date(Date.now() + 86_400_000).toISOString());
    const done = await make(`${tag} done`);
    await env.DB.batch([
      env.DB.prepare(
        "INSERT INTO class_sessions (id, class_id, started_at, ended_at) VALUES (?, ?, ?, NULL)",
      ).bind(`${live}-s`, live, Date.now() - 60_000),
      // Live = the Classroom DO's lease (test/live-state.test.ts plays how it is set and lapses).
      env.DB.prepare("UPDATE classes SET live_until = ? WHERE id = ?").bind(
        Date.now() + 60_000,
        live,
      ),
      env.DB.prepare(
        "INSERT INTO class_sessions (id, class_id, started_at, ended_at) VALUES (?, ?, ?, ?)",
      ).bind(`${done}-s`, done, Date.now() - 7_200_000, Date.now() - 3_600_000),
    ]);
    const list = async (status: string) => {
      const res = await admin.client.get(`/api/admin/classes?status=${status}&q=${tag}`);
      expect(res.status).toBe(200);
      return ((await res.json()) as { classes: AdminClass[] }).classes;
    };
    expect((await list("live")).map((c) => [c.id, c.live, c.lastSessionId])).toEqual([
      [live, true, `${live}-s`],
    ]);
    expect((await list("scheduled")).map((c) => c.id)).toEqual([soon]);
    expect((await list("past")).map((c) => c.id).sort()).toEqual([done].sort());
    const all = await list("all");
    expect(all.map((c) => c.id).sort()).toEqual([live, soon, done].sort());
    expect(all.find((c) => c.id === done)).toMatchObject({
      teacherName: "Tina Teacher",
      live: false,
      lastSessionId: `${done}-s`,
    });
    const bad = await admin.client.get("/api/admin/classes?status=soonish");
    expect([bad.status, await errorCode(bad)]).toEqual([400, "validation_failed"]);
  });

  it("refuses students and teachers (403) and the signed out (401) on every admin route", async () => {
    const student = await signUp("student", "Stu");
    const teacher = await signUp("teacher", "Tea");
    for (const path of [
      "/api/admin/users",
      "/api/admin/classes",
      "/api/admin/audit",
      "/api/admin/overview",
    ]) {
      for (const c of [student.client, teacher.client]) {
        const res = await c.get(path);
        expect([path, res.status, await errorCode(res)]).toEqual([path, 403, "forbidden"]);
      }
      expect((await new Client().get(path)).status).toBe(401);
    }
    const patch = await student.client.patch(`/api/admin/users/${teacher.id}`, { role: "admin" });
    expect(patch.status).toBe(403);
    const row = await env.DB.prepare("SELECT role FROM users WHERE id = ?")
      .bind(teacher.id)
      .first<{ role: string }>();
    expect(row!.role).toBe("teacher");
  });
});
