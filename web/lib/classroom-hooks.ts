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
