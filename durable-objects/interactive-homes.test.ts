import { describe, expect, it } from "vitest";
import { setup, student, T0 } from "./testing/root-harness.ts";

describe("the shard that holds a student's answers", () => {
  it("a student who reconnects on another section has their answers handed over there", () => {
    const s = setup();
    s.join("s1", [student(1)]);
    const fx = s.c.report(
      {
        sectionId: "s2",
        sockets: 1,
        joins: [{ user: student(1), at: T0 + 5 }],
        leaves: [],
        commands: [],
        rejections: [],
        relay: [],
      },
      T0 + 5,
    );
    const release = fx.flatMap((e) =>
      e.kind === "control" && e.control.kind === "tally.release" ? [e] : [],
    );
    expect(release).toMatchObject([
      { sectionId: "s1", control: { userId: "u1", to: "s2", gen: T0 + 5 } },
    ]);
    // Back to the same section: nothing to hand over.
    const again = s.c.report(
      {
        sectionId: "s2",
        sockets: 1,
        joins: [{ user: student(1), at: T0 + 6 }],
        leaves: [],
        commands: [],
        rejections: [],
        relay: [],
      },
      T0 + 6,
    );
    expect(again.some((e) => e.kind === "control" && e.control.kind === "tally.release")).toBe(
      false,
    );
  });
});
