/**
 * What a class costs on Cloudflare (pure; `npm run cost`, docs/cost.md): the counts a
 * benchmark run measured (bench/usage.ts) become per-unit rates — per join, per student
 * message, per shard-second of batching, per teacher event — which are scaled to N students
 * × M minutes under stated assumptions and priced at the published rates.
 *
 * Free allowances are EXCLUDED: every unit is priced at the marginal rate, as for an account
 * whose monthly allowances (and $5 subscription) are already used by other classes. A single
 * class on an otherwise idle account would pay less.
 */

/** Published prices, USD (docs/cost.md cites the pages and the date they were read). */
export const PRICES = {
  /** Workers Standard: per million requests. */
  workerRequestPerM: 0.3,
  /** Workers Standard: per million CPU milliseconds. */
  workerCpuMsPerM: 0.02,
  /** Durable Objects: per million requests (HTTP, RPC method calls, alarms, WebSocket messages ÷ 20). */
  doRequestPerM: 0.15,
  /** Incoming WebSocket messages billed as one Durable Object request. */
  wsMessagesPerRequest: 20,
  /** Durable Objects duration: per million GB-s. */
  doGbSecondPerM: 12.5,
  /** Memory every active Durable Object is billed for, GB (128 MB). */
  doGb: 0.128,
  /** D1: per million rows read / written. */
  d1RowsReadPerM: 0.001,
  d1RowsWrittenPerM: 1.0,
  /** SQLite-backed Durable Object storage: per million rows read / written. */
  doRowsReadPerM: 0.001,
  doRowsWrittenPerM: 1.0,
  /** R2: per million class A (writes, lists) / class B (reads) operations. */
  r2ClassAPerM: 4.5,
  r2ClassBPerM: 0.36,
  /** Queues: per million operations; a delivered message is 3 (write, read, delete). */
  queueOpPerM: 0.4,
  queueOpsPerMessage: 3,
} as const;

/** Counters summed over a run's runtime processes (bench/metered-entry.js). */
export interface UsageCounts {
  /** Inbound Worker requests (WebSocket upgrades and HTTP). */
  workerRequests: number;
  /** Billed requests to the class root (`Classroom`): RPC calls, fetches, alarms. */
  rootRequests: number;
  /** Billed requests to shards (`ClassroomShard`) other than WebSocket messages. */
  shardRequests: number;
  /** Incoming WebSocket messages (billed 20:1). */
  wsMessagesIn: number;
  /** Shard objects constructed so far (a level, not a flow). */
  shardInstances: number;
  d1Queries: number;
  d1RowsRead: number;
  d1RowsWritten: number;
  doRowsRead: number;
  doRowsWritten: number;
  r2ClassA: number;
  r2ClassB: number;
  queueMessages: number;
}

/** One measured phase of a benchmark run. */
export interface MeasuredPhase {
  /**
   * `join`: students connect; `idle`: connected, nobody sends (background: flushes, alarms,
   * attendance); `interact`: students send answers; `announce`: teacher events.
   */
  name: "join" | "idle" | "interact" | "announce";
  seconds: number;
  counts: UsageCounts;
  /** Students connected at the end of the phase. */
  students: number;
  /** Student answers sent in the phase (distinct: a retry of the same answer not counted;
   * the WebSocket messages, retries included, are `counts.wsMessagesIn`). */
  studentMessages: number;
  /** Teacher events sent in the phase. */
  teacherEvents: number;
  /** Student shards the class had (excluding the staff shard). */
  shards: number;
}

/** What `bench:fanout -- --usage <file>` writes. */
export interface MeasuredRun {
  /** ISO date of the run. */
  date: string;
  command: string;
  students: number;
  processes: number;
  shardCapacity: number;
  scenario: string;
  phases: MeasuredPhase[];
  /** Rows written per SQL statement over the run (D1, Durable Object storage): diagnosis. */
  writesBySql?: { d1: Record<string, number>; durableObjects: Record<string, number> };
}

/** The class being priced. Rates are per student per minute. */
export interface Assumptions {
  students: number;
  minutes: number;
  /** Students per shard (SHARD_CAPACITY; production default 2,000). */
  shardCapacity: number;
  chatPerMin: number;
  pollAnswersPerMin: number;
  reactionsPerMin: number;
  /** Keep-alive pings (web client: one per 15 s). */
  pingsPerMin: number;
  /**
   * Whether pings are billed. They are answered by `setWebSocketAutoResponse` without
   * running the object, which the pricing page says is not charged (default false);
   * `true` prices the dearer reading (as incoming messages).
   */
  pingsBilled: boolean;
  /** Teacher events per minute (announcements, slide changes, poll opens, tallies). */
  teacherEventsPerMin: number;
  /** Extra joins per student over the class (reconnects), as a share. */
  rejoinShare: number;
  /** Share of the class each object is awake (not hibernated). Students talk every few
   * seconds per shard, so shards never reach the 10 s idle that hibernates them: 1. */
  awakeShare: number;
  /** Join-ticket requests per join the benchmark skips (it mints tickets itself). */
  ticketRequestsPerJoin: number;
  /** Worker CPU per Worker request, ms (not measured by the benchmark). */
  workerCpuMsPerRequest: number;
}

