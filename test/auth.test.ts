import { env } from "cloudflare:workers";
import { sign } from "hono/jwt";
import { describe, expect, it } from "vitest";
import { Client, errorCode, PASSWORD, signUp } from "./helpers.ts";

const strong = "correct horse 42";

describe("sign-up and sign-in", () => {
  it("signs up, keeps the session in an HttpOnly cookie, and signs in again", async () => {
    const c = new Client();
    const res = await c.post("/api/auth/signup", {
      email: "Ada@Example.test",
      password: strong,
      displayName: "Ada",
    });
    expect(res.status).toBe(201);
    const setCookie = res.headers.get("set-cookie")!;
    expect(setCookie).toMatch(/mc_session=/);
    expect(setCookie).toMatch(/HttpOnly/i);
    expect(setCookie).toMatch(/SameSite=Lax/i);
    const me = await c.get("/api/auth/me");
    expect(await me.json()).toMatchObject({
      user: { displayName: "Ada", role: "student", email: "ada@example.test" },
    });

    await c.post("/api/auth/signout");
    expect((await c.get("/api/auth/me")).status).toBe(401);

    const again = await c.post("/api/auth/signin", { email: "ada@example.test", password: strong });
    expect(again.status).toBe(200);
    expect((await c.get("/api/auth/me")).status).toBe(200);
  });

  it("never lets public sign-up make a teacher; an admin grants the role", async () => {
    // The attack: an anonymous visitor asks for the teacher role in the sign-up body.
    const eve = new Client();
    const res = await eve.post("/api/auth/signup", {
      email: "eve-teacher@example.test",
      password: strong,
      displayName: "Eve",
      role: "teacher",
    });
    expect(res.status).toBe(400);
    expect(await errorCode(res)).toBe("validation_failed");
    expect(
      await env.DB.prepare("SELECT id FROM users WHERE email = ?")
        .bind("eve-teacher@example.test")
        .first(),
    ).toBeNull();
    // Without the field (or with "student") she is a student, refused every teacher path.
    const ok = await eve.post("/api/auth/signup", {
      email: "eve-teacher@example.test",
      password: strong,
      displayName: "Eve",
      role: "student",
    });
    expect(ok.status).toBe(201);
    const { user } = (await ok.json()) as { user: { id: string; role: string } };
    expect(user.role).toBe("student");
    expect((await eve.post("/api/classes", { title: "Mine" })).status).toBe(403);

    // An admin grants the teacher role (admin users page); then the account may teach.
    const admin = await signUp("teacher", "Admin");
    await env.DB.prepare("UPDATE users SET role = 'admin' WHERE id = ?").bind(admin.id).run();
    expect(
      (await admin.client.patch(`/api/admin/users/${user.id}`, { role: "teacher" })).status,
    ).toBe(200);
    expect((await eve.post("/api/classes", { title: "Mine" })).status).toBe(201);
  });

  it("signs up a teacher from an admin's invite link, once; only admins make links", async () => {
    const teacher = await signUp("teacher", "Not Admin");
    expect((await teacher.client.post("/api/admin/invites")).status).toBe(403);
    const admin = await signUp("teacher", "Admin");
    await env.DB.prepare("UPDATE users SET role = 'admin' WHERE id = ?").bind(admin.id).run();
    const res = await admin.client.post("/api/admin/invites");
    expect(res.status).toBe(201);
    const { url } = (await res.json()) as { url: string };
    const invite = new URL(url).searchParams.get("invite")!;
    const body = (email: string, inv = invite) => ({
      email,
      password: strong,
      displayName: "Invited",
      invite: inv,
    });
    const made = new Client();
    const ok = await made.post("/api/auth/signup", body("invited-teacher@example.test"));
    expect(ok.status).toBe(201);
    expect(await ok.json()).toMatchObject({ user: { role: "teacher" } });
    expect((await made.post("/api/classes", { title: "Mine" })).status).toBe(201);
    // The link is single-use; a made-up one does nothing either.
    const again = await new Client().post("/api/auth/signup", body("second@example.test"));
    expect(again.status).toBe(400);
    expect(await errorCode(again)).toBe("invite_invalid");
    const forged = await new Client().post(
      "/api/auth/signup",
      body("third@example.test", "made-up-invite-id"),
    );
    expect(await errorCode(forged)).toBe("invite_invalid");
    // A sign-up that fails (email taken) does not use up the link.
    const fresh = (await (await admin.client.post("/api/admin/invites")).json()) as { url: string };
    const id = new URL(fresh.url).searchParams.get("invite")!;
    const taken = await new Client().post(
      "/api/auth/signup",
      body("invited-teacher@example.test", id),
    );
    expect(await errorCode(taken)).toBe("email_taken");
    const later = await new Client().post("/api/auth/signup", body("fourth@example.test", id));
    expect(await later.json()).toMatchObject({ user: { role: "teacher" } });
  });

  it("rejects a taken email without changing the first account", async () => {
    const { email } = await signUp("student");
    const c = new Client();
    const res = await c.post("/api/auth/signup", {
      email,
      password: "another pass 99",
      displayName: "Imposter",
    });
    expect(res.status).toBe(409);
    expect(await errorCode(res)).toBe("email_taken");
    const signIn = await new Client().post("/api/auth/signin", { email, password: strong });
    expect(signIn.status).toBe(200);
    expect(await signIn.json()).toMatchObject({ user: { role: "student" } });
  });

  it("rejects weak passwords, oversized fields and malformed JSON with stable codes", async () => {
    const c = new Client();
    const weak = await c.post("/api/auth/signup", {
      email: "w@example.test",
      password: "short",
      displayName: "W",
      role: "student",
    });
    expect(weak.status).toBe(400);
    expect(await errorCode(weak)).toBe("weak_password");

    const huge = await c.post("/api/auth/signup", {
      email: "h@example.test",
      password: strong,
      displayName: "x".repeat(500),
      role: "student",
    });
    expect(huge.status).toBe(400);
    expect(await errorCode(huge)).toBe("validation_failed");

    const tooBig = await c.post("/api/auth/signup", "x".repeat(20_000));
    expect(tooBig.status).toBe(413);

    const bad = await c.post("/api/auth/signup", "{not json");
    expect(bad.status).toBe(400);
    expect(await errorCode(bad)).toBe("invalid_json");

    const admin = await c.post("/api/auth/signup", {
      email: "a@example.test",
      password: strong,
      displayName: "A",
      role: "admin",
    });
    expect(await errorCode(admin)).toBe("validation_failed");

    const nobody = await new Client().post("/api/auth/signin", {
      email: "h@example.test",
      password: strong,
    });
    expect(nobody.status).toBe(401);
  });

  it("rejects a wrong password", async () => {
    const { email } = await signUp("student");
    const res = await new Client().post("/api/auth/signin", {
      email,
      password: "wrong password 1",
    });
    expect(res.status).toBe(401);
    expect(await errorCode(res)).toBe("invalid_credentials");
  });
});

