/**
 * Polls, quizzes, hands and Q&A through the real Worker, root and shards (SHARD_CAPACITY
 * is 3 here, so a dozen students spread over four sections): exact tallies across shards,
 * reconnects that do not double-count, typed errors that change nothing, quiz answers
 * hidden until close, a root restart that keeps everything, and the D1 records.
 */
import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { Classroom } from "../../durable-objects/classroom.ts";
import { signUp } from "../helpers.ts";
import { classWith, open, type Sock, sleep } from "./helpers.ts";

const rootOf = (classId: string) => env.CLASSROOM.get(env.CLASSROOM.idFromName(classId));

/** The teacher drafts and opens a poll; returns its id once students see it. */
async function openPoll(
  t: Sock,
  socks: Sock[],
  extra: Record<string, unknown> = {},
): Promise<string> {
  const rid = `c${Math.random()}`;
  t.send({
    type: "poll.create",
    kind: "poll",
    question: "Which is a prime?",
    options: ["4", "6", "7", "9"],
    rid,
    ...extra,
  });
  const { pollId } = await t.next("poll.created", (f) => f.rid === rid);
  t.send({ type: "poll.open", pollId });
  for (const s of socks) await s.next("poll.opened", (f) => f.poll.id === pollId);
  return pollId;
}

