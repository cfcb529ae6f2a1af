import { describe, expect, it } from "vitest";
import { HandQueue } from "./hand-queue-core.ts";

describe("hand queue", () => {
  it("orders first raised first; positions move up as hands come down", () => {
    const q = new HandQueue();
    expect(q.raise("a", "Ann", 1)).toBe(1);
    expect(q.raise("b", "Bob", 2)).toBe(2);
    expect(q.raise("c", "Cy", 3)).toBe(3);
    expect(q.raise("b", "Bob", 9)).toBe(2); // raising again keeps your place
    expect(q.lower("a", 4)).toBe(true);
    expect(q.position("b")).toBe(1);
    expect(q.position("c")).toBe(2);
    expect(q.position("a")).toBeNull();
    expect(q.count).toBe(2);
  });

  it("acknowledging calls on a student and records it; lower all empties the queue", () => {
    const q = new HandQueue();
    q.raise("a", "Ann", 1);
    q.raise("b", "Bob", 2);
    expect(q.ack("a", 5)).toBe(true);
    expect(q.acknowledged).toEqual({ userId: "a", name: "Ann", at: 5 });
    expect(q.ack("zzz", 5)).toBe(false);
    expect(q.lowerAll(6)).toBe(1);
    expect(q.count).toBe(0);
    expect(q.events.map((e) => e.kind)).toEqual(["raise", "raise", "ack", "lower"]);
  });

  it("pages through 100,000 hands with correct positions, and survives a round trip", () => {
    const q = new HandQueue();
    for (let i = 0; i < 100_000; i++) q.raise(`u${i}`, `U${i}`, i);
    for (let i = 0; i < 100_000; i += 2) q.lower(`u${i}`, 200_000);
    expect(q.count).toBe(50_000);
    expect(q.position("u99999")).toBe(50_000);
    expect(q.position("u1")).toBe(1);
    const page = q.page(10, 3);
    expect(page.map((h) => [h.userId, h.position])).toEqual([
      ["u21", 11],
      ["u23", 12],
      ["u25", 13],
    ]);
    const back = HandQueue.from(JSON.parse(JSON.stringify(q.toJSON())));
    expect(back.position("u99999")).toBe(50_000);
    expect(back.raise("new", "New", 300_000)).toBe(50_001);
  });

  it("orders by the receiving shard's stamp, not by when each shard's report arrives", () => {
    // Section A received Ann's raise at 100 and Cy's at 130; section B received Bob's at
    // 110. B's report reaches the root first, then A's (its window closed later).
    const q = new HandQueue();
    q.raise("bob", "Bob", 110);
    q.raise("ann", "Ann", 100);
    q.raise("cy", "Cy", 130);
    // A same-millisecond tie goes by user id.
    q.raise("abe", "Abe", 110);
    expect(q.page(0, 10).map((h) => [h.userId, h.position])).toEqual([
      ["ann", 1],
      ["abe", 2],
      ["bob", 3],
      ["cy", 4],
    ]);
    expect(q.position("bob")).toBe(3);
    // A retried report from long ago still lands in front; lowered hands do not count.
    q.lower("abe", 140);
    q.raise("dee", "Dee", 50);
    expect(q.page(0, 10).map((h) => h.userId)).toEqual(["dee", "ann", "bob", "cy"]);
    expect(q.position("cy")).toBe(4);
    const back = HandQueue.from(JSON.parse(JSON.stringify(q.toJSON())));
    expect(back.page(0, 10).map((h) => h.userId)).toEqual(["dee", "ann", "bob", "cy"]);
    expect(back.raise("eve", "Eve", 120)).toBe(4);
  });

  it("equals a global sort of (at, userId) for seeded random report orders", () => {
    let seed = 7;
    const rnd = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let run = 0; run < 10; run++) {
      const q = new HandQueue();
      const up = new Map<string, number>();
      for (let step = 0; step < 300; step++) {
        const user = `u${Math.floor(rnd() * 60)}`;
        // Stamps from several shards arrive up to 200 ms out of order.
        const at = step * 10 - Math.floor(rnd() * 200);
        if (rnd() < 0.7) {
          q.raise(user, user, at);
          if (!up.has(user)) up.set(user, at);
        } else {
          q.lower(user, at);
          up.delete(user);
        }
        const want = [...up]
          .sort(([ua, a], [ub, b]) => a - b || (ua < ub ? -1 : 1))
          .map(([u]) => u);
        const got = q.page(0, 1000).map((h) => h.userId);
        expect(got).toEqual(want);
        expect(want.map((u) => q.position(u))).toEqual(want.map((_, i) => i + 1));
      }
      const back = HandQueue.from(JSON.parse(JSON.stringify(q.toJSON())));
      expect(back.page(0, 1000).map((h) => h.userId)).toEqual(q.page(0, 1000).map((h) => h.userId));
    }
  });
});
