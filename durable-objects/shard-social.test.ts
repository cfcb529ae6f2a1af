import { describe, expect, it } from "vitest";
import type { Author, ChatMessage } from "../protocol/realtime.ts";
import { ShardCore } from "./shard-core.ts";
import { REACTION_LIMIT, REPORT_LIMIT, ShardSocial } from "./shard-social.ts";

const ann: Author = { id: "u1", name: "Ann", role: "student" };
const ben: Author = { id: "u2", name: "Ben", role: "student" };
const msg = (id: string, from: Author): ChatMessage => ({
  id,
  channel: "section",
  sectionId: "s1",
  from,
  text: "hello there",
  at: 1,
});

describe("ShardSocial reactions", () => {
  it("counts per emoji per window and starts a new window on take", () => {
    const s = new ShardSocial("s1");
    expect(s.react(ann, { type: "reaction.send", emoji: "👍" }, 0).changed).toBe(true);
    s.react(ben, { type: "reaction.send", emoji: "👍" }, 0);
    s.react(ben, { type: "reaction.send", emoji: "🎉" }, 0);
    expect(s.take()).toEqual({ reactions: { "👍": 2, "🎉": 1 }, flags: [] });
    expect(s.take()).toBeNull();
  });

  it("rate-limits a flooding student: refused reactions are counted nowhere", () => {
    const s = new ShardSocial("s1");
    const out = Array.from({ length: 20 }, () =>
      s.react(ann, { type: "reaction.send", emoji: "😂" }, 1000),
    );
    expect(out.filter((o) => o.changed)).toHaveLength(REACTION_LIMIT.burst);
    expect(out.at(-1)?.reply).toMatchObject({
      type: "error",
      code: "rate_limited",
      ref: "reaction.send",
    });
    // Others are not affected by Ann's flood.
    expect(s.react(ben, { type: "reaction.send", emoji: "😂" }, 1000).changed).toBe(true);
    expect(s.take()?.reactions).toEqual({ "😂": REACTION_LIMIT.burst + 1 });
    // The bucket refills at the steady rate.
    expect(
      s.react(ann, { type: "reaction.send", emoji: "😂" }, 1000 + REACTION_LIMIT.everyMs).changed,
    ).toBe(true);
  });

  it("a failed report's counts go back in front (added, not lost, not doubled)", () => {
    const s = new ShardSocial("s1");
    s.react(ann, { type: "reaction.send", emoji: "👍" }, 0);
    const failed = s.take()!;
    s.react(ben, { type: "reaction.send", emoji: "👍" }, 0);
    s.requeue(failed);
    expect(s.take()?.reactions).toEqual({ "👍": 2 });
  });
});

describe("ShardSocial reports", () => {
  const report = (messageId: string, rid?: string) => ({
    type: "chat.report" as const,
    messageId,
    reason: "abuse" as const,
    ...(rid ? { rid } : {}),
  });

  it("queues a report of a message of this section with its author and text, acked with the rid", () => {
    const s = new ShardSocial("s1");
    const out = s.report(ben, report("s1.3", "r1"), msg("s1.3", ann), 5);
    expect(out.reply).toEqual({ type: "chat.reported", messageId: "s1.3", rid: "r1" });
    expect(s.take()?.flags).toEqual([
      {
        messageId: "s1.3",
        sectionId: "s1",
        author: ann,
        text: "hello there",
        reason: "abuse",
        by: "u2",
        at: 5,
      },
    ]);
  });

  it("refuses another section's message, a missing one and one's own, with typed errors", () => {
    const s = new ShardSocial("s1");
    expect(s.report(ben, report("s2.3", "a"), null, 0).reply).toMatchObject({
      code: "forbidden",
      ref: "chat.report",
      rid: "a",
    });
    expect(s.report(ben, report("s1.9"), null, 0).reply).toMatchObject({ code: "not_found" });
    expect(s.report(ann, report("s1.3"), msg("s1.3", ann), 0).reply).toMatchObject({
      code: "forbidden",
    });
    expect(s.take()).toBeNull();
  });

  it("a repeat report is acked but not queued twice; a flood is rate-limited", () => {
    const s = new ShardSocial("s1");
    s.report(ben, report("s1.1"), msg("s1.1", ann), 0);
    expect(s.report(ben, report("s1.1"), msg("s1.1", ann), 0)).toMatchObject({ changed: false });
    const outs = Array.from({ length: 10 }, (_, i) =>
      s.report(ben, report(`s1.${i + 2}`), msg(`s1.${i + 2}`, ann), 0),
    );
    expect(outs.filter((o) => o.changed)).toHaveLength(REPORT_LIMIT.burst - 1);
    expect(outs.at(-1)?.reply).toMatchObject({ code: "rate_limited" });
    expect(s.take()?.flags).toHaveLength(REPORT_LIMIT.burst);
  });

  it("global messages go up by id for the root to resolve", () => {
    const s = new ShardSocial("s1");
    expect(s.report(ben, report("g12"), null, 0).changed).toBe(true);
    expect(s.take()?.flags[0]).toMatchObject({ messageId: "g12", sectionId: "global" });
  });
});

describe("ShardCore routes social commands", () => {
  it("looks the reported message up in its section's history and marks the report", () => {
    const core = new ShardCore("s1", 0, undefined, (id) =>
      id === "s1.1" ? msg("s1.1", ann) : null,
    );
    expect(
      core.onMessage(ben, { type: "chat.report", messageId: "s1.1", reason: "spam" }, 0),
    ).toEqual([
      { kind: "reply", frame: { type: "chat.reported", messageId: "s1.1" } },
      { kind: "social" },
    ]);
    expect(core.onMessage(ann, { type: "reaction.send", emoji: "👏" }, 0)).toEqual([
      { kind: "social" },
    ]);
    expect(core.onMessage(ann, { type: "mod.peek", sectionId: "s2" }, 0)[0]).toMatchObject({
      kind: "reply",
      frame: { code: "forbidden" },
    });
  });
});
