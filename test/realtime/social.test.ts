/**
 * Reactions and the class-wide moderation queue across several shards (SHARD_CAPACITY is 3
 * here): counted at the shards, summed at the root, shown as bounded-rate bursts; reports
 * and held messages from every section in one queue staff act on; flooding and reports of
 * messages a student cannot see refused with typed errors, counted nowhere.
 */
import { runDurableObjectAlarm } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { ModQueueItem } from "../../protocol/realtime.ts";
import { signUp } from "../helpers.ts";
import { createClass, open, type Sock, sleep } from "./helpers.ts";

const rootOf = (classId: string) => env.CLASSROOM.get(env.CLASSROOM.idFromName(classId));

async function students(classId: string, n: number, prefix = "S") {
  const out: { sock: Sock; id: string; section: string }[] = [];
  for (let i = 0; i < n; i++) {
    const u = await signUp("student", `${prefix}${i}`);
    const sock = await open(classId, u.client.cookie);
    const snap = await sock.next("section.snapshot");
    out.push({ sock, id: u.id, section: snap.sectionId });
  }
  return out;
}

const queueWith = (t: Sock, pred: (items: ModQueueItem[]) => boolean) =>
  t.next("mod.queue", (q) => pred(q.items), 6000);

describe("reactions", { timeout: 40_000 }, () => {
  it("counts every student's reaction exactly across shards and sends bursts, not one event per reaction", async () => {
    const { classId, teacher } = await createClass();
    const t = await open(classId, teacher.client.cookie);
    const ss = await students(classId, 8);
    expect(new Set(ss.map((s) => s.section)).size).toBe(3);
    for (const [i, s] of ss.entries())
      s.sock.send({ type: "reaction.send", emoji: i % 2 ? "👍" : "🎉" });
    const done = await t.next(
      "reaction.burst",
      (b) => b.totals["👍"] === 4 && b.totals["🎉"] === 4,
    );
    expect(done.totals).toEqual({ "👍": 4, "🎉": 4 });
    // Students see the burst too (counts, not 8 separate events).
    const seen = await ss[0]!.sock.next(
      "reaction.burst",
      (b) => (b.totals["👍"] ?? 0) === 4 && b.totals["🎉"] === 4,
    );
    expect(seen.counts).toBeDefined();
    expect(ss[0]!.sock.all("reaction.burst").length).toBeLessThan(8);
    await sleep(700);
    expect(t.all("reaction.burst").at(-1)?.totals).toEqual({ "👍": 4, "🎉": 4 });
    for (const s of [t, ...ss.map((x) => x.sock)]) s.close();
  });

  it("refuses a flood and an unknown emoji with typed errors; neither is counted, others unaffected", async () => {
    const { classId, teacher } = await createClass();
    const t = await open(classId, teacher.client.cookie);
    const [flooder, other] = await students(classId, 2);
    for (let i = 0; i < 12; i++) flooder!.sock.send({ type: "reaction.send", emoji: "😂" });
    flooder!.sock.send({ type: "reaction.send", emoji: "💩" });
    other!.sock.send({ type: "reaction.send", emoji: "😂" });
    expect(await flooder!.sock.next("error", (e) => e.code === "rate_limited")).toMatchObject({
      ref: "reaction.send",
    });
    expect(await flooder!.sock.next("error", (e) => e.code === "invalid_message")).toMatchObject({
      ref: "reaction.send",
    });
    await t.next("reaction.burst", (b) => b.totals["😂"] === 4);
    await sleep(1200);
    // The flooder's burst of 3 and the other student's one: nothing more.
    expect(t.all("reaction.burst").at(-1)?.totals).toEqual({ "😂": 4 });
    expect(other!.sock.all("error")).toHaveLength(0);
    for (const s of [t, flooder!.sock, other!.sock]) s.close();
  });
});

