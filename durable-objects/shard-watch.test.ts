import { describe, expect, it } from "vitest";
import { sseqOf, WatchStamp } from "./shard-watch.ts";

describe("staff watch ordering", () => {
  it("reads a section frame's sseq, 0 for frames without one", () => {
    expect(sseqOf('{"type":"section.message","sseq":7}')).toBe(7);
    expect(sseqOf('{"type":"presence"}')).toBe(0);
    expect(sseqOf("not json")).toBe(0);
  });

  it("stamps each new watch set above the last, even when the clock stands still or goes back", () => {
    const w = new WatchStamp();
    expect(w.note([], 1000)).toEqual({ seq: 0, changed: false });
    const a = w.note(["s1"], 1000);
    expect(a).toEqual({ seq: 1000, changed: true });
    expect(w.note(["s1"], 2000)).toEqual({ seq: 1000, changed: false });
    expect(w.note(["s1", "s2"], 1000)).toEqual({ seq: 1001, changed: true });
    expect(w.note([], 500)).toEqual({ seq: 1002, changed: true });
  });
});
