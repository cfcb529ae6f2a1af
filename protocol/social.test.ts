import { describe, expect, it } from "vitest";
import { maySend, parseClientMessage, REACTIONS } from "./realtime.ts";

describe("social messages in the one parse path", () => {
  it("accepts every reaction of the set and refuses anything else with invalid_message", () => {
    for (const emoji of REACTIONS)
      expect(parseClientMessage(JSON.stringify({ type: "reaction.send", emoji })).ok).toBe(true);
    expect(
      parseClientMessage(JSON.stringify({ type: "reaction.send", emoji: "💩" })),
    ).toMatchObject({
      ok: false,
      code: "invalid_message",
      ref: "reaction.send",
    });
  });

  it("parses chat.report with a known reason and keeps the rid on refusal", () => {
    expect(
      parseClientMessage(
        JSON.stringify({ type: "chat.report", messageId: "s1.2", reason: "spam", rid: "r" }),
      ),
    ).toMatchObject({ ok: true });
    expect(
      parseClientMessage(
        JSON.stringify({ type: "chat.report", messageId: "s1.2", reason: "meh", rid: "r" }),
      ),
    ).toMatchObject({ ok: false, code: "invalid_message", rid: "r" });
  });

  it("the queue and peeks are staff-only", () => {
    expect(maySend("student", "mod.resolve")).toBe(false);
    expect(maySend("student", "mod.peek")).toBe(false);
    expect(maySend("moderator", "mod.resolve")).toBe(true);
    expect(maySend("guest", "reaction.send")).toBe(true);
  });
});
