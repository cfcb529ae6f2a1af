/**
 * Quiz answers may claim a video delay; the root believes one only up to the class's
 * latency mode, which it learns with every admission and, when the teacher edits the class
 * while students are connected, at once. Live: a 30 s claim in an ultraLow class buys 8 s
 * of deadline, no more; the pure rules and the speed-bonus attack are in poll-core.test.ts.
 */
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { expect, it } from "vitest";
import type { InteractiveMeta } from "../../durable-objects/interactive-core.ts";
import { signUp } from "../helpers.ts";
import { createClass, open, sleep } from "./helpers.ts";

const rootOf = (classId: string) => env.CLASSROOM.get(env.CLASSROOM.idFromName(classId));
const modeOf = (classId: string) =>
  runInDurableObject(rootOf(classId), async (_, state) => {
    const v = state.storage.sql
      .exec<{ v: string }>("SELECT v FROM ix_meta WHERE k = 'meta'")
      .toArray()[0]?.v;
    return v ? (JSON.parse(v) as InteractiveMeta).latencyMode : undefined;
  });

it("the root bounds claimed delays by the class's latency mode, also after an edit mid-class", {
  timeout: 60_000,
}, async () => {
  const { classId, teacher } = await createClass(); // latencyMode defaults to ultraLow
  const t = await open(classId, teacher.client.cookie);
  await t.next("poll.list");
  const a = await open(classId, (await signUp("student", "Ann")).client.cookie);
  const b = await open(classId, (await signUp("student", "Ben")).client.cookie);
  await a.next("snapshot");
  await b.next("snapshot");
  expect(await modeOf(classId)).toBe("ultraLow");
  await rootOf(classId).setStreamStatus(classId, "live", Date.now());

  const quiz = async (rid: string) => {
    t.send({
      type: "poll.create",
      kind: "quiz",
      question: `2 + 2? (${rid})`,
      options: ["3", "4"],
      correct: [1],
      timeLimitSec: 5,
      rid,
    });
    const { pollId } = await t.next("poll.created", (f) => f.rid === rid);
    t.send({ type: "poll.open", pollId });
    await a.next("poll.opened", (f) => f.poll.id === pollId);
    return pollId;
  };

  const first = await quiz("q1");
  await sleep(5000 + 8000 + 300);
  // 8.3 s past the deadline: a 30 s claim is believed only up to ultraLow's 8 s.
  a.send({ type: "poll.answer", pollId: first, choices: [1], delayMs: 30_000, rid: "liar" });
  expect(await a.next("error", (f) => f.rid === "liar")).toMatchObject({ code: "too_late" });

  // The teacher switches to low latency (15 s) while everyone stays connected.
  const res = await teacher.client.patch(`/api/classes/${classId}`, { latencyMode: "low" });
  expect(res.status).toBe(200);
  expect(await modeOf(classId)).toBe("low");
  const second = await quiz("q2");
  await sleep(5000 + 9000);
  b.send({ type: "poll.answer", pollId: second, choices: [1], delayMs: 30_000, rid: "slow" });
  expect(await b.next("poll.answered", (f) => f.rid === "slow")).toBeTruthy();
  for (const s of [t, a, b]) s.close();
});
