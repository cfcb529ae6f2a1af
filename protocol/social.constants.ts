/**
 * The social protocol's values: the reaction emoji, report reasons, queue actions and
 * their limits, and `reactionTotal`. No valibot: the web apps import this file directly;
 * protocol/social.ts (the schemas) imports and re-exports it.
 */

/** The reactions a student may send, in display order. Anything else is `invalid_message`. */
export const REACTIONS = ["👍", "❤️", "😂", "😮", "👏", "🎉"] as const;
/** One reaction emoji. */
export type Reaction = (typeof REACTIONS)[number];
/** Per-emoji counts (absent = 0). */
export type ReactionCounts = Partial<Record<Reaction, number>>;

/** Why a student reports a message. */
export const REPORT_REASONS = ["spam", "abuse", "off_topic", "other"] as const;
/** One report reason. */
export type ReportReason = (typeof REPORT_REASONS)[number];

/** What staff can do with a moderation queue item. */
export const RESOLVE_ACTIONS = ["dismiss", "remove", "timeout", "ban"] as const;
/** One queue action. */
export type ResolveAction = (typeof RESOLVE_ACTIONS)[number];

/** Time-out a `mod.resolve` with `timeout` applies when it names no `seconds`. */
export const RESOLVE_TIMEOUT_S = 300;

/** Root → everyone burst interval, ms (staff always get this rate). */
export const REACTION_BURST_MS = 500;
/** Items shown in one `mod.queue` frame. */
export const MOD_QUEUE_VIEW = 50;

/** Sum of all counts in `c`. */
export function reactionTotal(c: ReactionCounts): number {
  let n = 0;
  for (const e of REACTIONS) n += c[e] ?? 0;
  return n;
}
