/** Rules, sanctions and staff protection (root-moderation.ts), through RootCore. */
import { describe, expect, it } from "vitest";
import type { Author } from "../protocol/realtime.ts";
import { initialDurable, RootCore } from "./classroom-core.ts";
import { core, report, T0, teacher } from "./root-test-support.ts";

describe("RootCore staff protection", () => {
  const mod: Author = { id: "m", name: "M", role: "moderator" };
  const refused = (ref: string) => [
    {
      kind: "control",
      sectionId: "staff",
      control: {
        kind: "notify",
        userId: "m",
        frame: { type: "error", code: "forbidden", message: expect.any(String), ref },
      },
    },
  ];

  const joined = (sectionId: string, id: string, role: Author["role"]) =>
    report(sectionId, { sockets: 1, joins: [{ user: { id, name: id, role }, at: T0 }] });

  it("refuses to ban or time out staff the shards reported joining, answering the sender with a typed error", () => {
    const c = core();
    c.report(joined("staff", "t", "teacher"), T0);
    c.report(joined("staff", "m2", "moderator"), T0);
    expect(c.durable.staff).toEqual({ t: "teacher", m2: "moderator" });
    for (const target of ["t", "m2"]) {
      expect(c.command({ by: mod, message: { type: "mod.ban", userId: target } }, T0)).toEqual(
        refused("mod.ban"),
      );
      expect(
        c.command({ by: mod, message: { type: "mod.timeout", userId: target, seconds: 60 } }, T0),
      ).toEqual(refused("mod.timeout"));
    }
    expect(c.durable.bans).toEqual({});
    expect(c.durable.timeouts).toEqual({});
    // Once back as a student (grant revoked), they can be sanctioned again.
    c.report(joined("s1", "m2", "student"), T0);
    c.command({ by: mod, message: { type: "mod.ban", userId: "m2" } }, T0);
    expect(Object.keys(c.durable.bans)).toEqual(["m2"]);
    // Staff ids survive a restart (they live in the durable state).
    const restarted = new RootCore(structuredClone(c.durable), [], 2, () => "x");
    expect(restarted.isStaffUser("t")).toBe(true);
  });
});

describe("RootCore kickUser", () => {
  it("kicks a user from every section that may hold their socket, even one not yet reported", () => {
    const c = core();
    // The staff shard admitted on its own (decision 014): its first report is not in yet.
    c.holdSection("staff", undefined, T0);
    const fx = c.kickUser("m", 4001, "revoked", T0);
    expect(fx).toContainEqual({
      kind: "control",
      sectionId: "staff",
      control: { kind: "kick", userId: "m", code: 4001, reason: "revoked" },
    });
  });
});

describe("RootCore versions of what reaches shards by two paths", () => {
  it("versions the rules with every time-out and settings change", () => {
    const c = core();
    expect(c.rules(T0).version).toBe(0);
    // s2's last report said empty (its new socket's join still on the way): it is told too.
    c.report(report("s1", { sockets: 1 }), T0);
    c.report(report("s2", { sockets: 0 }), T0);
    c.report(report("staff", { sockets: 1 }), T0);
    const fx = c.command(
      { by: teacher, message: { type: "mod.timeout", userId: "u1", seconds: 10 } },
      T0,
    );
    const control = { kind: "timeout", userId: "u1", until: T0 + 10_000, version: 1 };
    expect(fx.filter((x) => x.kind === "control")).toEqual([
      { kind: "control", sectionId: "s1", control },
      { kind: "control", sectionId: "s2", control },
    ]);
    c.command({ by: teacher, message: { type: "settings.update", slowModeSec: 10 } }, T0);
    expect(c.rules(T0)).toMatchObject({
      version: 2,
      slowModeSec: 10,
      timeouts: { u1: T0 + 10_000 },
    });
  });
});

describe("RootCore ban list names", () => {
  it("records the banned person's name while they are connected, and none for a stranger", () => {
    const c = new RootCore(initialDurable("c1"), [], 10, () => "sess1");
    c.report(
      {
        sectionId: "s1",
        sockets: 1,
        joins: [{ user: { id: "g_abc", name: "Gus", role: "student" }, at: T0 }],
        leaves: [],
        commands: [],
        rejections: [],
        relay: [],
      },
      T0,
    );
    c.command({ by: teacher, message: { type: "mod.ban", userId: "g_abc" } }, T0 + 1);
    c.command({ by: teacher, message: { type: "mod.ban", userId: "nobody" } }, T0 + 2);
    expect(c.durable.bans).toEqual({
      g_abc: { name: "Gus", at: T0 + 1 },
      nobody: { at: T0 + 2 },
    });
  });
});
