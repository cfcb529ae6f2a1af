/** Helpers for workerd integration tests: a cookie-carrying client over `exports.default`. */
import { exports } from "cloudflare:workers";

export const ORIGIN = "http://localhost";

/** A browser-like client: keeps the session cookie and sends a same-origin Origin header. */
export class Client {
  cookie = "";

  async request(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<Response> {
    const h = new Headers(headers);
    if (this.cookie) h.set("cookie", this.cookie);
    if (method !== "GET" && !("origin" in headers)) h.set("origin", ORIGIN);
    if (h.get("origin") === "") h.delete("origin");
    let payload: BodyInit | undefined;
    if (body !== undefined) {
      payload = typeof body === "string" ? body : JSON.stringify(body);
      h.set("content-type", "application/json");
    }
    const res = await exports.default.fetch(
      new Request(`${ORIGIN}${path}`, { method, headers: h, body: payload }),
    );
    const set = res.headers.get("set-cookie");
    if (set) {
      const pair = set.split(";")[0]!;
      this.cookie = pair.endsWith("=") ? "" : pair;
    }
    return res;
  }

  get(path: string) {
    return this.request("GET", path);
  }
  post(path: string, body?: unknown, headers?: Record<string, string>) {
    return this.request("POST", path, body, headers);
  }
  patch(path: string, body?: unknown) {
    return this.request("PATCH", path, body);
  }
}

let counter = 0;
/** Sign up a fresh user and return a client holding their session. */
export async function signUp(role: "teacher" | "student" = "teacher", name = `User ${++counter}`) {
  const client = new Client();
  const email = `user${Date.now()}${++counter}@example.test`;
  const res = await client.post("/api/auth/signup", {
    email,
    password: "correct horse 42",
    displayName: name,
    role,
  });
  if (res.status !== 201) throw new Error(`signup failed: ${res.status} ${await res.text()}`);
  const { user } = (await res.json()) as { user: { id: string } };
  return { client, email, id: user.id };
}

/** Read a JSON error body's code. */
export async function errorCode(res: Response): Promise<string> {
  const body = (await res.json()) as { error?: { code?: string } };
  return body.error?.code ?? "";
}
