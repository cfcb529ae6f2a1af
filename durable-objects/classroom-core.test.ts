import { describe, expect, it } from "vitest";
import type { Author } from "../protocol/realtime.ts";
import {
  type AttendanceDelta,
  initialDurable,
  LIVE_TTL_MS,
  PUBLISHER_SILENCE_MS,
  presenceInterval,
  RootCore,
  type RootEffect,
  SESSION_IDLE_MS,
  streamStatusFromHealth,
} from "./classroom-core.ts";
import type { ShardReport } from "./rpc.ts";

const T0 = 10_000_000;
const teacher: Author = { id: "t", name: "T", role: "teacher" };
let ids = 0;
const core = (capacity = 2) =>
  new RootCore(initialDurable("c1"), [], capacity, () => `sess${++ids}`);
const user = (id: string) => ({ id, name: id });
const report = (sectionId: string, over: Partial<ShardReport> = {}): ShardReport => ({
  sectionId,
  sockets: 0,
  joins: [],
  leaves: [],
  commands: [],
  rejections: [],
  relay: [],
  ...over,
});

describe("RootCore load changes", () => {
  it("marks only the sections and users a directory loan, hold or report touched, so a save is O(change)", () => {
    const c = core(2);
    const changes = () => ({
      sections: [...c.loadChanges.sections].sort(),
      users: Object.fromEntries(
        [...c.loadChanges.users].map(([s, m]) => [s, Object.fromEntries(m)]),
      ),
    });
    const clear = () => {
      c.loadChanges.sections.clear();
      c.loadChanges.users.clear();
    };
    c.directory("", T0);
    c.holdSection("s2", undefined, T0);
    expect(changes()).toEqual({ sections: ["s1", "s2"], users: {} });
    clear();
    const join = (id: string) => ({ user: { ...user(id), role: "student" as const }, at: T0 });
    c.report(report("s1", { sockets: 2, joins: [join("a"), join("b")] }), T0);
    expect(changes()).toEqual({ sections: ["s1"], users: { s1: { a: 1, b: 1 } } });
    clear();
    // Votes or chat only: nothing to save.
    c.report(report("s1", { sockets: 2 }), T0);
    expect(changes()).toEqual({ sections: [], users: {} });
    c.report(report("s1", { sockets: 1, leaves: [{ ...join("a"), joinedAt: T0 }] }), T0);
    expect(changes()).toEqual({ sections: ["s1"], users: { s1: { a: 0 } } });
    clear();
    // An empty shard forgets everyone it held.
    c.report(report("s1", { sockets: 0 }), T0);
    expect(changes()).toEqual({ sections: ["s1"], users: { s1: { b: 0 } } });
  });
});

describe("presenceInterval", () => {
  it("sends the count every 2 s in classes up to 20,000 and bounds the total frames/s above", () => {
    expect(presenceInterval(0)).toBe(2000);
    expect(presenceInterval(20_000)).toBe(2000);
    expect(presenceInterval(50_000)).toBe(5000);
    expect(presenceInterval(100_000)).toBe(10_000);
    expect(presenceInterval(400_000)).toBe(10_000);
  });
});

