/**
 * A loopback stand-in for Cloudflare Turnstile's siteverify endpoint. Tests ask it for
 * tokens (as the widget would get them in a browser); it checks every verification the
 * Worker sends like the real service would: POST, form-encoded, the right secret, a token
 * it issued, used once, for the client address it was issued to.
 *
 *   POST /tokens { remoteip }  → { token }        (what the widget hands the page)
 *   POST /siteverify            → { success, "error-codes" }
 *   GET  /requests              → every verification received: { secret, response, remoteip }
 */
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage } from "node:http";

export const TEST_TURNSTILE = { siteKey: "1x-test-site-key", secret: "0x-test-turnstile-secret" };

export interface SiteverifyStandin {
  url: string;
  /** Problems found in verifications (bad method, encoding, secret); must stay empty. */
  violations: string[];
  close(): Promise<void>;
}

function read(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on("data", (d: Buffer) => chunks.push(d));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
  });
}

export async function startSiteverifyStandin(secret: string): Promise<SiteverifyStandin> {
  const violations: string[] = [];
  /** Issued tokens → the address they were issued to, and whether they were spent. */
  const tokens = new Map<string, { remoteip: string; spent: boolean }>();
  const received: Record<string, string | null>[] = [];
  const server = createServer(async (req, res) => {
    const body = await read(req);
    const json = (status: number, value: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(value));
    };
    if (req.method === "POST" && req.url === "/tokens") {
      const { remoteip } = JSON.parse(body) as { remoteip: string };
      const token = `tok-${randomUUID()}`;
      tokens.set(token, { remoteip, spent: false });
      return json(200, { token });
    }
    if (req.method === "GET" && req.url === "/requests") return json(200, received);
    if (req.url !== "/siteverify") return json(404, {});
    if (req.method !== "POST") violations.push(`siteverify: method ${req.method}`);
    if (!req.headers["content-type"]?.startsWith("application/x-www-form-urlencoded"))
      violations.push(`siteverify: content-type ${req.headers["content-type"]}`);
    const form = new URLSearchParams(body);
    const got = {
      secret: form.get("secret"),
      response: form.get("response"),
      remoteip: form.get("remoteip"),
    };
    received.push(got);
    for (const k of form.keys())
      if (!["secret", "response", "remoteip", "idempotency_key"].includes(k))
        violations.push(`siteverify: unexpected field ${k}`);
    if (got.secret !== secret) {
      violations.push("siteverify: wrong secret");
      return json(200, { success: false, "error-codes": ["invalid-input-secret"] });
    }
    const t = got.response ? tokens.get(got.response) : undefined;
    if (!t) return json(200, { success: false, "error-codes": ["invalid-input-response"] });
    if (t.spent) return json(200, { success: false, "error-codes": ["timeout-or-duplicate"] });
    t.spent = true;
    if (got.remoteip !== t.remoteip)
      return json(200, { success: false, "error-codes": ["invalid-input-response"] });
    return json(200, { success: true, "error-codes": [] });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    violations,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
