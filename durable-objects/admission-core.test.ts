import { describe, expect, it } from "vitest";
import { CloseCode } from "../protocol/realtime.ts";
import {
  admitAtShard,
  closedByRules,
  directoryOf,
  type JoinClaims,
  MAX_SOCKETS_PER_USER,
  pickSection,
  refusalOf,
  SeenDevices,
  type ShardGate,
  SYNC_CACHE_MS,
  SyncCache,
} from "./admission-core.ts";
import { DEFAULT_RULES } from "./chat-policy.ts";

const T0 = 1_000_000;
const ticket = (over: Partial<JoinClaims> = {}): JoinClaims => ({
  classId: "c1",
  sectionId: "s1",
  user: { id: "u1", name: "Ann" },
  role: "student",
  ticketId: "t1",
  issuedAt: T0,
  expiresAt: T0 + 60_000,
  ...over,
});
const gate = (over: Partial<ShardGate> = {}): ShardGate => ({
  classId: "c1",
  sectionId: "s1",
  rules: DEFAULT_RULES,
  open: 0,
  openOfUser: 0,
  capacity: 3,
  spent: false,
  client: {},
  now: T0 + 1000,
  ...over,
});
const code = (r: ReturnType<typeof admitAtShard>) => (r.ok ? "ok" : r.code);

describe("admitAtShard", () => {
  it("admits a fresh ticket for this shard", () => {
    expect(code(admitAtShard(ticket(), gate()))).toBe("ok");
  });
  it("refuses a ticket of another section or class (replay on another shard)", () => {
    expect(code(admitAtShard(ticket({ sectionId: "s2" }), gate()))).toBe("wrong_shard");
    expect(code(admitAtShard(ticket({ classId: "c2" }), gate()))).toBe("wrong_shard");
    // A student ticket cannot open the staff shard, nor a staff ticket a section.
    expect(code(admitAtShard(ticket({ sectionId: "staff" }), gate({ sectionId: "staff" })))).toBe(
      "wrong_shard",
    );
    expect(code(admitAtShard(ticket({ role: "teacher" }), gate()))).toBe("wrong_shard");
  });
  it("refuses spent, expired and revoked tickets", () => {
    expect(code(admitAtShard(ticket(), gate({ spent: true })))).toBe("ticket_used");
    expect(code(admitAtShard(ticket(), gate({ now: T0 + 60_000 })))).toBe("expired");
    const rules = { ...DEFAULT_RULES, revoked: { u1: T0 + 10 } };
    expect(code(admitAtShard(ticket(), gate({ rules })))).toBe("revoked");
    expect(code(admitAtShard(ticket({ issuedAt: T0 + 11 }), gate({ rules })))).toBe("ok");
  });
  it("refuses a ticket of an older token version than a demotion pushed, whatever its issue time", () => {
    // Clock-free: the ticket looks issued after the revocation (a slow mint, skewed clocks).
    const rules = { ...DEFAULT_RULES, revoked: { u1: T0 - 5 }, revokedTv: { u1: 3 } };
    expect(code(admitAtShard(ticket({ tokenVersion: 2 }), gate({ rules })))).toBe("revoked");
    expect(code(admitAtShard(ticket({ tokenVersion: 3 }), gate({ rules })))).toBe("ok");
  });
  it("refuses banned users and banned devices' guests, never the teacher", () => {
    const rules = { ...DEFAULT_RULES, banned: { users: ["u1"], devices: ["dev1"] } };
    expect(code(admitAtShard(ticket(), gate({ rules })))).toBe("banned");
    const guest = ticket({ user: { id: "g_2", name: "G" }, role: "guest" });
    expect(code(admitAtShard(guest, gate({ rules, client: { device: "dev1" } })))).toBe("banned");
    expect(code(admitAtShard(guest, gate({ rules, client: { device: "dev2" } })))).toBe("ok");
    // A pass issued on the banned device brings it in the ticket, with any cookie or none.
    const hoarded = { ...guest, device: "dev1" };
    expect(code(admitAtShard(hoarded, gate({ rules })))).toBe("banned");
    expect(code(admitAtShard(hoarded, gate({ rules, client: { device: "dev2" } })))).toBe("banned");
    const teacher = ticket({ role: "teacher", sectionId: "staff" });
    expect(code(admitAtShard(teacher, gate({ rules, sectionId: "staff" })))).toBe("ok");
  });
  it("refuses guests when guests are off, a full section, and a 6th socket", () => {
    const guest = ticket({ role: "guest" });
    expect(code(admitAtShard(guest, gate({ rules: { ...DEFAULT_RULES, guests: false } })))).toBe(
      "guests_off",
    );
    expect(code(admitAtShard(ticket(), gate({ open: 3 })))).toBe("section_full");
    expect(code(admitAtShard(ticket(), gate({ openOfUser: MAX_SOCKETS_PER_USER })))).toBe(
      "too_many_sockets",
    );
    const staff = ticket({ role: "moderator", sectionId: "staff" });
    expect(
      code(admitAtShard(staff, gate({ sectionId: "staff", open: 99, capacity: Infinity }))),
    ).toBe("ok");
  });
});

