/**
 * One load-client process of the fan-out benchmark (forked by bench/fanout.ts): opens
 * its share of student sockets over real loopback WebSockets, spread over many
 * 127.0.0.x source addresses, and records when each teacher event arrives.
 * One Node process holds ~9,000 sockets under the 20,000-fd limit (docs/architecture.md, "Facts the design rests on").
 */
import { request } from "node:http";
import WebSocket from "ws";
import { ReconnectPolicy } from "../protocol/reconnect.ts";
import { benchSection, mintTicket, signGuestPass } from "./tickets.ts";

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
  /**
   * Reconnect a socket that closes (`kill-shard-host` scenario): full-jitter backoff
   * (protocol/reconnect.ts), `?resume=<last seq>`, and the student's answer sent again.
   */
  reconnect?: boolean;
  /**
   * `worker` (`join-storm` scenario): each student asks the Worker for its join ticket
   * (`POST /api/classes/:id/ticket` with a guest pass), as a browser does, instead of the
   * benchmark minting it; the Worker picks the section from the class directory.
   */
  mint?: "bench" | "worker";
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
  | {
      kind: "progress";
      received: number;
      /** With `reconnect`: sockets closed and not yet back. */
      down?: number;
      /** With `reconnect`: reconnects that got a `welcome`, and when the last did (epoch ms). */
      reconnects?: number;
      lastBackAt?: number;
    }
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
  | { kind: "vote"; pollId: string; spreadMs: number; options: number; retryShare: number }
  /** Reactions scenario: every open socket sends one reaction (`emojis[i mod length]`) within `spreadMs`. */
  | { kind: "react"; spreadMs: number; emojis: string[] };

/** Client → parent after its last reaction was sent (reactions scenario). */
export interface ReactReport {
  kind: "reactions";
  sent: number;
  perEmoji: Record<string, number>;
  /** Epoch ms the last reaction left this process. */
  lastAt: number;
}

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
  /** The last event `seq` seen (for `?resume=`). */
  lastSeq: number;
  /** The answer sent, to send again after a reconnect. */
  vote?: { pollId: string; choice: number };
  policy?: ReconnectPolicy;
}

const socks: Sock[] = [];
const delays: number[] = [];
let received = 0;
let closed = 0;
let firstAt = Number.POSITIVE_INFINITY;
let lastAt = 0;
let down = 0;
let reconnects = 0;
let lastBackAt = 0;
let closingAll = false;
const SEQ = /"seq":(\d+)/;

function send(m: ClientReport | VoteReport | ReactReport): void {
  process.send?.(m);
}

/** Reconnect a closed socket after a jittered delay, until it gets a `welcome` again. */
function scheduleReconnect(job: ClientJob, s: Sock): void {
  s.policy ??= new ReconnectPolicy({ baseMs: 1000, capMs: 8000 });
  const delay = s.policy.nextDelay() ?? 8000;
  setTimeout(() => {
    if (closingAll) return;
    void connectOne(job, s.i, s).then((err) => {
      if (err !== null && !s.open && !closingAll) scheduleReconnect(job, s);
    });
  }, delay);
}

