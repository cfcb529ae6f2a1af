import { describe, expect, it } from "vitest";
import type { ClassPublic } from "../../protocol/api.ts";
import { wentLive, withCurrentVideo } from "./live-class.ts";

const cls = (over: Partial<ClassPublic> = {}): ClassPublic => ({
  id: "c1",
  title: "T",
  description: "",
  scheduledStart: null,
  guestAccess: false,
  teacherName: "Ada",
  youtubeVideoId: null,
  latencyMode: "ultraLow",
  localPlaybackUrl: null,
  ...over,
});

describe("the student's video follows the live broadcast", () => {
  it("re-reads the class when the stream goes live, not on other changes", () => {
    expect(wentLive("idle", "live")).toBe(true);
    expect(wentLive("ended", "live")).toBe(true);
    expect(wentLive("live", "live")).toBe(false);
    expect(wentLive("live", "ended")).toBe(false);
  });
  it("takes the new broadcast's video id and keeps the same object when nothing changed", () => {
    const shown = cls();
    const fresh = cls({ youtubeVideoId: "abcdefghijk", title: "renamed" });
    expect(withCurrentVideo(shown, fresh)).toEqual({ ...shown, youtubeVideoId: "abcdefghijk" });
    expect(withCurrentVideo(shown, cls({ title: "renamed" }))).toBe(shown);
  });
});
