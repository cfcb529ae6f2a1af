import { describe, expect, it } from "vitest";
import {
  type ChatRules,
  containsLink,
  DEFAULT_RULES,
  evaluateChat,
  findBlockedWord,
  freshUser,
} from "./chat-policy.ts";

const T0 = 1_000_000;
const rules = (over: Partial<ChatRules> = {}): ChatRules => ({ ...DEFAULT_RULES, ...over });

describe("evaluateChat", () => {
  it("accepts a normal message, trims it and charges one token", () => {
    const v = evaluateChat(rules(), "student", "u", freshUser("student", T0), "  hello  ", T0);
    expect(v).toMatchObject({
      ok: true,
      text: "hello",
      user: { tokens: 4, lastAt: T0, lastText: "hello" },
    });
  });

  it("refuses empty and too-long messages", () => {
    const u = freshUser("student", T0);
    expect(evaluateChat(rules(), "student", "u", u, "   ", T0)).toMatchObject({
      ok: false,
      reason: "empty",
    });
    expect(evaluateChat(rules(), "student", "u", u, "x".repeat(501), T0)).toMatchObject({
      ok: false,
      reason: "too_long",
    });
    expect(evaluateChat(rules(), "student", "u", u, "😀".repeat(500), T0)).toMatchObject({
      ok: true,
    });
  });

  it("rate-limits with a token bucket (burst 5, refill 1 per 2 s) and tells when to retry", () => {
    let u = freshUser("student", T0);
    for (let i = 0; i < 5; i++) {
      const v = evaluateChat(rules(), "student", "u", u, `m${i}`, T0);
      expect(v.ok).toBe(true);
      u = v.user;
    }
    const sixth = evaluateChat(rules(), "student", "u", u, "m5", T0);
    expect(sixth).toMatchObject({ ok: false, reason: "rate_limited", retryAfterMs: 2000 });
    expect(sixth.user.tokens).toBeCloseTo(0);
    expect(evaluateChat(rules(), "student", "u", sixth.user, "m5", T0 + 2000).ok).toBe(true);
  });

  it("suppresses duplicates within 30 s, ignoring case and spacing", () => {
    const first = evaluateChat(
      rules(),
      "student",
      "u",
      freshUser("student", T0),
      "Hello  World",
      T0,
    );
    expect(
      evaluateChat(rules(), "student", "u", first.user, "hello world", T0 + 1000),
    ).toMatchObject({
      ok: false,
      reason: "duplicate",
    });
    expect(evaluateChat(rules(), "student", "u", first.user, "hello world", T0 + 31_000).ok).toBe(
      true,
    );
  });

  it("applies slow mode to students only", () => {
    const r = rules({ slowModeSec: 10 });
    const first = evaluateChat(r, "student", "u", freshUser("student", T0), "a", T0);
    expect(evaluateChat(r, "student", "u", first.user, "b", T0 + 4000)).toMatchObject({
      ok: false,
      reason: "slow_mode",
      retryAfterMs: 6000,
    });
    expect(evaluateChat(r, "student", "u", first.user, "b", T0 + 10_000).ok).toBe(true);
    const staff = evaluateChat(r, "teacher", "t", freshUser("teacher", T0), "a", T0);
    expect(evaluateChat(r, "teacher", "t", staff.user, "b", T0 + 1).ok).toBe(true);
  });

  it("refuses timed-out users until the timeout ends", () => {
    const r = rules({ timeouts: { u: T0 + 5000 } });
    expect(evaluateChat(r, "student", "u", freshUser("student", T0), "hi", T0)).toMatchObject({
      ok: false,
      reason: "timed_out",
      retryAfterMs: 5000,
    });
    expect(evaluateChat(r, "student", "u", freshUser("student", T0), "hi", T0 + 5000).ok).toBe(
      true,
    );
    expect(evaluateChat(r, "student", "other", freshUser("student", T0), "hi", T0).ok).toBe(true);
  });

  it("never mutes the teacher with a timeout", () => {
    const r = rules({ timeouts: { t: T0 + 5000 } });
    expect(evaluateChat(r, "teacher", "t", freshUser("teacher", T0), "hi", T0).ok).toBe(true);
  });

  it("blocks listed words (whole words) and links for students, not for staff", () => {
    const r = rules({ blockedWords: ["darn", "bad phrase"], linkPolicy: "block" });
    const u = freshUser("student", T0);
    expect(evaluateChat(r, "student", "u", u, "oh DARN!", T0)).toMatchObject({
      ok: false,
      reason: "blocked_word",
    });
    expect(evaluateChat(r, "student", "u", u, "a bad   phrase", T0)).toMatchObject({
      ok: false,
      reason: "blocked_word",
    });
    expect(evaluateChat(r, "student", "u", u, "darning socks", T0).ok).toBe(true);
    expect(evaluateChat(r, "student", "u", u, "see evil.com now", T0)).toMatchObject({
      ok: false,
      reason: "link_blocked",
    });
    expect(
      evaluateChat(r, "teacher", "t", freshUser("teacher", T0), "see https://x.org", T0).ok,
    ).toBe(true);
    expect(evaluateChat(rules(), "student", "u", u, "see https://x.org", T0).ok).toBe(true);
  });

  it("recognises links and blocked words", () => {
    expect(containsLink("go to www.example")).toBe(true);
    expect(containsLink("HTTP://x")).toBe(true);
    expect(containsLink("i am fine. thanks")).toBe(false);
    expect(findBlockedWord("nothing here", [])).toBeNull();
    expect(findBlockedWord("Über alles", ["über"])).toBe("über");
  });
});
