/**
 * Every client command that carries a `rid` gets exactly one answer (an ack, a result or
 * an error) on the sender's socket: hands, poll answers, questions, votes, chat and staff
 * drafts sent back to back in bursts, refused ones (schema, role, state, frame guard)
 * included. Shards fold a student's commands into one report per ~100 ms; folding must
 * not swallow anyone's `rid`.
 */
import { describe, expect, it } from "vitest";
import type { ServerMessage } from "../../protocol/realtime.ts";
import { signUp } from "../helpers.ts";
import { createClass, open, type Sock, sleep } from "./helpers.ts";

/** The `rid` an answer frame echoes, if any. */
function ridOf(f: ServerMessage): string | undefined {
  switch (f.type) {
    case "section.message":
    case "chat.message":
      return f.message.rid;
    case "error":
    case "chat.rejected":
    case "poll.created":
    case "poll.answered":
    case "hand.position":
    case "qa.asked":
    case "qa.voted":
      return f.rid;
    default:
      return undefined;
  }
}

/** Answers per rid this socket has received (only rids that start with `prefix`). */
function answers(s: Sock, prefix: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const f of s.frames) {
    const rid = ridOf(f);
    if (rid === undefined || !rid.startsWith(prefix)) continue;
    out.set(rid, [...(out.get(rid) ?? []), f.type]);
  }
  return out;
}

/** Wait until every rid in `rids` has an answer on `s` (or time runs out), then a little more for duplicates. */
async function settle(s: Sock, prefix: string, rids: string[], ms = 8000): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline && rids.some((r) => !answers(s, prefix).has(r))) await sleep(50);
  await sleep(600);
}

function expectExactlyOne(s: Sock, prefix: string, rids: string[]): void {
  const got = answers(s, prefix);
  const wrong = rids
    .map((r) => [r, got.get(r) ?? []] as const)
    .filter(([, list]) => list.length !== 1);
  expect(wrong).toEqual([]);
  // Nothing answered that was never sent.
  expect([...got.keys()].filter((r) => !rids.includes(r))).toEqual([]);
}

