import { describe, expect, it } from "vitest";
import { RpcMeter } from "./rpc-meter.ts";

describe("RpcMeter", () => {
  it("keeps the busiest wall-clock second and the total, until reset", () => {
    const m = new RpcMeter();
    for (const t of [1000, 1100, 1999, 2000, 3500, 3600, 3700, 3999]) m.count(t);
    expect(m.perSecMax).toBe(4);
    expect(m.total).toBe(8);
    m.reset();
    m.count(4000);
    expect([m.perSecMax, m.total]).toEqual([1, 1]);
  });
});
