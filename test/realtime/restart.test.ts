/**
 * Restarts in the middle of a class (issue 13, point 5).
 *
 * A shard crash: a student shard is aborted; its students' sockets drop, they reconnect
 * with `?resume=`, get exactly the teacher events they missed, send their answer again and
 * it still counts once.
 *
 * A root crash: the class root `Classroom` is
 * aborted (`ctx.abort()`, as a runtime restart does: memory gone, storage kept) right after
 * students got their acks, with no time for a flush. Tallies, the hand queue, questions and
 * their votes, and attendance come back; every answer still counts once, also when the
 * students send it again afterwards. Checked at the API level (frames and D1), so it holds
 * whether answers are counted at the root or at the shards. SHARD_CAPACITY is 3 here, so
 * the students spread over several shards.
 */
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { Classroom } from "../../durable-objects/classroom.ts";
import { signUp } from "../helpers.ts";
import {
  classWith,
  createClass,
  joinStudents,
  open,
  type Sock,
  sectionOf,
  sleep,
} from "./helpers.ts";

const rootOf = (classId: string) => env.CLASSROOM.get(env.CLASSROOM.idFromName(classId));
const shardOf = (classId: string, section: string) =>
  env.CLASSROOM_SHARD.get(env.CLASSROOM_SHARD.idFromName(`${classId}/${section}`));
/** The last event `seq` a socket applied (what a client resumes from). */
const lastSeq = (s: Sock) =>
  Math.max(0, ...s.frames.map((f) => (typeof f.seq === "number" ? f.seq : 0)));