describe("every command with a rid gets exactly one answer", { timeout: 60_000 }, () => {
  it("back-to-back hands, answers, questions, votes and chat from students; drafts and chat from staff", async () => {
    const { classId, teacher } = await createClass();
    const t = await open(classId, teacher.client.cookie);
    await t.next("poll.list");
    const a = await open(classId, (await signUp("student", "Ann")).client.cookie);
    const b = await open(classId, (await signUp("student", "Ben")).client.cookie);
    await a.next("section.snapshot");
    await b.next("section.snapshot");

    t.send({
      type: "poll.create",
      kind: "poll",
      question: "Pick",
      options: ["x", "y", "z"],
      rid: "init-poll",
    });
    const { pollId } = await t.next("poll.created", (f) => f.rid === "init-poll");
    t.send({ type: "poll.open", pollId });
    await a.next("poll.opened");
    b.send({ type: "qa.ask", text: "Ben's question", rid: "init-q" });
    const qid = (await b.next("qa.asked", (f) => f.rid === "init-q")).question.id;

    // The case, then every other rid-carrying student command, back to back.
    const burst: [string, Record<string, unknown>][] = [
      ["r1", { type: "hand.raise" }],
      ["r2", { type: "hand.lower" }],
      ["r3", { type: "hand.raise" }],
      ["r4", { type: "poll.answer", pollId, choices: [0] }],
      ["r5", { type: "poll.answer", pollId, choices: [1] }],
      ["r6", { type: "qa.vote", questionId: qid, up: true }],
      ["r7", { type: "qa.vote", questionId: qid, up: false }],
      ["r8", { type: "qa.ask", text: "Ann asks" }],
      ["r9", { type: "chat.send", text: "hello" }],
      ["r10", { type: "chat.send", text: "" }], // refused by chat policy
      ["r11", { type: "poll.answer", pollId: "nope", choices: [0] }], // unknown poll
      ["r12", { type: "poll.create", kind: "poll", question: "q", options: ["a", "b"] }], // forbidden
      ["r13", { type: "poll.answer", pollId, choices: "zero" }], // schema refusal
      ["r14", { type: "hand.lower" }],
    ];
    for (const [rid, m] of burst) a.send({ ...m, rid });

    // Staff: drafts (one refused) and global chat, back to back.
    const staff: [string, Record<string, unknown>][] = [
      ["s1", { type: "poll.create", kind: "poll", question: "One", options: ["a", "b"] }],
      ["s2", { type: "poll.create", kind: "poll", question: "Two", options: ["a", "b"] }],
      ["s3", { type: "poll.create", kind: "quiz", question: "Bad", options: ["a", "b"] }], // invalid_draft
      ["s4", { type: "chat.send", text: "from the teacher" }],
      ["s5", { type: "poll.create", kind: "poll", question: "x", options: [] }], // schema refusal
    ];
    for (const [rid, m] of staff) t.send({ ...m, rid });

    const rids = burst.map(([r]) => r);
    await settle(a, "r", rids);
    expectExactlyOne(a, "r", rids);
    const sRids = staff.map(([r]) => r);
    await settle(t, "s", sRids);
    expectExactlyOne(t, "s", sRids);

    // Folded commands are answered with the state they produced: the hand is down (r14).
    const hands = a.all("hand.position").filter((f) => f.rid);
    expect(hands.at(-1)).toMatchObject({ rid: "r14", raised: false });
    for (const s of [t, a, b]) s.close();
  });

  it("every hand command of a rapid toggle is answered, across several report windows", async () => {
    const { classId } = await createClass();
    const a = await open(classId, (await signUp("student", "Ann")).client.cookie);
    await a.next("section.snapshot");
    const rids: string[] = [];
    // 30 toggles at ~25/s: inside one report window and across several; the per-user
    // limit (burst 10, then 1/s) refuses some, each with its own rid.
    for (let i = 0; i < 30; i++) {
      const rid = `h${i}`;
      rids.push(rid);
      a.send({ type: i % 2 ? "hand.lower" : "hand.raise", rid });
      if (i % 3 === 2) await sleep(40);
    }
    await settle(a, "h", rids);
    expectExactlyOne(a, "h", rids);
    a.close();
  });

  it("frames refused by the connection's frame guard still answer their rid", async () => {
    const { classId } = await createClass();
    const a = await open(classId, (await signUp("student", "Ann")).client.cookie);
    await a.next("section.snapshot");
    const rids: string[] = [];
    // 30 frames at once: the guard's burst is 20, the rest are refused before parsing.
    for (let i = 0; i < 30; i++) {
      const rid = `g${i}`;
      rids.push(rid);
      a.send({ type: "qa.vote", questionId: "none", up: true, rid });
    }
    await settle(a, "g", rids);
    expectExactlyOne(a, "g", rids);
    expect(a.all("error").filter((e) => e.code === "rate_limited").length).toBeGreaterThan(0);
    a.close();
  });

  it("schema refusals of poll, hand, Q&A and board commands carry ref and rid", async () => {
    const { classId, teacher } = await createClass();
    const t = await open(classId, teacher.client.cookie);
    await t.next("poll.list");
    const a = await open(classId, (await signUp("student", "Ann")).client.cookie);
    await a.next("section.snapshot");
    const bad: Record<string, unknown>[] = [
      { type: "poll.answer", pollId: "p", choices: [99], rid: "i1" },
      { type: "hand.raise", rid: "i2", please: true },
      { type: "qa.ask", text: "   ", rid: "i3" },
      { type: "qa.vote", questionId: "q", rid: "i4" },
    ];
    for (const m of bad) a.send(m);
    for (const m of bad)
      expect(await a.next("error", (f) => f.rid === m.rid)).toMatchObject({
        code: "invalid_message",
        ref: m.type,
        rid: m.rid,
      });
    t.send({ type: "poll.create", kind: "poll", question: "", options: ["a", "b"], rid: "i5" });
    expect(await t.next("error", (f) => f.rid === "i5")).toMatchObject({
      code: "invalid_message",
      ref: "poll.create",
    });
    t.send({ type: "board.stroke", points: "nope" });
    expect(await t.next("error", (f) => f.ref === "board.stroke")).toMatchObject({
      code: "invalid_message",
    });
    t.close();
    a.close();
  });
});
