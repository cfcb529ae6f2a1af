/**
 * The social part of the wire protocol: emoji reactions and class-wide moderation
 * (student reports, the staff moderation queue, a read-only section peek).
 * `protocol/realtime.ts` spreads these schemas into `ClientSchemas` and these frames into
 * its unions; import from there in apps (the web apps take
 * values from ./social.constants.ts, which keeps valibot out of their bundles).
 *
 * This module may only `import type` from `./realtime.ts` (realtime.ts imports values
 * from here; a value import back would be a circular-import TDZ).
 *
 * How it scales (docs/protocol.md, "Reactions and the moderation queue"): a reaction is
 * rate-limited and counted at its shard, which reports per-emoji counts per window; the
 * root sums them and sends one `reaction.burst` (counts, not one event per reaction) at a
 * bounded rate. Reports and held messages travel in the same shard reports into one
 * prioritised, bounded queue at the root; what does not fit is counted (`overflow`).
 */
import * as v from "valibot";
import type { Author } from "./realtime.ts";
import {
  REACTIONS,
  REPORT_REASONS,
  RESOLVE_ACTIONS,
  type ReactionCounts,
  type ReportReason,
} from "./social.constants.ts";

export * from "./social.constants.ts";

const id = v.pipe(v.string(), v.minLength(1), v.maxLength(64));
const rid = v.optional(v.pipe(v.string(), v.maxLength(64)));

/** Every social client→server schema, keyed by `type` (spread into `ClientSchemas`). */
export const SocialSchemas = {
  /**
   * React with one of `REACTIONS`. Rate-limited per student at their shard (refused with
   * `error rate_limited`, ref `reaction.send`, counted nowhere). No ack: the next
   * `reaction.burst` counts it.
   */
  "reaction.send": v.strictObject({
    type: v.literal("reaction.send"),
    emoji: v.picklist(REACTIONS),
  }),
  /**
   * Report a message of your own section (or the global channel) to staff. Answered with
   * `chat.reported`; refused with `error` `not_found` (no such message in your section),
   * `forbidden` (another section's message, or your own) or `rate_limited`.
   */
  "chat.report": v.strictObject({
    type: v.literal("chat.report"),
    messageId: id,
    reason: v.picklist(REPORT_REASONS),
    rid,
  }),
  /** Staff: read one section's recent messages once (`mod.peeked`), without watching it. */
  "mod.peek": v.strictObject({ type: v.literal("mod.peek"), sectionId: id }),
  /**
   * Staff: act on a moderation queue item: `dismiss` it, `remove` its message for everyone,
   * `timeout` its author (`seconds`, default RESOLVE_TIMEOUT_S) or `ban` them. The item
   * leaves the queue; the action is audited as the matching `mod.*` / `chat.delete`.
   */
  "mod.resolve": v.strictObject({
    type: v.literal("mod.resolve"),
    itemId: id,
    action: v.picklist(RESOLVE_ACTIONS),
    seconds: v.optional(v.pipe(v.number(), v.integer(), v.minValue(10), v.maxValue(24 * 3600))),
  }),
} as const;

/** The `type` of a social client message. */
export type SocialType = keyof typeof SocialSchemas;

/** Social client messages only staff may send. */
export const SOCIAL_STAFF_ONLY: readonly SocialType[] = ["mod.peek", "mod.resolve"];

/** One item of the staff moderation queue. */
export interface ModQueueItem {
  /** Opaque; use it in `mod.resolve`. */
  id: string;
  /** `report`: students reported a posted message. `held`: a rule refused it (never posted). */
  kind: "report" | "held";
  /** Higher first: reports × 10 + rule severity (a blocked word 30, a link 20). */
  priority: number;
  /** The posted message (reports only; `remove` deletes it). */
  messageId?: string;
  /** Section it was posted (or held) in; "global" for the global channel. */
  sectionId: string;
  /** Who wrote it. */
  author: Author;
  /** The text (at most 200 characters). User text: render as text. */
  text: string;
  /** Reports by reason. */
  reasons: Partial<Record<ReportReason, number>>;
  /** Distinct students who reported it. */
  reports: number;
  /** The rule that held it (`held` only). */
  rule?: "blocked_word" | "link_blocked";
  /** First and last time it was reported or held (server epoch ms). */
  firstAt: number;
  lastAt: number;
}

/** Social frames everyone receives (unsequenced; not replayed on resume). */
export type SocialBroadcast =
  /**
   * Reactions since the last burst (`counts`) and since the class session began (`totals`),
   * at most every REACTION_BURST_MS (longer in larger classes: durable-objects/reaction-tally.ts
   * `burstInterval`). Staff get them every REACTION_BURST_MS whatever the size.
   */
  { type: "reaction.burst"; counts: ReactionCounts; totals: ReactionCounts; at: number };

/** Social frames for staff only. */
export type SocialStaffFrame =
  /**
   * The moderation queue, highest priority first (at most MOD_QUEUE_VIEW items), sent when
   * it changes (at most every REACTION_BURST_MS). `overflow`: items that arrived over the
   * intake rate or did not fit, counted instead of queued; `pending`: items in the queue.
   */
  | { type: "mod.queue"; items: ModQueueItem[]; pending: number; overflow: number }
  /** Answer to `mod.peek`: the section's recent messages (read-only; no live updates). */
  | {
      type: "mod.peeked";
      sectionId: string;
      messages: import("./realtime.ts").ChatMessage[];
    };

/** Social frames for one user. */
export type SocialPersonalFrame =
  /** Your `chat.report` was taken (staff see it in their queue). */
  { type: "chat.reported"; messageId: string; rid?: string };

/** Every social server→client frame. */
export type SocialFrame = SocialBroadcast | SocialStaffFrame | SocialPersonalFrame;
