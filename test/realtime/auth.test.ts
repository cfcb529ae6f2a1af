import { sign } from "hono/jwt";
import { describe, expect, it } from "vitest";
import { Client, errorCode, signUp } from "../helpers.ts";
import { connect, createClass, open, Sock, sleep } from "./helpers.ts";

const SECRET = "test-secret-0123456789abcdef0123456789abcdef";
const now = () => Math.floor(Date.now() / 1000);

async function refused(p: Promise<Sock | Response>, status: number, code: string) {
  const res = await p;
  expect(res).toBeInstanceOf(Response);
  expect((res as Response).status).toBe(status);
  expect(await errorCode(res as Response)).toBe(code);
}

describe("socket authentication before the upgrade", () => {
  it("refuses no cookie, forged, expired and wrong-audience tickets", async () => {
    const { classId } = await createClass();
    await refused(connect(classId), 401, "unauthenticated");
    const claims = {
      sub: "u1",
      name: "Eve",
      role: "student",
      aud: "ws",
      iss: "mass-class",
      cls: classId,
      iat: now(),
      exp: now() + 60,
    };
    await refused(
      connect(classId, { ticket: await sign(claims, "wrong-secret", "HS256") }),
      401,
      "unauthenticated",
    );
    await refused(
      connect(classId, { ticket: await sign({ ...claims, exp: now() - 5 }, SECRET, "HS256") }),
      401,
      "unauthenticated",
    );
    await refused(
      connect(classId, { ticket: await sign({ ...claims, aud: "session" }, SECRET, "HS256") }),
      401,
      "unauthenticated",
    );
    await refused(connect(classId, { ticket: "not.a.jwt" }), 401, "unauthenticated");
  });

  it("refuses guests (cookie or ticket) of another class, and tickets for another class", async () => {
    const a = await createClass({ guestAccess: true });
    const b = await createClass({ guestAccess: true });
    const guest = new Client();
    expect((await guest.post(`/api/auth/guest/${a.classId}`, { displayName: "Gus" })).status).toBe(
      201,
    );
    await refused(connect(b.classId, { cookie: guest.cookie }), 403, "forbidden");
    const t = (await (await guest.post(`/api/classes/${a.classId}/ticket`)).json()) as {
      ticket: string;
    };
    await refused(connect(b.classId, { ticket: t.ticket }), 403, "forbidden");
    expect((await guest.post(`/api/classes/${b.classId}/ticket`)).status).toBe(403);
    const ok = await connect(a.classId, { ticket: t.ticket });
    expect(ok).toBeInstanceOf(Sock);
    const welcome = await (ok as Sock).next("welcome");
    expect(welcome.you).toMatchObject({ name: "Gus", role: "guest" });
    (ok as Sock).close();
  });

  it("refuses unknown classes, non-upgrades, bad versions and cross-origin cookie upgrades", async () => {
    const { classId } = await createClass();
    const s = await signUp("student");
    await refused(connect("nope", { cookie: s.client.cookie }), 404, "not_found");
    await refused(
      connect(classId, { cookie: s.client.cookie, query: "v=2" }),
      400,
      "unsupported_version",
    );
    await refused(
      connect(classId, { cookie: s.client.cookie, headers: { origin: "https://evil.example" } }),
      403,
      "forbidden",
    );
    const plain = await s.client.get(`/ws/classes/${classId}?v=1`);
    expect(plain.status).toBe(426);
  });

  it("issues 60 s tickets that open a socket, and ignores spoofed identity headers", async () => {
    const { classId } = await createClass();
    const s = await signUp("student", "Stu");
    const res = await s.client.post(`/api/classes/${classId}/ticket`);
    expect(res.status).toBe(200);
    const t = (await res.json()) as { ticket: string; expiresInS: number; url: string };
    expect(t.expiresInS).toBe(60);
    expect(t.url).toBe(`/ws/classes/${classId}?v=1&ticket=${t.ticket}`);
    const sock = await connect(classId, {
      ticket: t.ticket,
      headers: { "x-mc-role": "teacher", "x-mc-user-id": "someone-else", "x-mc-section": "staff" },
    });
    expect(sock).toBeInstanceOf(Sock);
    const welcome = await (sock as Sock).next("welcome");
    expect(welcome.you).toEqual({ id: s.id, name: "Stu", role: "student" });
    expect(welcome.sectionId).toBe("s1");
    (sock as Sock).close();
    expect((await new Client().post(`/api/classes/${classId}/ticket`)).status).toBe(401);
  });

  it("spends a join ticket on its first use: a replay within its 60 s is refused", async () => {
    const { classId } = await createClass();
    const s = await signUp("student", "Stu");
    const mint = async () =>
      ((await (await s.client.post(`/api/classes/${classId}/ticket`)).json()) as { ticket: string })
        .ticket;
    const ticket = await mint();
    const first = await connect(classId, { ticket });
    expect(first).toBeInstanceOf(Sock);
    await (first as Sock).next("welcome");
    // The attack: whoever saw the ticket (a log, a proxy, a shoulder) uses it again.
    const replay = await connect(classId, { ticket });
    expect(replay).not.toBeInstanceOf(Sock);
    expect((replay as Response).status).toBe(401);
    expect(await errorCode(replay as Response)).toBe("unauthenticated");
    (first as Sock).close();
    // …also after the first socket is gone.
    const later = await connect(classId, { ticket });
    expect((later as Response).status).toBe(401);
    // Two racing uses of one fresh ticket: exactly one gets in.
    const fresh = await mint();
    const both = await Promise.all([
      connect(classId, { ticket: fresh }),
      connect(classId, { ticket: fresh }),
    ]);
    expect(both.filter((x) => x instanceof Sock)).toHaveLength(1);
    for (const x of both) if (x instanceof Sock) x.close();
  });

  it("caps one user at 5 concurrent sockets in their shard (the 6th closes with 4009)", async () => {
    // A user's tickets all name one shard (decision 014), which counts their sockets; the
    // staff shard has no capacity limit, so the teacher shows the cap (SHARD_CAPACITY is 3 here).
    const { classId, teacher } = await createClass();
    const stu = teacher;
    const socks: Sock[] = [];
    for (let i = 0; i < 5; i++) socks.push(await open(classId, stu.client.cookie));
    const sixth = await connect(classId, { cookie: stu.client.cookie });
    expect(sixth).toBeInstanceOf(Sock);
    expect((await (sixth as Sock).waitClose()).code).toBe(4009);
    socks.pop()!.close();
    await sleep(400); // the leave reaches the root
    const again = await open(classId, stu.client.cookie);
    for (const s of [...socks, again]) s.close();
  });

  it("gives the teacher the teacher role in the staff section", async () => {
    const { classId, teacher } = await createClass();
    const sock = await open(classId, teacher.client.cookie);
    expect(sock.frames[0]).toMatchObject({
      type: "welcome",
      sectionId: "staff",
      you: { role: "teacher" },
    });
    await sock.next("snapshot");
    await sock.next("mod.state");
    sock.close();
  });
});