export const DEFAULT_ASSUMPTIONS: Omit<Assumptions, "students" | "minutes"> = {
  shardCapacity: 2000,
  chatPerMin: 0.2,
  pollAnswersPerMin: 0.5,
  reactionsPerMin: 2,
  pingsPerMin: 4,
  pingsBilled: false,
  teacherEventsPerMin: 6,
  rejoinShare: 0.2,
  awakeShare: 1,
  ticketRequestsPerJoin: 1,
  workerCpuMsPerRequest: 3,
};

/** Per-unit rates derived from a measured run. */
export interface Rates {
  perJoin: {
    workerRequests: number;
    doRequests: number;
    d1RowsRead: number;
    d1RowsWritten: number;
    doRowsRead: number;
    doRowsWritten: number;
    r2ClassA: number;
    r2ClassB: number;
    queueMessages: number;
  };
  /** While connected, per student-second: storage rows (attendance, live state). */
  background: {
    d1RowsWritten: number;
    d1RowsRead: number;
    doRowsWritten: number;
    doRowsRead: number;
    /** Root/shard requests (alarms, flushes) per object-second. */
    requestsPerObjectSecond: number;
  };
  /** Per poll answer, above the background: storage rows (per-answer records). */
  perAnswer: {
    d1RowsWritten: number;
    d1RowsRead: number;
    doRowsWritten: number;
    doRowsRead: number;
  };
  /** Requests between root and shards (batched reports, deliveries, alarms) per shard-second
   * while students send, above the background. */
  internalPerShardSecond: number;
  /** Root/shard requests per teacher event per shard. */
  perEventPerShard: number;
}

const phase = (run: MeasuredRun, name: MeasuredPhase["name"]) =>
  run.phases.find((p) => p.name === name);
const per = (n: number, d: number) => (d > 0 ? n / d : 0);

/** The per-unit rates a measured run shows. Missing phases give 0 for their rates. */
export function ratesOf(run: MeasuredRun): Rates {
  const j = phase(run, "join");
  const i = phase(run, "interact");
  const a = phase(run, "announce");
  const js = j?.students ?? 0;
  const jc = j?.counts;
  const perJoin = {
    workerRequests: per(jc?.workerRequests ?? 0, js),
    doRequests: per(
      (jc?.rootRequests ?? 0) +
        (jc?.shardRequests ?? 0) +
        (jc?.wsMessagesIn ?? 0) / PRICES.wsMessagesPerRequest,
      js,
    ),
    d1RowsRead: per(jc?.d1RowsRead ?? 0, js),
    d1RowsWritten: per(jc?.d1RowsWritten ?? 0, js),
    doRowsRead: per(jc?.doRowsRead ?? 0, js),
    doRowsWritten: per(jc?.doRowsWritten ?? 0, js),
    r2ClassA: per(jc?.r2ClassA ?? 0, js),
    r2ClassB: per(jc?.r2ClassB ?? 0, js),
    queueMessages: per(jc?.queueMessages ?? 0, js),
  };
  const idle = phase(run, "idle");
  const studentSeconds = (idle?.students ?? 0) * (idle?.seconds ?? 0);
  const background = {
    d1RowsWritten: per(idle?.counts.d1RowsWritten ?? 0, studentSeconds),
    d1RowsRead: per(idle?.counts.d1RowsRead ?? 0, studentSeconds),
    doRowsWritten: per(idle?.counts.doRowsWritten ?? 0, studentSeconds),
    doRowsRead: per(idle?.counts.doRowsRead ?? 0, studentSeconds),
    requestsPerObjectSecond: per(
      (idle?.counts.rootRequests ?? 0) + (idle?.counts.shardRequests ?? 0),
      ((idle?.shards ?? 0) + 2) * (idle?.seconds ?? 0),
    ),
  };
  const ic = i?.counts;
  const im = i?.studentMessages ?? 0;
  const is = (i?.students ?? 0) * (i?.seconds ?? 0);
  const above = (n: number, rate: number) => Math.max(0, n - rate * is);
  const perAnswer = {
    d1RowsWritten: per(above(ic?.d1RowsWritten ?? 0, background.d1RowsWritten), im),
    d1RowsRead: per(above(ic?.d1RowsRead ?? 0, background.d1RowsRead), im),
    doRowsWritten: per(above(ic?.doRowsWritten ?? 0, background.doRowsWritten), im),
    doRowsRead: per(above(ic?.doRowsRead ?? 0, background.doRowsRead), im),
  };
  const interactObjectSeconds = ((i?.shards ?? 0) + 2) * (i?.seconds ?? 0);
  const internalPerShardSecond = per(
    Math.max(
      0,
      (ic?.rootRequests ?? 0) +
        (ic?.shardRequests ?? 0) -
        background.requestsPerObjectSecond * interactObjectSeconds,
    ),
    ((i?.shards ?? 0) + 1) * (i?.seconds ?? 0),
  );
  const perEventPerShard = per(
    (a?.counts.rootRequests ?? 0) + (a?.counts.shardRequests ?? 0),
    (a?.teacherEvents ?? 0) * ((a?.shards ?? 0) + 1),
  );
  return { perJoin, background, perAnswer, internalPerShardSecond, perEventPerShard };
}

