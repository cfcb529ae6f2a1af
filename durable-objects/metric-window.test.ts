import { describe, expect, it } from "vitest";
import { dataPoint } from "../worker/metrics.ts";
import { METRICS_WINDOW_MS, MetricWindow, utf8Length, WindowClock } from "./metric-window.ts";

describe("MetricWindow", () => {
  it("sums per label within a window and hands out one sum per label when taken", () => {
    const w = new MetricWindow<"student" | "relay">();
    expect(w.add("student", 3, 300)).toBe(true); // the window's first count: arm the flush
    expect(w.add("student", 2, 50)).toBe(false);
    expect(w.add("relay", 1, 10)).toBe(false);
    expect(w.take()).toEqual([
      { label: "student", count: 5, value: 350 },
      { label: "relay", count: 1, value: 10 },
    ]);
    // A new window: counted from zero, and the next count arms the flush again.
    expect(w.add("relay")).toBe(true);
    expect(w.take()).toEqual([{ label: "relay", count: 1, value: 0 }]);
  });

  it("writes nothing while idle: an empty window takes nothing and zero counts do not open one", () => {
    const w = new MetricWindow<string>();
    expect(w.take()).toEqual([]);
    expect(w.add("report", 0, 0)).toBe(false);
    expect(w.take()).toEqual([]);
  });

  it("sums into the metric's data point: deliveries as frames and bytes, rpc as requests", () => {
    const w = new MetricWindow<"shard">();
    for (let i = 0; i < 400; i++) w.add("shard", 2, 2 * 120);
    const [s] = w.take();
    expect(
      dataPoint({
        name: "deliveries",
        classId: "c1",
        kind: s!.label,
        frames: s!.count,
        bytes: s!.value,
      }),
    ).toEqual({
      indexes: ["deliveries"],
      blobs: ["deliveries", "shard", "c1"],
      doubles: [800, 96_000],
    });
    expect(dataPoint({ name: "rpc", classId: "c1", kind: "report", count: 42 })).toEqual({
      indexes: ["rpc"],
      blobs: ["rpc", "report", "c1"],
      doubles: [42, 0],
    });
  });
});

describe("utf8Length", () => {
  it("counts a frame's bytes as UTF-8 without encoding it", () => {
    for (const s of ["", "hello", "é", "مرحبا", "日本語", "👋🏽 hi", '{"text":"ç€𝄞"}'])
      expect(utf8Length(s)).toBe(new TextEncoder().encode(s).byteLength);
  });
});

describe("WindowClock", () => {
  it("opens a window at the first count and says it is due at the first count METRICS_WINDOW_MS later", () => {
    const c = new WindowClock();
    expect(c.due(1000)).toBe(false);
    expect(c.due(1000 + METRICS_WINDOW_MS - 1)).toBe(false);
    expect(c.due(1000 + METRICS_WINDOW_MS)).toBe(true);
    c.reset();
    // After a write the next count starts a new window, however late it comes.
    expect(c.due(1_000_000)).toBe(false);
    expect(c.due(1_000_000 + METRICS_WINDOW_MS)).toBe(true);
  });
});
