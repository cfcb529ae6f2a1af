/**
 * Chat and moderation defects found in outside use (issue 12): the section watch race,
 * time-outs lost to a resync, the strike rule, and "ban and remove their messages".
 */
import { runDurableObjectAlarm } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { signUp } from "../helpers.ts";
import { createClass, open, sleep } from "./helpers.ts";

const rootOf = (classId: string) => env.CLASSROOM.get(env.CLASSROOM.idFromName(classId));

describe("chat and moderation races", { timeout: 30_000 }, () => {
  it("relays a student's message sent right after section.snapshot to the watching staff socket", async () => {
    const { classId, teacher } = await createClass();
    const t = await open(classId, teacher.client.cookie);
    const a = await open(classId, (await signUp("student", "Ann")).client.cookie);
    const b = await open(classId, (await signUp("student", "Ben")).client.cookie);
    await a.next("section.snapshot");
    await b.next("section.snapshot");

    t.send({ type: "section.watch", sectionId: "s1" });
    expect(await t.next("section.snapshot")).toMatchObject({ sectionId: "s1", sseq: 0 });
    // No pause: the student chats the moment the snapshot is out.
    a.send({ type: "chat.send", text: "first", rid: "r1" });
    const seen = await b.next("section.message");
    expect(seen).toMatchObject({ sseq: 1, message: { text: "first" } });
    const relayed = await t.next("section.message");
    expect(relayed).toMatchObject({ sectionId: "s1", sseq: 1, message: { text: "first" } });
    a.send({ type: "chat.send", text: "second" });
    expect(await t.next("section.message")).toMatchObject({ sseq: 2 });
    for (const s of [t, a, b]) s.close();
  });

  it("gives a staff socket that starts watching a watched section each message once: not in the snapshot and again live", async () => {
    const { classId, teacher } = await createClass();
    const t1 = await open(classId, teacher.client.cookie);
    const t2 = await open(classId, teacher.client.cookie);
    const a = await open(classId, (await signUp("student", "Ann")).client.cookie);
    await a.next("section.snapshot");
    // Another staff socket already watches s1, so its messages are relayed to staff.
    t1.send({ type: "section.watch", sectionId: "s1" });
    await t1.next("section.snapshot");
    await sleep(300); // s1's next report goes at once; the one after waits out the window
    a.send({ type: "chat.send", text: "one", rid: "r1" });
    await a.next("section.message", (f) => f.message.text === "one");
    a.send({ type: "chat.send", text: "two", rid: "r2" });
    await a.next("section.message", (f) => f.message.text === "two");
    // "two" is in s1's log now; its relay is still waiting for s1's report window.
    t2.send({ type: "section.watch", sectionId: "s1" });
    const snap = await t2.next("section.snapshot");
    expect(snap.messages.map((m) => m.text)).toEqual(["one", "two"]);
    await t1.next("section.message", (f) => f.message.text === "two");
    a.send({ type: "chat.send", text: "three" });
    await t2.next("section.message", (f) => f.message.text === "three");
    await sleep(300);
    const seqs = [
      ...snap.messages.map((m) => m.id),
      ...t2.all("section.message").map((f) => f.message.id),
    ];
    expect(seqs).toEqual(["s1.1", "s1.2", "s1.3"]);
    for (const s of [t1, t2, a]) s.close();
  });

  it("enforces a time-out given right after going live again, also across a student's reconnects", async () => {
    const { classId, teacher } = await createClass();
    const root = rootOf(classId);
    await root.setStreamStatus(classId, "live");
    const t = await open(classId, teacher.client.cookie);
    const stu = await signUp("student", "Tim");
    const other = await open(classId, (await signUp("student", "Olga")).client.cookie);
    let s = await open(classId, stu.client.cookie);
    await root.setStreamStatus(classId, "ended");
    await root.setStreamStatus(classId, "live");
    await s.next("stream.status", (f) => f.status === "live");

    // The student reconnects while the time-out is on its way (a page reload at go-live).
    s.close();
    t.send({ type: "mod.timeout", userId: stu.id, seconds: 10 });
    s = await open(classId, stu.client.cookie);
    const notice = await s.next("sanction.applied");
    expect(notice.until - Date.now()).toBeGreaterThan(5000);
    s.send({ type: "chat.send", text: "can anyone hear me", rid: "r1" });
    expect(await s.next("chat.rejected")).toMatchObject({ rid: "r1", reason: "timed_out" });

    // And after another reconnect: told again, still refused, nobody else sees anything.
    s.close();
    s = await open(classId, stu.client.cookie);
    await s.next("sanction.applied");
    s.send({ type: "chat.send", text: "still here", rid: "r2" });
    expect(await s.next("chat.rejected")).toMatchObject({ rid: "r2", reason: "timed_out" });
    other.send({ type: "chat.send", text: "hello" });
    const seen = await other.next("section.message");
    expect(seen.message.text).toBe("hello");
    expect(other.all("section.message").map((m) => m.message.from.id)).not.toContain(stu.id);
    for (const x of [t, s, other]) x.close();
  });

  it("never counts refusals of well-formed frames as strikes: a student hammering Send stays connected", async () => {
    const { classId, teacher } = await createClass();
    const t = await open(classId, teacher.client.cookie);
    const s = await open(classId, (await signUp("student", "Hammer")).client.cookie);
    await s.next("section.snapshot");
    // 45 sends at once: 20 pass the frame guard (and mostly hit the chat limiter), 25 are
    // refused with `error rate_limited`. As strikes those 25 would close the socket (> 20).
    for (let i = 0; i < 45; i++) s.send({ type: "chat.send", text: `go ${i}`, rid: `h${i}` });
    await s.next("error", (f) => f.code === "rate_limited");
    await sleep(2100); // the frame guard refills
    // 25 forbidden staff commands, paced under the frame guard: not strikes either.
    for (let i = 0; i < 25; i++) {
      s.send({ type: "announce.send", text: `me too ${i}` });
      await sleep(60);
    }
    await sleep(300);
    expect(s.closed).toBeNull();
    expect(s.all("error").filter((f) => f.code === "rate_limited").length).toBeGreaterThan(20);
    expect(s.all("error").filter((f) => f.code === "forbidden")).toHaveLength(25);
    // Still a working socket once the limiter refills.
    await sleep(2100);
    s.send({ type: "chat.send", text: "sorry", rid: "last" });
    expect(await s.next("section.message", (m) => m.message.rid === "last")).toBeTruthy();
    for (const x of [t, s]) x.close();
  });

  it("bans and removes the user's earlier messages for everyone, now and in later snapshots", async () => {
    const { classId, teacher } = await createClass();
    const t = await open(classId, teacher.client.cookie);
    const troll = await signUp("student", "Troll");
    const bad = await open(classId, troll.client.cookie);
    const ben = await open(classId, (await signUp("student", "Ben")).client.cookie);
    await ben.next("section.snapshot");
    t.send({ type: "section.watch", sectionId: "s1" });
    await t.next("section.snapshot");
    bad.send({ type: "chat.send", text: "spam one" });
    bad.send({ type: "chat.send", text: "spam two" });
    ben.send({ type: "chat.send", text: "a real question" });
    for (let i = 0; i < 3; i++) await ben.next("section.message");
    for (let i = 0; i < 3; i++) await t.next("section.message");

    t.send({ type: "mod.ban", userId: troll.id, reason: "spam", purge: true });
    expect((await bad.waitClose()).code).toBe(4003);
    for (const s of [ben, t])
      expect(await s.next("chat.purged")).toMatchObject({ userId: troll.id });
    // Someone arriving later, and a staff socket watching again, no longer see them.
    const late = await open(classId, (await signUp("student", "Late")).client.cookie);
    const snap = await late.next("section.snapshot");
    expect(snap.sectionId).toBe("s1");
    expect(snap.messages.map((m) => m.text)).toEqual(["a real question"]);
    t.send({ type: "section.watch", sectionId: null });
    t.send({ type: "section.watch", sectionId: "s1" });
    expect((await t.next("section.snapshot")).messages.map((m) => m.text)).toEqual([
      "a real question",
    ]);
    // A plain ban keeps the messages (the choice is the moderator's).
    const meh = await signUp("student", "Meh");
    const m = await open(classId, meh.client.cookie);
    m.send({ type: "chat.send", text: "borderline" });
    await m.next("section.message", (f) => f.message.text === "borderline");
    t.send({ type: "mod.ban", userId: meh.id });
    expect((await m.waitClose()).code).toBe(4003);
    await sleep(300);
    expect(late.all("chat.purged")).toHaveLength(0);
    await runDurableObjectAlarm(rootOf(classId));
    const { results } = await env.DB.prepare(
      "SELECT action, detail FROM audit_log WHERE class_id = ? AND action = 'mod.ban' ORDER BY id",
    )
      .bind(classId)
      .all<{ action: string; detail: string }>();
    expect(results.map((r) => JSON.parse(r.detail))).toEqual([
      { reason: "spam", purge: true },
      { reason: null },
    ]);
    for (const x of [t, ben, late]) x.close();
  });
});
