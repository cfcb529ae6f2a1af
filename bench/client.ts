/**
 * One load-client process of the fan-out benchmark (forked by bench/fanout.ts): opens
 * its share of student sockets over real loopback WebSockets, spread over many
 * 127.0.0.x source addresses, and records when each teacher event arrives.
 * One Node process holds ~9,000 sockets under the 20,000-fd limit (shared/FACTS.md).
 */
import WebSocket from "ws";
import { benchSection, mintTicket } from "./tickets.ts";

/** Parent → client: what to connect. */
export interface ClientJob {
  kind: "job";
  mode: "runtime" | "baseline";
  /** Global index of this process's first socket (names guests `bench-<i>`). */
  first: number;
  count: number;
  /** Server ports; socket i goes to ports[i % ports.length]. */
  ports: number[];
  /** Shard capacity (runtime mode: the sections the bench's own tickets name). */
  capacity?: number;
  classId: string;
  jwtSecret: string;
  /** Connects in flight at once in this process. */
  concurrency: number;
  /** Source addresses 127.0.0.2 … 127.0.0.(1+addresses). */
  addresses: number;
  /** Epoch ms after which no new connect starts (time box for huge N). */
  deadline: number;
}

/** Client → parent messages. */
export type ClientReport =
  | {
      kind: "connected";
      ok: number;
      failed: number;
      /** Not attempted: the connect time box ran out. */
      skipped: number;
      errors: string[];
      ms: number;
    }
  | { kind: "progress"; received: number }
  | {
      kind: "result";
      /** Delivery delays, ms, one per (socket, event). */
      delays: number[];
      /** Sockets still open. */
      open: number;
      /** Sockets that closed during the run. */
      closed: number;
      /** Distinct (socket, event) deliveries, closed sockets included. */
      received: number;
      firstAt: number;
      lastAt: number;
      /** Poll scenario: `poll.answered` acks received (retries are acked too). */
      acked: number;
      /** Poll scenario: sockets that sent a vote and never got an ack. */
      unacked: number;
      /** Frames received over the whole run, by type. */
      frameTypes: Record<string, number>;
      /** The same, counted only from this process's first event on (the measured window). */
      windowFrameTypes: Record<string, number>;
    };

/** Parent → client commands after the job. */
export type ClientCommand =
  | { kind: "collect" }
  | { kind: "close" }
  /**
   * Poll scenario: every open socket answers `pollId` once at a random time within
   * `spreadMs` (choice = socket index mod `options`); a `retryShare` of them send the
   * same answer again 200 ms later, as a client retry would.
   */
  | { kind: "vote"; pollId: string; spreadMs: number; options: number; retryShare: number };

/** Client → parent after its last vote was sent (poll scenario). */
export interface VoteReport {
  kind: "votes";
  /** Distinct students whose vote was sent. */
  sent: number;
  /** Answers sent per option (retries not counted). */
  perOption: number[];
  /** Epoch ms the last vote left this process (retries, which change nothing, excluded). */
  lastAt: number;
}

const EVENT = /"text":"bench:(\d+):(\d+)"/;
const FRAME_TYPE = /^\{"type":"([^"]+)"/;
/** Frames received over the whole run, by `type` (what the server sends besides the events). */
const frameTypes: Record<string, number> = {};
const windowFrameTypes: Record<string, number> = {};

interface Sock {
  ws: WebSocket;
  seen: Set<number>;
  open: boolean;
  /** Global socket index (its guest id is `bench-<i>`). */
  i: number;
  /** Poll scenario: this socket's vote was sent / acknowledged. */
  voted?: boolean;
  acked?: boolean;
}

const socks: Sock[] = [];
const delays: number[] = [];
let received = 0;
let closed = 0;
let firstAt = Number.POSITIVE_INFINITY;
let lastAt = 0;

function send(m: ClientReport | VoteReport): void {
  process.send?.(m);
}