/** One line of the bill. */
export interface BillLine {
  item: string;
  quantity: number;
  unit: string;
  usdPerMillion: number;
  usd: number;
}

/** A priced class. */
export interface Bill {
  lines: BillLine[];
  usd: number;
  /** The line costing most. */
  dominant: string;
  /** Derived quantities, for the report. */
  shards: number;
  joins: number;
  studentMessages: number;
}

/** Price a class of `a.students` × `a.minutes` from measured per-unit rates. */
export function bill(rates: Rates, a: Assumptions): Bill {
  const shards = Math.ceil(a.students / a.shardCapacity);
  // Shards, the staff shard and the root.
  const objects = shards + 2;
  const seconds = a.minutes * 60;
  const joins = a.students * (1 + a.rejoinShare);
  const answers = a.students * a.minutes * a.pollAnswersPerMin;
  const studentMessages =
    a.students * a.minutes * (a.chatPerMin + a.pollAnswersPerMin + a.reactionsPerMin);
  const pings = a.pingsBilled ? a.students * a.minutes * a.pingsPerMin : 0;
  const events = a.minutes * a.teacherEventsPerMin;
  const studentSeconds = a.students * seconds;
  const workerRequests = joins * (rates.perJoin.workerRequests + a.ticketRequestsPerJoin);
  const line = (item: string, quantity: number, unit: string, usdPerMillion: number): BillLine => ({
    item,
    quantity,
    unit,
    usdPerMillion,
    usd: (quantity * usdPerMillion) / 1e6,
  });
  /** Storage rows of one kind: for the joins, the answers and in the background. */
  const rows = (kind: "d1RowsWritten" | "d1RowsRead" | "doRowsWritten" | "doRowsRead") =>
    joins * rates.perJoin[kind] +
    answers * rates.perAnswer[kind] +
    studentSeconds * rates.background[kind];
  const lines = [
    line("Worker requests (joins, tickets)", workerRequests, "requests", PRICES.workerRequestPerM),
    line("Worker CPU", workerRequests * a.workerCpuMsPerRequest, "CPU ms", PRICES.workerCpuMsPerM),
    line(
      "DO requests: joins (admit, upgrade, sync)",
      joins * rates.perJoin.doRequests,
      "requests",
      PRICES.doRequestPerM,
    ),
    line(
      "DO requests: student messages (20:1)",
      (studentMessages + pings) / PRICES.wsMessagesPerRequest,
      "requests",
      PRICES.doRequestPerM,
    ),
    line(
      "DO requests: root ↔ shard batches",
      rates.internalPerShardSecond * (shards + 1) * seconds,
      "requests",
      PRICES.doRequestPerM,
    ),
    line(
      "DO requests: background (alarms, flushes)",
      rates.background.requestsPerObjectSecond * objects * seconds,
      "requests",
      PRICES.doRequestPerM,
    ),
    line(
      "DO requests: teacher events",
      rates.perEventPerShard * events * (shards + 1),
      "requests",
      PRICES.doRequestPerM,
    ),
    line(
      "DO duration",
      objects * seconds * a.awakeShare * PRICES.doGb,
      "GB-s",
      PRICES.doGbSecondPerM,
    ),
    line("D1 rows written", rows("d1RowsWritten"), "rows", PRICES.d1RowsWrittenPerM),
    line("D1 rows read", rows("d1RowsRead"), "rows", PRICES.d1RowsReadPerM),
    line("DO storage rows written", rows("doRowsWritten"), "rows", PRICES.doRowsWrittenPerM),
    line("DO storage rows read", rows("doRowsRead"), "rows", PRICES.doRowsReadPerM),
    line("R2 class A", joins * rates.perJoin.r2ClassA, "operations", PRICES.r2ClassAPerM),
    line("R2 class B", joins * rates.perJoin.r2ClassB, "operations", PRICES.r2ClassBPerM),
    line(
      "Queue operations",
      joins * rates.perJoin.queueMessages * PRICES.queueOpsPerMessage,
      "operations",
      PRICES.queueOpPerM,
    ),
  ];
  const usd = lines.reduce((n, l) => n + l.usd, 0);
  const dominant = lines.reduce((m, l) => (l.usd > m.usd ? l : m)).item;
  return { lines, usd, dominant, shards, joins, studentMessages };
}
