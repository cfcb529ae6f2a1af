/**
 * The interactive protocol's limits (polls, quizzes, hands, Q&A). No valibot: the web apps
 * import this file directly; protocol/interactive.ts (the schemas) imports and re-exports it.
 */

/** Options per poll. */
export const POLL_MIN_OPTIONS = 2;
export const POLL_MAX_OPTIONS = 10;
/** Longest poll question / option label, in characters. */
export const POLL_QUESTION_MAX_CHARS = 300;
export const POLL_OPTION_MAX_CHARS = 100;
/** Quiz time limit bounds, seconds. */
export const QUIZ_MIN_SEC = 5;
export const QUIZ_MAX_SEC = 600;
/** Most extra points a quiz may award for speed. */
export const QUIZ_MAX_SPEED_BONUS = 1000;
/** Longest Q&A question, in characters (after trimming). */
export const QUESTION_MAX_CHARS = 300;
/** Questions in the public top list (`qa.top`). */
export const QA_TOP_N = 20;
/** Entries in a quiz leaderboard (`quiz.leaderboard`). */
export const LEADERBOARD_N = 10;
/** Hands in the staff's live queue window (`hand.queue`) and the most one `hand.page` returns. */
export const HAND_WINDOW = 50;
export const HAND_PAGE_MAX = 100;
