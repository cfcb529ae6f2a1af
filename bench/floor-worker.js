/**
 * The bare-runtime floor of the fan-out benchmark (`--floor`): the ws baseline's job
 * (bench/baseline-server.ts) done by the smallest Worker + Durable Object that uses the
 * same runtime path as the real shards — the Worker forwards the upgrade to a Durable
 * Object that holds the sockets with the Hibernation API and broadcasts one frame to all.
 * No auth, storage, batching windows, protocol or root. Plain JS: Miniflare runs it as is.
 *
 * Process 0 is the hub the teacher connects to (`?teacher=1`); it relays each frame to
 * the other processes' `POST /relay` (PEERS: comma-separated ports), which broadcast it
 * verbatim, as the baseline's relays do.
 */
import { DurableObject } from "cloudflare:workers";

export class Floor extends DurableObject {
  seq = 0;

  async fetch(req) {
    const url = new URL(req.url);
    if (url.pathname === "/relay") {
      this.broadcast(await req.text());
      return new Response(null, { status: 204 });
    }
    const [client, server] = Object.values(new WebSocketPair());
    const teacher = url.searchParams.has("teacher");
    this.ctx.acceptWebSocket(server, [teacher ? "teacher" : "student"]);
    server.send('{"type":"welcome"}');
    return new Response(null, { status: 101, webSocket: client });
  }

  async webSocketMessage(ws, data) {
    if (!this.ctx.getTags(ws).includes("teacher")) return;
    const m = JSON.parse(String(data));
    if (m.type !== "announce.send") return;
    const at = Date.now();
    this.seq++;
    const frame = JSON.stringify({
      type: "announce",
      seq: this.seq,
      at,
      announcement: {
        id: `a${this.seq}`,
        from: { id: "t", name: "T", role: "teacher" },
        text: m.text,
        at,
      },
    });
    const peers = this.env.PEERS ? this.env.PEERS.split(",") : [];
    // Relay first, like the baseline hub, so the other processes start at once.
    const relayed = peers.map((port) =>
      fetch(`http://127.0.0.1:${port}/relay`, { method: "POST", body: frame }),
    );
    this.broadcast(frame);
    await Promise.allSettled(relayed);
  }

  webSocketClose(ws, code) {
    try {
      ws.close(code);
    } catch {
      // Already closed.
    }
  }

  broadcast(frame) {
    for (const ws of this.ctx.getWebSockets("student")) {
      try {
        ws.send(frame);
      } catch {
        // Closed between listing and sending.
      }
    }
  }
}

export default {
  fetch(req, env) {
    return env.FLOOR.get(env.FLOOR.idFromName("floor")).fetch(req);
  },
};
