/** Preact bindings of the classroom socket: one socket per mounted page, state as a hook. */
import { useEffect, useState } from "preact/hooks";
import type { ClassEvent } from "../../protocol/realtime.ts";
import { ClassroomSocket } from "./classroom-socket.ts";
import type { ClassroomState } from "./classroom-state.ts";
import type { SyncView, VideoSync } from "./video-delay.ts";

/**
 * Connect to class `classId` while mounted; re-renders on every state change. Students
 * pass `sync` to hold picture events until their video reaches them (video-delay.ts).
 */
export function useClassroom(
  classId: string,
  opts: { sync?: VideoSync<ClassEvent> } = {},
): { state: ClassroomState; socket: ClassroomSocket } {
  const [socket] = useState(() => new ClassroomSocket({ classId, sync: opts.sync ?? null }));
  const [state, setState] = useState(socket.state);
  useEffect(() => {
    const off = socket.subscribe(setState);
    socket.start();
    setState(socket.state);
    return () => {
      off();
      socket.stop();
    };
  }, [socket]);
  return { state, socket };
}

/**
 * The local clock at this render, re-rendering every second while `active` (countdowns).
 * Read fresh on every render: a clock kept in state froze while inactive, and a countdown
 * computed from it later showed a stale, never-moving wait (a slow-mode button stuck on
 * "446 s" after the teacher turned slow mode on).
 */
export function useNow(active: boolean): number {
  const [, setTick] = useState(0);
  useEffect(() => {
    if (!active) return;
    const t = setInterval(() => setTick((n) => n + 1), 1000);
    return () => clearInterval(t);
  }, [active]);
  return Date.now();
}

/** The video-delay indicator's view of `sync`, re-rendering when it changes. */
export function useVideoSync(sync: VideoSync<ClassEvent>): SyncView {
  const [view, setView] = useState(() => sync.view());
  useEffect(() => {
    setView(sync.view());
    return sync.subscribe(setView);
  }, [sync]);
  return view;
}
