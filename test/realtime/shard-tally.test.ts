/**
 * Polls counted at the shards (docs/decisions/013) through the real Worker, root and
 * shards (SHARD_CAPACITY is 3 here): the teacher's tally is the sum of the shards'
 * counts, the root holds no student's answer, a student who comes back on another
 * section (or keeps an old socket open elsewhere) is counted once, a root restart keeps
 * the sums, and bad answers are refused by the shard with typed errors, counted nowhere.
 */
import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { shardName } from "../../durable-objects/rpc.ts";
import { classWith, open, type Sock, sectionOf } from "./helpers.ts";

const rootOf = (classId: string) => env.CLASSROOM.get(env.CLASSROOM.idFromName(classId));

async function openPoll(t: Sock, socks: Sock[]): Promise<string> {
  const rid = `c${Math.random()}`;
  t.send({ type: "poll.create", kind: "poll", question: "Q?", options: ["a", "b", "c", "d"], rid });
  const { pollId } = await t.next("poll.created", (f) => f.rid === rid);
  t.send({ type: "poll.open", pollId });
  for (const s of socks) await s.next("poll.opened", (f) => f.poll.id === pollId);
  return pollId;
}

/** The root's own rows: per-student answers (none for shard-counted polls) and per-shard counts. */
async function rootRows(classId: string) {
  return runInDurableObject(rootOf(classId), async (_, state) => ({
    answers: state.storage.sql.exec("SELECT * FROM ix_answers").toArray().length,
    shardCounts: state.storage.sql
      .exec<{ section_id: string }>("SELECT section_id FROM ix_shard_counts")
      .toArray()
      .map((r) => r.section_id),
  }));
}