function connectOne(job: ClientJob, i: number): Promise<string | null> {
  return new Promise((resolve) => {
    void (async () => {
      const port = job.ports[i % job.ports.length]!;
      let url = `ws://127.0.0.1:${port}/`;
      if (job.mode === "runtime") {
        // The benchmark owns the stack, so it mints join tickets with the secret it
        // generated instead of a POST /ticket round trip per socket.
        const ticket = await mintTicket(
          { id: `bench-${i}`, name: `Student ${i}`, role: "guest" },
          job.classId,
          job.jwtSecret,
          60,
          benchSection(i, job.ports.length, job.capacity ?? 2000),
        );
        url = `ws://127.0.0.1:${port}/ws/classes/${job.classId}?v=1&ticket=${ticket}`;
      }
      const ws = new WebSocket(url, {
        localAddress: `127.0.0.${2 + (i % job.addresses)}`,
        perMessageDeflate: false,
        handshakeTimeout: 60_000,
      });
      const s: Sock = { ws, seen: new Set(), open: false, i };
      let settled = false;
      const done = (err: string | null) => {
        if (settled) return;
        settled = true;
        resolve(err);
      };
      ws.on("message", (data) => {
        const text = data.toString();
        const type = FRAME_TYPE.exec(text)?.[1] ?? "other";
        frameTypes[type] = (frameTypes[type] ?? 0) + 1;
        if (firstAt !== Number.POSITIVE_INFINITY)
          windowFrameTypes[type] = (windowFrameTypes[type] ?? 0) + 1;
        if (!s.open && (type === "welcome" || job.mode === "baseline")) {
          s.open = true;
          socks.push(s);
          done(null);
        }
        if (type === "poll.answered") s.acked = true;
        if (type !== "announce") return;
        const m = EVENT.exec(text);
        if (!m) return;
        const k = Number(m[1]);
        if (s.seen.has(k)) return;
        const now = Date.now();
        s.seen.add(k);
        received++;
        delays.push(now - Number(m[2]));
        if (now < firstAt) firstAt = now;
        if (now > lastAt) lastAt = now;
      });
      ws.on("unexpected-response", (_req, res) => done(`http ${res.statusCode}`));
      ws.on("error", (err) => done(err.message.slice(0, 80)));
      ws.on("close", (code) => {
        if (s.open) {
          s.open = false;
          closed++;
        }
        done(`closed ${code}`);
      });
    })();
  });
}

async function runJob(job: ClientJob): Promise<void> {
  const t0 = Date.now();
  let next = 0;
  let ok = 0;
  let failed = 0;
  const errors = new Map<string, number>();
  const worker = async () => {
    while (next < job.count && Date.now() < job.deadline) {
      const i = job.first + next++;
      const err = await connectOne(job, i);
      if (err === null) ok++;
      else {
        failed++;
        errors.set(err, (errors.get(err) ?? 0) + 1);
      }
    }
  };
  // Long connects (100K runs take minutes): a progress line on stderr every 30 s.
  const progress = setInterval(
    () => console.error(`[client ${job.first}] ${ok} connected, ${failed} failed`),
    30_000,
  );
  await Promise.all(Array.from({ length: job.concurrency }, worker));
  clearInterval(progress);
  send({
    kind: "connected",
    ok,
    failed,
    skipped: job.count - next,
    errors: [...errors].map(([e, n]) => `${e} ×${n}`),
    ms: Date.now() - t0,
  });
  let last = -1;
  setInterval(() => {
    if (received !== last) send({ kind: "progress", received });
    last = received;
  }, 250).unref();
}

/** Send every open socket's answer at a random moment within the spread; report when done. */
async function vote(m: Extract<ClientCommand, { kind: "vote" }>): Promise<void> {
  const perOption = Array.from({ length: m.options }, () => 0);
  let sent = 0;
  let lastAt = 0;
  const sendOne = (s: Sock, rid: string): boolean => {
    if (!s.open) return false;
    try {
      s.ws.send(
        JSON.stringify({ type: "poll.answer", pollId: m.pollId, choices: [s.i % m.options], rid }),
      );
    } catch {
      return false;
    }
    return true;
  };
  await Promise.all(
    socks.map(
      (s) =>
        new Promise<void>((resolve) => {
          setTimeout(() => {
            if (sendOne(s, "v")) {
              sent++;
              s.voted = true;
              lastAt = Math.max(lastAt, Date.now());
              perOption[s.i % m.options]!++;
              if (Math.random() < m.retryShare) {
                setTimeout(() => {
                  sendOne(s, "retry");
                  resolve();
                }, 200);
                return;
              }
            }
            resolve();
          }, Math.random() * m.spreadMs);
        }),
    ),
  );
  send({ kind: "votes", sent, perOption, lastAt });
}

process.on("message", (m: ClientJob | ClientCommand) => {
  switch (m.kind) {
    case "job":
      void runJob(m);
      break;
    case "collect": {
      const open = socks.filter((s) => s.open).length;
      const unacked = socks.filter((s) => s.voted && !s.acked).length;
      send({
        kind: "result",
        delays,
        open,
        closed,
        received,
        firstAt,
        lastAt,
        acked: frameTypes["poll.answered"] ?? 0,
        unacked,
        frameTypes,
        windowFrameTypes,
      });
      break;
    }
    case "vote":
      void vote(m);
      break;
    case "close":
      for (const s of socks) s.ws.terminate();
      setTimeout(() => process.exit(0), 100);
      break;
    default:
      m satisfies never;
  }
});
process.on("disconnect", () => process.exit(0));
