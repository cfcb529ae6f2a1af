import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import type { Classroom } from "../../durable-objects/classroom.ts";
import { signUp } from "../helpers.ts";
import { createClass, open } from "./helpers.ts";

const rootOf = (classId: string) => env.CLASSROOM.get(env.CLASSROOM.idFromName(classId));
const shardOf = (classId: string, section: string) =>
  env.CLASSROOM_SHARD.get(env.CLASSROOM_SHARD.idFromName(`${classId}/${section}`));

describe("sequence numbers, resume and snapshots", { timeout: 30_000 }, () => {
  it("replays exactly the missed events after ?resume=, and a snapshot when the gap is unknown", async () => {
    const { classId, teacher } = await createClass();
    const t = await open(classId, teacher.client.cookie);
    const stu = await signUp("student");
    t.send({ type: "chat.send", text: "one" });
    await t.next("chat.message");
    let s = await open(classId, stu.client.cookie);
    const snap = await s.next("snapshot");
    expect(snap.state.global.map((m) => m.text)).toEqual(["one"]);
    const lastSeq = snap.seq;
    s.close();

    t.send({ type: "chat.send", text: "two" });
    t.send({ type: "announce.send", text: "Quiz at 10" });
    t.send({ type: "chat.send", text: "three" });
    await t.next("chat.message", (m) => m.message.text === "three");

    s = await open(classId, stu.client.cookie, `v=1&resume=${lastSeq}&section=s1`);
    expect(s.frames[0]).toMatchObject({ type: "welcome", sectionId: "s1" });
    const a = await s.next("chat.message");
    const b = await s.next("announce");
    const c = await s.next("chat.message");
    expect([a.seq, b.seq, c.seq]).toEqual([lastSeq + 1, lastSeq + 2, lastSeq + 3]);
    expect([a.message.text, b.announcement.text, c.message.text]).toEqual([
      "two",
      "Quiz at 10",
      "three",
    ]);
    expect(s.all("snapshot")).toHaveLength(0);
    s.close();

    // A seq from the future (e.g. state reset) gets a snapshot.
    s = await open(classId, stu.client.cookie, "v=1&resume=999999");
    expect((await s.next("snapshot")).seq).toBe(c.seq);

    // hello {resume} resyncs mid-connection.
    s.send({ type: "hello", v: 1, resume: lastSeq + 2 });
    expect((await s.next("chat.message")).message.text).toBe("three");
    s.send({ type: "hello", v: 2 });
    expect(await s.next("error")).toMatchObject({ code: "unsupported_version" });
    // A second resync within 2 s is refused (each one replays the log at the root).
    s.send({ type: "hello", v: 1, resume: 0 });
    expect(await s.next("error")).toMatchObject({ code: "rate_limited", ref: "hello" });
    s.close();
    t.close();
  });

  it("falls back to a snapshot when the gap is older than the 1,000-event log", async () => {
    const { classId, teacher } = await createClass();
    const t = await open(classId, teacher.client.cookie);
    t.send({ type: "chat.send", text: "early" });
    await t.next("chat.message");
    t.close();
    await runInDurableObject(rootOf(classId), async (root: Classroom) => {
      for (let i = 0; i < 1200; i++) await root.setStreamStatus(classId, i % 2 ? "idle" : "live");
    });
    const info = await rootOf(classId).inspect();
    expect(info.seq).toBe(1201);
    expect(info.oldestLogged).toBeGreaterThan(1);
    expect(info.seq - info.oldestLogged! + 1).toBeLessThanOrEqual(1100);

    const stu = await signUp("student");
    const old = await open(classId, stu.client.cookie, "v=1&resume=1");
    const snap = await old.next("snapshot");
    expect(snap).toMatchObject({ seq: 1201, state: { stream: "idle" } });
    expect(snap.state.global.map((m) => m.text)).toEqual(["early"]);
    old.close();
    const recent = await open(classId, stu.client.cookie, "v=1&resume=1195");
    const ev = await recent.next("stream.status");
    expect(ev.seq).toBe(1196);
    recent.close();
  });

  it("keeps class state, seq and resume across a root restart, and sockets across shard hibernation", async () => {
    const { classId, teacher } = await createClass();
    const t = await open(classId, teacher.client.cookie);
    const stu = await signUp("student", "Sam");
    const s = await open(classId, stu.client.cookie);
    t.send({ type: "settings.update", slowModeSec: 0, linkPolicy: "block" });
    t.send({ type: "chat.send", text: "pin me" });
    const msg = await s.next("chat.message");
    t.send({ type: "chat.pin", messageId: msg.message.id });
    const pinned = await s.next("chat.pinned");
    // The shard has reported Sam's socket: the root's loads say s1 holds one.
    await vi.waitFor(async () =>
      expect((await rootOf(classId).inspect()).sections).toContainEqual({
        sectionId: "s1",
        sockets: 1,
      }),
    );

    await evictDurableObject(rootOf(classId));
    await evictDurableObject(shardOf(classId, "s1"));

    const info = await rootOf(classId).inspect();
    expect(info.seq).toBe(pinned.seq);
    // Shard loads come back from storage (rows per section and per user).
    expect(info.sections).toContainEqual({ sectionId: "s1", sockets: 1 });
    const fresh = await open(classId, (await signUp("student")).client.cookie);
    const snap = await fresh.next("snapshot");
    expect(snap.seq).toBe(pinned.seq);
    expect(snap.state).toMatchObject({
      settings: { linkPolicy: "block" },
      pinned: { text: "pin me" },
    });
    const resumed = await open(classId, stu.client.cookie, `v=1&resume=${msg.seq}`);
    expect((await resumed.next("chat.pinned")).seq).toBe(pinned.seq);

    // The first student's socket survived hibernation: section chat and rules still apply.
    s.send({ type: "chat.send", text: "see evil.com" });
    expect(await s.next("chat.rejected")).toMatchObject({ reason: "link_blocked" });
    s.send({ type: "chat.send", text: "still here" });
    expect((await fresh.next("section.message")).message).toMatchObject({
      text: "still here",
      from: { name: "Sam" },
    });
    t.send({ type: "chat.send", text: "after restart" });
    expect((await s.next("chat.message")).seq).toBe(pinned.seq + 1);
    for (const x of [t, s, fresh, resumed]) x.close();
  });
  it("reads shard loads saved in the old one-row format and rewrites them per section and user", async () => {
    const { classId } = await createClass();
    await rootOf(classId).inspect(); // creates the root and its tables
    const legacy = [
      { sectionId: "s1", sockets: 2, reserved: [], users: { u1: 1, u2: 1 } },
      { sectionId: "s2", sockets: 1, reserved: [], users: { u3: 1 } },
    ];
    await runInDurableObject(rootOf(classId), async (_root: Classroom, state) => {
      state.storage.sql.exec("DELETE FROM section_loads");
      state.storage.sql.exec("DELETE FROM section_users");
      state.storage.sql.exec(
        "INSERT OR REPLACE INTO state VALUES ('loads', ?)",
        JSON.stringify(legacy),
      );
    });
    await evictDurableObject(rootOf(classId));
    expect((await rootOf(classId).inspect()).sections).toEqual([
      { sectionId: "s1", sockets: 2 },
      { sectionId: "s2", sockets: 1 },
    ]);
    await runInDurableObject(rootOf(classId), async (_root: Classroom, state) => {
      const sql = state.storage.sql;
      expect(sql.exec("SELECT count(*) AS n FROM state WHERE k = 'loads'").one().n).toBe(0);
      expect(
        sql
          .exec("SELECT section_id, user_id, sockets FROM section_users ORDER BY user_id")
          .toArray(),
      ).toEqual([
        { section_id: "s1", user_id: "u1", sockets: 1 },
        { section_id: "s1", user_id: "u2", sockets: 1 },
        { section_id: "s2", user_id: "u3", sockets: 1 },
      ]);
    });
  });
});