describe("RootCore staff protection", () => {
  const mod: Author = { id: "m", name: "M", role: "moderator" };
  const refused = (ref: string) => [
    {
      kind: "control",
      sectionId: "staff",
      control: {
        kind: "notify",
        userId: "m",
        frame: { type: "error", code: "forbidden", message: expect.any(String), ref },
      },
    },
  ];

  const joined = (sectionId: string, id: string, role: Author["role"]) =>
    report(sectionId, { sockets: 1, joins: [{ user: { id, name: id, role }, at: T0 }] });

  it("refuses to ban or time out staff the shards reported joining, answering the sender with a typed error", () => {
    const c = core();
    c.report(joined("staff", "t", "teacher"), T0);
    c.report(joined("staff", "m2", "moderator"), T0);
    expect(c.durable.staff).toEqual({ t: "teacher", m2: "moderator" });
    for (const target of ["t", "m2"]) {
      expect(c.command({ by: mod, message: { type: "mod.ban", userId: target } }, T0)).toEqual(
        refused("mod.ban"),
      );
      expect(
        c.command({ by: mod, message: { type: "mod.timeout", userId: target, seconds: 60 } }, T0),
      ).toEqual(refused("mod.timeout"));
    }
    expect(c.durable.bans).toEqual({});
    expect(c.durable.timeouts).toEqual({});
    // Once back as a student (grant revoked), they can be sanctioned again.
    c.report(joined("s1", "m2", "student"), T0);
    c.command({ by: mod, message: { type: "mod.ban", userId: "m2" } }, T0);
    expect(Object.keys(c.durable.bans)).toEqual(["m2"]);
    // Staff ids survive a restart (they live in the durable state).
    const restarted = new RootCore(structuredClone(c.durable), [], 2, () => "x");
    expect(restarted.isStaffUser("t")).toBe(true);
  });
});

describe("RootCore socket cap per user", () => {
  it("closes the newest sockets of a user who spread more than 5 over several sections (4009)", () => {
    const c = core(100);
    const a: Author = { id: "a", name: "a", role: "student" };
    const joins = (n: number) => Array.from({ length: n }, () => ({ user: a, at: T0 }));
    expect(c.report(report("s1", { sockets: 4, joins: joins(4) }), T0).some(isKick)).toBe(false);
    expect(c.report(report("s2", { sockets: 1, joins: joins(1) }), T0).some(isKick)).toBe(false);
    expect(c.report(report("s2", { sockets: 3, joins: joins(2) }), T0).filter(isKick)).toEqual([
      {
        kind: "control",
        sectionId: "s2",
        control: { kind: "kick", userId: "a", code: 4009, reason: "too many sockets", newest: 2 },
      },
    ]);
  });
});

const isKick = (f: RootEffect) => f.kind === "control" && f.control.kind === "kick";

describe("RootCore kickUser", () => {
  it("kicks a user from every section that may hold their socket, even one not yet reported", () => {
    const c = core();
    // The staff shard admitted on its own (decision 014): its first report is not in yet.
    c.holdSection("staff", undefined, T0);
    const fx = c.kickUser("m", 4001, "revoked", T0);
    expect(fx).toContainEqual({
      kind: "control",
      sectionId: "staff",
      control: { kind: "kick", userId: "m", code: 4001, reason: "revoked" },
    });
  });
});

