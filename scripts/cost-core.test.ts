import { describe, expect, it } from "vitest";
import {
  type Assumptions,
  bill,
  type MeasuredRun,
  PRICES,
  type Rates,
  ratesOf,
  type UsageCounts,
} from "./cost-core.ts";

const zero: UsageCounts = {
  workerRequests: 0,
  rootRequests: 0,
  shardRequests: 0,
  wsMessagesIn: 0,
  shardInstances: 0,
  d1Queries: 0,
  d1RowsRead: 0,
  d1RowsWritten: 0,
  doRowsRead: 0,
  doRowsWritten: 0,
  r2ClassA: 0,
  r2ClassB: 0,
  queueMessages: 0,
};

const none: Rates = {
  perJoin: {
    workerRequests: 0,
    doRequests: 0,
    d1RowsRead: 0,
    d1RowsWritten: 0,
    doRowsRead: 0,
    doRowsWritten: 0,
    r2ClassA: 0,
    r2ClassB: 0,
    queueMessages: 0,
  },
  background: {
    d1RowsWritten: 0,
    d1RowsRead: 0,
    doRowsWritten: 0,
    doRowsRead: 0,
    requestsPerObjectSecond: 0,
  },
  perAnswer: { d1RowsWritten: 0, d1RowsRead: 0, doRowsWritten: 0, doRowsRead: 0 },
  internalPerShardSecond: 0,
  perEventPerShard: 0,
};

const quiet: Assumptions = {
  students: 0,
  minutes: 0,
  shardCapacity: 2000,
  chatPerMin: 0,
  pollAnswersPerMin: 0,
  reactionsPerMin: 0,
  pingsPerMin: 0,
  pingsBilled: false,
  teacherEventsPerMin: 0,
  rejoinShare: 0,
  awakeShare: 0,
  ticketRequestsPerJoin: 0,
  workerCpuMsPerRequest: 0,
};

const usd = (b: ReturnType<typeof bill>, item: string) =>
  b.lines.find((l) => l.item.startsWith(item))?.usd;

