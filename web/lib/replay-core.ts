/**
 * The replay of a finished class as a pure reducer over its stored event log
 * (`GET /api/classes/:id/replay/events`), driven by the recording's player time.
 *
 * A live student's page releases each picture event strictly in `seq` order once their
 * video reaches the event's server time `at` (video-delay.ts). The recording's position
 * `p` seconds shows the picture the bridge sent at `streamStartedAt + p·1000` (the same
 * stream start, from `stream.status`, that the live page measures its delay against), so
 * the replay at `p` is the fold of the longest `seq`-ordered prefix of the log whose
 * events all happened by then — exactly what a live student saw with that frame on screen.
 *
 * `ReplayCursor` makes seeking cheap (forward: apply the next events; backward: restart
 * from the nearest checkpoint) and must give the same state as playing through
 * (replay-core.test.ts checks that with seeded random seeks). Same board and interactive
 * reducers as the live page (board-state.ts, interactive-state.ts).
 *
 * Types only from protocol/: its runtime code would pull valibot into the student bundle.
 */
import type { BoardView } from "../../protocol/board.ts";
import type { ClassEvent } from "../../protocol/realtime.ts";
import { applyBoardEvent } from "./board-state.ts";
import {
  applyInteractiveEvent,
  type InteractiveState,
  initialInteractiveState,
} from "./interactive-state.ts";

/** What the replay shows at one moment. */
export interface ReplayState {
  /** The slide on screen and its ink (null before the first slide). */
  board: BoardView | null;
  /** Polls, quiz results (closed quizzes, leaderboard) and the Q&A list. */
  interactive: InteractiveState;
  /** Events applied (the prefix length of the log). */
  applied: number;
}

/** One live run of the class in the log: when its picture started and when it ended. */
export interface ReplayRun {
  /** Server time (epoch ms) of the recording's position 0. */
  streamStartedAt: number;
  /** Server time the run ended, or null if the log does not say. */
  endedAt: number | null;
}

/** The state before any event. */
export function initialReplayState(): ReplayState {
  return { board: null, interactive: initialInteractiveState(), applied: 0 };
}

/** Apply one event of the log (in `seq` order). Types the replay does not show change only `applied`. */
export function applyReplayEvent(s: ReplayState, ev: ClassEvent): ReplayState {
  const applied = s.applied + 1;
  switch (ev.type) {
    case "slide.changed":
    case "board.stroke":
    case "board.undone":
    case "board.cleared":
      return { ...s, applied, board: applyBoardEvent(s.board, ev) };
    case "poll.opened":
    case "poll.closed":
    case "poll.revealed":
    case "quiz.leaderboard":
    case "qa.top":
    case "qa.settings":
    case "hand.count":
      return { ...s, applied, interactive: applyInteractiveEvent(s.interactive, ev, false) };
    default:
      return { ...s, applied };
  }
}

/**
 * The last live run in the log: it starts at a `stream.status` live after a non-live
 * status, its start refined by later live events that carry the bridge's `startedAt`
 * (as the live page's delay reference is), and ends at the next non-live status.
 */
export function lastRun(events: readonly ClassEvent[]): ReplayRun | null {
  let run: ReplayRun | null = null;
  let live = false;
  for (const ev of events) {
    if (ev.type !== "stream.status") continue;
    if (ev.status === "live") {
      if (!live) run = { streamStartedAt: ev.startedAt ?? ev.at, endedAt: null };
      else if (run && ev.startedAt !== null) run.streamStartedAt = ev.startedAt;
      live = true;
    } else {
      if (live && run) run.endedAt = ev.at;
      live = false;
    }
  }
  return run;
}

/**
 * The run as the recording shows it: YouTube's recording of a broadcast begins when the
 * broadcast went live (`actualStartTime`, Recording.startedAt), which can be after the
 * bridge's stream start (the broadcast waits in `ready`/`testing` until YouTube sees the
 * stream). A start outside the run (another broadcast's, a clock gone wrong) is ignored.
 */
export function recordingRun(run: ReplayRun, recordingStartedAt: number | null): ReplayRun {
  if (recordingStartedAt === null || recordingStartedAt < run.streamStartedAt) return run;
  if (run.endedAt !== null && recordingStartedAt >= run.endedAt) return run;
  return { ...run, streamStartedAt: recordingStartedAt };
}

/** Server time (epoch ms) shown at player position `positionS` of the recording. */
export function serverTimeAt(run: ReplayRun, positionS: number): number {
  return run.streamStartedAt + Math.max(0, positionS) * 1000;
}

/** The replay state at server time `t`, folded from scratch (the reference the cursor must equal). */
export function stateAt(events: readonly ClassEvent[], t: number): ReplayState {
  let s = initialReplayState();
  for (const ev of events) {
    if (ev.at > t) break;
    s = applyReplayEvent(s, ev);
  }
  return s;
}

/** Events between two checkpoints of a cursor. */
export const CHECKPOINT_EVERY = 128;

/** Seeks over one log (sorted by `seq`), reusing work: forward applies only the new events. */
export class ReplayCursor {
  private readonly events: readonly ClassEvent[];
  /** Running maximum of `at`: the prefix visible at `t` ends where it first exceeds `t`. */
  private readonly maxAt: number[];
  /** `checkpoints[k]` = the state after `k · CHECKPOINT_EVERY` events. */
  private readonly checkpoints: ReplayState[] = [initialReplayState()];
  private state = initialReplayState();

  constructor(events: readonly ClassEvent[]) {
    this.events = [...events].sort((a, b) => a.seq - b.seq);
    let m = -Infinity;
    this.maxAt = this.events.map((e) => (m = Math.max(m, e.at)));
  }

  /** How many events (in `seq` order) had happened by server time `t`. */
  countAt(t: number): number {
    let lo = 0;
    let hi = this.maxAt.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((this.maxAt[mid] as number) <= t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** The state at server time `t` (any order of calls). */
  seek(t: number): ReplayState {
    const n = this.countAt(t);
    if (n < this.state.applied) {
      const k = Math.min(Math.floor(n / CHECKPOINT_EVERY), this.checkpoints.length - 1);
      this.state = this.checkpoints[k] as ReplayState;
    }
    let s = this.state;
    while (s.applied < n) {
      s = applyReplayEvent(s, this.events[s.applied] as ClassEvent);
      if (
        s.applied % CHECKPOINT_EVERY === 0 &&
        this.checkpoints.length === s.applied / CHECKPOINT_EVERY
      )
        this.checkpoints.push(s);
    }
    this.state = s;
    return s;
  }
}
