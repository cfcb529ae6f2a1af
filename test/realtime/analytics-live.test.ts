/**
 * The dashboard over what a real class writes: students chat and answer a quiz through
 * the Worker, root and shards; after the root's batched D1 flush the analytics API shows
 * the same counts (the engagement_totals / engagement_minutes triggers over the
 * interactive core's rows), the tally and the quiz score histogram.
 */
import { runDurableObjectAlarm } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { expect, it } from "vitest";
import type { EngagementRow, Page, SessionDashboard } from "../../protocol/analytics.ts";
import { createClass, joinStudents, open, type Sock, sleep } from "./helpers.ts";

it("counts chat, quiz answers and scores from a live class", { timeout: 60_000 }, async () => {
  const { classId, teacher } = await createClass();
  const t = await open(classId, teacher.client.cookie);
  const { socks } = await joinStudents(classId, ["Ann", "Ben", "Cat"]);
  const [a, b, c] = socks as [Sock, Sock, Sock];
  a.send({ type: "chat.send", text: "hello" });
  a.send({ type: "chat.send", text: "ready" });
  b.send({ type: "chat.send", text: "hi" });
  await c.next("section.message", (f) => f.message.text === "hi").catch(() => undefined);

  t.send({
    type: "poll.create",
    kind: "quiz",
    question: "Which is prime?",
    options: ["4", "6", "7", "9"],
    correct: [2],
    timeLimitSec: 30,
    rid: "q",
  });
  const { pollId } = await t.next("poll.created", (f) => f.rid === "q");
  t.send({ type: "poll.open", pollId });
  for (const s of socks) await s.next("poll.opened", (f) => f.poll.id === pollId);
  a.send({ type: "poll.answer", pollId, choices: [2], rid: "a" });
  b.send({ type: "poll.answer", pollId, choices: [2], rid: "b" });
  c.send({ type: "poll.answer", pollId, choices: [0], rid: "c" });
  for (const s of socks) await s.next("poll.answered");
  t.send({ type: "poll.close", pollId });
  await a.next("poll.closed");
  await sleep(300);

  const root = env.CLASSROOM.get(env.CLASSROOM.idFromName(classId));
  await runDurableObjectAlarm(root);
  // Large flushes re-arm the alarm in 1 s; run it until nothing is pending.
  while (await runDurableObjectAlarm(root)) await sleep(50);

  const { sessions } = (await (
    await teacher.client.get(`/api/analytics/classes/${classId}/sessions`)
  ).json()) as { sessions: { id: string }[] };
  const base = `/api/analytics/sessions/${sessions[0]!.id}`;
  const d = (await (await teacher.client.get(base)).json()) as SessionDashboard;
  expect(d.summary.totals).toMatchObject({ chat: 3, quiz_answer: 3 });
  expect(d.timeline.activity.chat.reduce((x, y) => x + y, 0)).toBe(3);
  expect(d.polls).toEqual([
    expect.objectContaining({ kind: "quiz", correct: [2], tally: [1, 0, 2, 0], respondents: 3 }),
  ]);
  expect(d.quiz.students).toBe(3);
  expect(d.quiz.buckets[0]).toMatchObject({ from: 0, students: 1 }); // Cat: wrong, 0 points

  const eng = (await (
    await teacher.client.get(`${base}/engagement`)
  ).json()) as Page<EngagementRow>;
  const ann = eng.rows.find((r) => r.displayName === "Ann")!;
  const cat = eng.rows.find((r) => r.displayName === "Cat")!;
  expect(ann).toMatchObject({ chat: 2, quizAnswers: 1, total: 3 });
  expect(ann.quizScore).toBeGreaterThan(0);
  expect(cat).toMatchObject({ chat: 0, quizAnswers: 1, quizScore: 0 });
  expect(eng.rows[0]!.displayName).toBe("Ann"); // most active first
  for (const s of [t, ...socks]) s.close();
});
