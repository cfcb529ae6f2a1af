import { describe, expect, it } from "vitest";
import type { StreamHealth } from "./realtime.ts";
import { liveAlarm, type YouTubeLiveView } from "./youtube.ts";

const now = 1_000_000_000;
const bridge = (over: Partial<StreamHealth> = {}): StreamHealth => ({
  state: "live",
  receiving: true,
  pushing: true,
  lastKeyframeAt: now - 500,
  bitrateKbps: 2500,
  fillerActive: false,
  restarts: 0,
  streamStartedAt: now - 120_000,
  lastError: null,
  at: now - 1000,
  ...over,
});
const yt = (over: Partial<YouTubeLiveView> = {}): YouTubeLiveView => ({
  broadcastId: "b",
  lifeCycleStatus: "live",
  streamStatus: "active",
  healthStatus: "good",
  configurationIssues: [],
  ...over,
});
const alarm = (b: StreamHealth | null, y: YouTubeLiveView | null, stream = "live") =>
  liveAlarm({ stream, bridge: b, youtube: y, youtubeError: null, now });

describe("liveAlarm", () => {
  it("is quiet when all is well, and when not live", () => {
    expect(alarm(bridge(), yt())).toEqual({ level: "ok", reasons: [] });
    expect(alarm(null, yt({ streamStatus: "inactive" }), "ended").level).toBe("ok");
  });
  it("alarms when YouTube is not receiving, after the start grace", () => {
    expect(alarm(bridge(), yt({ streamStatus: "inactive" })).level).toBe("alarm");
    expect(
      alarm(bridge({ streamStartedAt: now - 5000 }), yt({ streamStatus: "ready" })).level,
    ).toBe("starting");
  });
  it("alarms when a bridge that never pushed is past the grace since going live", () => {
    const never = bridge({ pushing: false, streamStartedAt: null });
    const at = (liveSince: number) =>
      liveAlarm({
        stream: "live",
        liveSince,
        bridge: never,
        youtube: yt({ streamStatus: "ready" }),
        youtubeError: null,
        now,
      }).level;
    expect(at(now - 5_000)).toBe("starting");
    expect(at(now - 60_000)).toBe("alarm");
  });
  it("alarms when the bridge is not pushing or has gone quiet", () => {
    expect(alarm(bridge({ pushing: false }), yt()).level).toBe("alarm");
    expect(alarm(bridge({ at: now - 20_000 }), yt()).reasons[0]).toMatch(/not reported for 20 s/);
  });
  it("alarms on bad health with YouTube's issue and on an ended broadcast", () => {
    const bad = alarm(
      bridge(),
      yt({
        healthStatus: "bad",
        configurationIssues: [
          { type: "bitrateLow", severity: "error", reason: "r", description: "Bitrate too low." },
        ],
      }),
    );
    expect(bad).toEqual({
      level: "alarm",
      reasons: ["YouTube reports bad stream health: Bitrate too low."],
    });
    expect(alarm(bridge(), yt({ lifeCycleStatus: "complete" })).level).toBe("alarm");
    expect(alarm(bridge(), yt({ healthStatus: "ok" })).level).toBe("ok");
  });
});
