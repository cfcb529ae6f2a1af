/**
 * Slow mode is class-wide per student (docs/decisions/015): a student who sends, reloads
 * and lands on another section (SHARD_CAPACITY is 3 here) is still held to one message
 * per interval, with the time actually left; the new section waits for the old one's
 * limiter memory, handed over with the student's answers, before it decides.
 */
import { evictDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { expect, it } from "vitest";
import { shardName } from "../../durable-objects/rpc.ts";
import { createClass, joinStudents, open, sectionOf } from "./helpers.ts";

/**
 * A class with 30 s slow mode, its teacher and four students connected; student 0 sends
 * "first" and closes its socket, as a reload does. Returns when "first" was sent, and the
 * section it was sent from.
 */
async function sentThenReloaded() {
  const { classId, teacher } = await createClass();
  const t = await open(classId, teacher.client.cookie);
  t.send({ type: "settings.update", slowModeSec: 30 });
  await t.next("settings.changed");
  const { users, socks } = await joinStudents(classId, 4);
  const sections = [...new Set(socks.map(sectionOf))].sort();
  const s0 = socks[0]!;
  const from = sectionOf(s0);
  s0.send({ type: "chat.send", text: "first", rid: "a" });
  const sent = (await s0.next("section.message", (f) => f.message.rid === "a")).message.at;
  s0.close();
  await s0.waitClose().catch(() => undefined);
  return { classId, t, users, socks, s0, sections, from, sent };
}

it("refuses with slow_mode and the time left after a reload into another section", {
  timeout: 60_000,
}, async () => {
  // The reload: close 1001, a new ticket, a new socket — on another section.
  const { classId, t, users, socks, sections, from, sent } = await sentThenReloaded();
  expect(sections.length).toBeGreaterThan(1);
  const other = sections.find((x) => x !== from)!;
  const back = await open(classId, users[0]!.client.cookie, `v=1&section=${other}`);
  expect(sectionOf(back)).toBe(other);
  back.send({ type: "chat.send", text: "second", rid: "b" });
  const refused = await back.next("chat.rejected", (f) => f.rid === "b");
  const now = Date.now();
  expect(refused.reason).toBe("slow_mode");
  // The time actually left (the refusal is decided a moment before it is read here).
  expect(refused.retryAfterMs).toBeLessThanOrEqual(sent + 30_000 - now + 1000);
  expect(refused.retryAfterMs).toBeGreaterThan(sent + 30_000 - now - 2000);
  // Nobody else's first message is held back by it.
  const s1 = socks[1]!;
  s1.send({ type: "chat.send", text: "hello", rid: "c" });
  await s1.next("section.message", (f) => f.message.rid === "c");
  for (const s of [t, back, ...socks.slice(1)]) s.close();
});

it("holds the line when the old section restarts between the message and the reload", {
  timeout: 60_000,
}, async () => {
  // (Its restart drops the other sockets there too; they are not used again.)
  const { classId, t, users, socks, s0, sections, from, sent } = await sentThenReloaded();
  // The old section's instance is gone: its memory must come back from its storage.
  await evictDurableObject(
    env.CLASSROOM_SHARD.get(env.CLASSROOM_SHARD.idFromName(shardName(classId, from))),
  );
  const other = sections.find(
    (x) => x !== from && socks.filter((s) => sectionOf(s) === x).length < 3,
  )!;
  const back = await open(classId, users[0]!.client.cookie, `v=1&section=${other}`);
  expect(sectionOf(back)).toBe(other);
  back.send({ type: "chat.send", text: "second", rid: "b" });
  const refused = await back.next("chat.rejected", (f) => f.rid === "b");
  expect(refused.reason).toBe("slow_mode");
  // From the old section's memory (not the 10 s fallback, which would count from the join).
  expect(refused.retryAfterMs).toBeLessThanOrEqual(sent + 30_000 - Date.now() + 1000);
  for (const s of [t, back, ...socks.filter((x) => x !== s0)]) s.close();
});
