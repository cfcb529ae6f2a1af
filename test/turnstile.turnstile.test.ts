/**
 * Turnstile on sign-up and guest join (issue 12, point 20): with TURNSTILE_SECRET_KEY set
 * (this project's config), a bot without a valid Turnstile token gets no account and no
 * guest identity. The siteverify stand-in (e2e/standins/siteverify.ts) checks every
 * verification the Worker sends: form-encoded, the secret, the token, the client address.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { Client, errorCode, PASSWORD } from "./helpers.ts";

const IP = "203.0.113.77";
const at = { "cf-connecting-ip": IP };

/** A token the widget would hand a browser at `remoteip`. */
async function token(remoteip = IP): Promise<string> {
  const res = await fetch(`${env.SITEVERIFY_STANDIN_URL}/tokens`, {
    method: "POST",
    body: JSON.stringify({ remoteip }),
  });
  return ((await res.json()) as { token: string }).token;
}

describe("Turnstile", () => {
  it("tells the forms the site key", async () => {
    const res = await new Client().get("/api/auth/config");
    expect(await res.json()).toEqual({ turnstileSiteKey: env.TURNSTILE_SITE_KEY });
  });

  it("refuses sign-up without a valid token, a replayed token, or one from elsewhere", async () => {
    const body = (email: string, turnstileToken?: string) => ({
      email,
      password: PASSWORD,
      displayName: "Bot",
      ...(turnstileToken === undefined ? {} : { turnstileToken }),
    });
    // The attack: a script signs up without ever running the widget, or makes one up.
    const none = await new Client().post("/api/auth/signup", body("bot1@example.test"), at);
    expect(none.status).toBe(403);
    expect(await errorCode(none)).toBe("turnstile_failed");
    const forged = await new Client().post(
      "/api/auth/signup",
      body("bot2@example.test", "made-up"),
      at,
    );
    expect(await errorCode(forged)).toBe("turnstile_failed");
    // A token solved at another address.
    const elsewhere = await new Client().post(
      "/api/auth/signup",
      body("bot3@example.test", await token("198.51.100.1")),
      at,
    );
    expect(await errorCode(elsewhere)).toBe("turnstile_failed");
    const rows = await env.DB.prepare(
      "SELECT count(*) AS n FROM users WHERE email LIKE 'bot%@example.test'",
    ).first<{ n: number }>();
    expect(rows!.n).toBe(0);

    // A person whose browser solved the widget gets in, once per token.
    const good = await token();
    const ok = await new Client().post("/api/auth/signup", body("human@example.test", good), at);
    expect(ok.status).toBe(201);
    const replay = await new Client().post(
      "/api/auth/signup",
      body("human2@example.test", good),
      at,
    );
    expect(await errorCode(replay)).toBe("turnstile_failed");

    // Every verification carried the secret, the token and the client's address.
    const seen = (await (await fetch(`${env.SITEVERIFY_STANDIN_URL}/requests`)).json()) as {
      secret: string;
      response: string;
      remoteip: string | null;
    }[];
    expect(seen.length).toBeGreaterThanOrEqual(4);
    for (const r of seen) {
      expect(r.secret).toBe(env.TURNSTILE_SECRET_KEY);
      expect(r.remoteip).toBe(IP);
    }
    expect(seen.map((r) => r.response)).toContain(good);
  });

  it("refuses guest join without a valid token", async () => {
    // A teacher made directly in D1 (sign-up itself needs a token here).
    const teacherId = `t-${Date.now()}`;
    await env.DB.prepare(
      "INSERT INTO users (id, email, display_name, role, password_hash, password_salt, password_iterations) VALUES (?, ?, 'T', 'teacher', 'x', 'x', 1)",
    )
      .bind(teacherId, `${teacherId}@example.test`)
      .run();
    const classId = `turnstile-${Date.now()}`;
    await env.DB.prepare(
      "INSERT INTO classes (id, teacher_id, title, guest_access) VALUES (?, ?, 'Open', 1)",
    )
      .bind(classId, teacherId)
      .run();
    const bot = await new Client().post(`/api/auth/guest/${classId}`, { displayName: "Bot" }, at);
    expect(bot.status).toBe(403);
    expect(await errorCode(bot)).toBe("turnstile_failed");
    const human = await new Client().post(
      `/api/auth/guest/${classId}`,
      { displayName: "Guest", turnstileToken: await token() },
      at,
    );
    expect(human.status).toBe(201);
  });
});
