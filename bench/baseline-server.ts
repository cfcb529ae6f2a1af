/**
 * The plain Node `ws` broadcast baseline: the smallest server that does the same job
 * (one teacher event in, the same JSON frame out to every student). Process 0 is the
 * hub the teacher connects to (`?teacher=1`); other processes connect to the hub as
 * relays (`?relay=1`) and re-broadcast verbatim — the same root → shard tree as the
 * real stack, without auth, storage, batching windows or a runtime.
 * argv: <port> [hubPort]. Answers "ready" over IPC.
 */
import { WebSocket, WebSocketServer } from "ws";

const port = Number(process.argv[2]);
const hubPort = process.argv[3] ? Number(process.argv[3]) : null;
const students = new Set<WebSocket>();
const relays = new Set<WebSocket>();
let seq = 0;

function broadcast(frame: string): void {
  for (const ws of relays) ws.send(frame);
  for (const ws of students) ws.send(frame);
}

const wss = new WebSocketServer({ host: "127.0.0.1", port, perMessageDeflate: false });
wss.on("connection", (ws, req) => {
  const q = new URL(req.url ?? "/", "http://x").searchParams;
  if (q.has("teacher")) {
    ws.send('{"type":"welcome"}');
    ws.on("message", (data) => {
      const m = JSON.parse(data.toString()) as { type: string; text: string };
      if (m.type !== "announce.send") return;
      const at = Date.now();
      seq++;
      broadcast(
        JSON.stringify({
          type: "announce",
          seq,
          at,
          announcement: {
            id: `a${seq}`,
            from: { id: "t", name: "T", role: "teacher" },
            text: m.text,
            at,
          },
        }),
      );
    });
    return;
  }
  const set = q.has("relay") ? relays : students;
  set.add(ws);
  ws.on("close", () => set.delete(ws));
  ws.on("error", () => set.delete(ws));
  if (set === students) ws.send('{"type":"welcome"}');
});
wss.on("listening", () => {
  if (hubPort === null) {
    process.send?.("ready");
    return;
  }
  const up = new WebSocket(`ws://127.0.0.1:${hubPort}/?relay=1`, { perMessageDeflate: false });
  up.on("message", (data) => {
    const frame = data.toString();
    for (const ws of students) ws.send(frame);
  });
  up.on("open", () => process.send?.("ready"));
});
const stop = () => process.exit(0);
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
process.on("disconnect", stop);