describe("closedByRules", () => {
  it("closes banned, revoked-before-join and guests-off sockets", () => {
    const rules = {
      ...DEFAULT_RULES,
      banned: { users: ["u1"], devices: [] },
      revoked: { u2: T0 },
      guests: false,
    };
    expect(closedByRules({ id: "u1", role: "student" }, T0, rules)?.code).toBe("banned");
    expect(closedByRules({ id: "u2", role: "moderator" }, T0 - 1, rules)?.code).toBe("revoked");
    expect(closedByRules({ id: "u2", role: "student" }, T0 + 1, rules)).toBeNull();
    expect(closedByRules({ id: "g_3", role: "guest" }, T0, rules)?.code).toBe("revoked");
    expect(closedByRules({ id: "u1", role: "teacher" }, T0, rules)).toBeNull();
  });
  it("closes a socket its ticket's age or token version puts under a revocation that arrived after it joined", () => {
    // Admitted after the root revoked, before the rules reached this shard.
    const rules = { ...DEFAULT_RULES, revoked: { u2: T0 }, revokedTv: { u2: 4 } };
    const u2 = { id: "u2", role: "teacher" as const };
    expect(closedByRules(u2, T0 + 50, rules, { issuedAt: T0 - 10 })?.code).toBe("revoked");
    expect(closedByRules(u2, T0 + 50, rules, { issuedAt: T0 + 20, tokenVersion: 3 })?.code).toBe(
      "revoked",
    );
    expect(closedByRules(u2, T0 + 50, rules, { issuedAt: T0 + 20, tokenVersion: 4 })).toBeNull();
  });
});

describe("section pick", () => {
  const dir = {
    sections: [
      { sectionId: "s1", room: 0 },
      { sectionId: "s2", room: 5 },
      { sectionId: "s3", room: 5 },
    ],
  };
  it("is stable per user, skips sections without room and honours a hint with room", () => {
    const a = pickSection(dir, "user-a")!.sectionId;
    expect(pickSection(dir, "user-a")!.sectionId).toBe(a);
    expect(a).not.toBe("s1");
    const seen = new Set(
      Array.from({ length: 50 }, (_, i) => pickSection(dir, `u${i}`)!.sectionId),
    );
    expect(seen).toEqual(new Set(["s2", "s3"]));
    expect(pickSection(dir, "user-a", "s3")!.sectionId).toBe("s3");
    expect(pickSection(dir, "user-a", "s1")!.sectionId).not.toBe("s1");
    expect(pickSection({ sections: [{ sectionId: "s1", room: 0 }] }, "x")).toBeNull();
  });
  it("directoryOf lists a host's sections with room below the fill mark", () => {
    const { dir: d, needsNew } = directoryOf(
      [
        { sectionId: "staff", load: 1 },
        { sectionId: "s2", load: 1599 },
        { sectionId: "s1", load: 1600 },
        { sectionId: "s3", host: "h2", load: 0 },
      ],
      "",
      2000,
    );
    expect(d.sections).toEqual([
      { sectionId: "s1", room: 0 },
      { sectionId: "s2", room: 1 },
    ]);
    expect(needsNew).toBe(false);
    expect(directoryOf([{ sectionId: "s1", load: 3 }], "", 3).needsNew).toBe(true);
  });
});

describe("SyncCache", () => {
  it("serves the snapshot with presence frames; any event or an empty shard invalidates it", () => {
    const c = new SyncCache();
    expect(c.serve(T0)).toBeNull();
    c.fill(['{"type":"snapshot","seq":4}'], T0);
    c.delivered('{"type":"presence","students":2}');
    expect(c.serve(T0 + 10)).toEqual([
      '{"type":"snapshot","seq":4}',
      '{"type":"presence","students":2}',
    ]);
    expect(c.serve(T0 + SYNC_CACHE_MS + 1)).toBeNull();
    c.delivered('{"type":"chat.message","seq":5}');
    expect(c.serve(T0 + 10)).toBeNull();
    c.fill(["x"], T0);
    c.clear();
    expect(c.serve(T0)).toBeNull();
  });
});

describe("refused upgrades", () => {
  it("answers a ban or the socket cap with a close code a browser can read, the rest with typed HTTP errors", () => {
    expect(refusalOf("banned")).toEqual({ close: CloseCode.banned, reason: "banned" });
    expect(refusalOf("too_many_sockets")).toEqual({
      close: CloseCode.tooManySockets,
      reason: "too many sockets",
    });
    expect(refusalOf("wrong_shard")).toMatchObject({ http: 403, code: "wrong_shard" });
    expect(refusalOf("ticket_used")).toMatchObject({ http: 401, code: "unauthenticated" });
    expect(refusalOf("expired")).toMatchObject({ http: 401, code: "unauthenticated" });
    expect(refusalOf("revoked")).toMatchObject({ http: 401, code: "unauthenticated" });
    expect(refusalOf("guests_off")).toMatchObject({ http: 403, code: "guest_access_disabled" });
    expect(refusalOf("section_full")).toMatchObject({ http: 503, code: "section_full" });
  });
});

describe("SeenDevices", () => {
  it("keeps a banned guest's device out until the root's rules list it, and lets it back on an unban", () => {
    const seen = new SeenDevices();
    const banned = { ...DEFAULT_RULES, banned: { users: ["g1"], devices: ["d0"] } };
    seen.banned("d1", "g1");
    expect(seen.withSeen(banned).banned).toEqual({ users: ["g1"], devices: ["d0", "d1"] });
    const guest = ticket({ user: { id: "g2", name: "Other" }, role: "guest", device: "d1" });
    expect(admitAtShard(guest, gate({ rules: seen.withSeen(banned) }))).toEqual({
      ok: false,
      code: "banned",
    });
    // Unbanned: the rules no longer name the user, and the device is forgotten.
    const unbanned = { ...DEFAULT_RULES, banned: { users: [], devices: [] } };
    expect(seen.withSeen(unbanned)).toBe(unbanned);
    seen.rulesChanged(unbanned);
    expect(seen.withSeen(banned)).toBe(banned);
    expect(admitAtShard(guest, gate({ rules: seen.withSeen(banned) }))).toEqual({ ok: true });
  });
});
