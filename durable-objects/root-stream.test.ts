/** The stream lifecycle and live state (root-stream.ts), through RootCore. */
import { describe, expect, it } from "vitest";
import {
  initialDurable,
  LIVE_TTL_MS,
  PUBLISHER_SILENCE_MS,
  RootCore,
  type RootEffect,
  SESSION_IDLE_MS,
  streamStatusFromHealth,
} from "./classroom-core.ts";
import { core, report, T0 } from "./root-test-support.ts";

describe("RootCore live state expires", () => {
  it("ends a live stream whose publisher went silent, and keeps D1 live_until renewed while it reports", () => {
    const c = core(10);
    let fx = c.setStreamStatus("live", T0);
    expect(fx).toContainEqual({ kind: "liveUntil", until: T0 + LIVE_TTL_MS });
    // Health reports keep it live and renew live_until at half its lifetime.
    for (let t = T0 + 5000; t < T0 + LIVE_TTL_MS; t += 5000) {
      const out: RootEffect[] = [];
      c.publisherAlive(out, t);
      expect(c.tick(t)).toEqual([]);
      if (out.some((x) => x.kind === "liveUntil")) fx = out;
    }
    expect(c.durable.liveUntil).toBeGreaterThan(T0 + LIVE_TTL_MS);
    const last = T0 + LIVE_TTL_MS - 5000;
    expect(c.nextDeadline()).toBe(last + PUBLISHER_SILENCE_MS);
    // Then silence: the bridge's session is gone.
    fx = c.tick(last + PUBLISHER_SILENCE_MS);
    expect(c.durable.stream).toBe("ended");
    expect(fx).toContainEqual({ kind: "liveUntil", until: null });
    expect(fx).toContainEqual(
      expect.objectContaining({
        kind: "session",
        session: expect.objectContaining({ endedAt: last + PUBLISHER_SILENCE_MS }),
      }),
    );
  });

  it("ends the session of a class left empty and not streaming", () => {
    const c = core(10);
    const ann = { id: "a", name: "Ann", role: "student" as const };
    c.report(report("s1", { sockets: 1, joins: [{ user: ann, at: T0 }] }), T0);
    c.report(
      report("s1", { sockets: 0, leaves: [{ user: ann, joinedAt: T0, at: T0 + 1000 }] }),
      T0 + 1000,
    );
    expect(c.nextDeadline()).toBe(T0 + 1000 + SESSION_IDLE_MS);
    expect(c.tick(T0 + SESSION_IDLE_MS)).toEqual([]);
    const fx = c.tick(T0 + 1000 + SESSION_IDLE_MS);
    expect(fx).toContainEqual(
      expect.objectContaining({
        kind: "session",
        session: expect.objectContaining({ endedAt: T0 + 1000 }),
      }),
    );
    expect(c.durable.session).toBeNull();
    expect(c.nextDeadline()).toBeNull();
  });
});

describe("streamStatusFromHealth", () => {
  const h = (state: string, fillerActive = false) => ({ state, fillerActive });
  it("never says live while the slate covers for a vanished teacher", () => {
    expect(streamStatusFromHealth("live", h("filler", true))).toBe("reconnecting");
    expect(streamStatusFromHealth("live", h("live", true))).toBe("reconnecting");
    expect(streamStatusFromHealth("reconnecting", h("live"))).toBe("live");
    expect(streamStatusFromHealth("live", h("restarting"))).toBe("interrupted");
    expect(streamStatusFromHealth("interrupted", h("live"))).toBe("live");
    expect(streamStatusFromHealth("reconnecting", h("ended"))).toBe("ended");
  });
  it("leaves a stream that is not on alone: only the WHIP façade makes it live", () => {
    expect(streamStatusFromHealth("idle", h("live"))).toBeNull();
    expect(streamStatusFromHealth("ended", h("filler", true))).toBeNull();
    expect(streamStatusFromHealth("idle", h("ended"))).toBeNull();
    expect(streamStatusFromHealth("live", h("starting"))).toBeNull();
  });
  it("keeps the stream's start while it reconnects", () => {
    const c = new RootCore(initialDurable("c1"), [], 10, () => "s1");
    c.setStreamStatus("live", 1000, 900);
    c.setStreamStatus("reconnecting", 2000);
    expect(c.durable.streamStartedAt).toBe(900);
    c.setStreamStatus("ended", 3000);
    expect(c.durable.streamStartedAt).toBeNull();
  });
});
