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
    expect(back.raise("new", "New", 1)).toBe(50_001);
  });
});
