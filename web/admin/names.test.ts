import { describe, expect, it } from "vitest";
import {
  actionLabel,
  detailText,
  isGuestId,
  messageName,
  sectionName,
  targetKind,
} from "./names.ts";

describe("admin names for ids", () => {
  it("names sections and messages instead of s1.31", () => {
    expect(sectionName("s1")).toBe("Section 1");
    expect(sectionName("global")).toBe("global");
    expect(messageName("s1.31")).toBe("Section 1, message 31");
    expect(messageName("g12")).toBe("Global chat, message 12");
    expect(messageName("g_ODUHU8nPdWapKA4l")).toBeNull();
  });

  it("tells guests from accounts and message targets from people", () => {
    expect(isGuestId("g_ODUHU8nPdWapKA4l")).toBe(true);
    expect(isGuestId("g12")).toBe(false);
    expect(isGuestId("3f1c2d9e-0000-4000-8000-000000000000")).toBe(false);
    expect(targetKind("chat.delete", "s1.31")).toBe("message");
    expect(targetKind("mod.ban", "g_x")).toBe("person");
    expect(targetKind("announce", null)).toBe("none");
  });

  it("reads actions and JSON details as words", () => {
    expect(actionLabel("mod.timeout")).toBe("Timed out");
    expect(actionLabel("custom.thing")).toBe("custom.thing");
    expect(detailText('{"seconds":600,"reason":"spam"}')).toBe("600 s · reason: spam");
    expect(detailText('{"reason":null,"purge":true}')).toBe("purge");
    expect(detailText('{"role":"teacher"}')).toBe("role: teacher");
    expect(detailText("not json")).toBe("not json");
    expect(detailText(null)).toBe("");
  });
});
