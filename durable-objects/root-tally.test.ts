import { describe, expect, it } from "vitest";
import { RootTally } from "./root-tally.ts";

describe("the root's sums of the shards' counts", () => {
  it("the root ignores a repeated or older report", () => {
    const root = new RootTally();
    const c = { counts: [1, 2], answered: 3, v: 5 };
    expect(root.apply("s1", { k: c })).toEqual(["k"]);
    expect(root.apply("s1", { k: c })).toEqual([]);
    expect(root.apply("s1", { k: { counts: [9, 9], answered: 18, v: 4 } })).toEqual([]);
    root.apply("s2", { k: { counts: [1, 0], answered: 1, v: 1 } });
    expect(root.sum("k", 2)).toEqual({ counts: [2, 2], answered: 4 });
    expect(RootTally.from(root.rows()).sum("k", 2)).toEqual({ counts: [2, 2], answered: 4 });
  });
});