describe("class-wide moderation queue", { timeout: 40_000 }, () => {
  it("queues held and reported messages from every section by priority; staff remove, time out and ban from it", async () => {
    const { classId, teacher } = await createClass();
    const t = await open(classId, teacher.client.cookie);
    t.send({ type: "settings.update", blockedWords: ["darn"] });
    await t.next("mod.state", (m) => m.blockedWords.includes("darn"));
    const ss = await students(classId, 5);
    const [a, b, c, d, e] = ss as [
      (typeof ss)[0],
      (typeof ss)[0],
      (typeof ss)[0],
      (typeof ss)[0],
      (typeof ss)[0],
    ];
    expect([a.section, d.section]).toEqual(["s1", "s2"]);

    // A held message in s2 and a reported one in s1 (reported twice).
    e.sock.send({ type: "chat.send", text: "darn it" });
    await e.sock.next("chat.rejected");
    a.sock.send({ type: "chat.send", text: "buy cheap pills" });
    const posted = await b.sock.next("section.message");
    b.sock.send({ type: "chat.report", messageId: posted.message.id, reason: "spam", rid: "r1" });
    expect(await b.sock.next("chat.reported")).toEqual({
      type: "chat.reported",
      messageId: posted.message.id,
      rid: "r1",
    });
    c.sock.send({ type: "chat.report", messageId: posted.message.id, reason: "abuse" });
    await c.sock.next("chat.reported");
    const q = await queueWith(t, (items) => items.length === 2 && items[1]?.reports === 2);
    expect(q.items.map((i) => [i.kind, i.sectionId, i.priority, i.text])).toEqual([
      ["held", "s2", 30, "darn it"],
      ["report", "s1", 20, "buy cheap pills"],
    ]);
    expect(q.items[1]).toMatchObject({ author: { id: a.id }, reasons: { spam: 1, abuse: 1 } });

    // Peek at s2 without watching it: a one-off read.
    d.sock.send({ type: "chat.send", text: "hello from two" });
    await e.sock.next("section.message");
    t.send({ type: "mod.peek", sectionId: "s2" });
    const peek = await t.next("mod.peeked");
    expect(peek).toMatchObject({ sectionId: "s2" });
    expect(peek.messages.map((m) => m.text)).toEqual(["hello from two"]);
    d.sock.send({ type: "chat.send", text: "not relayed" });
    await e.sock.next("section.message");
    await sleep(300);
    expect(t.all("section.message")).toHaveLength(0);

    // Remove the reported message: gone for its section, out of the queue.
    const report = q.items[1]!;
    t.send({ type: "mod.resolve", itemId: report.id, action: "remove" });
    for (const s of [a, b, c])
      expect(await s.sock.next("section.deleted")).toMatchObject({ messageId: posted.message.id });
    await queueWith(t, (items) => items.length === 1);
    // Ban the author of the held message: kicked with 4003.
    t.send({ type: "mod.resolve", itemId: q.items[0]!.id, action: "ban" });
    expect((await e.sock.waitClose()).code).toBe(4003);
    await queueWith(t, (items) => items.length === 0);
    // Handled already: a typed refusal.
    t.send({ type: "mod.resolve", itemId: report.id, action: "timeout" });
    expect(await t.next("error", (x) => x.ref === "mod.resolve")).toMatchObject({
      code: "not_found",
    });

    await runDurableObjectAlarm(rootOf(classId));
    const { results } = await env.DB.prepare(
      "SELECT action, target FROM audit_log WHERE class_id = ? ORDER BY id",
    )
      .bind(classId)
      .all<{ action: string; target: string }>();
    expect(results.map((r) => r.action)).toEqual(
      expect.arrayContaining(["chat.delete", "mod.ban", "mod.resolve"]),
    );
    for (const s of [t, a.sock, b.sock, c.sock, d.sock]) s.close();
  });

  it("times out from the queue, and a staff member who connects later gets the queue", async () => {
    const { classId, teacher } = await createClass();
    const t = await open(classId, teacher.client.cookie);
    const [a, b] = await students(classId, 2);
    a!.sock.send({ type: "chat.send", text: "meh" });
    const m = await b!.sock.next("section.message");
    b!.sock.send({ type: "chat.report", messageId: m.message.id, reason: "off_topic" });
    const q = await queueWith(t, (items) => items.length === 1);
    const late = await open(classId, teacher.client.cookie);
    expect((await late.next("mod.queue")).items.map((i) => i.id)).toEqual([q.items[0]!.id]);
    t.send({ type: "mod.resolve", itemId: q.items[0]!.id, action: "timeout", seconds: 60 });
    expect(await a!.sock.next("sanction.applied")).toMatchObject({ kind: "timeout" });
    expect(a!.sock.all("section.deleted").map((f) => f.messageId)).toEqual([m.message.id]);
    for (const s of [t, late, a!.sock, b!.sock]) s.close();
  });

  it("refuses reports of another section's or another class's message, flooding reports and student queue actions", async () => {
    const { classId, teacher } = await createClass();
    const t = await open(classId, teacher.client.cookie);
    const ss = await students(classId, 4);
    const [a, b, , d] = ss as [(typeof ss)[0], (typeof ss)[0], unknown, (typeof ss)[0]];
    a.sock.send({ type: "chat.send", text: "in s1" });
    const m1 = await b.sock.next("section.message");
    // d is in s2: s1's message is not theirs to report.
    d.sock.send({ type: "chat.report", messageId: m1.message.id, reason: "spam", rid: "x" });
    expect(await d.sock.next("error")).toMatchObject({
      code: "forbidden",
      ref: "chat.report",
      rid: "x",
    });
    // Another class whose s1 has no such message.
    const other = await createClass();
    const stranger = (await students(other.classId, 1, "X"))[0]!;
    stranger.sock.send({ type: "chat.report", messageId: m1.message.id, reason: "spam" });
    expect(await stranger.sock.next("error")).toMatchObject({
      code: "not_found",
      ref: "chat.report",
    });
    // Flooding reports of many messages.
    for (let i = 0; i < 4; i++) a.sock.send({ type: "chat.send", text: `msg ${i}` });
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) ids.push((await b.sock.next("section.message")).message.id);
    for (const id of ids) b.sock.send({ type: "chat.report", messageId: id, reason: "spam" });
    expect(await b.sock.next("error", (e) => e.code === "rate_limited")).toMatchObject({
      ref: "chat.report",
    });
    // Students cannot act on the queue or peek.
    b.sock.send({ type: "mod.resolve", itemId: "x", action: "ban" });
    expect(await b.sock.next("error", (e) => e.ref === "mod.resolve")).toMatchObject({
      code: "forbidden",
    });
    b.sock.send({ type: "mod.peek", sectionId: "s2" });
    expect(await b.sock.next("error", (e) => e.ref === "mod.peek")).toMatchObject({
      code: "forbidden",
    });

    const q = await queueWith(t, (items) => items.length === 3);
    await sleep(800);
    expect(t.all("mod.queue").at(-1)?.items).toHaveLength(3);
    expect(q.items.every((i) => i.sectionId === "s1")).toBe(true);
    // Nothing reached the other class's staff.
    const ot = await open(other.classId, other.teacher.client.cookie);
    expect((await ot.next("mod.queue")).items).toEqual([]);
    for (const s of [t, ot, a.sock, b.sock, d.sock, stranger.sock]) s.close();
  });
});
