/**
 * The hand queue across sections (decision 016): hands are in line by the time the
 * student's shard received the raise, not by when each shard's report reached the root.
 * SHARD_CAPACITY is 3 here, so four students fill two sections.
 */
import { describe, expect, it } from "vitest";
import { createClass, joinStudents, open, sectionOf, sleep } from "./helpers.ts";

describe("hand queue across sections", { timeout: 60_000 }, () => {
  it("keeps raise order when a later raise's section reports first", async () => {
    const { classId, teacher } = await createClass();
    const t = await open(classId, teacher.client.cookie);
    await t.next("hand.queue");
    const { users, socks } = await joinStudents(classId, 4);
    const ids = users.map((u) => u.id);
    const a = sectionOf(socks[0]!);
    const inA = socks.flatMap((s, i) => (sectionOf(s) === a ? [i] : []));
    const inB = socks.flatMap((s, i) => (sectionOf(s) !== a ? [i] : []));
    expect(inA.length).toBeGreaterThanOrEqual(2);
    expect(inB.length).toBeGreaterThanOrEqual(1);
    const [first, second] = inA as [number, number];
    const third = inB[0]!;
    // Both sections quiet: the next report of each goes at once (leading edge).
    await sleep(300);
    // Section A reports the first raise at once; its next report waits out the window.
    socks[first]!.send({ type: "hand.raise", rid: "h1" });
    await socks[first]!.next("hand.position", (f) => f.rid === "h1");
    // Raised on A, then on B: B's report (leading edge) reaches the root before A's.
    socks[second]!.send({ type: "hand.raise", rid: "h2" });
    await sleep(15);
    socks[third]!.send({ type: "hand.raise", rid: "h3" });
    const p2 = await socks[second]!.next("hand.position", (f) => f.rid === "h2");
    const p3 = await socks[third]!.next("hand.position", (f) => f.rid === "h3");
    const q = await t.next("hand.queue", (f) => f.count === 3);
    expect(q.hands.map((h) => h.userId)).toEqual([ids[first], ids[second], ids[third]]);
    expect(q.hands.map((h) => h.position)).toEqual([1, 2, 3]);
    // Each is told its place in that order (the later-stamped raise may have been told
    // 2 first; it is then moved back and told again).
    expect(p2.position).toBe(2);
    if (p3.position !== 3)
      await socks[third]!.next("hand.position", (f) => f.raised && f.position === 3, 5000);
    for (const s of [t, ...socks]) s.close();
  });
});
