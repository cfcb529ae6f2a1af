/** The ban list names whom it banned: a guest has no account to look the name up in later. */
import { describe, expect, it } from "vitest";
import type { Author } from "../protocol/realtime.ts";
import { initialDurable, RootCore } from "./classroom-core.ts";

const T0 = 10_000_000;
const teacher: Author = { id: "t", name: "T", role: "teacher" };

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