describe("session tokens", () => {
  const me = (token: string) => {
    const c = new Client();
    c.cookie = `mc_session=${token}`;
    return c.get("/api/auth/me");
  };
  const now = () => Math.floor(Date.now() / 1000);
  const claims = (over: Record<string, unknown> = {}) => ({
    sub: "u1",
    name: "Eve",
    role: "admin",
    aud: "session",
    iss: "mass-class",
    iat: now(),
    exp: now() + 600,
    ...over,
  });

  it("rejects a token signed with another secret", async () => {
    expect((await me(await sign(claims(), "not-the-secret", "HS256"))).status).toBe(401);
  });

  it("rejects an expired token", async () => {
    const token = await sign(
      claims({ exp: now() - 10 }),
      "test-secret-0123456789abcdef0123456789abcdef",
      "HS256",
    );
    expect((await me(token)).status).toBe(401);
  });

  it("rejects alg:none and a token for another audience", async () => {
    const b64 = (o: unknown) =>
      btoa(JSON.stringify(o)).replace(/=+$/, "").replaceAll("+", "-").replaceAll("/", "_");
    expect((await me(`${b64({ alg: "none", typ: "JWT" })}.${b64(claims())}.`)).status).toBe(401);
    const ws = await sign(
      claims({ aud: "ws" }),
      "test-secret-0123456789abcdef0123456789abcdef",
      "HS256",
    );
    expect((await me(ws)).status).toBe(401);
  });
});

