/** Sessions and the attendance ledger (root-ledger.ts), through RootCore. */
import { describe, expect, it } from "vitest";
import type { Author } from "../protocol/realtime.ts";
import {
  type AttendanceDelta,
  RootCore,
  type RootEffect,
  SESSION_IDLE_MS,
} from "./classroom-core.ts";
import { core, report, T0, teacher } from "./root-test-support.ts";

describe("RootCore sessions and attendance", () => {
  it("starts a session on the first join, credits leaves, tracks peak, and starts a new one after a long idle", () => {
    const c = core(10);
    const ann = { id: "a", name: "Ann", role: "student" as const };
    let fx = c.report(report("s1", { sockets: 1, joins: [{ user: ann, at: T0 }] }), T0);
    const s1 = c.durable.session!;
    expect(fx).toContainEqual({
      kind: "session",
      session: { id: s1.id, startedAt: T0, endedAt: null, peak: 1 },
    });
    expect(fx).toContainEqual({
      kind: "attendance",
      delta: {
        sessionId: s1.id,
        userId: "a",
        name: "Ann",
        firstJoin: T0,
        lastLeave: null,
        seconds: 0,
        joins: 1,
        staff: false,
      },
    });
    expect(c.durable.session?.peak).toBe(1);
    fx = c.report(
      report("s1", { sockets: 0, leaves: [{ user: ann, joinedAt: T0, at: T0 + 90_000 }] }),
      T0 + 90_000,
    );
    expect(fx).toContainEqual({
      kind: "attendance",
      delta: {
        sessionId: s1.id,
        userId: "a",
        name: "Ann",
        firstJoin: T0,
        lastLeave: T0 + 90_000,
        seconds: 90,
        joins: 0,
        staff: false,
      },
    });
    expect(c.durable.session?.emptySince).toBe(T0 + 90_000);
    const later = T0 + 90_000 + SESSION_IDLE_MS + 1;
    fx = c.report(report("s1", { sockets: 1, joins: [{ user: ann, at: later }] }), later);
    expect(fx).toContainEqual({
      kind: "session",
      session: { id: s1.id, startedAt: T0, endedAt: T0 + 90_000, peak: 1 },
    });
    expect(c.durable.session?.id).not.toBe(s1.id);
  });

  it("emits each session minute's peak student count once per rise, and again in a new minute", () => {
    const c = core(10);
    const st = (id: string) => ({ id, name: id, role: "student" as const });
    const M = 60_000 * 1000; // a minute boundary
    const minutes = (fx: ReturnType<RootCore["report"]>) => fx.filter((x) => x.kind === "minute");
    let fx = c.report(report("s1", { sockets: 1, joins: [{ user: st("a"), at: M }] }), M + 1);
    const sessionId = c.durable.session!.id;
    expect(minutes(fx)).toEqual([{ kind: "minute", sessionId, minute: M, concurrency: 1 }]);
    fx = c.report(report("s1", { sockets: 2, joins: [{ user: st("b"), at: M + 5 }] }), M + 5);
    expect(minutes(fx)).toEqual([{ kind: "minute", sessionId, minute: M, concurrency: 2 }]);
    // A drop inside the minute changes nothing (the row keeps the peak).
    fx = c.report(
      report("s1", { sockets: 1, leaves: [{ user: st("b"), joinedAt: M + 5, at: M + 9 }] }),
      M + 9,
    );
    expect(minutes(fx)).toEqual([]);
    // The next report in a new minute records what is connected then.
    fx = c.report(report("s1", { sockets: 1 }), M + 60_000);
    expect(minutes(fx)).toEqual([
      { kind: "minute", sessionId, minute: M + 60_000, concurrency: 1 },
    ]);
  });
});

/** D1's attendance upsert, played over the core's deltas: per session, per user. */
class Ledger {
  readonly rows = new Map<string, AttendanceDelta>();
  sessions = new Set<string>();
  add(fx: RootEffect[]): RootEffect[] {
    for (const x of fx) {
      if (x.kind === "session") this.sessions.add(x.session.id);
      if (x.kind !== "attendance") continue;
      const d = x.delta;
      const key = `${d.sessionId}/${d.userId}`;
      const r = this.rows.get(key);
      if (!r) this.rows.set(key, { ...d });
      else {
        r.firstJoin = Math.min(r.firstJoin, d.firstJoin);
        if (d.lastLeave !== null) r.lastLeave = Math.max(r.lastLeave ?? 0, d.lastLeave);
        r.seconds += d.seconds;
        r.joins += d.joins;
        r.staff = d.staff;
      }
    }
    return fx;
  }
  row(sessionId: string, userId: string): AttendanceDelta | undefined {
    return this.rows.get(`${sessionId}/${userId}`);
  }
  minutes(sessionId: string, userId: string): number {
    return (this.row(sessionId, userId)?.seconds ?? 0) / 60;
  }
}

