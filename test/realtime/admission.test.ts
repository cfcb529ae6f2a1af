/**
 * Admission at the shard (issue 13 point 2, docs/decisions/014): a join ticket names its
 * section and the shard admits it alone — no request to the class root and no D1 query
 * per upgrade; single use, bans, revocations and time-outs are enforced by the shard.
 * SHARD_CAPACITY is 3 here.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { shardName, TRUSTED } from "../../durable-objects/rpc.ts";
import { errorCode, signUp } from "../helpers.ts";
import { connect, createClass, open, Sock, sleep } from "./helpers.ts";

const rootOf = (classId: string) => env.CLASSROOM.get(env.CLASSROOM.idFromName(classId));
const shardOf = (classId: string, sectionId: string) =>
  env.CLASSROOM_SHARD.get(env.CLASSROOM_SHARD.idFromName(shardName(classId, sectionId)));

type Student = Awaited<ReturnType<typeof signUp>>;

async function ticketFor(s: Student, classId: string): Promise<string> {
  const res = await s.client.post(`/api/classes/${classId}/ticket`);
  expect(res.status).toBe(200);
  return ((await res.json()) as { ticket: string }).ticket;
}

/** The claims of a JWT, unverified (the test reads what the ticket names). */
function claimsOf(ticket: string): Record<string, unknown> {
  const part = ticket.split(".")[1]!.replace(/-/g, "+").replace(/_/g, "/");
  return JSON.parse(atob(part)) as Record<string, unknown>;
}

