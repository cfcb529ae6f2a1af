/** RootCore: what it composes itself (resume, relays, watch sets, the board). */
import { describe, expect, it } from "vitest";
import type { Author } from "../protocol/realtime.ts";
import { RootCore } from "./classroom-core.ts";
import { core, report, T0, teacher } from "./root-test-support.ts";

describe("RootCore events", () => {
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
