/**
 * Moderator grants are invitations (issue 12, point 22): granting by email answers the same
 * whether or not an account has that email, applies only to an account that has the email
 * when it is granted (never later at sign-up: that would hand moderation to whoever signs
 * up first with the address), and is rate-limited, so a teacher account cannot be used to
 * discover who has an account.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { Client, PASSWORD, signUp } from "./helpers.ts";
import { createClass, open } from "./realtime/helpers.ts";

describe("moderator grants by email", () => {
  it("answer the same for an existing account and for nobody; a later sign-up with the email gets nothing until granted again", async () => {
    const { classId, teacher } = await createClass();
    const known = await signUp("student", "Kim");
    const unknown = `nobody-${Date.now()}@example.test`;

    // The attack: grant to an email and read the answer to learn whether it has an account.
    const grant = async (email: string) => {
      const r = await teacher.client.post(`/api/classes/${classId}/moderators`, { email });
      return { status: r.status, body: JSON.stringify(await r.json()).replace(email, "<email>") };
    };
    const a = await grant(known.email);
    const b = await grant(unknown);
    expect(a).toEqual(b);
    expect(a.status).toBe(201);
    const list = (await (
      await teacher.client.get(`/api/classes/${classId}/moderators`)
    ).json()) as {
      moderators: Record<string, unknown>[];
    };
    // The list holds what the teacher typed and nothing that tells the two apart.
    expect(list.moderators).toEqual([{ email: known.email }, { email: unknown }]);
    const revokeNobody = await teacher.client.request(
      "DELETE",
      `/api/classes/${classId}/moderators`,
      { email: `other-${unknown}` },
    );
    expect(revokeNobody.status).toBe(204);

    // The existing account moderates from its next connect…
    const k = await open(classId, known.client.cookie);
    expect(k.frames[0]).toMatchObject({ you: { role: "moderator" } });
    // The attack: someone signs up with the pending invite's address and hopes to inherit
    // it. Sign-up proves nothing about the email, so they get no grant…
    const later = new Client();
    const up = await later.post("/api/auth/signup", {
      email: unknown,
      password: PASSWORD,
      displayName: "Newcomer",
    });
    expect(up.status).toBe(201);
    const n = await open(classId, later.cookie);
    expect(n.frames[0]).toMatchObject({ you: { role: "student" } });
    n.close();
    // …until the teacher grants again, to the account that now exists.
    expect((await grant(unknown)).status).toBe(201);
    const again = await open(classId, later.cookie);
    expect(again.frames[0]).toMatchObject({ sectionId: "staff", you: { role: "moderator" } });
    for (const x of [k, again]) x.close();
  });

  it("are rate-limited per teacher", async () => {
    const { classId, teacher } = await createClass();
    const statuses: number[] = [];
    // AUTH_LIMITER: 10 a minute, counted in fixed windows (so up to 20 across a boundary).
    for (let i = 0; i < 22 && !statuses.includes(429); i++) {
      const r = await teacher.client.post(`/api/classes/${classId}/moderators`, {
        email: `probe-${i}-${Date.now()}@example.test`,
      });
      statuses.push(r.status);
    }
    expect(statuses.slice(0, 10).every((s) => s === 201)).toBe(true);
    expect(statuses.at(-1)).toBe(429);
    const rows = await env.DB.prepare(
      "SELECT count(*) AS n FROM moderator_invites WHERE class_id = ?",
    )
      .bind(classId)
      .first<{ n: number }>();
    expect(rows!.n).toBe(statuses.filter((s) => s === 201).length);
  });
});
