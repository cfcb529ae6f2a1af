/** Preact bindings of the classroom socket: one socket per mounted page, state as a hook. */
import { useEffect, useState } from "preact/hooks";
import { ClassroomSocket } from "./classroom-socket.ts";
import type { ClassroomState } from "./classroom-state.ts";

/** Connect to class `classId` while mounted; re-renders on every state change. */
export function useClassroom(classId: string): { state: ClassroomState; socket: ClassroomSocket } {
  const [socket] = useState(() => new ClassroomSocket({ classId }));
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

/** The local clock, ticking every second while `active` (for countdowns). */
export function useNow(active: boolean): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!active) return;
    setNow(Date.now());
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, [active]);
  return now;
}

/** `HH:MM` in the viewer's time zone. */
export function clockTime(localMs: number): string {
  return new Date(localMs).toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit" });
}

/** Whole seconds left until `until`, at least 1 while anything is left. */
export function secondsLeft(until: number, now: number): number {
  return Math.max(0, Math.ceil((until - now) / 1000));
}
