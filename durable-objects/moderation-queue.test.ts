import { describe, expect, it } from "vitest";
import type { Author, ModQueueItem, Rejection } from "../protocol/realtime.ts";
import {
  CAPACITY,
  INTAKE,
  ModerationQueue,
  REPORT_WEIGHT,
  RULE_SEVERITY,
} from "./moderation-queue.ts";
import type { ShardFlag } from "./shard-social.ts";

const ann: Author = { id: "u1", name: "Ann", role: "student" };
let n = 0;
const q = () => new ModerationQueue(() => `i${++n}`);
const flag = (messageId: string, by: string, at = 0): ShardFlag => ({
  messageId,
  sectionId: "s1",
  author: ann,
  text: "bad words",
  reason: "abuse",
  by,
  at,
});
const held = (reason: Rejection["reason"], text = "x"): Rejection => ({
  at: 0,
  sectionId: "s2",
  user: ann,
  reason,
  text,
});
const items = (m: ModerationQueue) =>
  m.view() as { items: ModQueueItem[]; overflow: number; pending: number };
const none = () => null;

describe("ModerationQueue", () => {
  it("orders by reports × weight + rule severity; repeat reports merge and raise priority", () => {
    const m = q();
    m.held(held("link_blocked", "link"), 0);
    m.held(held("blocked_word", "word"), 0);
    m.report(flag("s1.1", "a"), 0, none);
    m.held(held("rate_limited"), 0); // a limit, not content: not queued
    for (const by of ["b", "c", "d", "d"]) m.report(flag("s1.1", by), 1, none);
    const v = items(m);
    expect(v.pending).toBe(3);
    expect(v.items.map((i) => [i.kind, i.priority])).toEqual([
      ["report", 4 * REPORT_WEIGHT],
      ["held", RULE_SEVERITY.blocked_word],
      ["held", RULE_SEVERITY.link_blocked],
    ]);
    expect(v.items[0]).toMatchObject({ messageId: "s1.1", reports: 4, reasons: { abuse: 4 } });
  });

  it("bounds intake by rate and counts what did not get in", () => {
    const m = q();
    for (let i = 0; i < INTAKE.burst + 30; i++) m.held(held("blocked_word", `w${i}`), 0);
    let v = items(m);
    expect(v.pending).toBe(INTAKE.burst);
    expect(v.overflow).toBe(30);
    // A second later the steady rate lets a few more in.
    for (let i = 0; i < 10; i++) m.held(held("blocked_word"), 1000);
    v = items(m);
    expect(v.pending).toBe(INTAKE.burst + INTAKE.perSec);
    expect(v.overflow).toBe(30 + 10 - INTAKE.perSec);
  });

  it("bounds size: a full queue pushes out its lowest item (counted), never a higher one", () => {
    const m = q();
    let t = 0;
    while (m.size < CAPACITY) {
      t += 1000;
      for (let i = 0; i < INTAKE.perSec && m.size < CAPACITY; i++) m.held(held("link_blocked"), t);
    }
    const before = items(m).overflow;
    t += 1000;
    m.held(held("blocked_word", "worse"), t);
    let v = items(m);
    expect(v.pending).toBe(CAPACITY);
    expect(v.overflow).toBe(before + 1);
    expect(v.items[0]).toMatchObject({ text: "worse" });
    // A report (priority 10) does not push out a link (20): it is counted instead.
    t += 1000;
    m.report(flag("s1.9", "a"), t, none);
    v = items(m);
    expect(v.overflow).toBe(before + 2);
    expect(v.items.some((i) => i.messageId === "s1.9")).toBe(false);
  });

  it("resolves global messages through the root, ignores unknown ones, and removes by message or author", () => {
    const m = q();
    expect(
      m.report(
        { ...flag("g4", "a"), sectionId: "global", author: undefined, text: undefined },
        0,
        () => ({ author: ann, text: "hi" }),
      ),
    ).toBe(true);
    expect(m.report({ ...flag("g5", "a"), author: undefined, text: undefined }, 0, none)).toBe(
      false,
    );
    m.report(flag("s1.2", "a"), 0, none);
    expect(m.size).toBe(2);
    m.removeMessage("g4");
    expect(m.size).toBe(1);
    m.removeAuthor(ann.id);
    expect(m.size).toBe(0);
    expect(m.dirty).toBe(true);
    items(m);
    expect(m.dirty).toBe(false);
  });
});
