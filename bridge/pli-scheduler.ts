/**
 * When to ask the teacher's encoder for a keyframe (RTCP PLI).
 *
 * Chrome only sends IDRs on PLI/FIR (docs/architecture.md, facts), YouTube wants one at least
 * every 4 s and we aim for 2 s. Until the first IDR arrives ffmpeg cannot start
 * copying, so we ask every ~300 ms; afterwards we ask when the last keyframe is
 * getting old, early enough (`leadMs`) that the IDR lands before `steadyMs`,
 * and retry every `retryMs` while none comes. Pure: time is passed in.
 */
export interface PliSchedule {
  /** Interval while no keyframe has been seen yet. */
  fastMs: number;
  /** Target keyframe spacing once streaming. */
  steadyMs: number;
  /** Ask this long before the target so encoder + network latency fit. */
  leadMs: number;
  /** Minimum spacing between two PLIs while waiting for a keyframe. */
  retryMs: number;
}

/** Defaults: 300 ms until the first IDR, then aim for an IDR every 2 s. */
export const DEFAULT_PLI_SCHEDULE: PliSchedule = {
  fastMs: 300,
  steadyMs: 2000,
  // Generous: a slow or busy encoder may take several hundred ms to answer a PLI.
  leadMs: 700,
  retryMs: 300,
};

/** Scheduler state; treat as immutable. */
export interface PliState {
  lastKeyframeAt: number | null;
  lastPliAt: number | null;
}

/** State for a fresh (or freshly resumed) video source. */
export function initialPliState(): PliState {
  return { lastKeyframeAt: null, lastPliAt: null };
}

/** Whether a PLI should be sent at `now`. */
export function pliDue(
  state: PliState,
  now: number,
  s: PliSchedule = DEFAULT_PLI_SCHEDULE,
): boolean {
  const sincePli = state.lastPliAt === null ? Number.POSITIVE_INFINITY : now - state.lastPliAt;
  if (state.lastKeyframeAt === null) return sincePli >= s.fastMs;
  const sinceKey = now - state.lastKeyframeAt;
  return sinceKey >= s.steadyMs - s.leadMs && sincePli >= s.retryMs;
}

/** Record a PLI sent at `now`. */
export function onPliSent(state: PliState, now: number): PliState {
  return { ...state, lastPliAt: now };
}

/** Record a keyframe (IDR) received at `now`. */
export function onKeyframe(state: PliState, now: number): PliState {
  return { ...state, lastKeyframeAt: now };
}

/** Delay until the next PLI could be due (for timers), never negative. */
export function msUntilDue(
  state: PliState,
  now: number,
  s: PliSchedule = DEFAULT_PLI_SCHEDULE,
): number {
  const sincePli = state.lastPliAt === null ? Number.POSITIVE_INFINITY : now - state.lastPliAt;
  if (state.lastKeyframeAt === null) return Math.max(0, s.fastMs - sincePli);
  const untilKey = s.steadyMs - s.leadMs - (now - state.lastKeyframeAt);
  return Math.max(0, untilKey, s.retryMs - sincePli);
}
