/**
 * The session dashboard and its polls CSV show an open poll's current counts (not 0 until
 * it closes): the root writes the live tally and each answer behind to D1 with its
 * batched flush, so after a flush the dashboard equals what staff see live — single and
 * multiple choice, anonymous, and after a student changes their vote.
 */
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { expect, it } from "vitest";
import type { D1Row } from "../../durable-objects/interactive-core.ts";
import { InteractiveStore } from "../../durable-objects/interactive-store.ts";
import { D1Outbox } from "../../durable-objects/outbox.ts";
import type { SessionDashboard } from "../../protocol/analytics.ts";
import { createClass, joinStudents, open, type Sock, sleep } from "./helpers.ts";

it("an open poll's votes are in the dashboard and the CSV before it closes", {
  timeout: 60_000,
}, async () => {
  const { classId, teacher } = await createClass();
  const t = await open(classId, teacher.client.cookie);
  await t.next("poll.list");
  const { socks } = await joinStudents(classId, ["Ann", "Ben", "Cat"]);
  const [a, b, c] = socks as [Sock, Sock, Sock];

  const create = async (rid: string, extra: Record<string, unknown>) => {
    t.send({ type: "poll.create", kind: "poll", options: ["x", "y", "z"], rid, ...extra });
    const { pollId } = await t.next("poll.created", (f) => f.rid === rid);
    t.send({ type: "poll.open", pollId });
    for (const s of socks) await s.next("poll.opened", (f) => f.poll.id === pollId);
    return pollId;
  };
  const single = await create("p1", { question: "Single" });
  const multi = await create("p2", { question: "Multi", multiple: true });
  const anon = await create("p3", { question: "Anon", anonymous: true });

  const vote = async (s: Sock, pollId: string, choices: number[]) => {
    const rid = `${pollId}-${Math.random()}`;
    s.send({ type: "poll.answer", pollId, choices, rid });
    await s.next("poll.answered", (f) => f.rid === rid);
  };
  await vote(a, single, [0]);
  await vote(b, single, [2]);
  await vote(c, single, [2]);
  await vote(a, multi, [0, 1]);
  await vote(b, multi, [1]);
  await vote(a, anon, [1]);
  await vote(b, anon, [1]);

  const root = env.CLASSROOM.get(env.CLASSROOM.idFromName(classId));
  const flush = async () => {
    await sleep(400); // the live tally goes out (and is written behind) within 250 ms
    while (await runDurableObjectAlarm(root)) await sleep(50);
  };
  await flush();
  const { sessions } = (await (
    await teacher.client.get(`/api/analytics/classes/${classId}/sessions`)
  ).json()) as { sessions: { id: string }[] };
  const base = `/api/analytics/sessions/${sessions[0]!.id}`;
  const dashboard = async () => {
    await flush();
    const d = (await (await teacher.client.get(base)).json()) as SessionDashboard;
    return Object.fromEntries(d.polls.map((p) => [p.question, [p.tally, p.respondents]]));
  };

  expect(await dashboard()).toEqual({
    Single: [[1, 0, 2], 3],
    Multi: [[1, 2, 0], 2],
    Anon: [[0, 2, 0], null],
  });
  const csv = await (await teacher.client.get(`${base}/polls.csv`)).text();
  const votes = csv
    .trim()
    .split("\n")
    .slice(1)
    .map((line) => line.split(",").slice(3, 5).join(":"));
  expect(votes).toEqual(["x:1", "y:0", "z:2", "x:1", "y:2", "z:0", "x:0", "y:2", "z:0"]);

  // A changed vote moves in the dashboard too; closing keeps the same counts.
  await vote(c, single, [1]);
  await vote(c, multi, [2]);
  expect(await dashboard()).toMatchObject({ Single: [[1, 1, 1], 3], Multi: [[1, 2, 1], 3] });
  for (const pollId of [single, multi, anon]) t.send({ type: "poll.close", pollId });
  await a.next("poll.closed", (f) => f.poll.id === anon);
  expect(await dashboard()).toEqual({
    Single: [[1, 1, 1], 3],
    Multi: [[1, 2, 1], 3],
    Anon: [[0, 2, 0], null],
  });
  for (const s of [t, ...socks]) s.close();
});

it("a poll's row stays ahead of its answers however often its live tally is rewritten, also after a failed flush", async () => {
  const root = env.CLASSROOM.get(env.CLASSROOM.newUniqueId());
  await runInDurableObject(root, async (_, state) => {
    const outbox = new D1Outbox(state.storage.sql);
    const store = new InteractiveStore(state.storage.sql, outbox);
    const poll = (tally: number[]): D1Row => ({
      table: "polls",
      id: "p",
      sessionId: "s",
      kind: "poll",
      question: "q",
      options: ["a", "b"],
      multiple: false,
      anonymous: false,
      correct: null,
      openedAt: 1,
      closedAt: null,
      tally,
    });
    const answer = (userId: string): D1Row => ({
      table: "poll_answers",
      pollId: "p",
      userId,
      name: userId,
      choices: [0],
      correct: null,
      score: null,
      at: 2,
    });
    const pending = () =>
      state.storage.sql
        .exec<{ row: string }>("SELECT row FROM d1_outbox ORDER BY id")
        .toArray()
        .map((r) => JSON.parse(r.row) as D1Row)
        .map((r) =>
          r.table === "polls"
            ? `poll ${r.tally}`
            : `answer ${r.table === "poll_answers" ? r.userId : ""}`,
        );
    store.apply({ op: "d1", key: "poll:p", row: poll([0, 0]) });
    store.apply({ op: "d1", key: "answer:p u1", row: answer("u1") });
    store.apply({ op: "d1", key: "poll:p", row: poll([1, 0]) });
    store.apply({ op: "d1", key: "answer:p u2", row: answer("u2") });
    store.apply({ op: "d1", key: "poll:p", row: poll([2, 0]) });
    expect(pending()).toEqual(["poll 2,0", "answer u1", "answer u2"]);

    // A flush fails while a newer tally arrives: the newest version goes back first.
    const failing = {
      prepare: (q: string) => env.DB.prepare(q),
      batch: async () => {
        store.apply({ op: "d1", key: "poll:p", row: poll([2, 1]) });
        throw new Error("D1 down");
      },
    } as unknown as D1Database;
    await expect(outbox.flush(failing, "c")).rejects.toThrow("D1 down");
    expect(pending()).toEqual(["poll 2,1", "answer u1", "answer u2"]);
  });
});
