import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { ClassroomShard } from "../../durable-objects/classroom-shard.ts";
import { shardName } from "../../durable-objects/rpc.ts";
import { signUp } from "../helpers.ts";
import { createClass, open, type Sock } from "./helpers.ts";

/** SHARD_CAPACITY is 3 in the workers test project (vitest.config.ts). */
describe("multi-shard fan-out", { timeout: 30_000 }, () => {
  it("fills sections of 3, fans global chat out to every shard, keeps section chat local, and counts presence", async () => {
    const { classId, teacher } = await createClass();
    const t = await open(classId, teacher.client.cookie);
    const students: Sock[] = [];
    const sections: string[] = [];
    for (let i = 0; i < 7; i++) {
      const s = await signUp("student", `Student ${i}`);
      const sock = await open(classId, s.client.cookie);
      sections.push(sock.frames[0]!.sectionId as string);
      students.push(sock);
    }
    expect(sections).toEqual(["s1", "s1", "s1", "s2", "s2", "s2", "s3"]);
    for (const s of students) {
      await s.next("snapshot");
      await s.next("section.snapshot");
    }

    // One global message reaches all 7 students in 3 shards, with one seq.
    t.send({ type: "chat.send", text: "Welcome everyone", rid: "t1" });
    const got = await Promise.all(students.map((s) => s.next("chat.message")));
    expect(new Set(got.map((m) => m.seq)).size).toBe(1);
    expect(got[0]!.message).toMatchObject({
      channel: "global",
      text: "Welcome everyone",
      rid: "t1",
      from: { role: "teacher" },
    });
    await t.next("chat.message", (m) => m.message.rid === "t1");

    // Section chat stays in its section.
    students[0]!.send({ type: "chat.send", text: "hi s1", rid: "a" });
    for (const s of students.slice(0, 3)) {
      const m = await s.next("section.message");
      expect(m).toMatchObject({
        sectionId: "s1",
        sseq: 1,
        message: { text: "hi s1", channel: "section" },
      });
    }
    students[3]!.send({ type: "chat.send", text: "hi s2" });
    const s2 = await students[4]!.next("section.message");
    expect(s2).toMatchObject({ sectionId: "s2", sseq: 1 });
    expect(students[0]!.all("section.message").map((m) => m.message.text)).toEqual(["hi s1"]);
    expect(students[6]!.all("section.message")).toHaveLength(0);

    // Presence aggregates every shard.
    await students[6]!.next("presence", (p) => p.students === 7, 6000);
    const root = env.CLASSROOM.get(env.CLASSROOM.idFromName(classId));
    const info = await root.inspect();
    expect(
      info.sections
        .filter((x) => x.sectionId !== "staff")
        .map((x) => x.sockets)
        .sort(),
    ).toEqual([1, 3, 3]);

    // When a seat frees up, the next student fills the least-loaded open section.
    students[6]!.close();
    await students[0]!.next("presence", (p) => p.students === 6, 6000);
    const late = await open(classId, (await signUp("student")).client.cookie);
    expect(late.frames[0]!.sectionId).toBe("s3");
    for (const s of [...students, t, late]) s.close();
  });

  it("batches: a burst of global events reaches a shard in fewer deliveries than events, in seq order", async () => {
    const { classId, teacher } = await createClass();
    const t = await open(classId, teacher.client.cookie);
    const s = await open(classId, (await signUp("student")).client.cookie);
    await s.next("snapshot");
    const root = env.CLASSROOM.get(env.CLASSROOM.idFromName(classId));
    // Count the root → shard deliveries during the burst.
    const shard = env.CLASSROOM_SHARD.get(env.CLASSROOM_SHARD.idFromName(shardName(classId, "s1")));
    // RPC dispatches only prototype methods, so count on the prototype (restored below).
    const restore = await runInDurableObject(shard, (instance: ClassroomShard) => {
      const proto = Object.getPrototypeOf(instance) as { deliver: ClassroomShard["deliver"] };
      const original = proto.deliver;
      proto.deliver = function (this: ClassroomShard & { deliveries?: number }, batch) {
        this.deliveries = (this.deliveries ?? 0) + 1;
        return original.call(this, batch);
      };
      return () => {
        proto.deliver = original;
      };
    });
    const before = (await root.inspect()).seq;
    const statuses = ["live", "idle", "live", "idle", "live", "ended"] as const;
    // Sent back to back (RPC calls to one object keep their order).
    await Promise.all(statuses.map((status) => root.setStreamStatus(classId, status)));
    const events = [];
    for (let i = 0; i < statuses.length; i++) events.push(await s.next("stream.status"));
    expect(events.map((e) => e.seq)).toEqual(statuses.map((_, i) => before + 1 + i));
    expect(events.map((e) => e.status)).toEqual([...statuses]);
    // Six events travelled to the shard in fewer RPCs than events: they were batched.
    const deliveries = await runInDurableObject(
      shard,
      (instance: ClassroomShard) =>
        (instance as unknown as { deliveries?: number }).deliveries ?? 0,
    );
    await runInDurableObject(shard, () => restore());
    expect(deliveries).toBeGreaterThan(0);
    expect(deliveries).toBeLessThan(statuses.length);
    s.close();
    t.close();
  });
});
