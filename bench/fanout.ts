/**
 * Fan-out benchmark: `npm run bench:fanout -- --students N [--shards K] [--processes M] [--json]`.
 *
 * `--scenario poll`: instead of announcements, the teacher opens a 4-option poll and every
 * student votes once at a random moment within `--vote-spread` s (10); `--retry-share`
 * (0.1) of them send the same vote again 200 ms later, like a client retry. Reports
 * pollTallyMs (last vote sent → the teacher's live tally first counts every vote),
 * votesLost and votesDoubled (final tally per option against the votes sent). No baseline.
 *
 * `--scenario kill-shard-host`: see KILL below. `--usage <file>`: billable counts per phase
 * (bench/usage.ts) for `npm run cost` (docs/cost.md).
 * `--scenario reactions`: every student sends one emoji reaction at a random moment within
 * `--vote-spread` s (10). Reports reactionsSent, reactionsCounted (the teacher's final
 * `reaction.burst` totals), reactionLagMs (last reaction sent → the teacher's first burst
 * whose totals count every one), reactionsExact (per-emoji totals equal what was sent),
 * and rootRpcPerSecMax / rootRpcTotal (Classroom.rpcStats over the reacting window).
 *
 * Starts its own local stack (M runtime processes, bench/stack.ts), connects N guest
 * sockets from forked client processes over loopback, has the teacher post E
 * announcements (each text carries its send time), and measures delivery delay to
 * every student, losses, deliveries/s, connect rate and runtime memory per socket.
 * Then runs the same generator against a plain Node `ws` broadcast server (same
 * process count) and reports the ratio. Everything it starts is stopped on exit,
 * Ctrl-C, failure or the hard timeout. Results: docs/benchmarks.md.
 *
 * Options: --students N (1000) · --shards K (sets SHARD_CAPACITY = ceil(N/K); default
 * capacity 2000) · --processes M runtime processes (1) · --per-host runtime processes per
 * Node host process (4) · --events E (10) · --rate
 * events/s (1) · --clients C client processes (ceil(N/8000)) · --concurrency connects in
 * flight per client process (64) · --connect-budget s: stop opening sockets after this (420) · --port base (8950) ·
 * --timeout s (600) · --no-baseline · --floor (also run the bare-runtime floor,
 * bench/floor-worker.js: the baseline's job done by a minimal Worker + hibernating Durable
 * Object, to separate what the runtime costs from what this app adds) · --root-alone (no
 * student on process 0, which holds the root: with --per-host 1 the poll scenario's
 * rootCpuMs is the root's process) · --json (one JSON object as the last line; the poll
 * scenario adds rootRpcPerSecMax and rootCpuMs).
 */
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import WebSocket from "ws";
import type { MeasuredPhase, MeasuredRun, UsageCounts } from "../scripts/cost-core.ts";
import type { ClientCommand, ClientJob, ClientReport, ReactReport, VoteReport } from "./client.ts";
import {
  BENCH_CLASS,
  BENCH_TEACHER,
  bundle,
  type Child,
  forkChild,
  hostsOf,
  killChild,
  restartRuntime,
  startRuntimes,
  statsOf,
  stopAll,
  stopChild,
  waitMessage,
} from "./stack.ts";
import { mintTicket } from "./tickets.ts";
import { meteredBundle, phaseOf, readCallsBy, readUsage, readWritesBySql } from "./usage.ts";

const { values: args } = parseArgs({
  options: {
    students: { type: "string", default: "1000" },
    shards: { type: "string" },
    processes: { type: "string", default: "1" },
    "per-host": { type: "string", default: "4" },
    events: { type: "string", default: "10" },
    rate: { type: "string", default: "1" },
    clients: { type: "string" },
    concurrency: { type: "string", default: "64" },
    "connect-budget": { type: "string", default: "420" },
    port: { type: "string", default: "8950" },
    timeout: { type: "string", default: "600" },
    "no-baseline": { type: "boolean", default: false },
    floor: { type: "boolean", default: false },
    scenario: { type: "string", default: "fanout" },
    "root-alone": { type: "boolean", default: false },
    "vote-spread": { type: "string", default: "10" },
    "retry-share": { type: "string", default: "0.1" },
    "restart-after": { type: "string", default: "2" },
    json: { type: "boolean", default: false },
    /** Write the billable counts per phase to this file (bench/usage.ts, `npm run cost`). */
    usage: { type: "string" },
  },
});
const N = Number(args.students);
const M = Number(args.processes);
const E = Number(args.events);
const RATE = Number(args.rate);
const C = Number(args.clients ?? Math.max(1, Math.ceil(N / 8000)));
const BASE_PORT = Number(args.port);
const CAPACITY = args.shards ? Math.ceil(N / Number(args.shards)) : 2000;
const ADDRESSES = 40;
const log = (s: string) => console.error(`[bench] ${s}`);
const SCENARIO =
  args.scenario === "poll"
    ? "poll"
    : args.scenario === "reactions"
      ? "reactions"
      : args.scenario === "join-storm"
        ? "join-storm"
        : "fanout";
/**
 * `--scenario join-storm`: every student gets its join ticket from the Worker
 * (`POST /api/classes/:id/ticket` with a guest pass: the Worker reads D1 and the class
 * directory, as for a browser) and connects at once, as fast as the clients can, with no
 * events after. Reports connectPerSec, rootRpcPerSecMax / rootRpcTotal (the class root's
 * requests over the storm: directory loans and shard reports, Classroom.rpcStats),
 * d1QueriesPerSocket (D1 queries the Worker made serving socket upgrades, per socket: 0 by
 * design, docs/decisions/014) and d1QueriesPerMint (per ticket). Runs the metered bundle.
 */
const JOIN_STORM = SCENARIO === "join-storm";
const REACTION_SET = ["👍", "❤️", "😂", "😮", "👏", "🎉"];

