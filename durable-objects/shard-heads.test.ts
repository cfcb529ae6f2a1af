import { describe, expect, it } from "vitest";
import { Rng } from "../sim/prng.ts";
import {
  type HandEntry,
  HandHeads,
  handOrder,
  mergeTopK,
  type ScoreRow,
  scoreOrder,
  topK,
} from "./shard-heads.ts";

/** The seeded mulberry32 of the simulated class (a failing run replays by its seed). */
function prng(seed: number): () => number {
  const rng = new Rng(seed);
  return () => rng.next();
}

describe("the hand queue head merged from per-shard heads", () => {
  it("equals the first W of one global queue ordered by (raisedAt, userId)", () => {
    for (let seed = 1; seed <= 40; seed++) {
      const rnd = prng(seed);
      const W = 1 + Math.floor(rnd() * 6);
      const heads = new HandHeads(W);
      const all: HandEntry[] = [];
      const per = new Map<string, HandEntry[]>();
      for (let i = 0; i < 40; i++) {
        const e = { userId: `u${i}`, name: `U${i}`, raisedAt: Math.floor(rnd() * 20) };
        const s = `s${Math.floor(rnd() * 5)}`;
        all.push(e);
        per.set(s, [...(per.get(s) ?? []), e]);
      }
      for (const [s, list] of per)
        heads.apply(s, { count: list.length, head: [...list].sort(handOrder).slice(0, W), v: 1 });
      const global = [...all].sort(handOrder).slice(0, W);
      expect(
        heads.top().map((h) => h.userId),
        `seed ${seed}`,
      ).toEqual(global.map((h) => h.userId));
      expect(heads.top()[0]?.position).toBe(1);
      expect(heads.count).toBe(40);
    }
  });
});

describe("the leaderboard merged from per-shard top-K", () => {
  it("equals the global top K", () => {
    for (let seed = 1; seed <= 40; seed++) {
      const rnd = prng(seed);
      const K = 1 + Math.floor(rnd() * 10);
      const per: ScoreRow[][] = [[], [], [], []];
      const all: ScoreRow[] = [];
      for (let i = 0; i < 60; i++) {
        const r = {
          userId: `u${i}`,
          name: `U${i}`,
          score: Math.floor(rnd() * 5) * 100,
          correct: 1,
          time: Math.floor(rnd() * 4),
        };
        all.push(r);
        per[Math.floor(rnd() * 4)]!.push(r);
      }
      expect(
        mergeTopK(
          per.map((rows) => topK(rows, K)),
          K,
        ),
        `seed ${seed}`,
      ).toEqual([...all].sort(scoreOrder).slice(0, K));
    }
  });
});