describe("cost of a class", () => {
  it("derives per-unit rates from measured phases", () => {
    const run: MeasuredRun = {
      date: "2026-12-07",
      command: "test",
      students: 1000,
      processes: 1,
      shardCapacity: 500,
      scenario: "poll",
      phases: [
        {
          name: "join",
          seconds: 10,
          students: 1000,
          studentMessages: 0,
          teacherEvents: 0,
          shards: 2,
          counts: {
            ...zero,
            workerRequests: 1000,
            rootRequests: 2000,
            shardRequests: 1000,
            d1RowsRead: 3000,
          },
        },
        {
          name: "idle",
          seconds: 10,
          students: 1000,
          studentMessages: 0,
          teacherEvents: 0,
          shards: 2,
          // 4 objects (2 shards, staff, root) × 10 s × 1/s; 1 row per student per 10 s.
          counts: { ...zero, rootRequests: 40, d1RowsWritten: 1000 },
        },
        {
          name: "interact",
          seconds: 10,
          students: 1000,
          studentMessages: 1000,
          teacherEvents: 0,
          shards: 2,
          // Background 40, plus 3 objects (2 shards + staff) × 10 s × 20/s = 600 batch requests;
          // background rows 1,000 plus 1 per answer.
          counts: {
            ...zero,
            wsMessagesIn: 1000,
            rootRequests: 340,
            shardRequests: 300,
            d1RowsWritten: 2000,
          },
        },
        {
          name: "announce",
          seconds: 10,
          students: 1000,
          studentMessages: 0,
          teacherEvents: 10,
          shards: 2,
          counts: { ...zero, shardRequests: 60 },
        },
      ],
    };
    const r = ratesOf(run);
    expect(r.perJoin.workerRequests).toBe(1);
    expect(r.perJoin.doRequests).toBe(3);
    expect(r.perJoin.d1RowsRead).toBe(3);
    expect(r.background.d1RowsWritten).toBe(0.1);
    expect(r.background.requestsPerObjectSecond).toBe(1);
    expect(r.perAnswer.d1RowsWritten).toBe(1);
    expect(r.internalPerShardSecond).toBe(20);
    expect(r.perEventPerShard).toBe(2);
  });

  it("bills incoming WebSocket messages 20:1 as Durable Object requests", () => {
    const b = bill(none, { ...quiet, students: 1_000_000, minutes: 1, chatPerMin: 1 });
    const line = b.lines.find((l) => l.item.startsWith("DO requests: student messages"))!;
    expect(line.quantity).toBe(50_000);
    expect(line.usd).toBeCloseTo(50_000 * 0.15e-6, 10);
    // Pings count only when billed.
    const pinged = bill(none, {
      ...quiet,
      students: 1_000_000,
      minutes: 1,
      pingsPerMin: 4,
      pingsBilled: true,
    });
    expect(usd(pinged, "DO requests: student messages")).toBeCloseTo(
      (4_000_000 / 20) * 0.15e-6,
      10,
    );
    expect(
      usd(
        bill(none, { ...quiet, students: 1_000_000, minutes: 1, pingsPerMin: 4 }),
        "DO requests: student",
      ),
    ).toBe(0);
  });

  it("prices a known class exactly, with no free allowance subtracted", () => {
    const rates: Rates = {
      ...none,
      perJoin: { ...none.perJoin, workerRequests: 1, doRequests: 3, d1RowsWritten: 1 },
      perAnswer: { ...none.perAnswer, d1RowsWritten: 1, doRowsWritten: 1 },
      internalPerShardSecond: 20,
      perEventPerShard: 2,
    };
    // 100,000 students, 60 min, 2,000 per shard → 50 shards (+ staff + root = 52 objects).
    const b = bill(rates, {
      ...quiet,
      students: 100_000,
      minutes: 60,
      pollAnswersPerMin: 0.5,
      teacherEventsPerMin: 1,
      awakeShare: 1,
      ticketRequestsPerJoin: 1,
      workerCpuMsPerRequest: 2,
    });
    expect(b.shards).toBe(50);
    // Joins: 100,000 × (1 + 1 ticket) Worker requests; 300,000 DO requests.
    expect(usd(b, "Worker requests")).toBeCloseTo(200_000 * 0.3e-6, 10);
    expect(usd(b, "Worker CPU")).toBeCloseTo(400_000 * 0.02e-6, 10);
    expect(usd(b, "DO requests: joins")).toBeCloseTo(300_000 * 0.15e-6, 10);
    // 3,000,000 answers / 20.
    expect(usd(b, "DO requests: student messages")).toBeCloseTo(150_000 * 0.15e-6, 10);
    // 20/s × 51 objects × 3,600 s.
    expect(usd(b, "DO requests: root")).toBeCloseTo(3_672_000 * 0.15e-6, 10);
    // 60 events × 2 × 51.
    expect(usd(b, "DO requests: teacher")).toBeCloseTo(6_120 * 0.15e-6, 10);
    // 52 objects × 3,600 s × 0.128 GB = 23,961.6 GB-s.
    expect(usd(b, "DO duration")).toBeCloseTo(23_961.6 * 12.5e-6, 10);
    // 100,000 join rows + 3,000,000 answer rows.
    expect(usd(b, "D1 rows written")).toBeCloseTo(3.1, 10);
    expect(usd(b, "DO storage rows written")).toBeCloseTo(3.0, 10);
    expect(b.dominant).toBe("D1 rows written");
    const total = 0.06 + 0.008 + 0.045 + 0.0225 + 0.5508 + 0.000918 + 0.29952 + 3.1 + 3.0;
    expect(b.usd).toBeCloseTo(total, 6);
    // Background rows (attendance, live state) scale with student-seconds.
    const bg = bill(
      { ...none, background: { ...none.background, d1RowsWritten: 0.1 } },
      { ...quiet, students: 1000, minutes: 1 },
    );
    expect(bg.lines.find((l) => l.item === "D1 rows written")!.quantity).toBeCloseTo(6000, 6);
    // Free allowances excluded: one tiny request still costs its marginal price.
    const tiny = bill(
      { ...none, perJoin: { ...none.perJoin, workerRequests: 1 } },
      { ...quiet, students: 1, minutes: 1 },
    );
    expect(tiny.usd).toBeCloseTo(PRICES.workerRequestPerM / 1e6, 12);
  });
});