describe("polls, quizzes, hands and Q&A", { timeout: 60_000 }, () => {
  it("votes from many shards sum exactly; reconnect and re-vote do not double-count; results reach D1", async () => {
    const { classId, t, users, socks } = await classWith(12);
    const sections = new Set(socks.map((s) => s.frames[0]!.sectionId));
    expect(sections.size).toBe(4);
    const pollId = await openPoll(t, socks);
    // Student i votes option i % 4 (3 per option), all at once.
    for (const [i, s] of socks.entries())
      s.send({ type: "poll.answer", pollId, choices: [i % 4], rid: `v${i}` });
    for (const [i, s] of socks.entries())
      expect(await s.next("poll.answered", (f) => f.rid === `v${i}`)).toMatchObject({
        pollId,
        choices: [i % 4],
      });
    const live = await t.next("poll.tally", (f) => f.answered === 12);
    expect(live.tally).toEqual([3, 3, 3, 3]);

    // Student 0 reconnects (maybe to another section): they get their answer back, vote
    // again for the same option and then change it. Student 1 sends the same vote twice.
    socks[0]!.close();
    const again = await open(classId, users[0]!.client.cookie);
    // Their answer comes back from the shard that holds it (decision 013).
    expect(await again.next("poll.answered", (f) => f.pollId === pollId)).toMatchObject({
      choices: [0],
    });
    again.send({ type: "poll.answer", pollId, choices: [0], rid: "same" });
    await again.next("poll.answered", (f) => f.rid === "same");
    again.send({ type: "poll.answer", pollId, choices: [2], rid: "changed" });
    await again.next("poll.answered", (f) => f.rid === "changed");
    socks[1]!.send({ type: "poll.answer", pollId, choices: [1], rid: "dup" });
    await socks[1]!.next("poll.answered", (f) => f.rid === "dup");
    const after = await t.next("poll.tally", (f) => f.tally[2] === 4);
    expect(after).toMatchObject({ tally: [2, 3, 4, 3], answered: 12 });

    // Closed: students see no tally until the teacher reveals it.
    t.send({ type: "poll.close", pollId });
    const closed = await socks[5]!.next("poll.closed");
    expect(closed.poll).toMatchObject({ state: "closed", tally: null });
    t.send({ type: "poll.reveal", pollId });
    const shown = await socks[5]!.next("poll.revealed");
    expect(shown.poll).toMatchObject({ tally: [2, 3, 4, 3], answered: 12 });

    await runDurableObjectAlarm(rootOf(classId));
    const poll = await env.DB.prepare("SELECT tally, closed_at FROM polls WHERE id = ?")
      .bind(pollId)
      .first<{ tally: string; closed_at: number }>();
    expect(JSON.parse(poll!.tally)).toEqual([2, 3, 4, 3]);
    expect(poll!.closed_at).toBeGreaterThan(0);
    const answers = await env.DB.prepare(
      "SELECT user_id, choices FROM poll_answers WHERE poll_id = ?",
    )
      .bind(pollId)
      .all<{ user_id: string; choices: string }>();
    expect(answers.results).toHaveLength(12);
    expect(answers.results.find((a) => a.user_id === users[0]!.id)?.choices).toBe("[2]");
    const events = await env.DB.prepare(
      "SELECT count(*) AS n FROM engagement_events WHERE kind = 'poll_answer' AND ref = ?",
    )
      .bind(pollId)
      .first<{ n: number }>();
    expect(events!.n).toBe(12);
    for (const s of [t, again, ...socks]) s.close();
  });

  it("answers each bad input with a typed error and changes nothing", async () => {
    const { t, socks } = await classWith(2);
    const [a, b] = socks as [Sock, Sock];
    // A student sending staff commands.
    for (const m of [
      { type: "poll.create", kind: "poll", question: "Q", options: ["x", "y"] },
      { type: "poll.open", pollId: "x" },
      { type: "hand.ack", userId: "x" },
      { type: "qa.moderate", questionId: "x", action: "hide" },
      { type: "qa.settings", preModerate: true },
    ]) {
      a.send(m);
      expect(await a.next("error", (f) => f.ref === m.type)).toMatchObject({ code: "forbidden" });
    }
    const pollId = await openPoll(t, socks);
    const cases: [unknown, string][] = [
      [{ type: "poll.answer", pollId: "nope", choices: [0], rid: "e1" }, "unknown_poll"],
      [{ type: "poll.answer", pollId, choices: [4], rid: "e2" }, "bad_choice"],
      [{ type: "poll.answer", pollId, choices: [0, 2], rid: "e3" }, "bad_choice"],
      [{ type: "qa.vote", questionId: "nope", up: true, rid: "e4" }, "unknown_question"],
    ];
    for (const [m, code] of cases) {
      const rid = (m as { rid: string }).rid;
      a.send(m);
      expect(await a.next("error", (f) => f.rid === rid)).toMatchObject({ code });
    }
    // Out of the schema: invalid_message before anything travels.
    a.send({ type: "poll.answer", pollId, choices: [11] });
    expect(await a.next("error", (f) => f.code === "invalid_message")).toBeTruthy();
    b.send({ type: "poll.answer", pollId, choices: [2], rid: "ok" });
    await b.next("poll.answered", (f) => f.rid === "ok");
    expect(await t.next("poll.tally", (f) => f.answered === 1)).toMatchObject({
      tally: [0, 0, 1, 0],
    });
    t.send({ type: "poll.close", pollId });
    await a.next("poll.closed");
    a.send({ type: "poll.answer", pollId, choices: [2], rid: "late" });
    expect(await a.next("error", (f) => f.rid === "late")).toMatchObject({ code: "poll_closed" });
    t.send({ type: "poll.reveal", pollId });
    expect((await a.next("poll.revealed")).poll.tally).toEqual([0, 0, 1, 0]);
    // Staff errors: revealing again, acking a hand that is not raised, a quiz without answers.
    t.send({ type: "poll.open", pollId });
    expect(await t.next("error", (f) => f.ref === "poll.open")).toMatchObject({
      code: "bad_state",
    });
    t.send({ type: "hand.ack", userId: "nobody" });
    expect(await t.next("error", (f) => f.ref === "hand.ack")).toMatchObject({
      code: "not_raised",
    });
    t.send({ type: "poll.create", kind: "quiz", question: "Q", options: ["x", "y"], rid: "q" });
    expect(await t.next("error", (f) => f.rid === "q")).toMatchObject({ code: "invalid_draft" });
    for (const s of [t, ...socks]) s.close();
  });

  it("a quiz's answer is in no frame a student gets before close; late answers are refused; leaderboard", async () => {
    const { t, socks } = await classWith(3);
    const [a, b, c] = socks as [Sock, Sock, Sock];
    const pollId = await openPoll(t, socks, {
      kind: "quiz",
      question: "Which is prime?",
      correct: [2],
      timeLimitSec: 5,
      speedBonus: 100,
    });
    a.send({ type: "poll.answer", pollId, choices: [2], rid: "a" });
    b.send({ type: "poll.answer", pollId, choices: [1], rid: "b" });
    await a.next("poll.answered");
    await b.next("poll.answered");
    b.send({ type: "poll.answer", pollId, choices: [2], rid: "b2" });
    expect(await b.next("error", (f) => f.rid === "b2")).toMatchObject({
      code: "already_answered",
    });
    // No stream: the quiz closes by itself 1 s after its 5 s deadline.
    const closed = await c.next("poll.closed", () => true, 10_000);
    for (const s of socks) {
      const before = s.frames.slice(0, s.frames.indexOf(s.all("poll.closed")[0]!));
      expect(JSON.stringify(before)).not.toContain('"correct":[2]');
    }
    expect(closed.poll).toMatchObject({ correct: [2], tally: [0, 1, 1, 0] });
    const board = await c.next("quiz.leaderboard");
    expect(board.top.map((r) => r.score > 100)).toEqual([true, false]);
    expect(await a.next("quiz.result")).toMatchObject({ pollId, correct: true });
    expect(await b.next("quiz.result")).toMatchObject({ pollId, correct: false, score: 0 });
    c.send({ type: "poll.answer", pollId, choices: [2], rid: "c" });
    expect(await c.next("error", (f) => f.rid === "c")).toMatchObject({ code: "poll_closed" });
    for (const s of [t, ...socks]) s.close();
  });

  it("while the stream is live a quiz deadline stretches by each viewer's video delay; chat counts as engagement", async () => {
    const { classId, t, socks } = await classWith(3);
    const [a, b, c] = socks as [Sock, Sock, Sock];
    await rootOf(classId).setStreamStatus(classId, "live", Date.now());
    const pollId = await openPoll(t, socks, {
      kind: "quiz",
      question: "Which is prime?",
      correct: [2],
      timeLimitSec: 5,
    });
    a.send({ type: "chat.send", text: "good luck all" });
    a.send({ type: "chat.send", text: "I think I know" });
    await sleep(5600);
    // Past the deadline: refused without a video delay, accepted with one that covers it.
    b.send({ type: "poll.answer", pollId, choices: [2], rid: "no-delay" });
    expect(await b.next("error", (f) => f.rid === "no-delay")).toMatchObject({
      code: "too_late",
      ref: "poll.answer",
    });
    c.send({ type: "poll.answer", pollId, choices: [2], delayMs: 4000, rid: "delayed" });
    expect(await c.next("poll.answered", (f) => f.rid === "delayed")).toBeTruthy();
    // Live: the quiz waits for the largest grace, so the teacher closes it.
    await sleep(1500);
    expect(c.all("poll.closed")).toHaveLength(0);
    t.send({ type: "poll.close", pollId });
    expect((await c.next("poll.closed")).poll.tally).toEqual([0, 0, 1, 0]);
    await sleep(200);
    await runDurableObjectAlarm(rootOf(classId));
    const chat = await env.DB.prepare(
      `SELECT sum(value) AS n FROM engagement_events e JOIN class_sessions s ON s.id = e.session_id
       WHERE s.class_id = ? AND kind = 'chat'`,
    )
      .bind(classId)
      .first<{ n: number }>();
    expect(chat!.n).toBe(2);
    const quiz = await env.DB.prepare("SELECT correct, score FROM poll_answers WHERE poll_id = ?")
      .bind(pollId)
      .all<{ correct: number; score: number }>();
    expect(quiz.results).toEqual([{ correct: 1, score: 100 }]);
    for (const s of [t, ...socks]) s.close();
  });

  it("staff page through the hand queue and clear it; hide and pin change the top questions", async () => {
    const { t, socks, users } = await classWith(5);
    for (const s of socks) {
      s.send({ type: "hand.raise" });
      await s.next("hand.position");
    }
    t.send({ type: "hand.page", offset: 3, limit: 10 });
    const page = await t.next("hand.queue", (f) => f.offset === 3);
    expect(page).toMatchObject({ count: 5 });
    expect(page.hands.map((h) => [h.position, h.userId])).toEqual([
      [4, users[3]!.id],
      [5, users[4]!.id],
    ]);
    t.send({ type: "hand.clear" });
    for (const s of socks) expect(await s.next("hand.count", (f) => f.count === 0)).toBeTruthy();
    const [a, b, c] = socks as [Sock, Sock, Sock];
    a.send({ type: "qa.ask", text: "First?" });
    const q1 = (await a.next("qa.asked")).question.id;
    b.send({ type: "qa.ask", text: "Second?" });
    const q2 = (await b.next("qa.asked")).question.id;
    c.send({ type: "qa.vote", questionId: q1, up: true });
    await c.next("qa.voted");
    expect((await c.next("qa.top", (f) => f.total === 2 && f.top[0]?.votes === 1)).top[0]!.id).toBe(
      q1,
    );
    t.send({ type: "qa.moderate", questionId: q2, action: "pin" });
    expect((await c.next("qa.top", (f) => f.top[0]?.id === q2)).top[0]!.pinned).toBe(true);
    t.send({ type: "qa.moderate", questionId: q1, action: "hide" });
    const hidden = await c.next("qa.top", (f) => f.total === 1);
    expect(hidden.top.map((q) => q.id)).toEqual([q2]);
    expect(await a.next("qa.mine", (f) => f.question.state === "hidden")).toBeTruthy();
    c.send({ type: "qa.vote", questionId: q1, up: false, rid: "gone" });
    expect(await c.next("error", (f) => f.rid === "gone")).toMatchObject({
      code: "unknown_question",
    });
    for (const s of [t, ...socks]) s.close();
  });

  it("hands and questions: queue order, ack, upvotes, moderation; a restarted root keeps polls, queue and questions", async () => {
    const { classId, teacher, t, socks, users } = await classWith(4);
    const [a, b, c, d] = socks as [Sock, Sock, Sock, Sock];
    b.send({ type: "hand.raise", rid: "hb" });
    expect(await b.next("hand.position")).toMatchObject({ raised: true, position: 1, rid: "hb" });
    a.send({ type: "hand.raise", rid: "ha" });
    expect(await a.next("hand.position")).toMatchObject({ position: 2 });
    c.send({ type: "hand.raise" });
    await c.next("hand.position");
    const queue = await t.next("hand.queue", (f) => f.count === 3);
    expect(queue.hands.map((h) => h.userId)).toEqual([users[1]!.id, users[0]!.id, users[2]!.id]);
    expect(await d.next("hand.count", (f) => f.count === 3)).toBeTruthy();
    t.send({ type: "hand.ack", userId: users[1]!.id });
    expect(await b.next("hand.position")).toMatchObject({ raised: false, acknowledged: true });
    // a moves up to the front.
    expect(await a.next("hand.position", (f) => f.position === 1, 6000)).toBeTruthy();

    t.send({ type: "qa.settings", preModerate: true });
    await d.next("qa.settings");
    d.send({ type: "qa.ask", text: "Why is <b>7</b> prime?", rid: "q1" });
    const asked = await d.next("qa.asked");
    expect(asked.question).toMatchObject({ state: "pending", text: "Why is <b>7</b> prime?" });
    const qid = asked.question.id;
    await t.next("qa.pending", (f) => f.total === 1);
    t.send({ type: "qa.moderate", questionId: qid, action: "approve" });
    expect(await d.next("qa.mine")).toMatchObject({ question: { state: "visible" } });
    a.send({ type: "qa.vote", questionId: qid, up: true, rid: "up" });
    await a.next("qa.voted");
    c.send({ type: "qa.vote", questionId: qid, up: true });
    await c.next("qa.voted");
    d.send({ type: "qa.vote", questionId: qid, up: true, rid: "own" });
    expect(await d.next("error", (f) => f.rid === "own")).toMatchObject({ code: "own_question" });
    expect(await b.next("qa.top", (f) => f.top[0]?.votes === 2)).toMatchObject({ total: 1 });

    const pollId = await openPoll(t, socks);
    a.send({ type: "poll.answer", pollId, choices: [2] });
    b.send({ type: "poll.answer", pollId, choices: [3] });
    await t.next("poll.tally", (f) => f.answered === 2);

    // The root restarts: polls, tallies, the queue and questions come back from its storage.
    await evictDurableObject(rootOf(classId));
    const late = await open(classId, (await signUp("student", "Late")).client.cookie);
    const snap = (await late.next("snapshot")).state.interactive!;
    expect(snap.polls).toMatchObject([{ id: pollId, state: "open", tally: null }]);
    expect(snap.hands.count).toBe(2);
    expect(snap.qa).toMatchObject({ total: 1, preModerate: true, top: [{ id: qid, votes: 2 }] });
    const t2 = await open(classId, teacher.client.cookie);
    const list = await t2.next("poll.list");
    expect(list.polls.find((p) => p.id === pollId)?.tally).toEqual([0, 0, 1, 1]);
    const q2 = await t2.next("hand.queue");
    expect(q2.hands.map((h) => h.userId)).toEqual([users[0]!.id, users[2]!.id]);
    // Answers still count once; votes too.
    a.send({ type: "poll.answer", pollId, choices: [2], rid: "again" });
    await a.next("poll.answered", (f) => f.rid === "again");
    c.send({ type: "poll.answer", pollId, choices: [2] });
    expect(await t2.next("poll.tally", (f) => f.answered === 3)).toMatchObject({
      tally: [0, 0, 2, 1],
    });
    c.send({ type: "qa.vote", questionId: qid, up: true, rid: "re" });
    await c.next("qa.voted", (f) => f.rid === "re");
    t2.send({ type: "qa.moderate", questionId: qid, action: "answer" });
    expect(await d.next("qa.mine")).toMatchObject({ question: { state: "answered", votes: 2 } });

    await sleep(200);
    await runDurableObjectAlarm(rootOf(classId));
    const q = await env.DB.prepare("SELECT state, upvotes, answered_at FROM questions WHERE id = ?")
      .bind(qid)
      .first<{ state: string; upvotes: number; answered_at: number }>();
    expect(q).toMatchObject({ state: "answered", upvotes: 2 });
    const kinds = await env.DB.prepare(
      `SELECT kind, count(*) AS n FROM engagement_events e JOIN class_sessions s ON s.id = e.session_id
       WHERE s.class_id = ? GROUP BY kind ORDER BY kind`,
    )
      .bind(classId)
      .all<{ kind: string; n: number }>();
    expect(Object.fromEntries(kinds.results.map((r) => [r.kind, r.n]))).toMatchObject({
      hand_raise: 3,
      hand_ack: 1,
      question: 1,
      upvote: 2,
    });
    for (const s of [t, t2, late, ...socks]) s.close();
  });

  it("a failed D1 chunk of interactive rows goes back and is written exactly once", async () => {
    const { classId, t } = await classWith(0);
    const root = rootOf(classId);
    await sleep(300); // the teacher's join reaches the root and starts the session
    await runDurableObjectAlarm(root); // the session row exists in D1 from here on
    await runInDurableObject(root, async (_: Classroom, state) => {
      const durable = state.storage.sql
        .exec<{ v: string }>("SELECT v FROM state WHERE k = 'durable'")
        .one().v;
      const sessionId = (JSON.parse(durable) as { session: { id: string } }).session.id;
      for (let i = 0; i < 251; i++)
        state.storage.sql.exec(
          "INSERT INTO d1_outbox (k, row) VALUES (NULL, ?)",
          JSON.stringify({
            table: "engagement_events",
            sessionId,
            // Row 230 (second chunk) violates NOT NULL: that chunk fails.
            userId: i === 230 ? null : `u${i}`,
            kind: "chat",
            at: i,
            ref: null,
            value: 1,
          }),
        );
      await state.storage.setAlarm(Date.now() + 60_000);
    });
    await expect(runDurableObjectAlarm(root)).rejects.toThrow();
    const count = async () =>
      (
        await env.DB.prepare(
          `SELECT count(*) AS n FROM engagement_events e JOIN class_sessions s ON s.id = e.session_id
           WHERE s.class_id = ? AND kind = 'chat'`,
        )
          .bind(classId)
          .first<{ n: number }>()
      )?.n;
    expect(await count()).toBe(200);
    await runInDurableObject(root, async (_: Classroom, state) => {
      expect(state.storage.sql.exec("SELECT count(*) AS n FROM d1_outbox").one().n).toBe(51);
      state.storage.sql.exec(
        'UPDATE d1_outbox SET row = replace(row, \'"userId":null\', \'"userId":"fixed"\')',
      );
    });
    await runDurableObjectAlarm(root);
    expect(await count()).toBe(251);
    t.close();
  });
});
