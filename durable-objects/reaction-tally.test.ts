import { describe, expect, it } from "vitest";
import { REACTION_BURST_MS, type ReactionCounts } from "../protocol/realtime.ts";
import { BURST_MAX_MS, burstInterval, ReactionTally } from "./reaction-tally.ts";

describe("ReactionTally", () => {
  it("sums shard counts and sends one burst per window with counts and totals", () => {
    const t = new ReactionTally();
    expect(t.nextDue(100)).toBeNull();
    t.add({ "👍": 3 });
    t.add({ "👍": 2, "🎉": 1 });
    expect(t.nextDue(100)).toBe(0);
    const b = t.tick(1000, 100);
    expect(b.all).toMatchObject({
      type: "reaction.burst",
      counts: { "👍": 5, "🎉": 1 },
      totals: { "👍": 5, "🎉": 1 },
    });
    expect(b.staff).toBeNull();
    t.add({ "🎉": 1 });
    expect(t.tick(1100, 100)).toEqual({ staff: null, all: null }); // bounded rate
    expect(t.nextDue(100)).toBe(1000 + REACTION_BURST_MS);
    expect(t.tick(1000 + REACTION_BURST_MS, 100).all).toMatchObject({
      counts: { "🎉": 1 },
      totals: { "👍": 5, "🎉": 2 },
    });
  });

  it("ignores counts that are not positive integers or not one of the set", () => {
    const t = new ReactionTally();
    t.add({ "👍": -4, "❤️": 1.5, "😮": 2, "💩": 9 } as ReactionCounts);
    expect(t.totals).toEqual({ "😮": 2 });
  });

  it("in a big class everyone hears less often, staff still every window", () => {
    expect(burstInterval(5_000)).toBe(REACTION_BURST_MS);
    expect(burstInterval(10_000)).toBe(1000);
    expect(burstInterval(100_000)).toBe(BURST_MAX_MS);
    const t = new ReactionTally();
    t.add({ "👍": 1 });
    expect(t.tick(10_000, 100_000).all).not.toBeNull();
    t.add({ "👍": 1 });
    const mid = t.tick(10_000 + REACTION_BURST_MS, 100_000);
    expect(mid.all).toBeNull();
    expect(mid.staff).toMatchObject({ counts: { "👍": 1 }, totals: { "👍": 2 } });
    t.add({ "👍": 1 });
    expect(t.tick(10_000 + BURST_MAX_MS, 100_000).all).toMatchObject({
      counts: { "👍": 2 },
      totals: { "👍": 3 },
    });
  });
});
