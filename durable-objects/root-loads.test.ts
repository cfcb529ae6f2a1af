/** Shard loads, seat lending and presence (root-loads.ts), through RootCore. */
import { describe, expect, it } from "vitest";
import type { Author } from "../protocol/realtime.ts";
import { presenceInterval } from "./classroom-core.ts";
import { core, isKick, report, T0, user } from "./root-test-support.ts";

describe("RootCore load changes", () => {
  it("marks only the sections and users a directory loan, hold or report touched, so a save is O(change)", () => {
    const c = core(2);
    const changes = () => ({
      sections: [...c.loadChanges.sections].sort(),
      users: Object.fromEntries(
        [...c.loadChanges.users].map(([s, m]) => [s, Object.fromEntries(m)]),
      ),
    });
    const clear = () => {
      c.loadChanges.sections.clear();
      c.loadChanges.users.clear();
    };
    c.directory("", T0);
    c.holdSection("s2", undefined, T0);
    expect(changes()).toEqual({ sections: ["s1", "s2"], users: {} });
    clear();
    const join = (id: string) => ({ user: { ...user(id), role: "student" as const }, at: T0 });
    c.report(report("s1", { sockets: 2, joins: [join("a"), join("b")] }), T0);
    expect(changes()).toEqual({ sections: ["s1"], users: { s1: { a: 1, b: 1 } } });
    clear();
    // Votes or chat only: nothing to save.
    c.report(report("s1", { sockets: 2 }), T0);
    expect(changes()).toEqual({ sections: [], users: {} });
    c.report(report("s1", { sockets: 1, leaves: [{ ...join("a"), joinedAt: T0 }] }), T0);
    expect(changes()).toEqual({ sections: ["s1"], users: { s1: { a: 0 } } });
    clear();
    // An empty shard forgets everyone it held.
    c.report(report("s1", { sockets: 0 }), T0);
    expect(changes()).toEqual({ sections: ["s1"], users: { s1: { b: 0 } } });
  });
});

describe("presenceInterval", () => {
  it("sends the count every 2 s in classes up to 20,000 and bounds the total frames/s above", () => {
    expect(presenceInterval(0)).toBe(2000);
    expect(presenceInterval(20_000)).toBe(2000);
    expect(presenceInterval(50_000)).toBe(5000);
    expect(presenceInterval(100_000)).toBe(10_000);
    expect(presenceInterval(400_000)).toBe(10_000);
  });
});

describe("RootCore socket cap per user", () => {
  it("closes the newest sockets of a user who spread more than 5 over several sections (4009)", () => {
    const c = core(100);
    const a: Author = { id: "a", name: "a", role: "student" };
    const joins = (n: number) => Array.from({ length: n }, () => ({ user: a, at: T0 }));
    expect(c.report(report("s1", { sockets: 4, joins: joins(4) }), T0).some(isKick)).toBe(false);
    expect(c.report(report("s2", { sockets: 1, joins: joins(1) }), T0).some(isKick)).toBe(false);
    expect(c.report(report("s2", { sockets: 3, joins: joins(2) }), T0).filter(isKick)).toEqual([
      {
        kind: "control",
        sectionId: "s2",
        control: { kind: "kick", userId: "a", code: 4009, reason: "too many sockets", newest: 2 },
      },
    ]);
  });
});

describe("RootCore directory (ticket minters, decision 014)", () => {
  const seats = (d: { sections: { room: number }[] }) => d.sections.reduce((n, s) => n + s.room, 0);

  it("lends one block per request to a lone mint", () => {
    const c = core(160);
    // Fill mark 128, block ceil(160 / 16) = 10.
    expect(seats(c.directory("", T0))).toBe(10);
  });

  it("lends a seat for every mint waiting in the asking isolate, opening sections to cover them", () => {
    const c = core(50);
    // 200 mints waiting at once (a join storm in one isolate): the fill mark is 40 a section,
    // so the root opens sections until it can lend all 200 in this one answer.
    let lent = 0;
    for (let round = 0; round < 6 && lent < 200; round++)
      lent += seats(c.directory("", T0, 200 - lent));
    expect(lent).toBe(200);
    // Never more than the fill mark in any one section.
    const d = c.directory("", T0, 1);
    for (const s of d.sections) expect(s.room).toBeLessThanOrEqual(40);
  });

  it("covers a burst in one or two answers, where blocks alone took one answer per block", () => {
    const c = core(50);
    let answers = 0;
    let lent = 0;
    while (lent < 120 && answers < 100) {
      lent += seats(c.directory("", T0, 120 - lent));
      answers++;
    }
    expect(lent).toBeGreaterThanOrEqual(120);
    expect(answers).toBeLessThanOrEqual(3);
  });
});
