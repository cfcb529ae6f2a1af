import { describe, expect, it } from "vitest";
import { LateMediaFilter } from "./late-media.ts";

describe("LateMediaFilter", () => {
  it("passes media arriving on time, with jitter below the limit", () => {
    const f = new LateMediaFilter({ clockRate: 48000, maxLateMs: 500 });
    for (let i = 0; i < 500; i++) {
      const jitter = (i * 37) % 200;
      expect(f.accept((1000 + i * 960) >>> 0, 10_000 + i * 20 + jitter)).toBe(true);
    }
  });

  it("drops what a sender queued during a 4 s stall and sent at once, then takes fresh media", () => {
    const f = new LateMediaFilter({ clockRate: 48000, maxLateMs: 500 });
    let t = 0;
    for (; t < 100; t++) expect(f.accept(t * 960, t * 20)).toBe(true);
    // 200 frames (4 s) held back, all arriving at the same moment after the stall.
    const burstAt = 300 * 20;
    const fresh = [];
    for (; t < 300; t++) fresh.push(f.accept(t * 960, burstAt));
    // Only the last ~0.5 s of the queue is recent enough to pass.
    expect(fresh.filter(Boolean).length).toBeLessThanOrEqual(26);
    expect(fresh.slice(0, 150).some(Boolean)).toBe(false);
    for (; t < 400; t++) expect(f.accept(t * 960, t * 20)).toBe(true);
  });

  it("accepts a path that got 600 ms slower for good within 2 s (no teacher muted by bufferbloat)", () => {
    const f = new LateMediaFilter({ clockRate: 48000, maxLateMs: 200 });
    for (let t = 0; t < 100; t++) expect(f.accept(t * 960, t * 20)).toBe(true);
    const results: boolean[] = [];
    for (let t = 100; t < 300; t++) results.push(f.accept(t * 960, t * 20 + 600));
    const firstOk = results.indexOf(true);
    expect(firstOk).toBeLessThanOrEqual(100); // ≤ 2 s of 20 ms frames
    expect(results.slice(firstOk).every(Boolean)).toBe(true);
  });

  it("survives the 32-bit timestamp wrap", () => {
    const f = new LateMediaFilter({ clockRate: 90000, maxLateMs: 1000 });
    const start = 2 ** 32 - 90000;
    for (let i = 0; i < 90; i++)
      expect(f.accept((start + i * 3000) >>> 0, 5000 + (i * 1000) / 30)).toBe(true);
  });

  it("forgives a sender clock running 100 ppm slow for an hour", () => {
    const f = new LateMediaFilter({ clockRate: 90000, maxLateMs: 1000 });
    let ok = true;
    for (let s = 0; s <= 3600; s++) ok &&= f.accept(Math.round(s * 90000 * 0.9999) >>> 0, s * 1000);
    expect(ok).toBe(true);
  });
});
