import { describe, expect, it } from "vitest";
import type { Author } from "../protocol/realtime.ts";
import { LIST_MS } from "./interactive-effects.ts";
import { HAND_AWAY_MS } from "./interactive-hands.ts";
import type { StudentCommand } from "./interactive-shard.ts";
import { d1, events, setup, staffFrames, student, T0, toUser } from "./testing/root-harness.ts";

describe("hands at the root", () => {
  it("keeps the queue in raise order, acks and lowers, and sends the count at a bounded rate", () => {
    const s = setup();
    s.join("s1", [student(1), student(2), student(3)]);
    const raise = (i: number) =>
      [student(i), { type: "hand.raise", rid: `h${i}` }] as [Author, StudentCommand];
    // Stamped one ms apart (a same-ms tie would go by user id: decision 016).
    s.batch("s1", [raise(2)], T0 - 2);
    const fx = s.batch("s1", [raise(1)], T0 - 1);
    s.batch("s1", [raise(3)], T0);
    expect(toUser(fx, "u1")).toEqual([
      { type: "hand.position", raised: true, position: 2, rid: "h1" },
    ]);
    const t1 = s.c.interactive.tick(T0 + LIST_MS);
    expect(events(t1)).toMatchObject([{ type: "hand.count", count: 3 }]);
    expect(staffFrames(t1).find((f) => f.type === "hand.queue")).toMatchObject({
      count: 3,
      hands: [{ userId: "u2" }, { userId: "u1" }, { userId: "u3" }],
    });
    const acked = s.staff({ type: "hand.ack", userId: "u2" }, T0 + 1500);
    expect(toUser(acked, "u2")).toEqual([
      { type: "hand.position", raised: false, position: null, acknowledged: true },
    ]);
    expect(
      d1(acked)
        .filter((r) => r.table === "engagement_events")
        .map((r) => r.kind),
    ).toEqual(["hand_ack"]);
    // Nothing more within the bounded rate window; then positions move up.
    const t2 = s.c.interactive.tick(T0 + 2000 + LIST_MS);
    expect(events(t2)).toMatchObject([{ type: "hand.count", count: 2 }]);
    expect(toUser(t2, "u1")).toEqual([{ type: "hand.position", raised: true, position: 1 }]);
    const miss = toUser(s.staff({ type: "hand.dismiss", userId: "u9" }), "t");
    expect(miss[0]).toMatchObject({ type: "error", code: "not_raised" });
    s.staff({ type: "hand.clear" }, T0 + 5000);
    expect(s.c.snapshot()).toMatchObject({ state: { interactive: { hands: { count: 0 } } } });
  });

  it("lowers the hand of a student gone for HAND_AWAY_MS; a reconnect in time keeps the place", () => {
    const s = setup();
    s.join("s1", [student(1), student(2)]);
    const raise = (i: number) =>
      [student(i), { type: "hand.raise", rid: `h${i}` }] as [Author, StudentCommand];
    s.batch("s1", [raise(1), raise(2)], T0);
    const leave = (i: number, sockets: number, at: number) =>
      s.c.report(
        {
          sectionId: "s1",
          sockets,
          joins: [],
          leaves: [{ user: student(i), joinedAt: T0, at }],
          commands: [],
          rejections: [],
          relay: [],
        },
        at,
      );
    leave(1, 1, T0 + 100);
    leave(2, 0, T0 + 100);
    // u1 comes back on another shard within the grace period; u2 does not.
    s.join("s2", [student(1)]);
    s.c.interactive.tick(T0 + 100 + HAND_AWAY_MS - 1);
    expect(s.c.snapshot()).toMatchObject({ state: { interactive: { hands: { count: 2 } } } });
    const fx = s.c.interactive.tick(T0 + 100 + HAND_AWAY_MS + LIST_MS);
    expect(events(fx)).toMatchObject([{ type: "hand.count", count: 1 }]);
    expect(s.c.snapshot()).toMatchObject({ state: { interactive: { hands: { count: 1 } } } });
  });
});
