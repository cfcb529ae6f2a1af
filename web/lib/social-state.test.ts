import { describe, expect, it } from "vitest";
import type { Author, ServerMessage } from "../../protocol/realtime.ts";
import { initialClassroomState, reduce } from "./classroom-state.ts";

const ann: Author = { id: "u1", name: "Ann", role: "student" };
const frame = (s: ReturnType<typeof initialClassroomState>, f: ServerMessage) =>
  reduce(s, { type: "frame", frame: f, now: 5 });

describe("classroom state: reactions, reports, the moderation queue", () => {
  it("counts bursts so each animates once, and keeps the latest totals", () => {
    let s = initialClassroomState();
    s = frame(s, { type: "reaction.burst", counts: { "👍": 2 }, totals: { "👍": 2 }, at: 1 });
    s = frame(s, {
      type: "reaction.burst",
      counts: { "🎉": 1 },
      totals: { "👍": 2, "🎉": 1 },
      at: 2,
    });
    expect(s.reactions).toEqual({ counts: { "🎉": 1 }, totals: { "👍": 2, "🎉": 1 }, seq: 2 });
  });

  it("marks reported messages and replaces the queue and the peek", () => {
    let s = initialClassroomState();
    s = frame(s, { type: "chat.reported", messageId: "s1.4", rid: "r" });
    expect(s.reported).toEqual({ "s1.4": true });
    const item = {
      id: "i1",
      kind: "report" as const,
      priority: 10,
      messageId: "s1.4",
      sectionId: "s1",
      author: ann,
      text: "x",
      reasons: { spam: 1 },
      reports: 1,
      firstAt: 1,
      lastAt: 1,
    };
    s = frame(s, { type: "mod.queue", items: [item], pending: 1, overflow: 3 });
    expect(s.modQueue).toEqual({ items: [item], pending: 1, overflow: 3 });
    expect(s.names[ann.id]).toBe("Ann");
    s = frame(s, { type: "mod.peeked", sectionId: "s2", messages: [] });
    expect(s.peek).toEqual({ sectionId: "s2", messages: [], at: 5 });
  });
});
