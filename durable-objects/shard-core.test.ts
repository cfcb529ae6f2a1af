import { describe, expect, it } from "vitest";
import type { Author } from "../protocol/realtime.ts";
import { DEFAULT_RULES } from "./chat-policy.ts";
import type { ShardReport } from "./rpc.ts";
import {
  admitFrame,
  admitHello,
  GUARD,
  HELLO_MIN_INTERVAL_MS,
  newGuard,
  REPORT_KEEP,
  reportRetryDelay,
  requeueReport,
  ShardCore,
  sectionOf,
  strike,
} from "./shard-core.ts";

const T0 = 5_000_000;
const stu: Author = { id: "u1", name: "Ann", role: "student" };
const teacher: Author = { id: "t1", name: "T", role: "teacher" };

describe("ShardCore", () => {
  it("posts student chat to the section with a per-section sseq and an id naming the section", () => {
    const core = new ShardCore("s2");
    const fx = core.onMessage(stu, { type: "chat.send", text: " hi ", rid: "r" }, T0);
    expect(fx).toEqual([
      {
        kind: "section",
        frame: {
          type: "section.message",
          sectionId: "s2",
          sseq: 1,
          message: {
            id: "s2.1",
            channel: "section",
            sectionId: "s2",
            from: stu,
            text: "hi",
            at: T0,
            rid: "r",
          },
        },
      },
    ]);
    expect(sectionOf("s2.1")).toBe("s2");
    expect(sectionOf("g4")).toBeNull();
  });

  it("sends staff chat and commands upstream instead of posting locally", () => {
    const core = new ShardCore("staff");
    expect(core.onMessage(teacher, { type: "chat.send", text: "hello" }, T0)).toEqual([
      { kind: "upstream", command: { by: teacher, message: { type: "chat.send", text: "hello" } } },
    ]);
    const ban = { type: "mod.ban", userId: "u1" } as const;
    expect(core.onMessage(teacher, ban, T0)).toEqual([
      { kind: "upstream", command: { by: teacher, message: ban } },
    ]);
  });

  it("refuses staff commands from students and rejected chat with a reply plus a recorded rejection", () => {
    const core = new ShardCore("s1");
    expect(core.onMessage(stu, { type: "mod.ban", userId: "x" }, T0)).toEqual([
      {
        kind: "reply",
        frame: {
          type: "error",
          code: "forbidden",
          message: "You may not do that.",
          ref: "mod.ban",
        },
      },
    ]);
    const fx = core.onMessage(stu, { type: "chat.send", text: "   " }, T0);
    expect(fx[0]).toMatchObject({
      kind: "reply",
      frame: { type: "chat.rejected", reason: "empty" },
    });
    expect(fx[1]).toMatchObject({
      kind: "rejection",
      rejection: { sectionId: "s1", user: stu, reason: "empty" },
    });
  });

  it("applies root controls: timeouts notify the user, deletes only touch their own section", () => {
    const core = new ShardCore("s1", 3, DEFAULT_RULES);
    const fx = core.onControl({ kind: "timeout", userId: "u1", until: T0 + 10_000 });
    expect(fx[1]).toEqual({
      kind: "toUser",
      userId: "u1",
      frame: { type: "sanction.applied", kind: "timeout", until: T0 + 10_000 },
    });
    expect(core.onMessage(stu, { type: "chat.send", text: "x" }, T0)[0]).toMatchObject({
      frame: { reason: "timed_out" },
    });
    expect(core.onControl({ kind: "delete", messageId: "s2.1" })).toEqual([]);
    expect(core.onControl({ kind: "delete", messageId: "s1.2" })).toEqual([
      { kind: "forget", messageId: "s1.2" },
      {
        kind: "section",
        frame: { type: "section.deleted", sectionId: "s1", sseq: 4, messageId: "s1.2" },
      },
    ]);
    expect(core.pruneTimeouts(T0 + 10_001)).toBe(true);
    expect(core.rules.timeouts).toEqual({});
  });

  it("keeps a time-out when a sync answer computed before it arrives after its control", () => {
    const core = new ShardCore("s1", 0, { ...DEFAULT_RULES, version: 3 });
    const stale = { ...DEFAULT_RULES, slowModeSec: 5, version: 3 };
    core.onControl({ kind: "timeout", userId: "u1", until: T0 + 10_000, version: 4 });
    // The old code replaced the rules with any sync answer that differed: the time-out was gone.
    expect(core.adoptRules(stale)).toBe(false);
    expect(core.rules.timeouts).toEqual({ u1: T0 + 10_000 });
    expect(core.onMessage(stu, { type: "chat.send", text: "x" }, T0)[0]).toMatchObject({
      frame: { reason: "timed_out" },
    });
    expect(core.timeoutNotice("u1", T0)).toEqual({
      type: "sanction.applied",
      kind: "timeout",
      until: T0 + 10_000,
    });
    expect(core.timeoutNotice("u1", T0 + 10_000)).toBeNull();
    // A rules control that overtook the time-out's own control still holds it; the user is told.
    const newer = { ...DEFAULT_RULES, timeouts: { u2: T0 + 5000 }, version: 6 };
    expect(core.onControl({ kind: "rules", rules: newer })).toEqual([{ kind: "rulesChanged" }]);
    expect(core.onControl({ kind: "timeout", userId: "u2", until: T0 + 5000, version: 5 })).toEqual(
      [
        {
          kind: "toUser",
          userId: "u2",
          frame: { type: "sanction.applied", kind: "timeout", until: T0 + 5000 },
        },
      ],
    );
    expect(core.rules).toEqual(newer);
    expect(core.onControl({ kind: "rules", rules: { ...DEFAULT_RULES, version: 5 } })).toEqual([]);
  });

  it("a time-out push past a lost rules push is a gap: enforced, but the version stays and the full rules are pulled", () => {
    const core = new ShardCore("s1", 0, { ...DEFAULT_RULES, version: 5 });
    // Version 6 (slow mode 10 s) was lost on its way; the time-out of version 7 arrives.
    const fx = core.onControl({ kind: "timeout", userId: "u1", until: T0 + 10_000, version: 7 });
    expect(fx).toContainEqual({ kind: "pullRules" });
    expect(core.rules.version).toBe(5);
    expect(core.rules.timeouts).toEqual({ u1: T0 + 10_000 });
    expect(core.onMessage(stu, { type: "chat.send", text: "x" }, T0)[0]).toMatchObject({
      frame: { reason: "timed_out" },
    });
    // The pull brings the full rules of version 7: taken, slow mode included.
    const full = {
      ...DEFAULT_RULES,
      slowModeSec: 10,
      timeouts: { u1: T0 + 10_000 },
      version: 7,
    };
    expect(core.adoptRules(full)).toBe(true);
    expect(core.rules).toEqual(full);
    // Contiguous: version 8 builds on 7, no pull.
    const next = core.onControl({ kind: "timeout", userId: "u2", until: T0 + 5000, version: 8 });
    expect(next).not.toContainEqual({ kind: "pullRules" });
    expect(core.rules.version).toBe(8);
    expect(core.rules.slowModeSec).toBe(10);
  });

  it("orders watch news by version: an older 'stop' cannot undo a newer 'start'", () => {
    const core = new ShardCore("s1");
    expect(core.setWatched(true, 4)).toBe(true);
    expect(core.onControl({ kind: "watch", on: false, v: 3 })).toEqual([]);
    expect(core.watched).toBe(true);
    core.onControl({ kind: "watch", on: false, v: 5 });
    expect(core.watched).toBe(false);
  });

  it("asks for a resync on hello and refuses other protocol versions", () => {
    const core = new ShardCore("s1");
    expect(core.onMessage(stu, { type: "hello", v: 1, resume: 7 }, T0)).toEqual([
      { kind: "resync", resume: 7 },
    ]);
    expect(core.onMessage(stu, { type: "hello", v: 9 }, T0)[0]).toMatchObject({
      frame: { code: "unsupported_version" },
    });
  });
});

