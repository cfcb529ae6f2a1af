/**
 * A local stand-in for the media bridge's control + WHIP API (bridge/README.md): it
 * checks the Worker's requests (Bearer secret, content types, bodies) and answers like
 * the bridge, so WHIP auth and proxying are tested inside workerd without media.
 */
import { createServer } from "node:http";
import type { RecordedCall } from "./calls.ts";

export interface BridgeStandin {
  url: string;
  calls: RecordedCall[];
  violations: string[];
  close(): Promise<void>;
}

export async function startBridgeStandin(secret: string): Promise<BridgeStandin> {
  const calls: RecordedCall[] = [];
  const violations: string[] = [];
  const live = new Map<string, string>();
  let n = 0;
  const server = createServer(async (req, res) => {
    let text = "";
    for await (const chunk of req) text += chunk;
    const path = new URL(req.url ?? "/", "http://x").pathname;
    const type = (req.headers["content-type"] ?? "").split(";")[0];
    let body: unknown = text;
    if (type === "application/json") {
      try {
        body = JSON.parse(text);
      } catch {
        violations.push(`${path}: invalid JSON`);
      }
    }
    calls.push({ method: req.method ?? "", path, body });
    const json = (status: number, value: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(value));
    };
    // Every Worker→bridge call carries the Worker request's id (worker/request-id.ts).
    if (!/^[A-Za-z0-9-]{8,64}$/.test(String(req.headers["x-request-id"] ?? "")))
      violations.push(`${req.method} ${path}: no x-request-id`);
    if (req.headers.authorization !== `Bearer ${secret}`) {
      violations.push(`${req.method} ${path}: bad bridge secret`);
      return json(401, { error: "unauthorized", message: "bad bridge secret" });
    }
    const [kind, classId, resource] = path.split("/").filter(Boolean);
    if (kind === "sessions" && req.method === "PUT") {
      const b = body as { rtmpUrl?: unknown };
      if (
        type !== "application/json" ||
        typeof b?.rtmpUrl !== "string" ||
        !/^rtmps?:\/\//.test(b.rtmpUrl)
      ) {
        violations.push("PUT /sessions needs JSON { rtmpUrl }");
      }
      return json(200, { classId, state: "idle" });
    }
    if (kind === "whip" && req.method === "POST" && !resource) {
      if (type !== "application/sdp") violations.push("POST /whip must be application/sdp");
      if (live.has(classId!))
        return json(409, {
          error: "publisher_exists",
          message: "this class already has a live publisher",
        });
      const id = `pub${++n}`;
      live.set(classId!, id);
      res.writeHead(201, {
        "content-type": "application/sdp",
        location: `/whip/${classId}/${id}`,
        etag: `"${id}"`,
      });
      return res.end(text.replaceAll("a=sendonly", "a=recvonly"));
    }
    if (kind === "whip" && req.method === "DELETE" && resource) {
      if (live.get(classId!) !== resource)
        return json(404, { error: "no-resource", message: "unknown WHIP resource" });
      live.delete(classId!);
      res.writeHead(200);
      return res.end();
    }
    if (kind === "pull" && req.method === "POST") {
      const b = body as { sessionId?: unknown; trackNames?: unknown };
      if (typeof b?.sessionId !== "string" || !Array.isArray(b.trackNames))
        violations.push("POST /pull needs { sessionId, trackNames[] }");
      return json(201, { classId, pulling: true });
    }
    if (kind === "pull" && req.method === "DELETE") {
      res.writeHead(204);
      return res.end();
    }
    violations.push(`unexpected ${req.method} ${path}`);
    return json(404, { error: "not-found", message: "not found" });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const addr = server.address();
  const port = typeof addr === "object" && addr ? addr.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    violations,
    close: () => new Promise((r) => server.close(() => r())),
  };
}
