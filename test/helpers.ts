/** Helpers for workerd integration tests: a cookie-carrying client over `exports.default`. */
import { env, exports } from "cloudflare:workers";
import { TEST_BRIDGE_SECRET } from "../e2e/standins/workers-global-setup.ts";

export const ORIGIN = "http://localhost";

/** A browser-like client: keeps the session cookie and sends a same-origin Origin header. */
export class Client {
  private jar = new Map<string, string>();

  /** The `Cookie` header this client sends (`name=value; …`); assignable. */
  get cookie(): string {
    return [...this.jar].map(([k, v]) => `${k}=${v}`).join("; ");
  }

  set cookie(header: string) {
    this.jar.clear();
    for (const pair of header.split(";")) {
      const i = pair.indexOf("=");
      if (i > 0) this.jar.set(pair.slice(0, i).trim(), pair.slice(i + 1).trim());
    }
  }

  /** Keep the cookies a response sets; an emptied cookie is dropped. */
  private keep(res: Response): void {
    for (const set of res.headers.getSetCookie()) {
      const pair = set.split(";")[0]!;
      const i = pair.indexOf("=");
      if (i <= 0) continue;
      const [name, value] = [pair.slice(0, i).trim(), pair.slice(i + 1).trim()];
      if (value) this.jar.set(name, value);
      else this.jar.delete(name);
    }
  }

  /** `headers` with this client's cookies, and a same-origin Origin on anything but GET. */
  private headersFor(method: string, headers: Record<string, string>): Headers {
    const h = new Headers(headers);
    if (this.cookie) h.set("cookie", this.cookie);
    if (method !== "GET" && !("origin" in headers)) h.set("origin", ORIGIN);
    return h;
  }

  async request(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<Response> {
    const h = this.headersFor(method, headers);
    if (h.get("origin") === "") h.delete("origin");
    let payload: BodyInit | undefined;
    if (body !== undefined) {
      payload = typeof body === "string" ? body : JSON.stringify(body);
      h.set("content-type", "application/json");
    }
    const res = await exports.default.fetch(
      new Request(`${ORIGIN}${path}`, { method, headers: h, body: payload }),
    );
    this.keep(res);
    return res;
  }

  /** A request with a raw string body (e.g. SDP) and its own content type. */
  requestRaw(
    method: string,
    path: string,
    body?: string,
    headers: Record<string, string> = {},
  ): Promise<Response> {
    const h = this.headersFor(method, headers);
    return exports.default.fetch(
      new Request(`${ORIGIN}${path}`, { method, headers: h, body: body ?? null }),
    );
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
/** The password `signUp` gives every account. */
export const PASSWORD = "correct horse 42";

/**
 * Sign up a fresh user and return a client holding their session. Public sign-up makes
 * students only; a teacher is then granted the role as an admin would (in D1) and signs in again.
 */
export async function signUp(role: "teacher" | "student" = "teacher", name = `User ${++counter}`) {
  const client = new Client();
  const email = `user${Date.now()}${++counter}@example.test`;
  const res = await client.post("/api/auth/signup", {
    email,
    password: PASSWORD,
    displayName: name,
  });
  if (res.status !== 201) throw new Error(`signup failed: ${res.status} ${await res.text()}`);
  const { user } = (await res.json()) as { user: { id: string } };
  if (role === "teacher") {
    await env.DB.prepare("UPDATE users SET role = 'teacher' WHERE id = ?").bind(user.id).run();
    const again = await client.post("/api/auth/signin", { email, password: PASSWORD });
    if (again.status !== 200) throw new Error(`signin failed: ${again.status}`);
  }
  return { client, email, id: user.id };
}

/**
 * A bridge health report for `classId` as the bridge posts it: a stream that is live and
 * pushed, unless `over` says otherwise.
 */
export function bridgeHealth(classId: string, over: Record<string, unknown> = {}) {
  return {
    type: "bridge.health",
    at: Date.now(),
    classId,
    state: "live",
    receiving: true,
    pushing: true,
    lastKeyframeAt: null,
    bitrateKbps: 2500,
    fillerActive: false,
    restarts: 0,
    streamStartedAt: null,
    lastError: null,
    ...over,
  };
}

/** The bridge's POST of `body` to /api/bridge/health, signed with `secret`. */
export function bridgeHealthRequest(body: unknown, secret = TEST_BRIDGE_SECRET): Request {
  return new Request(`${ORIGIN}/api/bridge/health`, {
    method: "POST",
    headers: { authorization: `Bearer ${secret}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
}

/** Read a JSON error body's code. */
export async function errorCode(res: Response): Promise<string> {
  const body = (await res.json()) as { error?: { code?: string } };
  return body.error?.code ?? "";
}

/** A minimal Chrome-like offer: Opus audio + H.264 video, both sendonly. */
export const OFFER = [
  "v=0",
  "o=- 4611731400430051336 2 IN IP4 127.0.0.1",
  "s=-",
  "t=0 0",
  "a=group:BUNDLE 0 1",
  "m=audio 9 UDP/TLS/RTP/SAVPF 111",
  "c=IN IP4 0.0.0.0",
  "a=mid:0",
  "a=sendonly",
  "a=rtpmap:111 opus/48000/2",
  "m=video 9 UDP/TLS/RTP/SAVPF 102",
  "c=IN IP4 0.0.0.0",
  "a=mid:1",
  "a=sendonly",
  "a=rtpmap:102 H264/90000",
  "a=fmtp:102 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f",
  "",
].join("\r\n");
