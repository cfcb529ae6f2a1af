import { describe, expect, it } from "vitest";
import {
  attach,
  detach,
  initialSession,
  type SessionCore,
  type SessionEffect,
} from "./session-core.ts";
import { MAX_KEYFRAME_GAP_TICKS } from "./slate.ts";
import {
  lateDropped,
  mediaTick,
  switchVideo,
  teacherAudio,
  teacherVideo,
  type VideoPacketFacts,
} from "./source-core.ts";
import { outputListening, outputSpawned, outputStarting } from "./stream-core.ts";

type H = { id: string };
type C = SessionCore<H, string>;
const KEY = "teacher:t1";
const none = { since: null, last: null };
const sps: VideoPacketFacts = {
  hasSps: true,
  hasIdr: true,
  keyStart: true,
  paramsKnown: true,
  track: none,
  resumeAhead: null,
};
const pFrame: VideoPacketFacts = { ...sps, hasSps: false, hasIdr: false, keyStart: false };

const kinds = (effects: SessionEffect<H>[]) =>
  effects.map((e) => (e.kind === "log" ? `log:${e.event}` : e.kind));
const switches = (effects: SessionEffect<H>[]) =>
  effects.flatMap((e) => (e.kind === "switch-track" ? [[e.track, e.to, e.adjustTicks]] : []));

function attached(): C {
  return attach(initialSession<H, string>(), { id: "t1" }, 1000).next;
}
function listening(c: C = attached(), paramsInSdp = false): C {
  c = outputSpawned(outputStarting(c, paramsInSdp), "a", 1000, { rtmp: "r", pid: 1 }).next;
  return outputListening(c, "a", 1100, 1000).next;
}
/** The teacher's keyframe went out: the output carries their video. */
function onTeacher(at = 1200): C {
  return teacherVideo(listening(), KEY, at, sps).next;
}

describe("teacher video", () => {
  it("the first SPS/PPS starts an output that is not there yet; nothing is forwarded before it listens", () => {
    const step = teacherVideo(attached(), KEY, 1100, sps);
    expect(step.effects).toContainEqual({ kind: "output", action: { kind: "start" } });
    expect(step.next.output.phase.kind).toBe("starting");
    expect(step.next.feed.params).toBe("in-sdp");
    expect(step.forward).toBe(false);
    // The next packet finds it starting: no second start.
    expect(kinds(teacherVideo(step.next, KEY, 1110, sps).effects)).not.toContain("output");
  });

  it("switches to the teacher on a keyframe start only; a warm ffmpeg's first video is an SPS", () => {
    expect(teacherVideo(listening(), KEY, 1200, pFrame).forward).toBe(false);
    const idrOnly = { ...sps, hasSps: false };
    expect(teacherVideo(listening(), KEY, 1200, idrOnly).forward).toBe(false);
    // SPS/PPS were in its SDP: an IDR alone is a start.
    expect(teacherVideo(listening(attached(), true), KEY, 1200, idrOnly).forward).toBe(true);
    const step = teacherVideo(listening(), KEY, 1200, sps);
    expect(step.forward).toBe(true);
    expect(step.keyframeOut).toBe(true);
    expect(step.next.video).toEqual({ kind: "teacher", key: KEY });
    expect(step.next.feed.keyframeFedAt).toBe(1200);
    expect(kinds(step.effects)).toContain("log:source_switched");
    expect(teacherVideo(step.next, KEY, 1233, pFrame)).toMatchObject({
      forward: true,
      keyframeOut: false,
      effects: [],
    });
  });

  it("after a late video packet, video waits for the next keyframe, asked for at most every 0.5 s", () => {
    const c = onTeacher();
    const first = lateDropped(c, "video", 2000);
    expect(kinds(first.effects)).toEqual(["request-keyframe", "log:late_media_dropped"]);
    const second = lateDropped(first.next, "video", 2200);
    expect(second.effects).toEqual([]);
    expect(kinds(lateDropped(second.next, "video", 2600).effects)).toEqual(["request-keyframe"]);
    expect(teacherVideo(second.next, KEY, 2300, pFrame).forward).toBe(false);
    const key = teacherVideo(second.next, KEY, 2400, { ...sps, hasSps: false });
    expect(key.forward).toBe(true);
    expect(teacherVideo(key.next, KEY, 2433, pFrame).forward).toBe(true);
    // Late audio only counts.
    expect(kinds(lateDropped(c, "audio", 2000).effects)).toEqual(["log:late_media_dropped"]);
  });
});

describe("teacher audio", () => {
  it("joins only once the stream carries video, then takes the track", () => {
    expect(teacherAudio(listening(), KEY, 1150, null).forward).toBe(false);
    const step = teacherAudio(onTeacher(), KEY, 1250, null);
    expect(step.forward).toBe(true);
    expect(switches(step.effects)).toEqual([["audio", KEY, 0]]);
    expect(teacherAudio(step.next, KEY, 1270, null).effects).toEqual([]);
  });

  it("back from the silence ahead of it: the gap is filled with more silence first", () => {
    const silent = { ...onTeacher(), audio: { kind: "silence" } } as C;
    const step = teacherAudio(silent, KEY, 3000, 960 * 4 + 10);
    expect(step.effects[0]).toEqual({ kind: "silence-backfill", frames: 3 });
    expect(switches(step.effects)).toEqual([["audio", KEY, 0]]);
    expect(kinds(teacherAudio(silent, KEY, 3000, 500).effects)).not.toContain("silence-backfill");
  });
});

