/** The global channel, pins and deletes (root-chat.ts), through RootCore. */
import { describe, expect, it } from "vitest";
import type { Author } from "../protocol/realtime.ts";
import { core, T0, teacher } from "./root-test-support.ts";

describe("RootCore events", () => {
  it("numbers every event, keeps global history, and handles pin and delete", () => {
    const c = core();
    const fx = c.command({ by: teacher, message: { type: "chat.send", text: "hi", rid: "r" } }, T0);
    expect(fx[0]).toEqual({
      kind: "event",
      event: {
        type: "chat.message",
        seq: 1,
        at: T0,
        message: { id: "g1", channel: "global", from: teacher, text: "hi", at: T0, rid: "r" },
      },
    });
    c.command({ by: teacher, message: { type: "chat.pin", messageId: "g1" } }, T0);
    expect(c.durable.pinned?.id).toBe("g1");
    const del = c.command({ by: teacher, message: { type: "chat.delete", messageId: "g1" } }, T0);
    expect(del[0]).toMatchObject({
      kind: "event",
      event: { type: "chat.deleted", seq: 3, messageId: "g1" },
    });
    expect(c.durable.pinned).toBeNull();
    expect(c.durable.global).toEqual([]);
    expect(del.some((f) => f.kind === "audit" && f.action === "chat.delete")).toBe(true);
  });

  it("routes section deletes to the owning shard and ignores commands from non-staff", () => {
    const c = core();
    c.holdSection("s1", undefined, T0);
    const fx = c.command({ by: teacher, message: { type: "chat.delete", messageId: "s1.4" } }, T0);
    expect(fx[0]).toEqual({
      kind: "control",
      sectionId: "s1",
      control: { kind: "delete", messageId: "s1.4" },
    });
    const student: Author = { id: "s", name: "S", role: "student" };
    expect(c.command({ by: student, message: { type: "mod.ban", userId: "t" } }, T0)).toEqual([]);
    expect(
      c.command(
        {
          by: { ...teacher, role: "moderator" },
          message: { type: "settings.update", slowModeSec: 9 },
        },
        T0,
      ),
    ).toEqual([]);
  });
});