describe("polls counted at the shards", { timeout: 60_000 }, () => {
  it("sums the shards' counts exactly; a student back on another section, or with an old socket elsewhere, counts once", async () => {
    const { classId, t, users, socks } = await classWith(8);
    const sections = [...new Set(socks.map(sectionOf))].sort();
    expect(sections).toHaveLength(3);
    const pollId = await openPoll(t, socks);
    for (const [i, s] of socks.entries())
      s.send({ type: "poll.answer", pollId, choices: [i % 4], rid: `v${i}` });
    for (const [i, s] of socks.entries())
      expect(await s.next("poll.answered", (f) => f.rid === `v${i}`)).toMatchObject({
        choices: [i % 4],
      });
    expect(await t.next("poll.tally", (f) => f.answered === 8)).toMatchObject({
      tally: [2, 2, 2, 2],
    });
    // The root keeps per-shard counts, no student's answer.
    const rows = await rootRows(classId);
    expect(rows.answers).toBe(0);
    expect(new Set(rows.shardCounts)).toEqual(new Set(sections));

    // Student 0 leaves their section and comes back on the one with room: their answer is
    // handed over (they see it again), then they change it there.
    const from = sectionOf(socks[0]!);
    socks[0]!.close();
    const roomy = sections.find((x) => socks.filter((s) => sectionOf(s) === x).length < 3)!;
    const back = await open(classId, users[0]!.client.cookie, `v=1&section=${roomy}`);
    expect(sectionOf(back)).toBe(roomy);
    expect(roomy).not.toBe(from);
    expect(await back.next("poll.answered", (f) => f.pollId === pollId)).toMatchObject({
      choices: [0],
    });
    back.send({ type: "poll.answer", pollId, choices: [3], rid: "moved" });
    await back.next("poll.answered", (f) => f.rid === "moved");
    expect(await t.next("poll.tally", (f) => f.tally[3] === 3)).toMatchObject({
      tally: [1, 2, 2, 3],
      answered: 8,
    });

    // Another student opens a second tab on a section with room and votes from the old
    // tab: the answer goes to the shard that holds it now, once.
    const open_ = [...socks.slice(1), back];
    const room = sections.find((x) => open_.filter((s) => sectionOf(s) === x).length < 3)!;
    const j = socks.findIndex((s, i) => i > 0 && sectionOf(s) !== room);
    expect(room).toBeDefined();
    const tab = await open(classId, users[j]!.client.cookie, `v=1&section=${room}`);
    expect(sectionOf(tab)).toBe(room);
    await tab.next("poll.answered", (f) => f.pollId === pollId, 5000);
    const choice = j % 4 === 1 ? 2 : 1;
    socks[j]!.send({ type: "poll.answer", pollId, choices: [choice], rid: "old-tab" });
    expect(await socks[j]!.next("poll.answered", (f) => f.rid === "old-tab")).toMatchObject({
      choices: [choice],
    });
    const want = [1, 2, 2, 3];
    want[j % 4]!--;
    want[choice]!++;
    expect(
      await t.next("poll.tally", (f) => JSON.stringify(f.tally) === JSON.stringify(want)),
    ).toMatchObject({ answered: 8 });
    tab.close();

    // The root restarts: the sums come back from its per-shard counts.
    await evictDurableObject(rootOf(classId));
    socks[2]!.send({ type: "poll.answer", pollId, choices: [2], rid: "same" });
    await socks[2]!.next("poll.answered", (f) => f.rid === "same");
    t.send({ type: "poll.close", pollId });
    await socks[2]!.next("poll.closed");
    t.send({ type: "poll.reveal", pollId });
    expect((await socks[2]!.next("poll.revealed")).poll).toMatchObject({
      tally: want,
      answered: 8,
    });
    for (const s of [t, back, ...socks]) s.close();
  });

  it("a restarted shard still holds its voters' answers: a change after it moves the count", async () => {
    const { classId, t, users, socks } = await classWith(2);
    const pollId = await openPoll(t, socks);
    for (const [i, s] of socks.entries())
      s.send({ type: "poll.answer", pollId, choices: [i], rid: `v${i}` });
    await t.next("poll.tally", (f) => f.answered === 2);
    const section = sectionOf(socks[0]!);
    await evictDurableObject(
      env.CLASSROOM_SHARD.get(env.CLASSROOM_SHARD.idFromName(shardName(classId, section))),
    );
    const back = await open(classId, users[0]!.client.cookie, `v=1&section=${section}`);
    expect(sectionOf(back)).toBe(section);
    expect(await back.next("poll.answered", (f) => f.pollId === pollId, 6000)).toMatchObject({
      choices: [0],
    });
    back.send({ type: "poll.answer", pollId, choices: [3], rid: "after" });
    await back.next("poll.answered", (f) => f.rid === "after");
    expect(await t.next("poll.tally", (f) => f.tally[3] === 1, 6000)).toMatchObject({
      tally: [0, 1, 0, 1],
      answered: 2,
    });
    for (const s of [t, back, ...socks]) s.close();
  });

  it("an answer sent before its shard learnt of the poll goes back to the shard and is counted once, acked", async () => {
    const { classId, t, socks } = await classWith(2);
    const pollId = await openPoll(t, socks);
    const shard = env.CLASSROOM_SHARD.get(
      env.CLASSROOM_SHARD.idFromName(shardName(classId, sectionOf(socks[0]!))),
    );
    // As if the `tally.poll` control were still on its way.
    await runInDurableObject(shard, async (instance) => {
      const shell = instance as unknown as { tallies: { tally: { polls: Map<string, unknown> } } };
      shell.tallies.tally.polls.delete(pollId);
    });
    socks[0]!.send({ type: "poll.answer", pollId, choices: [1], rid: "early" });
    expect(await socks[0]!.next("poll.answered", (f) => f.rid === "early", 6000)).toMatchObject({
      choices: [1],
    });
    socks[1]!.send({ type: "poll.answer", pollId, choices: [2], rid: "b" });
    await socks[1]!.next("poll.answered", (f) => f.rid === "b");
    expect(await t.next("poll.tally", (f) => f.answered === 2)).toMatchObject({
      tally: [0, 1, 1, 0],
    });
    for (const s of [t, ...socks]) s.close();
  });

  it("refuses at the shard, typed and counted nowhere: another class's poll, a closed poll, a flood", async () => {
    const one = await classWith(2);
    const two = await classWith(1);
    const mine = await openPoll(one.t, one.socks);
    const theirs = await openPoll(two.t, two.socks);
    const [a, b] = one.socks as [Sock, Sock];

    a.send({ type: "poll.answer", pollId: theirs, choices: [0], rid: "x" });
    expect(await a.next("error", (f) => f.rid === "x")).toMatchObject({
      code: "unknown_poll",
      ref: "poll.answer",
    });
    // A flood: the first answers pass (the same one again is idempotent), the rest are
    // rate-limited; nobody else is affected.
    for (let i = 0; i < 30; i++)
      a.send({ type: "poll.answer", pollId: mine, choices: [1], rid: `f${i}` });
    b.send({ type: "poll.answer", pollId: mine, choices: [2], rid: "b" });
    await b.next("poll.answered", (f) => f.rid === "b");
    expect(await a.next("error", (f) => f.rid === "f29")).toMatchObject({ code: "rate_limited" });
    expect(a.all("poll.answered").length).toBeGreaterThan(0);
    expect(await one.t.next("poll.tally", (f) => f.answered === 2)).toMatchObject({
      tally: [0, 1, 1, 0],
    });

    one.t.send({ type: "poll.close", pollId: mine });
    await a.next("poll.closed");
    b.send({ type: "poll.answer", pollId: mine, choices: [3], rid: "late" });
    expect(await b.next("error", (f) => f.rid === "late")).toMatchObject({ code: "poll_closed" });
    one.t.send({ type: "poll.reveal", pollId: mine });
    expect((await b.next("poll.revealed")).poll).toMatchObject({
      tally: [0, 1, 1, 0],
      answered: 2,
    });

    // The other class counted nothing of it.
    two.socks[0]!.send({ type: "poll.answer", pollId: theirs, choices: [3], rid: "own" });
    await two.socks[0]!.next("poll.answered", (f) => f.rid === "own");
    expect(await two.t.next("poll.tally", (f) => f.answered === 1)).toMatchObject({
      tally: [0, 0, 0, 1],
    });
    for (const s of [one.t, two.t, ...one.socks, ...two.socks]) s.close();
  });
  it("a close counts every answer acked before it, also one whose shard had not reported yet", async () => {
    const { classId, t, socks } = await classWith(3);
    const section = sectionOf(socks[0]!);
    const same = socks.filter((s) => sectionOf(s) === section);
    expect(same.length).toBeGreaterThanOrEqual(2);
    const [a, b] = same as [Sock, Sock];
    const shard = env.CLASSROOM_SHARD.get(
      env.CLASSROOM_SHARD.idFromName(shardName(classId, section)),
    );
    // The section's reports held back, as when one is slow or in flight (the race is
    // otherwise a window of ≤ 100 ms between an ack and the report that carries it).
    const hold = (on: boolean) =>
      runInDurableObject(shard, (instance) => {
        const s = instance as unknown as { reports: { inFlight: boolean; mark(): void } };
        s.reports.inFlight = on;
        if (!on) s.reports.mark();
      });
    const pollId = await openPoll(t, socks);
    a.send({ type: "poll.answer", pollId, choices: [0], rid: "a1" });
    await a.next("poll.answered", (f) => f.rid === "a1");
    await t.next("poll.tally", (f) => f.pollId === pollId && f.answered === 1);
    await hold(true);
    b.send({ type: "poll.answer", pollId, choices: [1], rid: "b1" });
    await b.next("poll.answered", (f) => f.rid === "b1");
    // Acked; the report holding it has not reached the root: close now.
    t.send({ type: "poll.close", pollId });
    await t.next("poll.closed", (f) => f.poll.id === pollId);
    // The staff's tally sent with the close (the event hides it until the reveal).
    const final = await t.next("poll.tally", (f) => f.pollId === pollId);
    expect(final).toMatchObject({ answered: 2, tally: [1, 1, 0, 0] });
    // Closed at the shards too: a late answer is refused, counted nowhere.
    b.send({ type: "poll.answer", pollId, choices: [2], rid: "b2" });
    expect(await b.next("error", (f) => f.rid === "b2")).toMatchObject({ code: "poll_closed" });
    await hold(false);
    t.send({ type: "poll.reveal", pollId });
    const revealed = await t.next("poll.revealed", (f) => f.poll.id === pollId);
    expect(revealed.poll).toMatchObject({ answered: 2, tally: [1, 1, 0, 0] });
    for (const s of [t, ...socks]) s.close();
  });
});
