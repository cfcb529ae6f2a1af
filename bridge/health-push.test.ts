import { describe, expect, it } from "vitest";
import type { SessionHealth } from "../protocol/bridge.ts";
import { healthToPush } from "./health-push.ts";

const h = (classId: string, state: SessionHealth["state"]) => ({ classId, state }) as SessionHealth;

describe("healthToPush", () => {
  it("pushes a session when its state changes, and every session on a full push", () => {
    const last = new Map<string, string>();
    expect(healthToPush([h("a", "starting"), h("b", "live")], last, false)).toHaveLength(2);
    expect(healthToPush([h("a", "starting"), h("b", "live")], last, false)).toEqual([]);
    expect(healthToPush([h("a", "live"), h("b", "live")], last, false)).toEqual([h("a", "live")]);
    expect(healthToPush([h("a", "live"), h("b", "live")], last, true)).toHaveLength(2);
  });
});
