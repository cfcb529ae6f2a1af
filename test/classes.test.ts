import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { ClassDetail, ClassPublic } from "../protocol/api.ts";
import { Client, errorCode, signUp } from "./helpers.ts";

const newClass = {
  title: "Linear algebra, week 3",
  description: "Eigenvectors <b>not bold</b>",
  scheduledStart: "2026-12-01T15:00:00.000Z",
  guestAccess: true,
  youtubeVideoId: "dQw4w9WgXcQ",
  latencyMode: "low",
  streamKey: "abcd-efgh-ijkl-mnop",
};

async function createClass(client: Client, body: Record<string, unknown> = newClass) {
  const res = await client.post("/api/classes", body);
  expect(res.status).toBe(201);
  return ((await res.json()) as { class: ClassDetail }).class;
}

describe("classes", () => {
  it("a teacher creates, lists and edits a class and gets a join link; the stream key is never returned", async () => {
    const { client } = await signUp("teacher", "Prof. Noether");
    const cls = await createClass(client);
    expect(cls).toMatchObject({
      title: newClass.title,
      teacherName: "Prof. Noether",
      hasStreamKey: true,
      guestAccess: true,
    });
    expect(cls.joinUrl).toBe(`http://localhost/c/${cls.id}`);
    expect(JSON.stringify(cls)).not.toContain("abcd-efgh");

    const row = await env.DB.prepare("SELECT stream_key_cipher FROM classes WHERE id = ?")
      .bind(cls.id)
      .first<{ stream_key_cipher: string }>();
    expect(row!.stream_key_cipher).not.toContain("abcd-efgh");

    const list = (await (await client.get("/api/classes")).json()) as { classes: ClassDetail[] };
    expect(list.classes.map((c) => c.id)).toEqual([cls.id]);

    const edited = await client.patch(`/api/classes/${cls.id}`, {
      title: "Week 3 (moved)",
      streamKey: null,
    });
    expect(edited.status).toBe(200);
    expect(await edited.json()).toMatchObject({
      class: { title: "Week 3 (moved)", hasStreamKey: false },
    });
  });

  it("students and guests see only the public view", async () => {
    const { client: teacher } = await signUp("teacher");
    const cls = await createClass(teacher);
    for (const viewer of [new Client(), (await signUp("student")).client]) {
      const res = await viewer.get(`/api/classes/${cls.id}`);
      const body = (await res.json()) as { class: ClassPublic; manage: boolean };
      expect(body.manage).toBe(false);
      expect(body.class.title).toBe(newClass.title);
      expect(body.class).not.toHaveProperty("hasStreamKey");
      expect(body.class).not.toHaveProperty("rtmpUrl");
    }
  });

  it("a student calling a teacher route is refused and nothing is created", async () => {
    const { client, id } = await signUp("student");
    const res = await client.post("/api/classes", newClass);
    expect(res.status).toBe(403);
    expect(await errorCode(res)).toBe("forbidden");
    const count = await env.DB.prepare("SELECT count(*) AS n FROM classes WHERE teacher_id = ?")
      .bind(id)
      .first<{ n: number }>();
    expect(count!.n).toBe(0);
    expect((await new Client().post("/api/classes", newClass)).status).toBe(401);
  });

  it("another teacher cannot edit my class", async () => {
    const { client: mine } = await signUp("teacher");
    const { client: other } = await signUp("teacher");
    const cls = await createClass(mine);
    const res = await other.patch(`/api/classes/${cls.id}`, { title: "Hijacked" });
    expect(res.status).toBe(403);
    const after = (await (await mine.get(`/api/classes/${cls.id}`)).json()) as {
      class: ClassDetail;
    };
    expect(after.class.title).toBe(newClass.title);
  });

  it("validates class fields", async () => {
    const { client } = await signUp("teacher");
    const bad = await client.post("/api/classes", {
      ...newClass,
      youtubeVideoId: "not a video id!",
    });
    expect(bad.status).toBe(400);
    expect(await errorCode(bad)).toBe("validation_failed");
    const extra = await client.post("/api/classes", { ...newClass, teacherId: "someone-else" });
    expect(await errorCode(extra)).toBe("validation_failed");
    expect((await client.get("/api/classes/nope")).status).toBe(404);
  });
});

describe("guest join", () => {
  it("gives a signed guest identity scoped to one class, only when the class allows guests", async () => {
    const { client: teacher } = await signUp("teacher");
    const open = await createClass(teacher);
    const closed = await createClass(teacher, { ...newClass, guestAccess: false });

    const guest = new Client();
    const res = await guest.post(`/api/auth/guest/${open.id}`, {
      displayName: "<script>alert(1)</script>",
    });
    expect(res.status).toBe(201);
    const me = (await (await guest.get("/api/auth/me")).json()) as {
      user: { id: string; role: string; classId: string; displayName: string };
    };
    expect(me.user).toMatchObject({
      role: "guest",
      classId: open.id,
      displayName: "<script>alert(1)</script>",
    });
    expect(me.user.id).toMatch(/^g_/);

    const refused = await new Client().post(`/api/auth/guest/${closed.id}`, { displayName: "Gus" });
    expect(refused.status).toBe(403);
    expect(await errorCode(refused)).toBe("guest_access_disabled");

    expect((await guest.post("/api/classes", newClass)).status).toBe(403);
  });
});

describe("admin", () => {
  it("an admin searches users, changes a role and disables an account, which ends its access", async () => {
    const { client: adminClient, id: adminId } = await signUp("teacher", "Root");
    await env.DB.prepare("UPDATE users SET role = 'admin' WHERE id = ?").bind(adminId).run();
    const { client: student, email, id } = await signUp("student", "Zed Student");

    const found = (await (
      await adminClient.get(`/api/admin/users?q=${encodeURIComponent("Zed")}`)
    ).json()) as { users: { id: string }[] };
    expect(found.users.map((u) => u.id)).toEqual([id]);

    // An empty change is a validation error, not a 500.
    const empty = await adminClient.patch(`/api/admin/users/${id}`, {});
    expect(empty.status).toBe(400);
    expect(await errorCode(empty)).toBe("validation_failed");
    const promoted = await adminClient.patch(`/api/admin/users/${id}`, { role: "teacher" });
    expect(await promoted.json()).toMatchObject({ user: { role: "teacher" } });
    expect((await student.get("/api/classes")).status).toBe(200);

    await adminClient.patch(`/api/admin/users/${id}`, { disabled: true });
    expect((await student.get("/api/classes")).status).toBe(401);
    expect(
      await errorCode(
        await new Client().post("/api/auth/signin", { email, password: "correct horse 42" }),
      ),
    ).toBe("account_disabled");

    expect((await student.get("/api/admin/users")).status).toBe(401);
    const { client: plain } = await signUp("teacher");
    expect((await plain.get("/api/admin/users")).status).toBe(403);
  });
});
