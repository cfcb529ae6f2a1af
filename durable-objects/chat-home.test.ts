import { describe, expect, it } from "vitest";
import { ChatHomes, HOME_WAIT_MS, mergeChatUser } from "./chat-home.ts";
import { type ChatRules, DEFAULT_RULES, evaluateChat, freshUser } from "./chat-policy.ts";

const rules: ChatRules = { ...DEFAULT_RULES, slowModeSec: 10 };

describe("slow mode follows a student to another section (decision 015)", () => {
  it("the new section holds their chat until the old one's memory arrives, then refuses with the time left", () => {
    // Section A: the student sends at t = 1000.
    const a = evaluateChat(rules, "student", "u1", freshUser("student", 0), "hi", 1000);
    expect(a.ok).toBe(true);
    // They reload onto section B at t = 1500: B must not decide from a fresh memory.
    const b = new ChatHomes();
    b.joined("u1", 1500);
    expect(b.holds("u1")).toBe(true);
    // The root answers B's report: the home moved here (move 7); still held (no handover yet,
    // e.g. the old shard is slow or restarting).
    expect(b.answered([{ userId: "u1", gen: 7, moved: true }], ["u1"])).toEqual([]);
    expect(b.holds("u1")).toBe(true);
    // An older move's handover does not settle it; move 7's does.
    expect(b.adopted("u1", 6)).toBe(false);
    expect(b.adopted("u1", 7)).toBe(true);
    expect(b.holds("u1")).toBe(false);
    // Decided with A's memory merged into B's: refused, with the time actually left.
    const merged = mergeChatUser(freshUser("student", 1500), a.user);
    const v = evaluateChat(rules, "student", "u1", merged, "again", 2000);
    expect(v).toMatchObject({ ok: false, reason: "slow_mode", retryAfterMs: 9000 });
    // One interval after the first message it goes through: never zero.
    expect(evaluateChat(rules, "student", "u1", merged, "again", 11_000).ok).toBe(true);
  });

  it("the handover may arrive before the root's answer", () => {
    const b = new ChatHomes();
    b.joined("u1", 0);
    expect(b.adopted("u1", 7)).toBe(false);
    expect(b.answered([{ userId: "u1", gen: 7, moved: true }], ["u1"])).toEqual(["u1"]);
  });

  it("a first join, or one back on the same home, waits only for the root's answer", () => {
    const b = new ChatHomes();
    b.joined("new", 0);
    b.joined("same", 0);
    b.joined("same", 1); // a second socket, reported in a later report
    expect(
      b.answered(
        [
          { userId: "new", gen: 3, moved: false },
          { userId: "same", gen: 2, moved: false },
        ],
        ["new", "same"],
      ),
    ).toEqual(["new"]);
    expect(b.holds("same")).toBe(true);
    expect(b.answered([{ userId: "same", gen: 2, moved: false }], ["same"])).toEqual(["same"]);
    // A root that answers nothing (older version): the joins count as answered.
    b.joined("x", 0);
    expect(b.answered(undefined, ["x"])).toEqual(["x"]);
  });

  it("a wait that outlives HOME_WAIT_MS expires with when it began", () => {
    const b = new ChatHomes();
    b.joined("u1", 100);
    expect(b.nextExpiry()).toBe(100 + HOME_WAIT_MS);
    expect(b.expired(HOME_WAIT_MS)).toEqual([]);
    expect(b.expired(100 + HOME_WAIT_MS)).toEqual([{ userId: "u1", since: 100 }]);
    expect(b.holds("u1")).toBe(false);
    expect(b.nextExpiry()).toBeNull();
  });

  it("merging keeps the later message and the emptier bucket", () => {
    const x = { tokens: 4, refilledAt: 10, lastAt: 5, lastText: "old" };
    const y = { tokens: 2, refilledAt: 8, lastAt: 8, lastText: "new" };
    expect(mergeChatUser(x, y)).toEqual({ tokens: 2, refilledAt: 10, lastAt: 8, lastText: "new" });
    expect(mergeChatUser(y, x)).toEqual(mergeChatUser(x, y));
  });
});
