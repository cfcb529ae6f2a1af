/** A per-class moderator (e.g. a TA with a student account) may open that class's studio panel. */
import { describe, expect, it } from "vitest";
import { signUp } from "./helpers.ts";

describe("class detail for moderators", () => {
  it("marks the class moderate for its moderators only, never manage, and never leaks teacher fields", async () => {
    const teacher = await signUp("teacher");
    const { class: cls } = (await (
      await teacher.client.post("/api/classes", { title: "With a TA" })
    ).json()) as {
      class: { id: string };
    };
    const ta = await signUp("student", "Tara TA");
    const other = await signUp("student");
    expect(
      (await teacher.client.post(`/api/classes/${cls.id}/moderators`, { email: ta.email })).status,
    ).toBeLessThan(300);

    const seen = (await (await ta.client.get(`/api/classes/${cls.id}`)).json()) as Record<
      string,
      unknown
    > & {
      class: Record<string, unknown>;
    };
    expect(seen).toMatchObject({ manage: false, moderate: true });
    expect(seen.class).not.toHaveProperty("hasStreamKey");
    expect(seen.class).not.toHaveProperty("joinUrl");

    expect(await (await other.client.get(`/api/classes/${cls.id}`)).json()).toMatchObject({
      manage: false,
      moderate: false,
    });
    expect(await (await teacher.client.get(`/api/classes/${cls.id}`)).json()).toMatchObject({
      manage: true,
      moderate: true,
    });
  });
});