/** The reactions scenario's figures. */
interface ReactionFigures {
  reactionsSent: number;
  reactionsCounted: number;
  /** Per-emoji totals at the teacher equal what the clients sent. */
  reactionsExact: boolean;
  /** Last reaction sent → the teacher's first burst counting all, ms (null: never). */
  reactionLagMs: number | null;
  /** Of that, until the root sent that burst (its `at`). */
  reactionLagRootMs: number | null;
  /** Bursts the teacher received from the first reaction to the complete one. */
  teacherBursts: number;
  /** The root's busiest second (requests) while students reacted, and its total requests. */
  rootRpcPerSecMax: number | null;
  rootRpcTotal: number | null;
}

/** The join-storm scenario's figures (over the connect window). */
interface JoinStormFigures {
  connectPerSec: number;
  rootRpcPerSecMax: number | null;
  rootRpcTotal: number | null;
  d1QueriesPerSocket: number;
  d1QueriesPerMint: number;
  /** D1 queries of the Durable Objects over the storm (the root's batched writes). */
  d1QueriesDurableObjects: number;
  /** The class root's requests over the storm by method (`Classroom.directory` …). */
  rootRequestsBy: Record<string, number>;
}

type RootStats = (reset: boolean) => Promise<{ perSecMax: number; total: number } | null>;
/**
 * `--scenario kill-shard-host`: the fan-out run (announcements) with a poll every student
 * answered first; halfway through the events the last runtime process (a shard host, one
 * per host process here) is killed with SIGKILL and started again on its state after
 * `--restart-after` s (what the platform does when a machine holding objects dies). Its
 * students reconnect with jitter and `?resume=`, and send their answer again. Reports
 * recoveredMs (kill → the last of them back), lost (teacher events some student never
 * got) and the poll's votesLost / votesDoubled. Needs --processes ≥ 2.
 */
const KILL = args.scenario === "kill-shard-host";
const POLL_OPTIONS = 4;

/** The poll scenario's figures. */
interface PollFigures {
  votesSent: number;
  acked: number;
  /** Voters who never got a `poll.answered` ack. */
  unacked: number;
  /** Last vote sent → first teacher tally counting every vote, ms (null: never complete). */
  pollTallyMs: number | null;
  /** Of that, until the root sent the complete tally (its `at`; the rest is delivery). */
  pollTallyRootMs: number | null;
  votesLost: number;
  votesDoubled: number;
  finalTally: number[];
  expectedTally: number[];
  /** The most requests the root received in any 1 s, from the first vote to the complete tally. */
  rootRpcPerSecMax: number | null;
  /** CPU of the root's runtime process over the same span, ms (null unless it runs alone: --root-alone --per-host 1). */
  rootCpuMs: number | null;
}

/** How the poll scenario looks at the root: its request meter and its process's CPU. */
interface RootProbe {
  rpcStats: RootStats;
  cpuSec(): number | null;
}

/** One phase's figures. */
interface Figures {
  connected: number;
  failed: number;
  skipped: number;
  errors: string[];
  connectMs: number;
  connectPerSec: number;
  closed: number;
  lost: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  msgsPerSec: number;
  rssIdleMiB: number;
  rssLoadedMiB: number;
  memPerSocketKiB: number;
  /** CPU time the server processes used from the first event to the end of the drain. */
  serverCpuSec: number;
  clientCpuSec: number;
  serverCpuMsPerK: number;
  poll: PollFigures | null;
  kill: KillFigures | null;
  /** `--usage`: billable counts per phase (join, then interact or announce). */
  usage: MeasuredPhase[];
  reactions: ReactionFigures | null;
  joinStorm: JoinStormFigures | null;
}

type TeacherFrame = { type: string; [k: string]: unknown };

/** The kill-shard-host scenario's figures. */
interface KillFigures {
  /** Student sockets the kill closed. */
  dropped: number;
  /** Reconnects that got a `welcome`. */
  reconnected: number;
  /** Still down at the end. */
  stillDown: number;
  /** Kill → the last dropped student back (ms; null: not all came back). */
  recoveredMs: number | null;
  /** Kill → the killed process serving again (ms). */
  restartMs: number;
  /** Students that got `poll.closed`, sent live once every student was back. */
  pollClosedSeen: number;
  votesSent: number;
  votesLost: number;
  votesDoubled: number;
  finalTally: number[];
  expectedTally: number[];
}

/**
 * The kill-shard-host scenario around the announcements: `prepare` opens a poll every
 * student answers (waits for the complete tally); `strike` kills the shard host and
 * restarts it; `finish` waits for every dropped student to be back, closes the poll and
 * compares its tally.
 */
