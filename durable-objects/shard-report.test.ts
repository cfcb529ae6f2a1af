import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Author } from "../protocol/realtime.ts";
import { setLogSink } from "../worker/log.ts";
import type { ReportAnswer, ShardReport } from "./rpc.ts";
import { REPORT_MS, type ReportPort, ShardReports } from "./shard-report.ts";

const ann: Author = { id: "u1", name: "Ann", role: "student" };

/** A port whose root answers each report when the test says so. */
function rootByHand() {
  const sent: ShardReport[] = [];
  const pending: { ok: () => void; fail: () => void }[] = [];
  const failed: ShardReport[] = [];
  const answered: string[][] = [];
  const port: ReportPort = {
    ready: () => true,
    seal: (r) => {
      r.sockets = 1;
    },
    send: (r) => {
      sent.push(r);
      return new Promise<ReportAnswer | undefined>((resolve, reject) =>
        pending.push({ ok: () => resolve(undefined), fail: () => reject(new Error("down")) }),
      );
    },
    answered: (_, joined) => answered.push(joined),
    failed: (r) => failed.push(r),
    tell: () => undefined,
  };
  return { port, sent, pending, failed, answered };
}

/** A report window whose first report (Ann's join) has gone to a root answering by hand. */
async function firstJoinSent() {
  const root = rootByHand();
  const reports = new ShardReports("s1", root.port);
  reports.current.joins.push({ user: ann, at: 1 });
  reports.mark();
  await vi.advanceTimersByTimeAsync(0);
  return { root, reports };
}

describe("shard → root report window", () => {
  let restoreSink: ReturnType<typeof setLogSink>;
  beforeEach(() => {
    vi.useFakeTimers();
    restoreSink = setLogSink(() => undefined);
  });
  afterEach(() => {
    vi.useRealTimers();
    setLogSink(restoreSink);
  });

  it("sends the first report at once, later ones a window apart, one in flight at a time", async () => {
    const { root, reports } = await firstJoinSent();
    expect(root.sent).toHaveLength(1);
    expect(root.sent[0]).toMatchObject({ sectionId: "s1", sockets: 1, joins: [{ user: ann }] });
    // More work while the first is unanswered: it waits for the answer, however long.
    reports.current.commands.push({ by: ann, message: { type: "hand.clear" } });
    reports.mark();
    await vi.advanceTimersByTimeAsync(REPORT_MS * 5);
    expect(root.sent).toHaveLength(1);
    root.pending[0]!.ok();
    await vi.advanceTimersByTimeAsync(0);
    expect(root.answered).toEqual([["u1"]]);
    await vi.advanceTimersByTimeAsync(REPORT_MS);
    expect(root.sent).toHaveLength(2);
    expect(root.sent[1]!.commands).toHaveLength(1);
  });

  it("keeps a report the root did not take and retries with backoff until it does", async () => {
    const { root } = await firstJoinSent();
    root.pending[0]!.fail();
    await vi.advanceTimersByTimeAsync(0);
    expect(root.failed).toHaveLength(1);
    // First retry after 100 ms, carrying the join again.
    await vi.advanceTimersByTimeAsync(99);
    expect(root.sent).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(root.sent).toHaveLength(2);
    expect(root.sent[1]!.joins).toEqual([{ user: ann, at: 1 }]);
    root.pending[1]!.fail();
    await vi.advanceTimersByTimeAsync(199);
    expect(root.sent).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(root.sent).toHaveLength(3);
    root.pending[2]!.ok();
    await vi.advanceTimersByTimeAsync(0);
    expect(root.answered).toEqual([["u1"]]);
  });
});
