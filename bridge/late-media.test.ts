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

  it("gives every packet of a frame the verdict of its first (a burst never cuts a keyframe in two)", () => {
    const f = new LateMediaFilter({ clockRate: 90000, maxLateMs: 500 });
    for (let t = 0; t < 60; t++) expect(f.accept(t * 3000, (t * 1000) / 30)).toBe(true);
    // After a 4 s stall, a queued keyframe of 40 packets whose first arrives 480 ms behind
    // its clock and the last 519 ms: forwarded whole (or not at all), never half.
    const ts = 180 * 3000;
    const verdicts: boolean[] = [];
    for (let p = 0; p < 40; p++) verdicts.push(f.accept(ts, 180 * (1000 / 30) + 480 + p));
    expect(verdicts.every(Boolean)).toBe(true);
    // The next frame is judged on its own.
    expect(f.accept(ts + 3000, 181 * (1000 / 30) + 1200)).toBe(false);
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

  it("takes media again within 3 s when a busy machine hands it over in bursts every 300 ms, 700 ms later than before", () => {
    const f = new LateMediaFilter({ clockRate: 90000, maxLateMs: 500 });
    let t = 0;
    for (; t < 60; t++) expect(f.accept(t * 3000, (t * 1000) / 30)).toBe(true);
    const verdicts: boolean[] = [];
    for (; t < 60 + 30 * 6; t++) {
      // Each frame handed over at the end of its 300 ms burst, plus 700 ms of new delay.
      const burstEnd = Math.ceil(((t + 1) * 1000) / 30 / 300) * 300;
      verdicts.push(f.accept(t * 3000, burstEnd + 700));
    }
    const firstOk = verdicts.indexOf(true);
    expect(firstOk).toBeGreaterThanOrEqual(0);
    expect(firstOk).toBeLessThanOrEqual(90); // ≤ 3 s of 30 fps frames
    expect(verdicts.slice(firstOk + 30).every(Boolean)).toBe(true);
  });

  it("never mutes a sender whose clock falls behind (a starved encoder at 2/3 speed) for more than ~2 s at a time", () => {
    const f = new LateMediaFilter({ clockRate: 90000, maxLateMs: 500 });
    const verdicts: boolean[] = [];
    // 30 frames per second of wall clock, each 2/3 of a frame of media time.
    for (let i = 0; i < 30 * 20; i++) verdicts.push(f.accept(i * 2000, (i * 1000) / 30));
    let run = 0;
    let longest = 0;
    for (const v of verdicts) {
      run = v ? 0 : run + 1;
      longest = Math.max(longest, run);
    }
    expect(longest).toBeLessThanOrEqual(2 * 30 + 1);
    expect(verdicts.filter(Boolean).length).toBeGreaterThan(verdicts.length / 2);
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