describe("restarts", { timeout: 60_000 }, () => {
  it("a crashed shard's students come back with every missed event, and their answers count once", async () => {
    const { classId, t, users, socks } = await classWith(6);
    t.send({ type: "poll.create", kind: "poll", question: "?", options: ["a", "b"], rid: "p" });
    const { pollId } = await t.next("poll.created", (f) => f.rid === "p");
    t.send({ type: "poll.open", pollId });
    for (const s of socks) await s.next("poll.opened", (f) => f.poll.id === pollId);
    for (const [i, s] of socks.entries())
      s.send({ type: "poll.answer", pollId, choices: [i % 2], rid: `a${i}` });
    for (const [i, s] of socks.entries()) await s.next("poll.answered", (f) => f.rid === `a${i}`);
    await t.next("poll.tally", (f) => f.answered === 6);

    const crashed = sectionOf(socks[0]!);
    const victims = socks.flatMap((s, i) => (sectionOf(s) === crashed ? [i] : []));
    expect(victims.length).toBeGreaterThan(0);
    expect(victims.length).toBeLessThan(6);
    await expect(
      runInDurableObject(shardOf(classId, crashed), (_, state) => state.abort("crash")),
    ).rejects.toThrow();
    for (const i of victims) await socks[i]!.waitClose();

    // While they are away the teacher goes on.
    t.send({ type: "announce.send", text: "while away 1" });
    t.send({ type: "announce.send", text: "while away 2" });
    for (const [i, s] of socks.entries())
      if (!victims.includes(i))
        await s.next("announce", (f) => f.announcement.text === "while away 2");

    // They come back with ?resume= and get exactly what they missed, then resend their answer.
    for (const i of victims) {
      const from = lastSeq(socks[i]!);
      const back = await open(classId, users[i]!.client.cookie, `v=1&resume=${from}`);
      const a = await back.next("announce");
      const b = await back.next("announce");
      expect([a.announcement.text, b.announcement.text]).toEqual(["while away 1", "while away 2"]);
      expect(a.seq).toBe(from + 1);
      expect(back.all("snapshot")).toHaveLength(0);
      back.send({ type: "poll.answer", pollId, choices: [i % 2], rid: `again${i}` });
      await back.next("poll.answered", (f) => f.rid === `again${i}`);
      socks[i] = back;
    }
    await sleep(400);
    t.send({ type: "poll.close", pollId });
    for (const s of socks) await s.next("poll.closed", (f) => f.poll.id === pollId);
    const finals = t.all("poll.tally").filter((f) => f.pollId === pollId);
    expect(finals.at(-1)).toMatchObject({ answered: 6, tally: [3, 3] });
    for (const s of [t, ...socks]) s.close();
  });

  it("an aborted root loses no tallies, hands, questions or attendance; answers still count once", async () => {
    const { classId, teacher } = await createClass();
    const root = rootOf(classId);
    const t = await open(classId, teacher.client.cookie);
    await t.next("poll.list");
    await root.setStreamStatus(classId, "live");
    const { users, socks } = await joinStudents(classId, 7);
    expect(new Set(socks.map((s) => s.frames[0]!.sectionId)).size).toBeGreaterThanOrEqual(3);

    const rid = "p";
    t.send({ type: "poll.create", kind: "poll", question: "2+2?", options: ["3", "4", "5"], rid });
    const { pollId } = await t.next("poll.created", (f) => f.rid === rid);
    t.send({ type: "poll.open", pollId });
    for (const s of socks) await s.next("poll.opened", (f) => f.poll.id === pollId);
    // Student i answers i % 3: tally [3, 2, 2].
    for (const [i, s] of socks.entries())
      s.send({ type: "poll.answer", pollId, choices: [i % 3], rid: `a${i}` });
    for (const [i, s] of socks.entries()) await s.next("poll.answered", (f) => f.rid === `a${i}`);
    socks[4]!.send({ type: "hand.raise", rid: "h4" });
    await socks[4]!.next("hand.position", (f) => f.rid === "h4");
    socks[1]!.send({ type: "hand.raise", rid: "h1" });
    await socks[1]!.next("hand.position", (f) => f.rid === "h1");
    socks[2]!.send({ type: "qa.ask", text: "Why 4?", rid: "q" });
    const qid = (await socks[2]!.next("qa.asked", (f) => f.rid === "q")).question.id;
    for (const i of [0, 5]) {
      socks[i]!.send({ type: "qa.vote", questionId: qid, up: true, rid: `up${i}` });
      await socks[i]!.next("qa.voted", (f) => f.rid === `up${i}`);
    }

    // The crash: memory gone, whatever was not yet in storage lost.
    await expect(
      runInDurableObject(root, (_: Classroom, state) => state.abort("crash")),
    ).rejects.toThrow();

    // Staff reconnect: everything is back.
    const t2 = await open(classId, teacher.client.cookie);
    const list = await t2.next("poll.list");
    expect(list.polls.find((p) => p.id === pollId)).toMatchObject({
      state: "open",
      tally: [3, 2, 2],
    });
    const queue = await t2.next("hand.queue");
    expect(queue.hands.map((h) => h.userId)).toEqual([users[4]!.id, users[1]!.id]);
    const late = await open(classId, (await signUp("student", "Late")).client.cookie);
    const snap = (await late.next("snapshot")).state.interactive!;
    expect(snap.hands.count).toBe(2);
    expect(snap.qa).toMatchObject({ total: 1, top: [{ id: qid, votes: 2 }] });

    // Every student sends their answer again (a client retry after the reconnect), one
    // changes it, the late student answers: each answer counts once.
    for (const [i, s] of socks.entries())
      s.send({ type: "poll.answer", pollId, choices: [i === 0 ? 1 : i % 3], rid: `b${i}` });
    for (const [i, s] of socks.entries()) await s.next("poll.answered", (f) => f.rid === `b${i}`);
    late.send({ type: "poll.answer", pollId, choices: [2], rid: "late" });
    await late.next("poll.answered", (f) => f.rid === "late");
    expect(
      (await t2.next("poll.tally", (f) => f.pollId === pollId && f.answered === 8)).tally,
    ).toEqual([2, 3, 3]);
    socks[0]!.send({ type: "qa.vote", questionId: qid, up: true, rid: "again" });
    await socks[0]!.next("qa.voted", (f) => f.rid === "again");
    const again = await open(classId, (await signUp("student", "Later")).client.cookie);
    expect((await again.next("snapshot")).state.interactive!.qa.top).toMatchObject([
      { id: qid, votes: 2 },
    ]);

    // Attendance: every student who was connected across the crash is in the ledger once,
    // with time from before the crash.
    await sleep(1200);
    for (const s of [t, t2, late, again, ...socks]) s.close();
    await sleep(300);
    // A stub from before the crash stays broken; callers get a new one.
    const root2 = rootOf(classId);
    await root2.setStreamStatus(classId, "ended");
    await sleep(200);
    await runDurableObjectAlarm(root2);
    const rows = await env.DB.prepare(
      `SELECT a.display_name AS name, a.seconds_attended AS s, a.staff FROM attendance a
       JOIN class_sessions c ON c.id = a.session_id WHERE c.class_id = ?`,
    )
      .bind(classId)
      .all<{ name: string; s: number; staff: number }>();
    const students = rows.results.filter((r) => r.staff === 0);
    expect(students.map((r) => r.name).sort()).toEqual(
      [...users.map((_, i) => `Student ${i}`), "Late", "Later"].sort(),
    );
    for (const r of students.filter((x) => !x.name.startsWith("Late")))
      expect(r.s).toBeGreaterThanOrEqual(1);
  });
});