describe("RootCore events", () => {
  it("numbers every event, keeps global history, and handles pin and delete", () => {
    const c = core();
    const fx = c.command({ by: teacher, message: { type: "chat.send", text: "hi", rid: "r" } }, T0);
    expect(fx[0]).toEqual({
      kind: "event",
      event: {
        type: "chat.message",
        seq: 1,
        at: T0,
        message: { id: "g1", channel: "global", from: teacher, text: "hi", at: T0, rid: "r" },
      },
    });
    c.command({ by: teacher, message: { type: "chat.pin", messageId: "g1" } }, T0);
    expect(c.durable.pinned?.id).toBe("g1");
    const del = c.command({ by: teacher, message: { type: "chat.delete", messageId: "g1" } }, T0);
    expect(del[0]).toMatchObject({
      kind: "event",
      event: { type: "chat.deleted", seq: 3, messageId: "g1" },
    });
    expect(c.durable.pinned).toBeNull();
    expect(c.durable.global).toEqual([]);
    expect(del.some((f) => f.kind === "audit" && f.action === "chat.delete")).toBe(true);
  });

  it("routes section deletes to the owning shard and ignores commands from non-staff", () => {
    const c = core();
    c.holdSection("s1", undefined, T0);
    const fx = c.command({ by: teacher, message: { type: "chat.delete", messageId: "s1.4" } }, T0);
    expect(fx[0]).toEqual({
      kind: "control",
      sectionId: "s1",
      control: { kind: "delete", messageId: "s1.4" },
    });
    const student: Author = { id: "s", name: "S", role: "student" };
    expect(c.command({ by: student, message: { type: "mod.ban", userId: "t" } }, T0)).toEqual([]);
    expect(
      c.command(
        {
          by: { ...teacher, role: "moderator" },
          message: { type: "settings.update", slowModeSec: 9 },
        },
        T0,
      ),
    ).toEqual([]);
  });

  it("plans resume: replay within the log, snapshot outside it", () => {
    const c = core();
    for (let i = 0; i < 5; i++) c.setStreamStatus(i % 2 ? "idle" : "live", T0);
    expect(c.durable.seq).toBe(5);
    expect(c.resumePlan(undefined, 1)).toEqual({ kind: "snapshot" });
    expect(c.resumePlan(2, 1)).toEqual({ kind: "replay", after: 2 });
    expect(c.resumePlan(5, 1)).toEqual({ kind: "replay", after: 5 });
    expect(c.resumePlan(6, 1)).toEqual({ kind: "snapshot" });
    expect(c.resumePlan(1, 4)).toEqual({ kind: "snapshot" });
    expect(c.resumePlan(3, 4)).toEqual({ kind: "replay", after: 3 });
  });
});

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

  it("records rejections for staff and relays watched sections", () => {
    const c = core();
    c.report(report("staff", { sockets: 1, watching: ["s1"] }), T0);
    const rej = {
      at: T0,
      sectionId: "s1",
      user: { id: "a", name: "A", role: "student" as const },
      reason: "duplicate" as const,
      text: "x",
    };
    const fx = c.report(report("s1", { sockets: 1, rejections: [rej], relay: ["{}"] }), T0);
    expect(fx).toContainEqual({ kind: "staff", frame: { type: "mod.rejections", items: [rej] } });
    expect(fx).toContainEqual({
      kind: "control",
      sectionId: "staff",
      control: { kind: "relay", sectionId: "s1", frames: ["{}"] },
    });
    expect(c.rejectionBacklog()).toEqual({ type: "mod.rejections", items: [rej] });
    // The watch list survives a root restart (it is part of the durable state).
    const restarted = new RootCore(
      JSON.parse(JSON.stringify(c.durable)),
      [...c.loads.values()],
      2,
      () => "x",
    );
    expect(restarted.watching.has("s1")).toBe(true);
  });
});

describe("RootCore versions of what reaches shards by two paths", () => {
  it("versions the rules with every time-out and settings change", () => {
    const c = core();
    expect(c.rules(T0).version).toBe(0);
    // s2's last report said empty (its new socket's join still on the way): it is told too.
    c.report(report("s1", { sockets: 1 }), T0);
    c.report(report("s2", { sockets: 0 }), T0);
    c.report(report("staff", { sockets: 1 }), T0);
    const fx = c.command(
      { by: teacher, message: { type: "mod.timeout", userId: "u1", seconds: 10 } },
      T0,
    );
    const control = { kind: "timeout", userId: "u1", until: T0 + 10_000, version: 1 };
    expect(fx.filter((x) => x.kind === "control")).toEqual([
      { kind: "control", sectionId: "s1", control },
      { kind: "control", sectionId: "s2", control },
    ]);
    c.command({ by: teacher, message: { type: "settings.update", slowModeSec: 10 } }, T0);
    expect(c.rules(T0)).toMatchObject({
      version: 2,
      slowModeSec: 10,
      timeouts: { u1: T0 + 10_000 },
    });
  });

  it("applies the staff shard's watch sets in stamp order and versions the shards' news", () => {
    const c = core();
    c.report(report("s1", { sockets: 1 }), T0);
    c.report(report("s2", { sockets: 1 }), T0);
    const controls = (fx: ReturnType<RootCore["setWatching"]>) =>
      fx.flatMap((x) => (x.kind === "control" ? [[x.sectionId, x.control]] : []));
    expect(controls(c.setWatching(["s1"], 10))).toEqual([
      ["s1", { kind: "watch", on: true, v: 1 }],
    ]);
    // The same set again (its report after the direct RPC) and an older one change nothing.
    expect(c.setWatching(["s1"], 10)).toEqual([]);
    expect(c.setWatching([], 9)).toEqual([]);
    expect(c.watching.has("s1")).toBe(true);
    expect(controls(c.setWatching(["s2"], 11))).toEqual([
      ["s2", { kind: "watch", on: true, v: 2 }],
      ["s1", { kind: "watch", on: false, v: 2 }],
    ]);
  });
});

