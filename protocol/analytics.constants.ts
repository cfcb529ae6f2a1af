/**
 * Analytics values (engagement kinds, the late-joiner threshold). No valibot: the dashboard
 * imports this file directly; protocol/analytics.ts (the schemas) imports and re-exports it.
 */

/** Engagement event kinds, as the Classroom DO writes them to D1 `engagement_events`. */
export const ENGAGEMENT_KINDS = [
  "chat",
  "question",
  "upvote",
  "poll_answer",
  "quiz_answer",
  "hand_raise",
  "hand_ack",
] as const;
export type EngagementKind = (typeof ENGAGEMENT_KINDS)[number];

/** A student whose first join is later than session start + this is a late joiner. */
export const LATE_AFTER_MS = 5 * 60_000;
