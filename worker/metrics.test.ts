/** Analytics Engine data points: one shape for every counter, no-op without a binding. */
import { describe, expect, it } from "vitest";
import { countMetric, dataPoint } from "./metrics.ts";

describe("metrics", () => {
  it("every metric is indexed by its name, labelled by kind and class, counted in double1", () => {
    expect(dataPoint({ name: "socket_opened", classId: "c1", kind: "student" })).toEqual({
      indexes: ["socket_opened"],
      blobs: ["socket_opened", "student", "c1"],
      doubles: [1, 0],
    });
    expect(dataPoint({ name: "rejection", kind: "rate_limited", status: 429 })).toEqual({
      indexes: ["rejection"],
      blobs: ["rejection", "rate_limited", ""],
      doubles: [1, 429],
    });
    expect(
      dataPoint({ name: "youtube_health", classId: "c2", kind: "bad", issues: 2 }).doubles,
    ).toEqual([1, 2]);
  });

  it("no binding: nothing happens; a throwing dataset does not throw", () => {
    expect(() => countMetric({}, { name: "error", kind: "unhandled" })).not.toThrow();
    const ds = {
      writeDataPoint: () => {
        throw new Error("down");
      },
    };
    expect(() => countMetric({ METRICS: ds }, { name: "error", kind: "unhandled" })).not.toThrow();
  });
});