async function killScenario(
  teacher: WebSocket,
  clients: Child[],
  restart: () => Promise<void>,
): Promise<{ strike: () => void; finish: () => Promise<KillFigures> }> {
  const frames: TeacherFrame[] = [];
  teacher.on("message", (data) => frames.push(JSON.parse(data.toString()) as TeacherFrame));
  const waitFrame = async (pred: (f: TeacherFrame) => boolean, timeoutMs: number) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const f = frames.find(pred);
      if (f) return f;
      if (Date.now() > deadline) return null;
      await sleep(100);
    }
  };
  const state = new Map<Child, { down: number; reconnects: number; lastBackAt: number }>();
  for (const c of clients)
    c.proc.on("message", (m: unknown) => {
      if (isType("progress")(m) && m.down !== undefined)
        state.set(c, {
          down: m.down,
          reconnects: m.reconnects ?? 0,
          lastBackAt: m.lastBackAt ?? 0,
        });
    });
  teacher.send(
    JSON.stringify({
      type: "poll.create",
      kind: "poll",
      question: "Kill",
      options: ["A", "B", "C", "D"],
      rid: "kill",
    }),
  );
  const created = await waitFrame((f) => f.type === "poll.created" && f.rid === "kill", 30_000);
  if (!created) throw new Error("poll.created never arrived");
  const pollId = created.pollId as string;
  teacher.send(JSON.stringify({ type: "poll.open", pollId }));
  if (!(await waitFrame((f) => f.type === "poll.opened", 30_000)))
    throw new Error("poll.opened never arrived");
  const votes = await Promise.all(
    clients.map((c) => {
      const r = waitMessage(c, isType("votes"), 180_000);
      c.proc.send({
        kind: "vote",
        pollId,
        spreadMs: 5000,
        options: POLL_OPTIONS,
        retryShare: 0,
      } satisfies ClientCommand);
      return r;
    }),
  );
  const votesSent = votes.reduce((n, v) => n + v.sent, 0);
  const expectedTally = Array.from({ length: POLL_OPTIONS }, (_, i) =>
    votes.reduce((n, v) => n + (v.perOption[i] ?? 0), 0),
  );
  if (
    !(await waitFrame(
      (f) => f.type === "poll.tally" && (f.answered as number) >= votesSent,
      60_000,
    ))
  )
    log("kill: the tally never counted every vote before the kill");
  log(`kill: ${votesSent} answers counted; the events start`);
  let killAt = 0;
  let restartMs = 0;
  let restarted: Promise<void> = Promise.resolve();
  return {
    strike: () => {
      killAt = Date.now();
      log("kill: SIGKILL to the last shard host");
      restarted = restart().then(() => {
        restartMs = Date.now() - killAt;
        log(`kill: shard host serving again after ${restartMs} ms`);
      });
    },
    finish: async () => {
      await restarted;
      const total = () =>
        [...state.values()].reduce(
          (a, s) => ({
            down: a.down + s.down,
            reconnects: a.reconnects + s.reconnects,
            lastBackAt: Math.max(a.lastBackAt, s.lastBackAt),
          }),
          { down: 0, reconnects: 0, lastBackAt: 0 },
        );
      const until = Date.now() + 180_000;
      while (Date.now() < until && (total().down > 0 || total().reconnects === 0)) await sleep(250);
      const t = total();
      // Answers sent again after the reconnect land within a few batch windows.
      await sleep(3000);
      teacher.send(JSON.stringify({ type: "poll.close", pollId }));
      await waitFrame((f) => f.type === "poll.closed", 30_000);
      // poll.closed is a teacher event sent live after everyone is back: give it time to
      // reach the students (counted as pollClosedSeen).
      await sleep(3000);
      const finalTally =
        (frames.filter((f) => f.type === "poll.tally" && f.pollId === pollId).at(-1)?.tally as
          | number[]
          | undefined) ?? [];
      let votesLost = 0;
      let votesDoubled = 0;
      for (let i = 0; i < POLL_OPTIONS; i++) {
        const d = (finalTally[i] ?? 0) - expectedTally[i]!;
        if (d < 0) votesLost -= d;
        else votesDoubled += d;
      }
      return {
        dropped: t.reconnects + t.down,
        reconnected: t.reconnects,
        stillDown: t.down,
        recoveredMs: t.down === 0 && t.reconnects > 0 ? t.lastBackAt - killAt : null,
        restartMs,
        pollClosedSeen: 0,
        votesSent,
        votesLost,
        votesDoubled,
        finalTally,
        expectedTally,
      };
    },
  };
}

/**
 * The poll scenario on a connected class: the teacher creates and opens a poll, the
 * clients vote, and the teacher's live `poll.tally` frames are timed against the last vote.
 */
async function runPoll(
  teacher: WebSocket,
  clients: Child[],
  root: RootProbe | null,
): Promise<PollFigures> {
  const frames: { at: number; f: TeacherFrame }[] = [];
  let wake: (() => void) | null = null;
  teacher.on("message", (data) => {
    frames.push({ at: Date.now(), f: JSON.parse(data.toString()) as TeacherFrame });
    wake?.();
  });
  const waitFrame = async (
    pred: (f: TeacherFrame) => boolean,
    timeoutMs: number,
  ): Promise<{ at: number; f: TeacherFrame } | null> => {
    const deadline = Date.now() + timeoutMs;
    for (let i = 0; ; ) {
      for (; i < frames.length; i++) if (pred(frames[i]!.f)) return frames[i]!;
      if (Date.now() > deadline) return null;
      await new Promise<void>((r) => {
        wake = r;
        setTimeout(r, 100);
      });
    }
  };
  teacher.send(
    JSON.stringify({
      type: "poll.create",
      kind: "poll",
      question: "Benchmark poll",
      options: ["A", "B", "C", "D"].slice(0, POLL_OPTIONS),
      rid: "bench",
    }),
  );
  const created = await waitFrame((f) => f.type === "poll.created" && f.rid === "bench", 30_000);
  if (!created) throw new Error("poll.created never arrived");
  const pollId = created.f.pollId as string;
  teacher.send(JSON.stringify({ type: "poll.open", pollId }));
  if (!(await waitFrame((f) => f.type === "poll.opened", 30_000)))
    throw new Error("poll.opened never arrived");
  const spreadMs = Number(args["vote-spread"]) * 1000;
  const cpuStart = root?.cpuSec() ?? null;
  await root?.rpcStats(true);
  const reports = Promise.all(
    clients.map((c) => waitMessage(c, isType("votes"), spreadMs + 120_000)),
  );
  for (const c of clients)
    c.proc.send({
      kind: "vote",
      pollId,
      spreadMs,
      options: POLL_OPTIONS,
      retryShare: Number(args["retry-share"]),
    } satisfies ClientCommand);
  const votes = await reports;
  const votesSent = votes.reduce((n, v) => n + v.sent, 0);
  const expectedTally = Array.from({ length: POLL_OPTIONS }, (_, i) =>
    votes.reduce((n, v) => n + (v.perOption[i] ?? 0), 0),
  );
  const lastVoteAt = Math.max(...votes.map((v) => v.lastAt));
  log(`poll: ${votesSent} votes sent, the last ${Date.now() - lastVoteAt} ms ago`);
  const complete = await waitFrame(
    (f) => f.type === "poll.tally" && (f.answered as number) >= votesSent,
    Math.max(30_000, votesSent),
  );
  const cpuEnd = root?.cpuSec() ?? null;
  const rootRpcPerSecMax = root ? ((await root.rpcStats(false))?.perSecMax ?? null) : null;
  teacher.send(JSON.stringify({ type: "poll.close", pollId }));
  await waitFrame((f) => f.type === "poll.closed", 30_000);
  // The close sends a final staff tally right before the event.
  const finals = frames.filter((x) => x.f.type === "poll.tally" && x.f.pollId === pollId);
  const finalTally = (finals.at(-1)?.f.tally as number[] | undefined) ?? [];
  let votesLost = 0;
  let votesDoubled = 0;
  for (let i = 0; i < POLL_OPTIONS; i++) {
    const d = (finalTally[i] ?? 0) - expectedTally[i]!;
    if (d < 0) votesLost -= d;
    else votesDoubled += d;
  }
  return {
    votesSent,
    acked: 0,
    unacked: 0,
    pollTallyMs: complete ? complete.at - lastVoteAt : null,
    pollTallyRootMs: complete ? (complete.f.at as number) - lastVoteAt : null,
    votesLost,
    votesDoubled,
    finalTally,
    expectedTally,
    rootRpcPerSecMax,
    rootCpuMs: cpuStart !== null && cpuEnd !== null ? Math.round((cpuEnd - cpuStart) * 1000) : null,
  };
}