function b64url(s: string): string {
  return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

describe("admission at the shard", { timeout: 30_000 }, () => {
  it("admits students with no root request per upgrade: one state request per cold shard", async () => {
    const { classId, teacher } = await createClass();
    const t = await open(classId, teacher.client.cookie);
    const students = await Promise.all(["Ann", "Ben", "Cat"].map((n) => signUp("student", n)));
    // Tickets first (the ticket route may ask the root for the directory, once per second).
    const tickets = [];
    for (const s of students) tickets.push(await ticketFor(s, classId));
    expect(tickets.map((x) => claimsOf(x).sec)).toEqual(["s1", "s1", "s1"]);
    const before = (await rootOf(classId).inspect()).rpcs;
    const socks: Sock[] = [];
    for (const ticket of tickets) {
      const s = await connect(classId, { ticket });
      expect(s).toBeInstanceOf(Sock);
      await (s as Sock).next("snapshot");
      socks.push(s as Sock);
    }
    const after = (await rootOf(classId).inspect()).rpcs;
    // No directory request on the upgrade path, and one class-state request for the cold
    // shard s1 — the two later students on the warm shard were served from its copy.
    expect(after.directory - before.directory).toBe(0);
    expect(after.sync - before.sync).toBe(1);
    // Their joins reach the root in the shard's batches.
    await sleep(300);
    expect((await rootOf(classId).inspect()).sections).toEqual(
      expect.arrayContaining([{ sectionId: "s1", sockets: 3 }]),
    );
    for (const x of [t, ...socks]) x.close();
  });

  it("spends a ticket at its shard once; a replay is refused and counted nowhere", async () => {
    const { classId } = await createClass();
    const ann = await signUp("student", "Ann");
    const ticket = await ticketFor(ann, classId);
    const first = (await connect(classId, { ticket })) as Sock;
    await first.next("welcome");
    await sleep(300);
    const replay = await connect(classId, { ticket });
    expect((replay as Response).status).toBe(401);
    expect(await errorCode(replay as Response)).toBe("unauthenticated");
    await sleep(300);
    expect((await rootOf(classId).inspect()).sections).toEqual([
      expect.objectContaining({ sectionId: "s1", sockets: 1 }),
    ]);
    first.close();
  });

  it("refuses a forged section in a ticket; ?section= on the upgrade cannot move it", async () => {
    const { classId } = await createClass();
    const ann = await signUp("student", "Ann");
    const ticket = await ticketFor(ann, classId);
    // The attack: edit the signed claims to name another section, keep the signature.
    const [head, , sig] = ticket.split(".");
    const forged = `${head}.${b64url(JSON.stringify({ ...claimsOf(ticket), sec: "s7" }))}.${sig}`;
    const res = await connect(classId, { ticket: forged });
    expect((res as Response).status).toBe(401);
    expect(await errorCode(res as Response)).toBe("unauthenticated");
    // The genuine ticket with a section asked for on the upgrade lands where it was minted.
    const s = (await connect(classId, { ticket, query: "v=1&section=s7" })) as Sock;
    expect((await s.next("welcome")).sectionId).toBe("s1");
    await sleep(300);
    const sections = (await rootOf(classId).inspect()).sections.map((x) => x.sectionId);
    expect(sections).not.toContain("s7");
    s.close();
  });

  it("refuses a ticket replayed on another shard with wrong_shard; it stays good for its own", async () => {
    const { classId } = await createClass();
    const students = await Promise.all(["A", "B", "C", "D"].map((n) => signUp("student", n)));
    const socks: Sock[] = [];
    for (const s of students.slice(0, 3)) socks.push(await open(classId, s.client.cookie));
    socks.push(await open(classId, students[3]!.client.cookie)); // s1 is full: s2
    expect(socks.map((s) => s.frames[0]!.sectionId)).toEqual(["s1", "s1", "s1", "s2"]);
    socks.pop()!.close();
    socks.pop()!.close(); // room in s1 again
    await sleep(300);
    const eve = await signUp("student", "Eve");
    const ticket = await ticketFor(eve, classId);
    const sec = claimsOf(ticket).sec as string;
    const other = sec === "s1" ? "s2" : "s1";
    // The attack: hand the ticket to a shard it was not minted for.
    const res = await shardOf(classId, other).fetch(
      new Request("https://shard.internal/ws", {
        headers: { upgrade: "websocket", [TRUSTED.ticket]: ticket },
      }),
    );
    expect(res.status).toBe(403);
    expect(await errorCode(res)).toBe("wrong_shard");
    // Counted nowhere: not spent, so it still opens its own shard.
    const s = (await connect(classId, { ticket })) as Sock;
    expect((await s.next("welcome")).sectionId).toBe(sec);
    for (const x of [...socks, s]) x.close();
  });

  it("keeps a banned student out at the shard, also with a ticket minted before the ban", async () => {
    const { classId, teacher } = await createClass();
    const t = await open(classId, teacher.client.cookie);
    const ann = await signUp("student", "Ann");
    const early = await ticketFor(ann, classId);
    const s = await open(classId, ann.client.cookie);
    t.send({ type: "mod.ban", userId: ann.id });
    expect(await s.waitClose()).toMatchObject({ code: 4003 });
    for (const ticket of [early, await ticketFor(ann, classId)]) {
      const again = (await connect(classId, { ticket })) as Sock;
      expect(await again.waitClose()).toMatchObject({ code: 4003 });
    }
    t.send({ type: "mod.unban", userId: ann.id });
    await t.next("mod.state", (f) => f.bans.length === 0);
    await sleep(200);
    const back = await open(classId, ann.client.cookie);
    back.close();
    t.close();
  });

  it("enforces a time-out given while the student's shard was empty", async () => {
    const { classId, teacher } = await createClass();
    const t = await open(classId, teacher.client.cookie);
    const ann = await signUp("student", "Ann");
    // No section exists yet: no shard holds anyone when the time-out is given.
    t.send({ type: "mod.timeout", userId: ann.id, seconds: 60 });
    await t.next("mod.state", (f) => f.timeouts.length === 1);
    const s = await open(classId, ann.client.cookie);
    await s.next("sanction.applied");
    s.send({ type: "chat.send", text: "let me talk", rid: "r1" });
    expect(await s.next("chat.rejected")).toMatchObject({ reason: "timed_out", rid: "r1" });
    for (const x of [t, s]) x.close();
  });

  it("rate-limits ticket minting per user: 429 rate_limited with Retry-After", async () => {
    const { classId } = await createClass();
    const ann = await signUp("student", "Ann");
    const ben = await signUp("student", "Ben");
    // The attack: one account mints tickets in a loop (wrangler.toml TICKET_LIMITER: 60/min).
    let refused: Response | null = null;
    for (let i = 0; i < 80 && !refused; i++) {
      const res = await ann.client.post(`/api/classes/${classId}/ticket`);
      if (res.status !== 200) refused = res;
    }
    expect(refused?.status).toBe(429);
    expect(refused!.headers.get("retry-after")).toBe("60");
    expect(await errorCode(refused!)).toBe("rate_limited");
    // The cookie upgrade mints too, so it is refused as well; another user is not.
    expect(((await connect(classId, { cookie: ann.client.cookie })) as Response).status).toBe(429);
    expect(await ticketFor(ben, classId)).toBeTruthy();
  });

  it("caps one user's sockets per class, not per section: the sixth, in another section, closes 4009", async () => {
    const { classId } = await createClass();
    const ann = await signUp("student", "Ann");
    // The attack: spread sockets over sections (SHARD_CAPACITY 3 here: s1 fills, then s2),
    // each shard holding fewer than the cap of 5.
    const socks: Sock[] = [];
    for (let i = 0; i < 6; i++) {
      socks.push(await open(classId, ann.client.cookie));
      await sleep(150);
    }
    expect(new Set(socks.map((s) => s.frames[0]!.sectionId)).size).toBe(2);
    expect(await socks[5]!.waitClose()).toMatchObject({ code: 4009 });
    await sleep(300);
    expect(socks.slice(0, 5).every((s) => s.closed === null)).toBe(true);
    for (const s of socks) s.close();
  });
});
