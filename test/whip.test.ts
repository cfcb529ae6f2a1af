import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { Client, errorCode, OFFER, signUp } from "./helpers.ts";

/** Who may not publish, with the status they get: a student, another teacher, nobody. */
async function outsiders(): Promise<[Client, number][]> {
  return [
    [(await signUp("student")).client, 403],
    [(await signUp("teacher")).client, 403],
    [new Client(), 401],
  ];
}

async function teacherWithClass() {
  const teacher = await signUp("teacher");
  const res = await teacher.client.post("/api/classes", {
    title: "Live class",
    streamKey: "yt-key-secret-1234",
  });
  const { class: cls } = (await res.json()) as { class: { id: string } };
  return { ...teacher, classId: cls.id };
}

describe("WHIP (local mode: proxied to the bridge)", () => {
  it("the class's teacher publishes: 201 + Location + SDP answer; DELETE ends it", async () => {
    const { client, classId } = await teacherWithClass();
    const res = await client.requestRaw("POST", `/whip/${classId}`, OFFER, {
      "content-type": "application/sdp",
    });
    expect(res.status).toBe(201);
    expect(res.headers.get("content-type")).toBe("application/sdp");
    const location = res.headers.get("location")!;
    expect(location).toMatch(new RegExp(`^/whip/${classId}/pub\\d+$`));
    expect(await res.text()).toContain("a=recvonly");

    const second = await client.requestRaw("POST", `/whip/${classId}`, OFFER, {
      "content-type": "application/sdp",
    });
    expect(second.status).toBe(409);
    expect(await errorCode(second)).toBe("publisher_exists");

    expect((await client.requestRaw("DELETE", location)).status).toBe(200);
    expect((await client.requestRaw("DELETE", location)).status).toBe(404);
  });

  it("OBS publishes with a per-class stream token; the token works for no other class", async () => {
    const { client, classId } = await teacherWithClass();
    const other = await teacherWithClass();
    const tokenRes = await client.post(`/api/classes/${classId}/stream-token`);
    const { token, whipUrl } = (await tokenRes.json()) as { token: string; whipUrl: string };
    expect(whipUrl).toBe(`http://localhost/whip/${classId}`);
    const obs = new Client();
    const ok = await obs.requestRaw("POST", `/whip/${classId}`, OFFER, {
      "content-type": "application/sdp",
      authorization: `Bearer ${token}`,
    });
    expect(ok.status).toBe(201);
    const wrongClass = await obs.requestRaw("POST", `/whip/${other.classId}`, OFFER, {
      "content-type": "application/sdp",
      authorization: `Bearer ${token}`,
    });
    expect(wrongClass.status).toBe(403);
    await obs.requestRaw("DELETE", ok.headers.get("location")!, undefined, {
      authorization: `Bearer ${token}`,
    });
  });

  it("refuses students, other teachers, guests and anonymous publishers", async () => {
    const { classId } = await teacherWithClass();
    for (const [c, status] of await outsiders()) {
      const res = await c.requestRaw("POST", `/whip/${classId}`, OFFER, {
        "content-type": "application/sdp",
      });
      expect(res.status).toBe(status);
    }
    const forged = await new Client().requestRaw("POST", `/whip/${classId}`, OFFER, {
      "content-type": "application/sdp",
      authorization: "Bearer not.a.token",
    });
    expect(forged.status).toBe(401);
  });

  it("rejects bad offers with clear codes before touching the bridge", async () => {
    const { client, classId } = await teacherWithClass();
    const wrongType = await client.requestRaw("POST", `/whip/${classId}`, OFFER, {
      "content-type": "text/plain",
    });
    expect(await errorCode(wrongType)).toBe("unsupported_media_type");
    const garbage = await client.requestRaw("POST", `/whip/${classId}`, "hello", {
      "content-type": "application/sdp",
    });
    expect(garbage.status).toBe(400);
    const vp8 = OFFER.replace("H264/90000", "VP8/90000").replace(/a=fmtp:102.*\r\n/, "");
    const noH264 = await client.requestRaw("POST", `/whip/${classId}`, vp8, {
      "content-type": "application/sdp",
    });
    expect(noH264.status).toBe(415);
    expect(await errorCode(noH264)).toBe("no_h264");
    const crossSite = await client.requestRaw("POST", `/whip/${classId}`, OFFER, {
      "content-type": "application/sdp",
      origin: "https://evil.example",
    });
    expect(await errorCode(crossSite)).toBe("csrf_origin_mismatch");
  });

  it("prepare (studio getting ready) is the teacher's alone, idempotent, CSRF-checked, and the POST still works after it", async () => {
    const { client, classId } = await teacherWithClass();
    for (const [c, status] of await outsiders()) {
      expect((await c.requestRaw("POST", `/whip/${classId}/prepare`)).status).toBe(status);
    }
    const crossSite = await client.requestRaw("POST", `/whip/${classId}/prepare`, undefined, {
      origin: "https://evil.example",
    });
    expect(await errorCode(crossSite)).toBe("csrf_origin_mismatch");
    const missing = await client.requestRaw("POST", "/whip/no-such-class/prepare");
    expect(missing.status).toBe(404);

    expect((await client.requestRaw("POST", `/whip/${classId}/prepare`)).status).toBe(204);
    expect((await client.requestRaw("POST", `/whip/${classId}/prepare`)).status).toBe(204);
    const res = await client.requestRaw("POST", `/whip/${classId}`, OFFER, {
      "content-type": "application/sdp",
    });
    expect(res.status).toBe(201);
    expect((await client.requestRaw("DELETE", res.headers.get("location")!)).status).toBe(200);
  });

  it("a disabled teacher cannot go live, by cookie or by stream token", async () => {
    const { client, classId, id } = await teacherWithClass();
    const { token } = (await (
      await client.post(`/api/classes/${classId}/stream-token`)
    ).json()) as { token: string };
    await env.DB.prepare("UPDATE users SET disabled = 1 WHERE id = ?").bind(id).run();
    const byCookie = await client.requestRaw("POST", `/whip/${classId}`, OFFER, {
      "content-type": "application/sdp",
    });
    expect(await errorCode(byCookie)).toBe("account_disabled");
    const byToken = await new Client().requestRaw("POST", `/whip/${classId}`, OFFER, {
      "content-type": "application/sdp",
      authorization: `Bearer ${token}`,
    });
    expect(byToken.status).toBe(401);
  });
});