/**
 * The reactions scenario on a connected class: every client socket reacts once within the
 * spread; the teacher's `reaction.burst` totals are timed against the last reaction.
 */
async function runReactions(
  teacher: WebSocket,
  clients: Child[],
  rootStats: RootStats,
): Promise<ReactionFigures> {
  const frames: { at: number; f: TeacherFrame }[] = [];
  teacher.on("message", (data) => {
    const f = JSON.parse(data.toString()) as TeacherFrame;
    if (f.type === "reaction.burst") frames.push({ at: Date.now(), f });
  });
  await rootStats(true);
  const spreadMs = Number(args["vote-spread"]) * 1000;
  const reports = Promise.all(
    clients.map((c) => waitMessage(c, isType("reactions"), spreadMs + 120_000)),
  );
  for (const c of clients)
    c.proc.send({ kind: "react", spreadMs, emojis: REACTION_SET } satisfies ClientCommand);
  const sent = await reports;
  const reactionsSent = sent.reduce((n, r) => n + r.sent, 0);
  const expected: Record<string, number> = {};
  for (const r of sent)
    for (const [e, n] of Object.entries(r.perEmoji)) expected[e] = (expected[e] ?? 0) + n;
  const lastAt = Math.max(...sent.map((r) => r.lastAt));
  const sum = (t: unknown) =>
    Object.values((t ?? {}) as Record<string, number>).reduce((a, b) => a + b, 0);
  const deadline = Date.now() + 30_000;
  let complete: { at: number; f: TeacherFrame } | undefined;
  while (Date.now() < deadline) {
    complete = frames.find((x) => sum(x.f.totals) >= reactionsSent);
    if (complete) break;
    await sleep(50);
  }
  await sleep(1500);
  const stats = await rootStats(false);
  const finalTotals = (frames.at(-1)?.f.totals ?? {}) as Record<string, number>;
  const reactionsExact =
    REACTION_SET.every((e) => (finalTotals[e] ?? 0) === (expected[e] ?? 0)) &&
    sum(finalTotals) === reactionsSent;
  log(`reactions: ${reactionsSent} sent, teacher counts ${JSON.stringify(finalTotals)}`);
  return {
    reactionsSent,
    reactionsCounted: sum(finalTotals),
    reactionsExact,
    reactionLagMs: complete ? complete.at - lastAt : null,
    reactionLagRootMs: complete ? (complete.f.at as number) - lastAt : null,
    teacherBursts: complete ? frames.indexOf(complete) + 1 : frames.length,
    rootRpcPerSecMax: stats?.perSecMax ?? null,
    rootRpcTotal: stats?.total ?? null,
  };
}