describe("the media tick: slate and silence", () => {
  const facts = { slateReady: true, video: none, videoLastOutAt: 1200, audioSince: null };

  it("puts nothing in before the stream carried video", () => {
    expect(mediaTick(listening(), 9000, { stallMs: 1000 }, facts)).toMatchObject({
      pace: false,
      effects: [],
    });
  });

  it("the slate covers a video stall (once encoded), silence the moment audio stops", () => {
    const c = onTeacher(1200);
    expect(switches(mediaTick(c, 1250, { stallMs: 1000 }, facts).effects)).toEqual([
      ["audio", "silence", -0],
    ]);
    expect(switches(mediaTick(c, 2199, { stallMs: 1000 }, facts).effects)).not.toContainEqual(
      expect.arrayContaining(["video"]),
    );
    const stalled = mediaTick(c, 2200, { stallMs: 1000 }, facts);
    expect(stalled.pace).toBe(true);
    expect(stalled.next.video).toEqual({ kind: "slate", since: 2200, staleKeyAt: null });
    expect(switches(stalled.effects)[0]).toEqual(["video", "slate", 0]);
    expect(
      mediaTick(c, 2200, { stallMs: 1000 }, { ...facts, slateReady: false }).next.video.kind,
    ).toBe("teacher");
    // Once on, the slate stays on (and keeps its start).
    expect(mediaTick(stalled.next, 2500, { stallMs: 1000 }, facts).next.video).toEqual({
      kind: "slate",
      since: 2200,
      staleKeyAt: null,
    });
    // Video arriving but none of it reaching the output for the stall time: the slate too.
    const held = { ...c, teacher: { ...c.teacher, videoAt: 2150 } } as C;
    expect(mediaTick(held, 2200, { stallMs: 1000 }, facts).next.video.kind).toBe("slate");
  });

  it("the silence starts where the last audio frame ended, unless that was long ago", () => {
    const c = teacherAudio(onTeacher(1200), KEY, 1210, null).next;
    const step = mediaTick(c, 1300, { stallMs: 1000 }, { ...facts, audioSince: 4800 });
    expect(switches(step.effects)).toEqual([["audio", "silence", -(4800 - 960)]]);
    const long = mediaTick(c, 1300, { stallMs: 1000 }, { ...facts, audioSince: 96_000 });
    expect(switches(long.effects)).toEqual([["audio", "silence", -0]]);
  });

  it("a detached teacher's stream gets the slate and silence; a stopped one gets neither", () => {
    const c = detach(onTeacher(1200), "t1", false).next;
    expect(mediaTick(c, 1210, { stallMs: 1000 }, facts).next).toMatchObject({
      video: { kind: "slate" },
      audio: { kind: "silence" },
    });
  });
});

describe("switching the video", () => {
  it("the slate starts early to keep keyframes ≤ 2 s apart; the teacher's return gives it back", () => {
    let c = onTeacher(1200);
    c = { ...c, feed: { ...c.feed, lastKeyOutTs: 0 } };
    // Last frame out 150_000 ticks after the last keyframe, 30_000 ticks ago.
    const toSlate = switchVideo(c, { kind: "slate" }, 5000, { since: 30_000, last: 150_000 });
    const early = Math.min(180_000 - MAX_KEYFRAME_GAP_TICKS, 30_000 - 6000, 90000);
    expect(switches(toSlate.effects)).toEqual([["video", "slate", -early]]);
    expect(toSlate.next.videoLagTicks).toBe(early);
    const back = switchVideo(toSlate.next, { kind: "teacher", key: KEY }, 6000, none);
    expect(switches(back.effects)).toEqual([["video", KEY, early]]);
    expect(back.next.videoLagTicks).toBe(0);
    expect(back.next.stall).toEqual({ kind: "none" });
    const log = back.effects.find((e) => e.kind === "log");
    expect(log).toEqual({
      kind: "log",
      event: "source_switched",
      fields: { from: "slate", to: KEY, adjustMs: Math.round(early / 90) },
    });
  });

  it("a recent keyframe needs no head start", () => {
    const c = onTeacher(1200);
    const step = switchVideo(
      { ...c, feed: { ...c.feed, lastKeyOutTs: 100_000 } },
      { kind: "slate" },
      5000,
      { since: 9000, last: 110_000 },
    );
    expect(switches(step.effects)).toEqual([["video", "slate", 0]]);
  });
});

describe("leaving the slate", () => {
  it("a teacher keyframe queued during the stall does not end it; a newer one, or 2 s, does", () => {
    const c = teacherVideo(listening(), KEY, 1200, sps).next;
    const slate = switchVideo(c, { kind: "slate" }, 3000, none).next;
    const stale = { ...sps, hasSps: false, resumeAhead: -0.5 * 90000 };
    const refused = teacherVideo(slate, KEY, 3100, stale);
    expect(refused.forward).toBe(false);
    expect(refused.next.video).toMatchObject({ kind: "slate", staleKeyAt: 3100 });
    expect(kinds(refused.effects)).toContain("request-keyframe");
    expect(teacherVideo(refused.next, KEY, 4000, stale).forward).toBe(false);
    expect(teacherVideo(refused.next, KEY, 5100, stale).next.video.kind).toBe("teacher");
    const fresh = teacherVideo(slate, KEY, 3100, { ...stale, resumeAhead: 3000 });
    expect(fresh.forward).toBe(true);
    expect(fresh.next.video).toEqual({ kind: "teacher", key: KEY });
  });
});
