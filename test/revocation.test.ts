/**
 * Demotion and disabling take power away at once (issue 12, point 19): the account's open
 * sockets close in every class, its sessions, join tickets and stream tokens stop working,
 * and a fresh sign-in gets only what the account's current role allows.
 */
import { runDurableObjectAlarm } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { Client, errorCode, PASSWORD, signUp } from "./helpers.ts";
import { connect, createClass, open, Sock, sleep } from "./realtime/helpers.ts";

async function newAdmin() {
  const a = await signUp("teacher", "Ada Admin");
  await env.DB.prepare("UPDATE users SET role = 'admin' WHERE id = ?").bind(a.id).run();
  await a.client.post("/api/auth/signin", { email: a.email, password: PASSWORD });
  return a;
}

/** Flush a class root's pending D1 rows (its class session among them). */
async function flush(classId: string) {
  await runDurableObjectAlarm(env.CLASSROOM.get(env.CLASSROOM.idFromName(classId)));
}

describe("demotion and disabling", { timeout: 30_000 }, () => {
  it("a demoted teacher loses the staff socket, the studio paths, WHIP and stream tokens", async () => {
    const admin = await newAdmin();
    const { classId, teacher } = await createClass();
    const { token: streamToken } = (await (
      await teacher.client.post(`/api/classes/${classId}/stream-token`)
    ).json()) as { token: string };
    const { ticket } = (await (
      await teacher.client.post(`/api/classes/${classId}/ticket`)
    ).json()) as { ticket: string };
    const t = await open(classId, teacher.client.cookie);
    expect(t.frames[0]).toMatchObject({ sectionId: "staff", you: { role: "teacher" } });
    const stu = await signUp("student", "Sam");
    const s = await open(classId, stu.client.cookie);

    const res = await admin.client.patch(`/api/admin/users/${teacher.id}`, { role: "student" });
    expect(res.status).toBe(200);
    // The open staff socket closes now.
    expect(await t.waitClose()).toMatchObject({ code: 4001 });

    // Everything minted before the demotion is refused: cookie, join ticket, stream token.
    const old = teacher.client;
    expect((await old.get("/api/auth/me")).status).toBe(401);
    expect((await old.requestRaw("POST", `/whip/${classId}/prepare`)).status).toBe(401);
    const byToken = await new Client().requestRaw("POST", `/whip/${classId}/prepare`, undefined, {
      authorization: `Bearer ${streamToken}`,
    });
    expect(byToken.status).toBe(401);
    const deckOld = await old.post(`/api/classes/${classId}/slides`, {
      name: "Cells",
      pageType: "image/webp",
    });
    expect(deckOld.status).toBe(401);
    const viaTicket = await connect(classId, { ticket });
    expect(viaTicket).not.toBeInstanceOf(Sock);
    expect((viaTicket as Response).status).toBe(401);
    const viaCookie = await connect(classId, { cookie: old.cookie });
    expect((viaCookie as Response).status).toBe(401);

    // Signed in again, the account is a student even in the class it still owns.
    const again = new Client();
    expect(
      (await again.post("/api/auth/signin", { email: teacher.email, password: PASSWORD })).status,
    ).toBe(200);
    expect(await (await again.get("/api/auth/me")).json()).toMatchObject({
      user: { role: "student" },
    });
    const d = await open(classId, again.cookie);
    expect(d.frames[0]).toMatchObject({ you: { role: "student" } });
    expect(d.frames[0]!.sectionId).not.toBe("staff");
    d.send({ type: "settings.update", slowModeSec: 30 });
    expect(await d.next("error")).toMatchObject({ code: "forbidden" });
    d.send({ type: "announce.send", text: "I still run this" });
    expect(await d.next("error")).toMatchObject({ code: "forbidden" });
    await sleep(300);
    expect(s.all("announce")).toHaveLength(0);
    expect(s.all("settings.changed")).toHaveLength(0);
    expect((await again.requestRaw("POST", `/whip/${classId}/prepare`)).status).toBe(403);
    const deck = await again.post(`/api/classes/${classId}/slides`, {
      name: "Cells",
      pageType: "image/webp",
    });
    expect(deck.status).toBe(403);
    expect((await again.post(`/api/classes/${classId}/stream-token`)).status).toBe(403);
    for (const x of [s, d]) x.close();
  });

  it("a disabled student's open sockets close in every class, and their session ends", async () => {
    const admin = await newAdmin();
    const a = await createClass();
    const b = await createClass();
    const stu = await signUp("student", "Sid");
    const peer = await signUp("student", "Pat");
    const sa = await open(a.classId, stu.client.cookie);
    const sb = await open(b.classId, stu.client.cookie);
    const pa = await open(a.classId, peer.client.cookie);
    // Neither class is taught or moderated by the student: the kick must find them anyway.
    await sleep(400); // the shards report the joins; the first join starts a class session
    await flush(a.classId);
    await flush(b.classId);

    const res = await admin.client.patch(`/api/admin/users/${stu.id}`, { disabled: true });
    expect(res.status).toBe(200);
    expect(await sa.waitClose()).toMatchObject({ code: 4001 });
    expect(await sb.waitClose()).toMatchObject({ code: 4001 });
    // Nothing more from them reaches the class.
    try {
      sa.send({ type: "chat.send", text: "still here?" });
    } catch {
      // closed: as it should be
    }
    await sleep(300);
    expect(pa.all("chat.message").filter((m) => m.message.text === "still here?")).toHaveLength(0);
    expect((await stu.client.get("/api/auth/me")).status).toBe(401);
    const back = await connect(a.classId, { cookie: stu.client.cookie });
    expect(back).not.toBeInstanceOf(Sock);
    // Enabling the account again does not revive the old session: sign in anew.
    await admin.client.patch(`/api/admin/users/${stu.id}`, { disabled: false });
    expect((await stu.client.get("/api/auth/me")).status).toBe(401);
    expect(
      await errorCode(
        await new Client().post("/api/auth/signin", { email: stu.email, password: PASSWORD }),
      ),
    ).toBe("");
    pa.close();
  });

  it("a ticket minted before a demotion opens no staff socket in a class the old kick could not find", async () => {
    const actor = await newAdmin();
    const ada = await newAdmin();
    // A class Ada neither teaches nor moderates, and that has had no session yet: before,
    // the demotion reached only taught, moderated and recently active classes.
    const { classId } = await createClass();
    const res = await ada.client.post(`/api/classes/${classId}/ticket`);
    const { ticket } = (await res.json()) as { ticket: string };
    // The attack: keep the ticket (an admin joins as teacher: the staff section), get demoted,
    // then open the socket within the ticket's 60 s.
    expect(
      (await actor.client.patch(`/api/admin/users/${ada.id}`, { role: "student" })).status,
    ).toBe(200);
    const late = await connect(classId, { ticket });
    if (late instanceof Sock) {
      const w = await late.next("welcome");
      late.close();
      throw new Error(`admitted as ${w.you.role} in ${w.sectionId}`);
    }
    expect(late.status).toBe(401);
    expect(await errorCode(late)).toBe("unauthenticated");
  });

  it("a ticket minted before disabling opens no socket in a class with no session yet", async () => {
    const actor = await newAdmin();
    const { classId } = await createClass();
    const stu = await signUp("student", "Sue");
    const res = await stu.client.post(`/api/classes/${classId}/ticket`);
    const { ticket } = (await res.json()) as { ticket: string };
    expect(
      (await actor.client.patch(`/api/admin/users/${stu.id}`, { disabled: true })).status,
    ).toBe(200);
    const late = await connect(classId, { ticket });
    if (late instanceof Sock) {
      late.close();
      throw new Error("a disabled student was admitted with a ticket minted before");
    }
    expect(late.status).toBe(401);
  });
});