describe("connection guard", () => {
  it("lets a staff socket stream whiteboard batches at 20 frames/s, which refuses a student", () => {
    const staff = newGuard(T0, true);
    const student = newGuard(T0);
    const verdicts = { staff: new Set<string>(), student: new Set<string>() };
    // Two minutes of drawing: one batch every 50 ms.
    for (let t = T0; t < T0 + 120_000; t += 50) {
      verdicts.staff.add(admitFrame(staff, t));
      verdicts.student.add(admitFrame(student, t));
    }
    expect([...verdicts.staff]).toEqual(["ok"]);
    expect(verdicts.student.has("refuse")).toBe(true);
  });

  it("allows a burst, refuses beyond it, closes a sustained flood, and recovers with time", () => {
    const g = newGuard(T0);
    for (let i = 0; i < GUARD.burst; i++) expect(admitFrame(g, T0)).toBe("ok");
    for (let i = 1; i < GUARD.closeAfterRefused; i++) expect(admitFrame(g, T0)).toBe("refuse");
    expect(admitFrame(g, T0)).toBe("close");
    const h = newGuard(T0);
    for (let i = 0; i < GUARD.burst; i++) admitFrame(h, T0);
    expect(admitFrame(h, T0 + 1000)).toBe("ok");
  });

  it("closes after too many invalid frames, forgiving one per second", () => {
    const g = newGuard(T0);
    for (let i = 0; i < GUARD.maxStrikes; i++) expect(strike(g)).toBe("ok");
    admitFrame(g, T0 + 5000);
    expect(strike(g)).toBe("ok");
    for (let i = 0; i < 5; i++) strike(g);
    expect(strike(g)).toBe("close");
  });
});