describe("RootCore attendance ledger: minutes equal connected time", () => {
  const MIN = 60_000;
  const guest = { id: "g", name: "Gia", role: "guest" as const };
  const stu = { id: "s", name: "Sam", role: "student" as const };
  const mod = { id: "m", name: "Mo", role: "moderator" as const };
  const join = (u: typeof guest | typeof stu | typeof mod | Author, at: number) => ({
    user: u,
    at,
  });
  const leave = (u: Author, joinedAt: number, at: number) => ({ user: u, joinedAt, at });

  it("credits a guest present from the first minute to after the stream ended, whatever joins come after the end", () => {
    const c = core(10);
    const L = new Ledger();
    L.add(c.report(report("s1", { sockets: 1, joins: [join(guest, T0)] }), T0));
    const s1 = c.durable.session!.id;
    L.add(c.report(report("staff", { sockets: 1, joins: [join(teacher, T0 + MIN)] }), T0 + MIN));
    L.add(c.setStreamStatus("live", T0 + 2 * MIN));
    L.add(c.setStreamStatus("ended", T0 + 50 * MIN));
    // Right after the end the guest is credited to the end, though still connected.
    expect(L.minutes(s1, "g")).toBeCloseTo(50, 1);
    expect(L.row(s1, "g")!.lastLeave).toBe(T0 + 50 * MIN);
    // The studio reconnects after the end; the guest presses Leave class later.
    L.add(
      c.report(
        report("staff", {
          sockets: 1,
          joins: [join(teacher, T0 + 51 * MIN)],
          leaves: [leave(teacher, T0 + MIN, T0 + 51 * MIN)],
        }),
        T0 + 51 * MIN,
      ),
    );
    L.add(
      c.report(
        report("s1", { sockets: 0, leaves: [leave(guest, T0, T0 + 55 * MIN)] }),
        T0 + 55 * MIN,
      ),
    );
    expect(L.sessions).toEqual(new Set([s1]));
    expect(L.minutes(s1, "g")).toBeCloseTo(50, 1);
    expect(L.row(s1, "g")).toMatchObject({ firstJoin: T0, joins: 1, staff: false });
    expect(L.row(s1, "t")).toMatchObject({ staff: true });
  });

  it("counts a student across page reloads up to the end of the stream", () => {
    const c = core(10);
    const L = new Ledger();
    L.add(c.setStreamStatus("live", T0));
    const s1 = c.durable.session!.id;
    let joined = T0 + MIN;
    L.add(c.report(report("s1", { sockets: 1, joins: [join(stu, joined)] }), joined));
    for (let i = 1; i <= 3; i++) {
      // A reload: the new socket's join and the old socket's leave, in either order.
      const at = T0 + (1 + 10 * i) * MIN;
      const r =
        i % 2
          ? report("s1", {
              sockets: 1,
              joins: [join(stu, at + 1500)],
              leaves: [leave(stu, joined, at)],
            })
          : report("s1", { sockets: 1, joins: [join(stu, at)], leaves: [leave(stu, joined, at)] });
      L.add(c.report(r, at + 1600));
      joined = i % 2 ? at + 1500 : at;
    }
    L.add(c.setStreamStatus("ended", T0 + 45 * MIN));
    expect(Math.abs(L.minutes(s1, "s") - 44)).toBeLessThan(1);
    expect(L.row(s1, "s")!.joins).toBe(4);
  });

  it("counts two tabs once (the union of their time)", () => {
    const c = core(10);
    const L = new Ledger();
    L.add(c.setStreamStatus("live", T0));
    const s1 = c.durable.session!.id;
    L.add(c.report(report("s1", { sockets: 1, joins: [join(stu, T0)] }), T0));
    L.add(c.report(report("s2", { sockets: 1, joins: [join(stu, T0 + 10 * MIN)] }), T0 + 10 * MIN));
    L.add(
      c.report(
        report("s1", { sockets: 0, leaves: [leave(stu, T0, T0 + 30 * MIN)] }),
        T0 + 30 * MIN,
      ),
    );
    L.add(
      c.report(
        report("s2", { sockets: 0, leaves: [leave(stu, T0 + 10 * MIN, T0 + 40 * MIN)] }),
        T0 + 40 * MIN,
      ),
    );
    expect(L.minutes(s1, "s")).toBeCloseTo(40, 1);
    expect(L.row(s1, "s")!.lastLeave).toBe(T0 + 40 * MIN);
  });

  it("credits each session only its own time when the stream ends and goes live again while connected", () => {
    const c = core(10);
    const L = new Ledger();
    L.add(c.setStreamStatus("live", T0));
    const s1 = c.durable.session!.id;
    L.add(c.report(report("s1", { sockets: 1, joins: [join(stu, T0)] }), T0));
    L.add(c.report(report("staff", { sockets: 1, joins: [join(mod, T0)] }), T0));
    L.add(c.setStreamStatus("ended", T0 + 20 * MIN));
    L.add(c.setStreamStatus("live", T0 + 30 * MIN));
    const s2 = c.durable.session!.id;
    expect(s2).not.toBe(s1);
    // Present at the new start: listed at once, not late.
    expect(L.row(s2, "s")).toMatchObject({ firstJoin: T0 + 30 * MIN, joins: 1 });
    L.add(
      c.report(
        report("s1", { sockets: 0, leaves: [leave(stu, T0, T0 + 45 * MIN)] }),
        T0 + 45 * MIN,
      ),
    );
    expect(L.minutes(s1, "s")).toBeCloseTo(20, 1);
    expect(L.minutes(s2, "s")).toBeCloseTo(15, 1);
    expect(L.row(s1, "m")).toMatchObject({ staff: true });
  });

  it("keeps counting a connected user across a root restart", () => {
    const c = core(10);
    const L = new Ledger();
    L.add(c.setStreamStatus("live", T0));
    const s1 = c.durable.session!.id;
    L.add(c.report(report("s1", { sockets: 1, joins: [join(stu, T0 + MIN)] }), T0 + MIN));
    const restarted = new RootCore(c.durable, [...c.loads.values()], 10, () => "x", [
      ...c.connected,
    ]);
    L.add(restarted.setStreamStatus("ended", T0 + 31 * MIN));
    expect(L.minutes(s1, "s")).toBeCloseTo(30, 1);
  });
});