describe("RootCore slides and whiteboard", () => {
  const deck = { id: "deckAAAAAAAAAAAAAAAA", name: "Cells", pageCount: 2, pageType: "image/png" };

  it("sequences board events, puts the board in snapshots, and answers refusals to the sender only", () => {
    const c = core();
    const grown = c.setDeck(deck, T0);
    expect(grown).toEqual([{ kind: "board", op: { op: "state" } }]);
    const shown = c.command(
      { by: teacher, message: { type: "slide.show", deckId: deck.id, page: 2 } },
      T0,
    );
    const ev = shown.find((f) => f.kind === "event");
    expect(ev).toMatchObject({
      event: { type: "slide.changed", seq: 1, at: T0, board: { slide: { page: 2 } } },
    });
    expect(shown).toContainEqual({ kind: "board", op: { op: "state" } });
    const snap = c.snapshot();
    expect(snap.type === "snapshot" && snap.state.board?.slide.url).toBe(
      `/slides/${deck.id}/2.png`,
    );
    // Refused (page past the end): a typed error to the sender, no event, no seq.
    const refusedFx = c.command(
      { by: teacher, message: { type: "slide.show", deckId: deck.id, page: 3 } },
      T0,
    );
    expect(refusedFx).toEqual([
      {
        kind: "control",
        sectionId: "staff",
        control: {
          kind: "notify",
          userId: "t",
          frame: {
            type: "error",
            code: "not_found",
            message: "This deck has 2 pages.",
            ref: "slide.show",
          },
        },
      },
    ]);
    expect(c.durable.seq).toBe(1);
    // A student's board command never counts, even if a shard forwarded it.
    const student: Author = { id: "s", name: "S", role: "student" };
    expect(c.command({ by: student, message: { type: "board.clear" } }, T0)).toEqual([]);
    expect(c.command({ by: student, message: { type: "slide.prev" } }, T0)).toEqual([]);
    expect(c.board.currentKey()).toBe(`${deck.id}/2`);
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

describe("RootCore live state expires", () => {
  it("ends a live stream whose publisher went silent, and keeps D1 live_until renewed while it reports", () => {
    const c = core(10);
    let fx = c.setStreamStatus("live", T0);
    expect(fx).toContainEqual({ kind: "liveUntil", until: T0 + LIVE_TTL_MS });
    // Health reports keep it live and renew live_until at half its lifetime.
    for (let t = T0 + 5000; t < T0 + LIVE_TTL_MS; t += 5000) {
      const out: RootEffect[] = [];
      c.publisherAlive(out, t);
      expect(c.tick(t)).toEqual([]);
      if (out.some((x) => x.kind === "liveUntil")) fx = out;
    }
    expect(c.durable.liveUntil).toBeGreaterThan(T0 + LIVE_TTL_MS);
    const last = T0 + LIVE_TTL_MS - 5000;
    expect(c.nextDeadline()).toBe(last + PUBLISHER_SILENCE_MS);
    // Then silence: the bridge's session is gone.
    fx = c.tick(last + PUBLISHER_SILENCE_MS);
    expect(c.durable.stream).toBe("ended");
    expect(fx).toContainEqual({ kind: "liveUntil", until: null });
    expect(fx).toContainEqual(
      expect.objectContaining({
        kind: "session",
        session: expect.objectContaining({ endedAt: last + PUBLISHER_SILENCE_MS }),
      }),
    );
  });

  it("ends the session of a class left empty and not streaming", () => {
    const c = core(10);
    const ann = { id: "a", name: "Ann", role: "student" as const };
    c.report(report("s1", { sockets: 1, joins: [{ user: ann, at: T0 }] }), T0);
    c.report(
      report("s1", { sockets: 0, leaves: [{ user: ann, joinedAt: T0, at: T0 + 1000 }] }),
      T0 + 1000,
    );
    expect(c.nextDeadline()).toBe(T0 + 1000 + SESSION_IDLE_MS);
    expect(c.tick(T0 + SESSION_IDLE_MS)).toEqual([]);
    const fx = c.tick(T0 + 1000 + SESSION_IDLE_MS);
    expect(fx).toContainEqual(
      expect.objectContaining({
        kind: "session",
        session: expect.objectContaining({ endedAt: T0 + 1000 }),
      }),
    );
    expect(c.durable.session).toBeNull();
    expect(c.nextDeadline()).toBeNull();
  });
});

describe("streamStatusFromHealth", () => {
  const h = (state: string, fillerActive = false) => ({ state, fillerActive });
  it("never says live while the slate covers for a vanished teacher", () => {
    expect(streamStatusFromHealth("live", h("filler", true))).toBe("reconnecting");
    expect(streamStatusFromHealth("live", h("live", true))).toBe("reconnecting");
    expect(streamStatusFromHealth("reconnecting", h("live"))).toBe("live");
    expect(streamStatusFromHealth("live", h("restarting"))).toBe("interrupted");
    expect(streamStatusFromHealth("interrupted", h("live"))).toBe("live");
    expect(streamStatusFromHealth("reconnecting", h("ended"))).toBe("ended");
  });
  it("leaves a stream that is not on alone: only the WHIP façade makes it live", () => {
    expect(streamStatusFromHealth("idle", h("live"))).toBeNull();
    expect(streamStatusFromHealth("ended", h("filler", true))).toBeNull();
    expect(streamStatusFromHealth("idle", h("ended"))).toBeNull();
    expect(streamStatusFromHealth("live", h("starting"))).toBeNull();
  });
  it("keeps the stream's start while it reconnects", () => {
    const c = new RootCore(initialDurable("c1"), [], 10, () => "s1");
    c.setStreamStatus("live", 1000, 900);
    c.setStreamStatus("reconnecting", 2000);
    expect(c.durable.streamStartedAt).toBe(900);
    c.setStreamStatus("ended", 3000);
    expect(c.durable.streamStartedAt).toBeNull();
  });
});

describe("RootCore directory (ticket minters, decision 014)", () => {
  const seats = (d: { sections: { room: number }[] }) => d.sections.reduce((n, s) => n + s.room, 0);

  it("lends one block per request to a lone mint", () => {
    const c = core(160);
    // Fill mark 128, block ceil(160 / 16) = 10.
    expect(seats(c.directory("", T0))).toBe(10);
  });

  it("lends a seat for every mint waiting in the asking isolate, opening sections to cover them", () => {
    const c = core(50);
    // 200 mints waiting at once (a join storm in one isolate): the fill mark is 40 a section,
    // so the root opens sections until it can lend all 200 in this one answer.
    let lent = 0;
    for (let round = 0; round < 6 && lent < 200; round++)
      lent += seats(c.directory("", T0, 200 - lent));
    expect(lent).toBe(200);
    // Never more than the fill mark in any one section.
    const d = c.directory("", T0, 1);
    for (const s of d.sections) expect(s.room).toBeLessThanOrEqual(40);
  });

  it("covers a burst in one or two answers, where blocks alone took one answer per block", () => {
    const c = core(50);
    let answers = 0;
    let lent = 0;
    while (lent < 120 && answers < 100) {
      lent += seats(c.directory("", T0, 120 - lent));
      answers++;
    }
    expect(lent).toBeGreaterThanOrEqual(120);
    expect(answers).toBeLessThanOrEqual(3);
  });
});