describe("CSRF", () => {
  it("refuses a cross-origin POST and one without Origin", async () => {
    const { client } = await signUp("teacher");
    const evil = await client.post(
      "/api/classes",
      { title: "Evil" },
      { origin: "https://evil.example" },
    );
    expect(evil.status).toBe(403);
    expect(await errorCode(evil)).toBe("csrf_origin_mismatch");
    const noOrigin = await client.request(
      "POST",
      "/api/classes",
      { title: "Evil" },
      { origin: "" },
    );
    expect(await errorCode(noOrigin)).toBe("csrf_origin_mismatch");
    const list = (await (await client.get("/api/classes")).json()) as { classes: unknown[] };
    expect(list.classes).toHaveLength(0);
  });
});

describe("rate limits at the edge", () => {
  it("stops password guessing on one account after 10 tries a minute, with a clear code", async () => {
    const { email } = await signUp("student");
    // No client address (as locally): attempts count per account. The limiter counts in
    // fixed one-minute windows, so a run that straddles a window boundary may get up to 20
    // tries through; 22 always meets the limit.
    const codes: number[] = [];
    for (let i = 0; i < 22 && !codes.includes(429); i++) {
      codes.push(
        (await new Client().post("/api/auth/signin", { email, password: `guess number ${i}` }))
          .status,
      );
    }
    expect(codes.slice(0, 10).every((s) => s === 401)).toBe(true);
    expect(codes.at(-1)).toBe(429);
    // Brute force stays stopped: even the right password is refused.
    const blocked = await new Client().post("/api/auth/signin", { email, password: PASSWORD });
    expect(await errorCode(blocked)).toBe("rate_limited");
  });

  it("does not let a stranger lock the owner out with wrong passwords", async () => {
    const { email } = await signUp("student");
    // The attack: 22 wrong passwords for someone else's email, from the stranger's address.
    const stranger = { "cf-connecting-ip": "198.51.100.7" };
    const codes: number[] = [];
    for (let i = 0; i < 22; i++) {
      const r = await new Client().post(
        "/api/auth/signin",
        { email, password: `not yours ${i}` },
        stranger,
      );
      codes.push(r.status);
    }
    // The stranger is stopped (IP_LIMITER is 5/min in the test config, 300 in production)…
    expect(codes.at(-1)).toBe(429);
    expect(
      await errorCode(
        await new Client().post("/api/auth/signin", { email, password: PASSWORD }, stranger),
      ),
    ).toBe("rate_limited");
    // …and the owner, from their own address, still signs in with the right password.
    const owner = await new Client().post(
      "/api/auth/signin",
      { email, password: PASSWORD },
      { "cf-connecting-ip": "192.0.2.44" },
    );
    expect(owner.status).toBe(200);
  });

  it("limits guest joins per client IP", async () => {
    const teacher = await signUp("teacher");
    const res = await teacher.client.post("/api/classes", { title: "Open", guestAccess: true });
    const { class: cls } = (await res.json()) as { class: { id: string } };
    const statuses: number[] = [];
    // IP_LIMITER is 5/min in the test config (vitest.config.ts); 300/min in wrangler.toml.
    for (let i = 0; i < 7; i++) {
      const r = await new Client().post(
        `/api/auth/guest/${cls.id}`,
        { displayName: `g${i}` },
        { "cf-connecting-ip": "203.0.113.9" },
      );
      statuses.push(r.status);
    }
    expect(statuses.filter((s) => s === 201)).toHaveLength(5);
    expect(statuses.slice(-2)).toEqual([429, 429]);
    // Another address is not affected.
    const other = await new Client().post(
      `/api/auth/guest/${cls.id}`,
      { displayName: "g" },
      { "cf-connecting-ip": "203.0.113.10" },
    );
    expect(other.status).toBe(201);
  });
});
