/**
 * A class ban holds against fresh guest ids (issue 12, point 20): the banned guest cannot
 * come back by calling guest join again without their cookie, from the same address or
 * device, for as long as the ban lasts; and a class switched to signed-in accounts only
 * closes the guests already in it.
 */
import { describe, expect, it } from "vitest";
import { Client, errorCode } from "./helpers.ts";
import { connect, createClass, open, Sock } from "./realtime/helpers.ts";

const HOME = { "cf-connecting-ip": "203.0.113.50" };
const CAFE = { "cf-connecting-ip": "198.51.100.23" };
const SCHOOL = { "cf-connecting-ip": "192.0.2.80" };
const LAB = { "cf-connecting-ip": "203.0.113.60" };
const LIBRARY = { "cf-connecting-ip": "198.51.100.99" };

async function guestJoin(c: Client, classId: string, name: string, headers = HOME) {
  return c.post(`/api/auth/guest/${classId}`, { displayName: name }, headers);
}

/** A guest's socket, opened from `headers`' address with the guest's cookies. */
async function guestSocket(c: Client, classId: string, headers = HOME) {
  return connect(classId, { cookie: c.cookie, headers });
}

/** The value of cookie `name` in a client's jar. */
function cookieOf(c: Client, name: string): string {
  const v = c.cookie.match(new RegExp(`(?:^|; )${name}=([^;]+)`))?.[1];
  if (!v) throw new Error(`no ${name} cookie`);
  return v;
}