describe("hello resync guard", () => {
  it("allows one resync in flight per socket and at most one every 2 s", () => {
    const g = newGuard(T0);
    expect(admitHello(g, false, T0)).toBe("ok");
    expect(admitHello(g, true, T0 + 5000)).toBe("busy");
    expect(admitHello(g, false, T0 + HELLO_MIN_INTERVAL_MS - 1)).toBe("too_soon");
    expect(admitHello(g, false, T0 + HELLO_MIN_INTERVAL_MS)).toBe("ok");
  });
});

describe("shard → root report retries", () => {
  const rep = (over: Partial<ShardReport> = {}): ShardReport => ({
    sectionId: "s1",
    sockets: 0,
    joins: [],
    leaves: [],
    commands: [],
    rejections: [],
    relay: [],
    ...over,
  });
  const who: Author = { id: "m", name: "M", role: "moderator" };

  it("backs off exponentially from 100 ms to 5 s", () => {
    expect([1, 2, 3, 4, 5, 6, 7, 20].map(reportRetryDelay)).toEqual([
      100, 200, 400, 800, 1600, 3200, 5000, 5000,
    ]);
  });

  it("keeps joins, leaves, commands and the watch set across any number of failures, oldest first", () => {
    let pending = rep({
      joins: [{ user: who, at: 1 }],
      leaves: [{ user: who, joinedAt: 1, at: 2 }],
      commands: [{ by: who, message: { type: "mod.unban", userId: "x" } }],
      relay: ["f"],
      watching: ["s2"],
    });
    // 50 failed flushes in a row (the old code gave up after 10); each adds a join.
    let next = pending;
    for (let i = 0; i < 50; i++) {
      next = rep({ joins: [{ user: who, at: 100 + i }] });
      expect(requeueReport(pending, next)).toEqual({ commands: [], asks: [] });
      pending = next;
    }
    expect(next.joins).toHaveLength(51);
    expect(next.joins[0]!.at).toBe(1);
    expect(next.leaves).toHaveLength(1);
    expect(next.commands).toHaveLength(1);
    expect(next.watching).toEqual(["s2"]);
    expect(next.relay).toEqual([]);
  });

  it("caps what it holds and hands back the staff commands it had to drop", () => {
    const cmd = (userId: string) => ({ by: who, message: { type: "mod.unban" as const, userId } });
    const failed = rep({
      commands: Array.from({ length: REPORT_KEEP.commands }, (_, i) => cmd(`u${i}`)),
      joins: Array.from({ length: REPORT_KEEP.attendance }, (_, i) => ({ user: who, at: i })),
    });
    const next = rep({ commands: [cmd("new")], leaves: [{ user: who, joinedAt: 0, at: 9 }] });
    expect(requeueReport(failed, next).commands).toEqual([cmd("u0")]);
    expect(next.commands.at(-1)).toEqual(cmd("new"));
    expect(next.joins.length + next.leaves.length).toBe(REPORT_KEEP.attendance);
    expect(next.leaves).toHaveLength(1);
  });
});
