import { describe, expect, it } from "vitest";
import { addCommand, emptyInteractive, requeueInteractive } from "./interactive-shard.ts";
import type { ShardReport } from "./rpc.ts";
import { droppedErrors, requeueReport, ShardCore } from "./shard-core.ts";
import { moderator, student, T0, teacher } from "./testing/root-harness.ts";

describe("a shard's interactive report", () => {
  it("a failed report's interactive part is resent without losing or doubling", () => {
    const failed = emptyInteractive();
    const next = emptyInteractive();
    addCommand(failed, student(1), { type: "poll.answer", pollId: "p", choices: [0] }, 1);
    addCommand(failed, student(2), { type: "poll.answer", pollId: "p", choices: [1] }, 1);
    addCommand(next, student(1), { type: "poll.answer", pollId: "p", choices: [2] }, 2);
    addCommand(failed, student(1), { type: "qa.ask", text: "a" }, 1);
    addCommand(next, student(1), { type: "qa.ask", text: "b" }, 2);
    failed.chats.u1 = { count: 2, at: 1 };
    next.chats.u1 = { count: 1, at: 2 };
    requeueInteractive(failed, next);
    expect(Object.values(next.answers).map((a) => [a.user.id, a.choices])).toEqual([
      ["u1", [2]],
      ["u2", [1]],
    ]);
    expect(next.asks.map((a) => a.text)).toEqual(["a", "b"]);
    expect(next.chats.u1!.count).toBe(3);
  });
});

describe("every rid gets exactly one answer", () => {
  it("a requeued report keeps the rids of entries a newer one replaced, and names the questions it drops", () => {
    const failed = emptyInteractive();
    const next = emptyInteractive();
    addCommand(failed, student(1), { type: "hand.raise", rid: "x1" }, 1);
    addCommand(failed, student(1), { type: "qa.vote", questionId: "q", up: true, rid: "v1" }, 1);
    addCommand(next, student(1), { type: "hand.lower", rid: "x2" }, 2);
    addCommand(next, student(1), { type: "qa.vote", questionId: "q", up: false, rid: "v2" }, 2);
    for (let i = 0; i < 501; i++)
      addCommand(failed, student(2), { type: "qa.ask", text: `q${i}`, rid: `q${i}` }, 1);
    const dropped = requeueInteractive(failed, next);
    expect(next.hands.u1).toMatchObject({ up: false, rids: ["x1", "x2"] });
    expect(next.votes["q u1"]).toMatchObject({ up: false, rids: ["v1", "v2"] });
    expect(dropped.map((q) => q.rid)).toEqual(["q0"]);
    expect(next.asks).toHaveLength(500);
    // The shard tells each sender of a dropped command, by its rid.
    const failedReport: ShardReport = {
      sectionId: "s1",
      sockets: 1,
      joins: [],
      leaves: [],
      commands: [],
      rejections: [],
      relay: [],
      interactive: emptyInteractive(),
    };
    addCommand(failedReport.interactive!, student(3), { type: "qa.ask", text: "x", rid: "z" }, 1);
    const full: ShardReport = { ...failedReport, interactive: emptyInteractive() };
    for (let i = 0; i < 500; i++)
      addCommand(full.interactive!, student(4), { type: "qa.ask", text: `${i}`, rid: `${i}` }, 2);
    expect(droppedErrors(requeueReport(failedReport, full))).toEqual([
      {
        userId: "u3",
        frame: {
          type: "error",
          code: "unavailable",
          message: expect.any(String),
          ref: "qa.ask",
          rid: "z",
        },
      },
    ]);
  });

  it("a forbidden command echoes its rid", () => {
    const core = new ShardCore("s1");
    expect(
      core.onMessage(
        student(1),
        { type: "poll.create", kind: "poll", question: "q", options: ["a", "b"], rid: "f" },
        T0,
      ),
    ).toMatchObject([
      { kind: "reply", frame: { code: "forbidden", ref: "poll.create", rid: "f" } },
    ]);
  });
});

describe("interactive commands at the shard", () => {
  const a = student(1);
  it("batches students' commands, sends staff commands up, refuses students' staff commands", () => {
    const core = new ShardCore("s1");
    expect(
      core.onMessage(a, { type: "poll.answer", pollId: "p", choices: [1], rid: "x" }, T0),
    ).toEqual([
      {
        kind: "interactive",
        who: a,
        command: { type: "poll.answer", pollId: "p", choices: [1], rid: "x" },
      },
    ]);
    expect(core.onMessage(a, { type: "poll.open", pollId: "p" }, T0)).toEqual([
      {
        kind: "reply",
        frame: {
          type: "error",
          code: "forbidden",
          message: "You may not do that.",
          ref: "poll.open",
        },
      },
    ]);
    const staff = new ShardCore("staff");
    expect(staff.onMessage(teacher, { type: "hand.clear" }, T0)).toEqual([
      { kind: "upstream", command: { by: teacher, message: { type: "hand.clear" } } },
    ]);
    expect(
      staff.onMessage(moderator, { type: "qa.settings", preModerate: true }, T0)[0],
    ).toMatchObject({ kind: "reply", frame: { code: "forbidden" } });
  });

  it("limits each student to a burst of interactive commands, then one a second, with typed errors", () => {
    const core = new ShardCore("s1");
    const kinds: string[] = [];
    for (let i = 0; i < 12; i++)
      kinds.push(core.onMessage(a, { type: "hand.raise", rid: `r${i}` }, T0)[0]!.kind);
    expect(kinds.filter((k) => k === "interactive")).toHaveLength(10);
    expect(core.onMessage(a, { type: "hand.lower", rid: "z" }, T0)).toEqual([
      {
        kind: "reply",
        frame: {
          type: "error",
          code: "rate_limited",
          message: expect.any(String),
          ref: "hand.lower",
          rid: "z",
        },
      },
    ]);
    expect(core.onMessage(a, { type: "hand.lower" }, T0 + 1000)[0]!.kind).toBe("interactive");
    // Another student is not affected.
    expect(core.onMessage(student(2), { type: "hand.raise" }, T0)[0]!.kind).toBe("interactive");
  });

  it("a report the root did not take keeps its votes for the next one (requeueReport)", () => {
    const failed: ShardReport = {
      sectionId: "s1",
      sockets: 3,
      joins: [],
      leaves: [],
      commands: [],
      rejections: [],
      relay: [],
      interactive: emptyInteractive(),
    };
    addCommand(failed.interactive!, a, { type: "poll.answer", pollId: "p", choices: [0] }, T0);
    const next: ShardReport = { ...failed, interactive: undefined };
    requeueReport(failed, next);
    expect(Object.keys(next.interactive!.answers)).toEqual(["p u1"]);
  });
});