describe("guest bans", { timeout: 30_000 }, () => {
  it("refuse new guest ids from the banned guest's address or device until the unban", async () => {
    const { classId, teacher } = await createClass({ guestAccess: true });
    const t = await open(classId, teacher.client.cookie);
    const troll = new Client();
    expect((await guestJoin(troll, classId, "Troll")).status).toBe(201);
    expect(troll.cookie).toMatch(/mc_device=/);
    const device = troll.cookie.match(/mc_device=([^;]+)/)![1]!;
    const { user } = (await (await troll.get("/api/auth/me")).json()) as { user: { id: string } };
    // A second guest identity minted before the ban, from the same device.
    const spare = new Client();
    spare.cookie = `mc_device=${device}`;
    expect((await guestJoin(spare, classId, "Spare")).status).toBe(201);
    const s = (await guestSocket(troll, classId)) as Sock;
    await s.next("welcome");
    // A classmate behind the same address (a school NAT), on their own device.
    const neighbour = new Client();
    expect((await guestJoin(neighbour, classId, "Neighbour")).status).toBe(201);
    const nb = (await guestSocket(neighbour, classId)) as Sock;
    await nb.next("welcome");

    t.send({ type: "mod.ban", userId: user.id });
    expect(await s.waitClose()).toMatchObject({ code: 4003 });
    await t.next("mod.state", (f) => f.bans.length === 1);

    // The attack: guest join again without the session cookie, for a fresh guest id.
    const fresh = new Client();
    const again = await guestJoin(fresh, classId, "Totally New");
    expect(again.status).toBe(403);
    expect(await errorCode(again)).toBe("banned");
    // From another address, but the same device (the cookie the browser kept).
    const moved = new Client();
    moved.cookie = `mc_device=${device}`;
    expect(await errorCode(await guestJoin(moved, classId, "Moved", CAFE))).toBe("banned");
    // The identity minted before the ban cannot connect from there either.
    const viaSpare = await guestSocket(spare, classId);
    expect(viaSpare).toBeInstanceOf(Sock);
    expect(await (viaSpare as Sock).waitClose()).toMatchObject({ code: 4003 });
    // The classmate who was already in the class from that address keeps reconnecting.
    nb.close();
    const nb2 = await guestSocket(neighbour, classId);
    expect(nb2).toBeInstanceOf(Sock);
    await (nb2 as Sock).next("welcome");
    (nb2 as Sock).close();
    // Someone else, from another address and device, still gets in.
    const other = new Client();
    expect((await guestJoin(other, classId, "Other", CAFE)).status).toBe(201);
    const o = (await guestSocket(other, classId, CAFE)) as Sock;
    await o.next("welcome");

    // The ban's duration: lifted, the address may join again.
    t.send({ type: "mod.unban", userId: user.id });
    await t.next("mod.state", (f) => f.bans.length === 0);
    const back = await guestJoin(new Client(), classId, "Back");
    expect(await back.json()).toMatchObject({ user: { role: "guest" } });
    // The unbanned guest is back too, on the shard that saw them banned on that device (the
    // 200-student simulated class, seed 7: refused 4003 after the unban).
    const returned = await guestSocket(troll, classId);
    expect(returned).toBeInstanceOf(Sock);
    await (returned as Sock).next("welcome");
    (returned as Sock).close();
    for (const x of [t, o]) x.close();
  });

  it("a guest pass hoarded before the ban brings its device: refused with, without or with a forged cookie", async () => {
    const { classId, teacher } = await createClass({ guestAccess: true });
    const t = await open(classId, teacher.client.cookie);
    const troll = new Client();
    expect((await guestJoin(troll, classId, "Troll", LAB)).status).toBe(201);
    const device = cookieOf(troll, "mc_device");
    // Server-issued and signed: `<id>.<mac>`.
    expect(device).toMatch(/^[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}$/);
    // Spare passes from the same browser, hoarded before the ban (never used, so their ids
    // are not banned): one for a socket, one for a ticket.
    const spares = [new Client(), new Client()];
    for (const [i, sp] of spares.entries()) {
      sp.cookie = `mc_device=${device}`;
      expect((await guestJoin(sp, classId, `Spare ${i}`, LAB)).status).toBe(201);
    }
    const [pass, pass2] = spares.map((sp) => cookieOf(sp, "mc_session"));
    const { user } = (await (await troll.get("/api/auth/me")).json()) as { user: { id: string } };
    const s = (await guestSocket(troll, classId, LAB)) as Sock;
    await s.next("welcome");
    t.send({ type: "mod.ban", userId: user.id });
    expect(await s.waitClose()).toMatchObject({ code: 4003 });
    await t.next("mod.state", (f) => f.bans.length === 1);

    const id = device.split(".")[0]!;
    const cookies = [
      `mc_session=${pass}`, // the attack: no device cookie at all, from another address
      `mc_session=${pass}; mc_device=${device}`, // the browser's own cookie
      `mc_session=${pass}; mc_device=AAAAAAAAAAAAAAAAAAAAAA`, // an invented, unsigned id
      `mc_session=${pass}; mc_device=${id.slice(0, -1)}B.${device.split(".")[1]}`, // edited id
    ];
    for (const cookie of cookies) {
      const res = await connect(classId, { cookie, headers: LIBRARY });
      expect(res, cookie).toBeInstanceOf(Sock);
      expect(await (res as Sock).waitClose(), cookie).toMatchObject({ code: 4003 });
    }
    // The same with a join ticket minted from the hoarded pass without the cookie.
    const minter = new Client();
    minter.cookie = `mc_session=${pass2}`;
    const { ticket } = (await (await minter.post(`/api/classes/${classId}/ticket`)).json()) as {
      ticket: string;
    };
    const viaTicket = await connect(classId, { ticket, headers: LIBRARY });
    expect(viaTicket).toBeInstanceOf(Sock);
    expect(await (viaTicket as Sock).waitClose()).toMatchObject({ code: 4003 });

    // A forged device cookie is ignored: the server issues its own, signed one.
    const forged = new Client();
    forged.cookie = "mc_device=AAAAAAAAAAAAAAAAAAAAAA";
    expect((await guestJoin(forged, classId, "Forger", LIBRARY)).status).toBe(201);
    expect(cookieOf(forged, "mc_device")).toMatch(/^[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}$/);
    expect(cookieOf(forged, "mc_device").startsWith("AAAAAAAAAAAAAAAAAAAAAA")).toBe(false);
    t.close();
  });

  it("switching a class to signed-in accounts only closes its guests and refuses new ones", async () => {
    const { classId, teacher } = await createClass({ guestAccess: true });
    const guest = new Client();
    expect((await guestJoin(guest, classId, "Gwen", SCHOOL)).status).toBe(201);
    const { ticket } = (await (await guest.post(`/api/classes/${classId}/ticket`)).json()) as {
      ticket: string;
    };
    const g = (await guestSocket(guest, classId, SCHOOL)) as Sock;
    await g.next("welcome");
    const res = await teacher.client.patch(`/api/classes/${classId}`, { guestAccess: false });
    expect(res.status).toBe(200);
    expect(await g.waitClose()).toMatchObject({ code: 4001 });
    expect(await errorCode(await guestJoin(new Client(), classId, "Late", SCHOOL))).toBe(
      "guest_access_disabled",
    );
    const back = await connect(classId, { ticket });
    expect(back).not.toBeInstanceOf(Sock);
    expect((back as Response).status).toBe(403);
  });
});
