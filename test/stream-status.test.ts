/** Going live reaches every student; the bridge's health reaches staff and refines the start time. */
import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { bridgeHealth, bridgeHealthRequest, Client, errorCode, OFFER } from "./helpers.ts";
import { createClass, open } from "./realtime/helpers.ts";

const health = (classId: string, over: Record<string, unknown> = {}) =>
  bridgeHealth(classId, {
    rtmp: "rtmp://127.0.0.1/***",
    lastKeyframeAt: Date.now() - 500,
    streamStartedAt: 1_800_000_000_000,
    ...over,
  });

const postHealth = (body: unknown, secret?: string) =>
  exports.default.fetch(bridgeHealthRequest(body, secret));

describe("stream status", () => {
  it("WHIP publish → students see live; bridge health sets the start time; DELETE → ended", async () => {
    const { classId, teacher } = await createClass({ guestAccess: true });
    const guest = new Client();
    await guest.post(`/api/auth/guest/${classId}`, { displayName: "Stu" });
    const student = await open(classId, guest.cookie);
    const staff = await open(classId, teacher.client.cookie);

    const res = await teacher.client.requestRaw("POST", `/whip/${classId}`, OFFER, {
      "content-type": "application/sdp",
    });
    expect(res.status).toBe(201);
    expect(await student.next("stream.status")).toMatchObject({ status: "live", startedAt: null });

    expect((await postHealth(health(classId))).status).toBe(204);
    expect(await student.next("stream.status")).toMatchObject({
      status: "live",
      startedAt: 1_800_000_000_000,
    });
    expect(await staff.next("stream.health")).toMatchObject({
      health: { state: "live", bitrateKbps: 2500 },
    });
    // Students never receive the staff-only health frame.
    expect(student.all("stream.health" as "stream.status")).toHaveLength(0);

    const seen = (await (
      await teacher.client.get(`/api/classes/${classId}/stream-health`)
    ).json()) as { health: { state: string } };
    expect(seen.health.state).toBe("live");
    const { client: other } = await import("./helpers.ts").then((h) => h.signUp("teacher"));
    expect((await other.get(`/api/classes/${classId}/stream-health`)).status).toBe(403);

    expect((await teacher.client.requestRaw("DELETE", res.headers.get("location")!)).status).toBe(
      200,
    );
    expect(await student.next("stream.status")).toMatchObject({ status: "ended", startedAt: null });
    student.close();
    staff.close();
  });

  it("the slate on air → students see 'reconnecting' (never 'live'), then live again; the ingest lost → 'interrupted'; the grace over → ended", async () => {
    const { classId, teacher } = await createClass({ guestAccess: true });
    const guest = new Client();
    await guest.post(`/api/auth/guest/${classId}`, { displayName: "Stu" });
    const student = await open(classId, guest.cookie);
    const res = await teacher.client.requestRaw("POST", `/whip/${classId}`, OFFER, {
      "content-type": "application/sdp",
    });
    expect(res.status).toBe(201);
    expect(await student.next("stream.status")).toMatchObject({ status: "live" });
    await postHealth(health(classId));
    expect(await student.next("stream.status")).toMatchObject({ status: "live" });

    // The teacher's tab crashed: the bridge's slate covers, with the same publish.
    await postHealth(health(classId, { state: "filler", fillerActive: true, receiving: false }));
    expect(await student.next("stream.status")).toMatchObject({
      status: "reconnecting",
      startedAt: 1_800_000_000_000,
    });
    // Further reports during the grace change nothing.
    await postHealth(health(classId, { state: "filler", fillerActive: true, receiving: false }));
    await postHealth(health(classId));
    expect(await student.next("stream.status")).toMatchObject({ status: "live" });

    await postHealth(health(classId, { state: "restarting", pushing: false }));
    expect(await student.next("stream.status")).toMatchObject({ status: "interrupted" });
    await postHealth(health(classId, { state: "filler", fillerActive: true }));
    expect(await student.next("stream.status")).toMatchObject({ status: "reconnecting" });
    // The grace is over: the bridge ended the push.
    await postHealth(health(classId, { state: "ended", fillerActive: false, pushing: false }));
    expect(await student.next("stream.status")).toMatchObject({ status: "ended", startedAt: null });
    // A late report does not bring an ended stream back.
    await postHealth(health(classId));
    const statuses = student.all("stream.status").map((e) => e.status);
    expect(statuses).toEqual([
      "live",
      "live",
      "reconnecting",
      "live",
      "interrupted",
      "reconnecting",
      "ended",
    ]);
    student.close();
  });

  it("refuses health reports without the bridge secret or with a malformed body", async () => {
    const { classId } = await createClass();
    const forged = await postHealth(health(classId), "wrong");
    expect(forged.status).toBe(401);
    const bad = await postHealth({ ...health(classId), state: "exploded" });
    expect(bad.status).toBe(400);
    expect(await errorCode(bad)).toBe("validation_failed");
  });
});
