import { describe, expect, it } from "vitest";
import type { SessionUser } from "../../protocol/api.ts";
import { homeFor } from "./session.ts";

const user = (role: SessionUser["role"]) => ({ id: "u", displayName: "U", role }) as SessionUser;

describe("homeFor", () => {
  it("lands an admin on /admin, a teacher on /studio, anyone else on /", () => {
    expect(homeFor(user("admin"))).toBe("/admin");
    expect(homeFor(user("teacher"))).toBe("/studio");
    expect(homeFor(user("student"))).toBe("/");
  });
});