function connectOne(job: ClientJob, i: number, prev?: Sock): Promise<string | null> {
  return new Promise((resolve) => {
    void (async () => {
      const port = job.ports[i % job.ports.length]!;
      let url = `ws://127.0.0.1:${port}/`;
      if (job.mode === "runtime" && job.mint === "worker") {
        const minted = await ticketFromWorker(job, i, port);
        if (typeof minted !== "string") return resolve(minted.error);
        url = `ws://127.0.0.1:${port}${minted}`;
        if (prev && prev.lastSeq > 0) url += `&resume=${prev.lastSeq}`;
      } else if (job.mode === "runtime") {
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
        if (prev && prev.lastSeq > 0) url += `&resume=${prev.lastSeq}`;
      }
      const ws = new WebSocket(url, {
        localAddress: `127.0.0.${2 + (i % job.addresses)}`,
        perMessageDeflate: false,
        handshakeTimeout: 60_000,
      });
      const s: Sock = prev ?? { ws, seen: new Set(), open: false, i, lastSeq: 0 };
      s.ws = ws;
      let settled = false;
      const done = (err: string | null) => {
        if (settled) return;
        settled = true;
        resolve(err);
      };
      ws.on("message", (data) => {
        if (s.ws !== ws) return;
        const text = data.toString();
        const type = FRAME_TYPE.exec(text)?.[1] ?? "other";
        if (job.reconnect) {
          const seq = SEQ.exec(text);
          if (seq) s.lastSeq = Math.max(s.lastSeq, Number(seq[1]));
        }
        frameTypes[type] = (frameTypes[type] ?? 0) + 1;
        if (firstAt !== Number.POSITIVE_INFINITY)
          windowFrameTypes[type] = (windowFrameTypes[type] ?? 0) + 1;
        if (!s.open && (type === "welcome" || job.mode === "baseline")) {
          s.open = true;
          if (prev) {
            down--;
            reconnects++;
            lastBackAt = Date.now();
            s.policy?.reset();
            // A client that is not sure its answer landed sends it again (same choice).
            if (s.vote)
              ws.send(
                JSON.stringify({
                  type: "poll.answer",
                  pollId: s.vote.pollId,
                  choices: [s.vote.choice],
                  rid: "resume",
                }),
              );
          } else socks.push(s);
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
        if (s.ws !== ws) return;
        if (s.open) {
          s.open = false;
          closed++;
          if (job.reconnect && !closingAll) {
            down++;
            scheduleReconnect(job, s);
          }
        }
        done(`closed ${code}`);
      });
    })();
  });
}

/**
 * Student `i`'s join ticket from the Worker, as a browser gets it: `POST …/ticket` with a
 * guest pass for the class, from the student's own source address. The socket path and
 * query the Worker answered (`url`), or the failure (`mint http 503 section_full` …).
 */
async function ticketFromWorker(
  job: ClientJob,
  i: number,
  port: number,
): Promise<string | { error: string }> {
  const pass = await signGuestPass(`g_bench-${i}`, `Student ${i}`, job.classId, job.jwtSecret);
  return new Promise((resolve) => {
    const req = request(
      {
        host: "127.0.0.1",
        port,
        method: "POST",
        path: `/api/classes/${job.classId}/ticket`,
        localAddress: `127.0.0.${2 + (i % job.addresses)}`,
        headers: { authorization: `Bearer ${pass}`, "content-length": 0 },
        timeout: 60_000,
      },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (d: string) => {
          body += d;
        });
        res.on("end", () => {
          if (res.statusCode !== 200) {
            const code = /"code":"([a-z_]+)"/.exec(body)?.[1] ?? "";
            return resolve({ error: `mint http ${res.statusCode} ${code}`.trim() });
          }
          try {
            resolve((JSON.parse(body) as { url: string }).url);
          } catch {
            resolve({ error: "mint: bad body" });
          }
        });
      },
    );
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", (err) => resolve({ error: `mint ${err.message.slice(0, 60)}` }));
    req.end();
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
  let last = "";
  setInterval(() => {
    const now = `${received}/${down}/${reconnects}`;
    if (now !== last)
      send(
        job.reconnect
          ? { kind: "progress", received, down, reconnects, lastBackAt }
          : { kind: "progress", received },
      );
    last = now;
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
              s.vote = { pollId: m.pollId, choice: s.i % m.options };
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

/** Send every open socket's one reaction at a random moment within the spread; report when done. */
async function react(m: Extract<ClientCommand, { kind: "react" }>): Promise<void> {
  const perEmoji: Record<string, number> = {};
  let sent = 0;
  let lastAt = 0;
  await Promise.all(
    socks.map(
      (s) =>
        new Promise<void>((resolve) => {
          setTimeout(() => {
            const emoji = m.emojis[s.i % m.emojis.length]!;
            try {
              if (s.open) {
                s.ws.send(JSON.stringify({ type: "reaction.send", emoji }));
                sent++;
                perEmoji[emoji] = (perEmoji[emoji] ?? 0) + 1;
                lastAt = Math.max(lastAt, Date.now());
              }
            } catch {
              // Closed between the check and the send: not sent, not counted.
            }
            resolve();
          }, Math.random() * m.spreadMs);
        }),
    ),
  );
  send({ kind: "reactions", sent, perEmoji, lastAt });
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
    case "react":
      void react(m);
      break;
    case "close":
      closingAll = true;
      for (const s of socks) s.ws.terminate();
      setTimeout(() => process.exit(0), 100);
      break;
    default:
      m satisfies never;
  }
});
process.on("disconnect", () => process.exit(0));