function pct(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

/** Every report a load client sends its parent. */
type AnyReport = ClientReport | VoteReport | ReactReport;

const isType =
  <K extends AnyReport["kind"]>(kind: K) =>
  (m: unknown): m is Extract<AnyReport, { kind: K }> =>
    typeof m === "object" && m !== null && (m as { kind?: string }).kind === kind;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Connect N sockets, run the events, collect. `stats()` sums the server processes' RSS
 * and CPU time.
 */
async function phase(opts: {
  /** Names the phase in the log. */
  name: string;
  /** How clients connect: with join tickets (runtime) or plain (baseline, floor). */
  mode: "runtime" | "baseline";
  ports: number[];
  jwtSecret: string;
  teacherUrl: string;
  stats: () => { rss: number; cpuSec: number };
  /** kill-shard-host: kill the shard host and start it again (resolves when it serves). */
  killShardHost?: () => Promise<void>;
  /** `--usage` on the app runtime: read the summed billable counters. */
  usage?: () => Promise<UsageCounts>;
  /** The class root's request meter (runtime phase only). */
  rootStats?: RootStats;
  /** The runtime phase: the class root's request counts and CPU. */
  root?: RootProbe;
  /** join-storm: D1 queries by where made and DO requests by method (bench/usage.ts readCallsBy). */
  callsBy?: () => Promise<Record<string, number>>;
}): Promise<Figures> {
  const rssIdle = opts.stats().rss;
  const snap = async () => (opts.usage ? { at: Date.now(), u: await opts.usage() } : null);
  const usage0 = await snap();
  const clients: Child[] = [];
  const per = Math.ceil(N / C);
  for (let c = 0; c < C; c++) clients.push(forkChild("./client.ts", [], `client ${c}`));
  const storm = JOIN_STORM && opts.mode === "runtime";
  if (storm) await opts.rootStats?.(true);
  const callsBefore = storm && opts.callsBy ? await opts.callsBy() : {};
  const t0 = Date.now();
  let connectedSoFar = 0;
  const connected = await Promise.all(
    clients.map((child, c) => {
      const job: ClientJob = {
        kind: "job",
        mode: opts.mode,
        first: c * per,
        count: Math.max(0, Math.min(per, N - c * per)),
        ports: opts.ports,
        classId: BENCH_CLASS,
        jwtSecret: opts.jwtSecret,
        capacity: CAPACITY,
        concurrency: Number(args.concurrency),
        addresses: ADDRESSES,
        deadline: t0 + Number(args["connect-budget"]) * 1000,
        ...(opts.killShardHost ? { reconnect: true } : {}),
        ...(storm ? { mint: "worker" as const } : {}),
      };
      child.proc.send(job);
      return waitMessage(
        child,
        isType("connected"),
        Number(args["connect-budget"]) * 1000 + 120_000,
      ).then((r) => {
        connectedSoFar += r.ok;
        log(
          `${child.label}: ${r.ok} connected, ${r.failed} failed in ${r.ms} ms (total ${connectedSoFar})`,
        );
        return r;
      });
    }),
  );
  const connectMs = Date.now() - t0;
  const ok = connected.reduce((n, r) => n + r.ok, 0);
  const failed = connected.reduce((n, r) => n + r.failed, 0);
  const errors = connected.flatMap((r) => r.errors);
  const skipped = connected.reduce((n, r) => n + r.skipped, 0);
  if (skipped) log(`${opts.name}: connect budget ran out, ${skipped} sockets not attempted`);
  log(
    `${opts.name}: ${ok}/${N} connected in ${connectMs} ms (${Math.round((ok * 1000) / connectMs)}/s)`,
  );
  let joinStorm: JoinStormFigures | null = null;
  if (storm) {
    const rootJoin = (await opts.rootStats?.(false)) ?? null;
    const callsAfter = opts.callsBy ? await opts.callsBy() : {};
    const delta = (k: string) => (callsAfter[k] ?? 0) - (callsBefore[k] ?? 0);
    const d1 = (k: string) => delta(`d1:${k}`);
    const rootRequestsBy = Object.fromEntries(
      Object.keys(callsAfter)
        .filter((k) => k.startsWith("do:Classroom.") && delta(k) > 0)
        .map((k) => [k.slice(3), delta(k)]),
    );
    const per = (n: number, d: number) => Math.round((n / Math.max(1, d)) * 1000) / 1000;
    joinStorm = {
      connectPerSec: Math.round((ok * 1000) / connectMs),
      rootRpcPerSecMax: rootJoin?.perSecMax ?? null,
      rootRpcTotal: rootJoin?.total ?? null,
      d1QueriesPerSocket: per(d1("upgrade"), ok),
      d1QueriesPerMint: per(d1("mint"), ok + failed),
      d1QueriesDurableObjects: d1("Classroom") + d1("ClassroomShard"),
      rootRequestsBy,
    };
    log(`${opts.name}: join storm ${JSON.stringify(joinStorm)}`);
  }
  // Let joins reach the root and presence settle before measuring.
  await sleep(3000);
  const rssLoaded = opts.stats().rss;
  // The root's D1 write-behind runs every D1_FLUSH_MS (10 s): let the joins' rows land in
  // the join phase.
  if (opts.usage) await sleep(11_000);
  const usageJoined = await snap();
  // An idle stretch (two flushes): what connected students cost while nobody sends.
  if (opts.usage) await sleep(20_000);
  const usage1 = await snap();

  const progress = new Map<Child, number>();
  for (const child of clients)
    child.proc.on("message", (m: unknown) => {
      if (isType("progress")(m)) progress.set(child, m.received);
    });
  const teacher = new WebSocket(opts.teacherUrl, { perMessageDeflate: false });
  await new Promise<void>((resolve, reject) => {
    teacher.once("message", () => resolve());
    teacher.once("error", reject);
    teacher.once("unexpected-response", (_q, res) =>
      reject(new Error(`teacher: http ${res.statusCode}`)),
    );
  });
  await sleep(500);
  const cpuBefore = opts.stats().cpuSec;
  const clientCpu = () =>
    statsOf(
      clients.map((c) => c.proc.pid!),
      false,
    ).cpuSec;
  const clientCpuBefore = clientCpu();
  const eventsAt = Date.now();
  const poll = SCENARIO === "poll" ? await runPoll(teacher, clients, opts.root ?? null) : null;
  const kill = opts.killShardHost ? await killScenario(teacher, clients, opts.killShardHost) : null;
  const reactions =
    SCENARIO === "reactions" && opts.rootStats
      ? await runReactions(teacher, clients, opts.rootStats)
      : null;
  const scenario = poll ?? reactions ?? joinStorm;
  for (let k = 0; k < (scenario ? 0 : E); k++) {
    if (kill && k === Math.floor(E / 2)) kill.strike();
    teacher.send(JSON.stringify({ type: "announce.send", text: `bench:${k}:${Date.now()}` }));
    await sleep(1000 / RATE);
  }
  const expected = scenario ? 0 : ok * E;
  const drainUntil = Date.now() + Math.max(kill ? 240_000 : 30_000, (N / 1000) * 1000);
  let last = -1;
  let stableSince = Date.now();
  while (!scenario && Date.now() < drainUntil) {
    const got = [...progress.values()].reduce((a, b) => a + b, 0);
    if (got >= expected) break;
    if (got !== last) stableSince = Date.now();
    else if (Date.now() - stableSince > (kill ? 90_000 : 10_000)) break;
    last = got;
    await sleep(250);
  }
  const killed = kill ? await kill.finish() : null;
  teacher.close();
  const eventsSec = (Date.now() - eventsAt) / 1000;
  // Batches and the D1 write-behind (every 10 s) of the last answers.
  if (opts.usage) await sleep(11_000);
  const usage2 = await snap();
  const serverCpuSec = opts.stats().cpuSec - cpuBefore;
  const clientCpuSec = clientCpu() - clientCpuBefore;
  log(
    `${opts.name}: events done; CPU over ${eventsSec.toFixed(0)} s: servers ${serverCpuSec.toFixed(1)} s, clients ${clientCpuSec.toFixed(1)} s`,
  );

  const results = await Promise.all(
    clients.map((child) => {
      child.proc.send({ kind: "collect" } satisfies ClientCommand);
      return waitMessage(child, isType("result"), 60_000);
    }),
  );
  for (const child of clients) child.proc.send({ kind: "close" } satisfies ClientCommand);
  await Promise.all(clients.map((c) => stopChild(c, 3000)));

  const perSocket = (pick: (r: (typeof results)[number]) => Record<string, number>) => {
    const types: Record<string, number> = {};
    for (const r of results)
      for (const [t, n] of Object.entries(pick(r))) types[t] = (types[t] ?? 0) + n;
    return Object.entries(types)
      .sort((a, b) => b[1] - a[1])
      .map(([t, n]) => `${t} ${(n / Math.max(1, ok)).toFixed(2)}`)
      .join(", ");
  };
  log(`${opts.name}: frames received per socket over the run: ${perSocket((r) => r.frameTypes)}`);
  log(`${opts.name}: … from the first event on: ${perSocket((r) => r.windowFrameTypes)}`);
  let total = 0;
  for (const r of results) total += r.delays.length;
  const all = new Float64Array(total);
  let i = 0;
  for (const r of results) for (const d of r.delays) all[i++] = d;
  all.sort();
  const received = results.reduce((n, r) => n + r.received, 0);
  const firstAt = Math.min(...results.map((r) => r.firstAt));
  const lastAt = Math.max(...results.map((r) => r.lastAt));
  const sockets = ok + 1;
  if (killed)
    killed.pollClosedSeen = results.reduce((n, r) => n + (r.frameTypes["poll.closed"] ?? 0), 0);
  if (poll) {
    poll.acked = results.reduce((n, r) => n + r.acked, 0);
    poll.unacked = results.reduce((n, r) => n + r.unacked, 0);
  }
  const usage: MeasuredPhase[] = [];
  if (usage0 && usageJoined && usage1 && usage2) {
    const shards = Math.max(0, usage2.u.shardInstances - 1);
    const quiet = { students: ok, studentMessages: 0, teacherEvents: 0, shards };
    usage.push(
      phaseOf("join", usage0, usageJoined, quiet),
      phaseOf("idle", usageJoined, usage1, quiet),
      phaseOf(poll ? "interact" : "announce", usage1, usage2, {
        students: ok,
        // Distinct answers (retries excluded): the model prices rows per answer.
        studentMessages: poll ? poll.votesSent : 0,
        teacherEvents: poll ? 3 : E,
        shards,
      }),
    );
  }
  return {
    usage,
    poll,
    kill: killed,
    reactions,
    joinStorm,
    connected: ok,
    failed,
    skipped,
    errors,
    connectMs,
    connectPerSec: Math.round((ok * 1000) / connectMs),
    closed: results.reduce((n, r) => n + r.closed, 0),
    lost: expected - received,
    p50Ms: pct(all, 0.5),
    p99Ms: pct(all, 0.99),
    maxMs: all.length ? all[all.length - 1]! : Number.NaN,
    msgsPerSec: lastAt > firstAt ? Math.round((received * 1000) / (lastAt - firstAt)) : Number.NaN,
    rssIdleMiB: Math.round(rssIdle / 2 ** 20),
    rssLoadedMiB: Math.round(rssLoaded / 2 ** 20),
    memPerSocketKiB: Math.round(((rssLoaded - rssIdle) / sockets / 1024) * 10) / 10,
    serverCpuSec: Math.round(serverCpuSec * 10) / 10,
    clientCpuSec: Math.round(clientCpuSec * 10) / 10,
    // Server CPU per 1,000 deliveries (ms): what one delivery costs, independent of waiting.
    serverCpuMsPerK: received > 0 ? Math.round((serverCpuSec * 1e7) / received) / 10 : Number.NaN,
  };
}

/** The figures a comparison phase (baseline, floor) reports in the JSON. */
const COMPARED = [
  "p50Ms",
  "p99Ms",
  "maxMs",
  "lost",
  "connected",
  "msgsPerSec",
  "memPerSocketKiB",
  "serverCpuSec",
  "clientCpuSec",
  "serverCpuMsPerK",
] as const;

/** `<prefix>P99Ms` etc. for one comparison phase; null values when it did not run. */
function comparison(prefix: string, f: Figures | null): Record<string, number | null> {
  return Object.fromEntries(
    COMPARED.map((k) => [`${prefix}${k[0]!.toUpperCase()}${k.slice(1)}`, f ? f[k] : null]),
  );
}

async function main(): Promise<void> {
  const jwtSecret = randomBytes(32).toString("base64url");
  log(
    `N=${N} runtime processes=${M} client processes=${C} shard capacity=${CAPACITY} events=${E} @ ${RATE}/s`,
  );
  const bundled = await bundle();
  const scriptPath = args.usage || JOIN_STORM ? meteredBundle(bundled) : bundled;
  const runtimes = await startRuntimes({
    m: M,
    basePort: BASE_PORT,
    capacity: CAPACITY,
    jwtSecret,
    scriptPath,
    // kill-shard-host kills one runtime: each needs a host process of its own.
    perHost: KILL ? 1 : Number(args["per-host"]),
    ...(KILL ? { durable: true } : {}),
  });
  if (KILL && M < 2) throw new Error("--scenario kill-shard-host needs --processes 2 or more");
  log(`runtime processes up on ${runtimes.map((r) => r.port).join(", ")}`);
  const teacherTicket = await mintTicket(
    { id: BENCH_TEACHER.id, name: BENCH_TEACHER.displayName, role: "teacher" },
    BENCH_CLASS,
    jwtSecret,
    3600,
  );
  const root0 = runtimes[0]!;
  // --root-alone: no student connects to the root's process, so its CPU is the root's
  // (with --per-host 1 that process's workerd runs nothing else).
  const rootAlone = Boolean(args["root-alone"]) && M > 1;
  /** The class root's request meter (Classroom.rpcStats), read through its host process. */
  const rootStats: RootStats = async (reset) => {
    const host = runtimes[0]!.child;
    host.proc.send({ kind: "rootStats", port: runtimes[0]!.port, classId: BENCH_CLASS, reset });
    const r = await waitMessage(
      host,
      (m): m is { kind: "rootStats"; perSecMax?: number; total?: number; error?: string } =>
        (m as { kind?: string }).kind === "rootStats",
      30_000,
    );
    if (r.error !== undefined || r.perSecMax === undefined || r.total === undefined) {
      log(`root stats unavailable: ${r.error}`);
      return null;
    }
    return { perSecMax: r.perSecMax, total: r.total };
  };
  const rootProbe: RootProbe = {
    rpcStats: rootStats,
    cpuSec: () =>
      rootAlone && runtimes.filter((r) => r.child === root0.child).length === 1
        ? statsOf([root0.child.proc.pid!], true).cpuSec
        : null,
  };
  const runtime = await phase({
    name: "runtime",
    mode: "runtime",
    root: rootProbe,
    ports: (rootAlone ? runtimes.slice(1) : runtimes).map((r) => r.port),
    jwtSecret,
    teacherUrl: `ws://127.0.0.1:${runtimes[0]!.port}/ws/classes/${BENCH_CLASS}?v=1&ticket=${teacherTicket}`,
    stats: () =>
      statsOf(
        hostsOf(runtimes).map((h) => h.proc.pid!),
        true,
      ),
    ...(args.usage ? { usage: () => readUsage(runtimes.map((r) => r.port)) } : {}),
    ...(JOIN_STORM ? { callsBy: () => readCallsBy(runtimes.map((r) => r.port)) } : {}),
    ...(KILL
      ? {
          killShardHost: async () => {
            const victim = runtimes[M - 1]!;
            killChild(victim.child);
            await sleep(Number(args["restart-after"]) * 1000);
            runtimes[M - 1] = await restartRuntime(victim);
          },
        }
      : {}),
    rootStats,
  });
  const writesBySql = args.usage ? await readWritesBySql(runtimes.map((r) => r.port)) : undefined;
  await Promise.all(hostsOf(runtimes).map((h) => stopChild(h)));
  if (args.usage) {
    const measured: MeasuredRun = {
      date: new Date().toISOString(),
      command: `npm run bench:fanout -- ${process.argv.slice(2).join(" ")}`,
      students: N,
      processes: M,
      shardCapacity: CAPACITY,
      scenario: SCENARIO,
      phases: runtime.usage,
      ...(writesBySql ? { writesBySql } : {}),
    };
    writeFileSync(args.usage, `${JSON.stringify(measured, null, 2)}\n`);
    log(`usage counts written to ${args.usage}`);
  }

  // The floor and the ws baseline: no tickets; the teacher is `?teacher=1` on process 0.
  const plainPhase = (
    name: string,
    ports: number[],
    stats: () => { rss: number; cpuSec: number },
  ) =>
    phase({
      name,
      mode: "baseline",
      ports,
      jwtSecret,
      teacherUrl: `ws://127.0.0.1:${ports[0]}/?teacher=1`,
      stats,
    });

  let floor: Figures | null = null;
  if (args.floor && SCENARIO === "fanout" && !KILL) {
    const ports = Array.from({ length: M }, (_, p) => BASE_PORT + 200 + p);
    const host = forkChild("./floor-host.ts", [JSON.stringify(ports)], "floor host");
    await waitMessage(host, (m): m is "ready" => m === "ready", 120_000);
    floor = await plainPhase("floor", ports, () => statsOf([host.proc.pid!], true));
    await stopChild(host);
  }

  let baseline: Figures | null = null;
  if (!args["no-baseline"] && SCENARIO === "fanout" && !KILL) {
    const ports = Array.from({ length: M }, (_, p) => BASE_PORT + 100 + p);
    const servers: Child[] = [];
    for (let p = 0; p < M; p++) {
      const child = forkChild(
        "./baseline-server.ts",
        p === 0 ? [String(ports[0])] : [String(ports[p]), String(ports[0])],
        `baseline ${p}`,
      );
      servers.push(child);
      await waitMessage(child, (m): m is "ready" => m === "ready", 30_000);
    }
    baseline = await plainPhase("baseline", ports, () =>
      statsOf(
        servers.map((s) => s.proc.pid!),
        false,
      ),
    );
    await Promise.all(servers.map((s) => stopChild(s)));
  }

  const ratioOf = (a: Figures | null, b: Figures | null) =>
    a && b ? Math.round((a.p99Ms / b.p99Ms) * 100) / 100 : null;
  const ratio = ratioOf(runtime, baseline);
  const row = (name: string, f: Figures) =>
    `| ${name} | ${N} | ${M} | ${f.connected} | ${f.failed} | ${f.lost} | ${f.p50Ms} | ${f.p99Ms} | ${f.maxMs} | ${f.msgsPerSec} | ${f.memPerSocketKiB} | ${f.connectPerSec} | ${f.serverCpuSec} / ${f.clientCpuSec} | ${f.serverCpuMsPerK} |`;
  console.log(
    [
      "| server | N | processes | connected | failed | lost | p50 ms | p99 ms | max ms | msgs/s | KiB/socket | connects/s | CPU s servers / clients | server CPU ms per 1,000 deliveries |",
      "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
      row("runtime", runtime),
      ...(floor ? [row("bare runtime (floor)", floor)] : []),
      ...(baseline ? [row("plain ws", baseline)] : []),
    ].join("\n"),
  );
  if (runtime.errors.length) console.log(`runtime connect errors: ${runtime.errors.join("; ")}`);
  if (ratio !== null) console.log(`p99 ratio runtime / plain ws: ${ratio}`);
  if (floor && baseline)
    console.log(`p99 ratio bare runtime / plain ws: ${ratioOf(floor, baseline)}`);
  const poll = runtime.poll;
  if (poll) {
    console.log(
      [
        "| scenario | N | processes | connected | votes sent | acks (voters without one) | tally complete after last vote, ms (sent by root) | lost | doubled | final tally | root req/s max | root CPU ms |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
        `| poll | ${N} | ${M} | ${runtime.connected} | ${poll.votesSent} | ${poll.acked} (${poll.unacked}) | ${poll.pollTallyMs ?? "never"} (${poll.pollTallyRootMs ?? "–"}) | ${poll.votesLost} | ${poll.votesDoubled} | ${poll.finalTally.join("/")} (expected ${poll.expectedTally.join("/")}) | ${poll.rootRpcPerSecMax ?? "–"} | ${poll.rootCpuMs ?? "–"} |`,
      ].join("\n"),
    );
  }
  const kill = runtime.kill;
  if (kill) {
    console.log(
      [
        "| scenario | N | processes | connected | dropped by the kill | back | recovered ms (restart ms) | events lost | poll.closed seen | votes lost | doubled | final tally |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
        `| kill-shard-host | ${N} | ${M} | ${runtime.connected} | ${kill.dropped} | ${kill.reconnected} | ${kill.recoveredMs ?? "never"} (${kill.restartMs}) | ${runtime.lost} | ${kill.pollClosedSeen} | ${kill.votesLost} | ${kill.votesDoubled} | ${kill.finalTally.join("/")} (expected ${kill.expectedTally.join("/")}) |`,
      ].join("\n"),
    );
  }
  const rx = runtime.reactions;
  if (rx) {
    console.log(
      [
        "| scenario | N | processes | connected | reactions sent | counted (exact) | teacher counts complete after last reaction, ms (sent by root) | teacher bursts | root requests, max/s (total) |",
        "|---|---|---|---|---|---|---|---|---|",
        `| reactions | ${N} | ${M} | ${runtime.connected} | ${rx.reactionsSent} | ${rx.reactionsCounted} (${rx.reactionsExact ? "exact" : "NOT exact"}) | ${rx.reactionLagMs ?? "never"} (${rx.reactionLagRootMs ?? "–"}) | ${rx.teacherBursts} | ${rx.rootRpcPerSecMax ?? "–"} (${rx.rootRpcTotal ?? "–"}) |`,
      ].join("\n"),
    );
  }
  const js = runtime.joinStorm;
  if (js) {
    console.log(
      [
        "| scenario | N | processes | connected (failed) | connects/s | root requests, max/s (total) | D1 queries per socket upgrade | D1 queries per ticket | D1 queries by the Durable Objects |",
        "|---|---|---|---|---|---|---|---|---|",
        `| join-storm | ${N} | ${M} | ${runtime.connected} (${runtime.failed}) | ${js.connectPerSec} | ${js.rootRpcPerSecMax ?? "–"} (${js.rootRpcTotal ?? "–"}) | ${js.d1QueriesPerSocket} | ${js.d1QueriesPerMint} | ${js.d1QueriesDurableObjects} |`,
      ].join("\n"),
    );
  }
  if (args.json) {
    console.log(
      JSON.stringify({
        students: N,
        processes: M,
        clientProcesses: C,
        shardCapacity: CAPACITY,
        events: E,
        rate: RATE,
        connected: runtime.connected,
        failed: runtime.failed,
        skipped: runtime.skipped,
        closed: runtime.closed,
        lost: runtime.lost,
        p50Ms: runtime.p50Ms,
        p99Ms: runtime.p99Ms,
        maxMs: runtime.maxMs,
        msgsPerSec: runtime.msgsPerSec,
        memPerSocketKiB: runtime.memPerSocketKiB,
        rssIdleMiB: runtime.rssIdleMiB,
        rssLoadedMiB: runtime.rssLoadedMiB,
        connectPerSec: runtime.connectPerSec,
        connectMs: runtime.connectMs,
        serverCpuSec: runtime.serverCpuSec,
        clientCpuSec: runtime.clientCpuSec,
        serverCpuMsPerK: runtime.serverCpuMsPerK,
        ...comparison("baseline", baseline),
        ratioP99: ratio,
        ...comparison("floor", floor),
        ratioFloorP99: ratioOf(floor, baseline),
        scenario: SCENARIO,
        ...(js ?? {}),
        ...(poll
          ? {
              votesSent: poll.votesSent,
              votesAcked: poll.acked,
              votersUnacked: poll.unacked,
              pollTallyMs: poll.pollTallyMs,
              pollTallyRootMs: poll.pollTallyRootMs,
              votesLost: poll.votesLost,
              votesDoubled: poll.votesDoubled,
              rootRpcPerSecMax: poll.rootRpcPerSecMax,
              rootCpuMs: poll.rootCpuMs,
            }
          : {}),
        ...(kill
          ? {
              scenario: "kill-shard-host",
              dropped: kill.dropped,
              reconnected: kill.reconnected,
              stillDown: kill.stillDown,
              recoveredMs: kill.recoveredMs,
              restartMs: kill.restartMs,
              pollClosedSeen: kill.pollClosedSeen,
              votesSent: kill.votesSent,
              votesLost: kill.votesLost,
              votesDoubled: kill.votesDoubled,
            }
          : {}),
        ...(rx ? { ...rx } : {}),
      }),
    );
  }
}

let stopping = false;
async function shutdown(code: number, why?: unknown): Promise<void> {
  if (stopping) return;
  stopping = true;
  if (why) log(`stopping: ${why instanceof Error ? why.message : String(why)}`);
  await stopAll();
  process.exit(code);
}
process.on("SIGINT", () => void shutdown(130, "interrupted"));
process.on("SIGTERM", () => void shutdown(143, "terminated"));
process.on("uncaughtException", (err) => void shutdown(1, err));
process.on("unhandledRejection", (err) => void shutdown(1, err));
setTimeout(
  () => void shutdown(2, `hard timeout ${args.timeout} s`),
  Number(args.timeout) * 1000,
).unref();

await main();
await shutdown(0);
