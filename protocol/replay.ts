/**
 * After class: the recording, the slides as PDF, and the replay's event log
 * (`GET /api/classes/:id/replay`, `GET /api/classes/:id/replay/events`). Types and
 * values only: the student bundle imports this file.
 */
import type { ClassEvent, StreamStatus } from "./realtime.ts";

/** Most events one `replay/events` page returns (`limit` is clamped to this). */
export const REPLAY_PAGE_MAX = 500;

/**
 * The recording of the class's last live run, as far as the server knows:
 * - `youtube`: the broadcast's video `videoId`; `available` is YouTube's word when the
 *   class streamed through the teacher's connected channel (the broadcast's
 *   `lifeCycleStatus` is `complete`), null when we cannot ask (a video id typed in by hand);
 * - `none`: nothing was recorded (the local stack's RTMP server keeps no recording).
 *
 * `startedAt` is the broadcast's `snippet.actualStartTime` (epoch ms) when YouTube said it:
 * the moment the broadcast went live, which is where its recording begins. The bridge
 * pushes from its own stream start, which can be earlier (a broadcast waits in `ready` or
 * `testing` until YouTube sees the stream), so the replay takes the recording's position 0
 * from `startedAt` when it has it (replay-core.ts `recordingRun`).
 */
export type Recording =
  | {
      kind: "youtube";
      videoId: string;
      available: boolean | null;
      lifeCycleStatus: string | null;
      startedAt: number | null;
    }
  | { kind: "none"; reason: "local" | "no_video" };

/** An uploaded deck whose original PDF can be downloaded. */
export interface DeckPdf {
  deckId: string;
  name: string;
  /** Path of the download (`GET`, same access as the class page). */
  url: string;
  bytes: number;
}

/** `GET /api/classes/:id/replay`: what the class page offers after class. */
export interface ReplayInfo {
  /** The class's stream now: the page offers the recording and the replay once it is `ended`. */
  stream: StreamStatus;
  recording: Recording;
  /** Decks of this class with their original PDF stored. */
  slides: DeckPdf[];
}

/**
 * `GET /api/classes/:id/replay/events?after=<seq>&limit=<n>`: the class's stored event log,
 * oldest first, from `after + 1`. Only replayable events (slides, ink, polls, quizzes, Q&A,
 * stream status): chat and announcements are not replayed. Page on with `after = next`
 * while `next` is not null.
 */
export interface ReplayEventsPage {
  events: ClassEvent[];
  /** Pass as `after` for the next page; null at the end of the log. */
  next: number | null;
  /**
   * The oldest `seq` the root still keeps (its log is bounded); when greater than 1, the
   * class's earliest events are gone and the replay starts from what remains.
   */
  oldestSeq: number | null;
}

/** Event types the replay uses (the server leaves out everything else). */
export const REPLAY_EVENT_TYPES: ReadonlySet<string> = new Set<ClassEvent["type"]>([
  "stream.status",
  "slide.changed",
  "board.stroke",
  "board.undone",
  "board.cleared",
  "poll.opened",
  "poll.closed",
  "poll.revealed",
  "quiz.leaderboard",
  "qa.top",
  "qa.settings",
]);
