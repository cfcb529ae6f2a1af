import { runDurableObjectAlarm } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { Client, errorCode, signUp } from "../helpers.ts";
import { connect, createClass, open, Sock, sleep } from "./helpers.ts";

const rootOf = (classId: string) => env.CLASSROOM.get(env.CLASSROOM.idFromName(classId));

async function audit(classId: string) {
  const { results } = await env.DB.prepare(
    "SELECT action, target FROM audit_log WHERE class_id = ? ORDER BY id",
  )
    .bind(classId)
    .all<{ action: string; target: string | null }>();
  return results;
}

describe("moderation", { timeout: 30_000 }, () => {
  it("deletes global and section messages for everyone, and lets staff watch a section", async () => {
    const { classId, teacher } = await createClass();
    const t = await open(classId, teacher.client.cookie);
    const a = await open(classId, (await signUp("student", "Ann")).client.cookie);
    const b = await open(classId, (await signUp("student", "Ben")).client.cookie);

    t.send({ type: "section.watch", sectionId: "s1" });
    const watched = await t.next("section.snapshot");
    expect(watched).toMatchObject({ sectionId: "s1", messages: [] });
    await sleep(300); // the watch reaches the root and then the shard

    a.send({ type: "chat.send", text: "rude thing" });
    const sec = await b.next("section.message");
    expect((await t.next("section.message")).message.id).toBe(sec.message.id);
    t.send({ type: "chat.delete", messageId: sec.message.id });
    for (const s of [a, b, t])
      expect(await s.next("section.deleted")).toMatchObject({ messageId: sec.message.id });
    const late = await open(classId, (await signUp("student")).client.cookie);
    expect((await late.next("section.snapshot")).messages).toEqual([]);

    t.send({ type: "chat.send", text: "oops" });
    const g = await a.next("chat.message");
    t.send({ type: "chat.delete", messageId: g.message.id });
    for (const s of [a, b, late])
      expect(await s.next("chat.deleted")).toMatchObject({ messageId: g.message.id });

    t.send({ type: "section.watch", sectionId: null });
    await sleep(300);
    a.send({ type: "chat.send", text: "unwatched" });
    await b.next("section.message", (m) => m.message.text === "unwatched");
    await sleep(300);
    expect(t.all("section.message").map((m) => m.message.text)).toEqual(["rude thing"]);

    await runDurableObjectAlarm(rootOf(classId));
    expect((await audit(classId)).map((x) => x.action)).toEqual(["chat.delete", "chat.delete"]);
    for (const s of [a, b, t, late]) s.close();
  });

  it("times a user out, bans (kick + refuse rejoin with 4003) and unbans", async () => {
    const { classId, teacher } = await createClass();
    const t = await open(classId, teacher.client.cookie);
    const bad = await signUp("student", "Troll");
    const other = await open(classId, (await signUp("student")).client.cookie);
    const s = await open(classId, bad.client.cookie);

    t.send({ type: "mod.timeout", userId: bad.id, seconds: 60, reason: "cool off" });
    const sanction = await s.next("sanction.applied");
    expect(sanction).toMatchObject({ kind: "timeout", reason: "cool off" });
    expect(sanction.until - Date.now()).toBeGreaterThan(55_000);
    s.send({ type: "chat.send", text: "let me talk", rid: "x" });
    expect(await s.next("chat.rejected")).toMatchObject({ rid: "x", reason: "timed_out" });
    expect((await t.next("mod.state", (m) => m.timeouts.length > 0)).timeouts[0]!.userId).toBe(
      bad.id,
    );

    t.send({ type: "mod.ban", userId: bad.id });
    expect((await s.waitClose()).code).toBe(4003);
    await t.next("mod.state", (m) => m.bans.some((b) => b.userId === bad.id));
    const again = await connect(classId, { cookie: bad.client.cookie });
    expect(again).toBeInstanceOf(Sock);
    expect((await (again as Sock).waitClose()).code).toBe(4003);
    // Others are unaffected.
    other.send({ type: "chat.send", text: "still fine" });
    expect((await other.next("section.message")).message.text).toBe("still fine");

    t.send({ type: "mod.unban", userId: bad.id });
    await t.next("mod.state", (m) => m.bans.length === 0);
    const back = await open(classId, bad.client.cookie);
    back.close();

    await runDurableObjectAlarm(rootOf(classId));
    expect((await audit(classId)).map((x) => `${x.action}:${x.target}`)).toEqual([
      `mod.timeout:${bad.id}`,
      `mod.ban:${bad.id}`,
      `mod.unban:${bad.id}`,
    ]);
    for (const x of [t, other]) x.close();
  });

  it("applies slow mode, blocked words and link rules, and shows staff every rejection", async () => {
    const { classId, teacher } = await createClass();
    const t = await open(classId, teacher.client.cookie);
    const s = await open(classId, (await signUp("student", "Sue")).client.cookie);
    t.send({
      type: "settings.update",
      slowModeSec: 30,
      linkPolicy: "block",
      blockedWords: ["Darn"],
    });
    expect(await s.next("settings.changed")).toMatchObject({
      settings: { slowModeSec: 30, linkPolicy: "block" },
    });
    expect((await t.next("mod.state", (m) => m.blockedWords.length > 0)).blockedWords).toEqual([
      "darn",
    ]);

    s.send({ type: "chat.send", text: "oh darn" });
    expect(await s.next("chat.rejected")).toMatchObject({ reason: "blocked_word" });
    s.send({ type: "chat.send", text: "visit spam.io" });
    expect(await s.next("chat.rejected")).toMatchObject({ reason: "link_blocked" });
    s.send({ type: "chat.send", text: "<b>hello</b>" });
    expect((await s.next("section.message")).message.text).toBe("<b>hello</b>");
    s.send({ type: "chat.send", text: "again" });
    const slow = await s.next("chat.rejected");
    expect(slow).toMatchObject({ reason: "slow_mode" });
    expect(slow.retryAfterMs).toBeGreaterThan(25_000);
    s.send({ type: "chat.send", text: "x".repeat(501) });
    expect(await s.next("chat.rejected")).toMatchObject({ reason: "too_long" });

    const reasons: string[] = [];
    while (reasons.length < 4) {
      const feed = await t.next("mod.rejections");
      reasons.push(...feed.items.map((r) => r.reason));
    }
    expect(reasons).toEqual(["blocked_word", "link_blocked", "slow_mode", "too_long"]);
    const feedItem = t.all("mod.rejections").flatMap((f) => f.items)[0]!;
    expect(feedItem).toMatchObject({ sectionId: "s1", user: { name: "Sue" }, text: "oh darn" });
    // A teacher connecting later sees the backlog.
    const t2 = await open(classId, teacher.client.cookie);
    expect((await t2.next("mod.rejections")).items).toHaveLength(4);
    for (const x of [t, t2, s]) x.close();
  });

  it("grants moderators by email (teacher only); moderators moderate but cannot change settings", async () => {
    const { classId, teacher } = await createClass();
    const mod = await signUp("student", "Mo");
    const stu = await signUp("student", "Stu");
    expect(
      await errorCode(
        await stu.client.post(`/api/classes/${classId}/moderators`, { email: mod.email }),
      ),
    ).toBe("forbidden");
    const res = await teacher.client.post(`/api/classes/${classId}/moderators`, {
      email: mod.email,
    });
    expect(res.status).toBe(201);
    expect(await res.json()).toEqual({ moderator: { email: mod.email } });
    const list = (await (
      await teacher.client.get(`/api/classes/${classId}/moderators`)
    ).json()) as { moderators: unknown[] };
    expect(list.moderators).toEqual([{ email: mod.email }]);

    const m = await open(classId, mod.client.cookie);
    expect(m.frames[0]).toMatchObject({ sectionId: "staff", you: { role: "moderator" } });
    const s = await open(classId, stu.client.cookie);
    m.send({ type: "settings.update", slowModeSec: 5 });
    expect(await m.next("error")).toMatchObject({ code: "forbidden", ref: "settings.update" });
    m.send({ type: "chat.send", text: "Mod here" });
    expect((await s.next("chat.message")).message).toMatchObject({
      text: "Mod here",
      from: { role: "moderator" },
    });
    m.send({ type: "mod.timeout", userId: stu.id, seconds: 10 });
    await s.next("sanction.applied");

    const del = new Client();
    del.cookie = teacher.client.cookie;
    const gone = await del.request("DELETE", `/api/classes/${classId}/moderators`, {
      email: mod.email,
    });
    expect(gone.status).toBe(204);
    // The revoked moderator's open socket loses its powers now, not at the next reconnect.
    expect(await m.waitClose()).toMatchObject({ code: 4001 });
    const demoted = await open(classId, mod.client.cookie);
    expect(demoted.frames[0]).toMatchObject({ sectionId: "s1", you: { role: "student" } });
    for (const x of [s, demoted]) x.close();
  });

  it("refuses a moderator's ban or timeout of the teacher with a typed error; the teacher stays", async () => {
    const { classId, teacher } = await createClass();
    const mod = await signUp("student", "Mo");
    await teacher.client.post(`/api/classes/${classId}/moderators`, { email: mod.email });
    const t = await open(classId, teacher.client.cookie);
    const m = await open(classId, mod.client.cookie);
    m.send({ type: "mod.timeout", userId: teacher.id, seconds: 60 });
    expect(await m.next("error")).toMatchObject({ code: "forbidden", ref: "mod.timeout" });
    m.send({ type: "mod.ban", userId: teacher.id });
    expect(await m.next("error")).toMatchObject({ code: "forbidden", ref: "mod.ban" });
    t.send({ type: "chat.send", text: "still here" });
    expect((await m.next("chat.message")).message.text).toBe("still here");
    expect(t.closed).toBeNull();
    const again = await open(classId, teacher.client.cookie);
    expect(again.frames[0]).toMatchObject({ you: { role: "teacher" } });
    for (const x of [t, m, again]) x.close();
  });

  it("closes a disabled account's sockets in classes it teaches and moderates (4001)", async () => {
    const { classId, teacher } = await createClass();
    const other = await createClass();
    const mod = await signUp("student", "Mo");
    await other.teacher.client.post(`/api/classes/${other.classId}/moderators`, {
      email: mod.email,
    });
    const { client: adminClient, id: adminId } = await signUp("teacher", "Root");
    await env.DB.prepare("UPDATE users SET role = 'admin' WHERE id = ?").bind(adminId).run();
    const t = await open(classId, teacher.client.cookie);
    const m = await open(other.classId, mod.client.cookie);
    const bystander = await open(other.classId, other.teacher.client.cookie);

    expect(
      (await adminClient.patch(`/api/admin/users/${teacher.id}`, { disabled: true })).status,
    ).toBe(200);
    expect(await t.waitClose()).toMatchObject({ code: 4001 });
    expect((await adminClient.patch(`/api/admin/users/${mod.id}`, { disabled: true })).status).toBe(
      200,
    );
    expect(await m.waitClose()).toMatchObject({ code: 4001 });
    expect(bystander.closed).toBeNull();
    bystander.close();
  });

  it("refuses staff commands from students with a typed error and no effect", async () => {
    const { classId, teacher } = await createClass();
    const t = await open(classId, teacher.client.cookie);
    const s = await open(classId, (await signUp("student")).client.cookie);
    const other = await signUp("student");
    const o = await open(classId, other.client.cookie);
    for (const cmd of [
      { type: "mod.ban", userId: other.id },
      { type: "mod.timeout", userId: other.id, seconds: 60 },
      { type: "chat.delete", messageId: "g1" },
      { type: "chat.pin", messageId: null },
      { type: "announce.send", text: "fake" },
      { type: "settings.update", slowModeSec: 100 },
      { type: "section.watch", sectionId: "s1" },
      { type: "mod.unban", userId: other.id },
    ]) {
      s.send(cmd);
      expect(await s.next("error")).toMatchObject({ code: "forbidden", ref: cmd.type });
    }
    await sleep(300);
    o.send({ type: "chat.send", text: "unaffected" });
    expect((await o.next("section.message")).message.text).toBe("unaffected");
    expect(o.all("announce")).toHaveLength(0);
    expect(o.all("settings.changed")).toHaveLength(0);
    expect((await rootOf(classId).inspect()).seq).toBe(0);
    for (const x of [t, s, o]) x.close();
  });
});
