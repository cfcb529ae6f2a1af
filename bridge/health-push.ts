import type { BridgeHealthReport, SessionHealth } from "../protocol/bridge.ts";
import type { Logger } from "./log.ts";

/**
 * Which sessions' health to push now: all of them on a full push, else those whose state
 * changed since their last push. Updates `lastPushed` (class id → state pushed).
 */
export function healthToPush(
  sessions: SessionHealth[],
  lastPushed: Map<string, string>,
  full: boolean,
): SessionHealth[] {
  const due: SessionHealth[] = [];
  for (const h of sessions) {
    if (!full && lastPushed.get(h.classId) === h.state) continue;
    lastPushed.set(h.classId, h.state);
    due.push(h);
  }
  return due;
}

/** Where and how often the bridge pushes session health to the Worker. */
export interface HealthPushOptions {
  url: string;
  secret?: string;
  /** A full push every this many ms (default 5 s); state changes go out within 1 s. */
  intervalMs?: number;
  sessions: () => Iterable<{ health: () => SessionHealth }>;
  log: Logger;
}

/** The running health push: `forget` a deleted class, `stop` it. */
export interface HealthPush {
  forget: (classId: string) => void;
  stop: () => void;
}

/** Polls state every second (push on change) and pushes everything every `intervalMs`. */
export function startHealthPush(o: HealthPushOptions): HealthPush {
  const lastPushed = new Map<string, string>();
  let lastError = 0;
  const post = async (h: SessionHealth): Promise<void> => {
    try {
      const r = await fetch(o.url, {
        method: "POST",
        headers: {
          "Content-Type": "application/json",
          ...(o.secret ? { Authorization: `Bearer ${o.secret}` } : {}),
        },
        body: JSON.stringify({
          type: "bridge.health",
          at: Date.now(),
          ...h,
        } satisfies BridgeHealthReport),
        signal: AbortSignal.timeout(3000),
      });
      await r.body?.cancel();
    } catch (err) {
      if (Date.now() - lastError > 60_000) {
        lastError = Date.now();
        o.log("health_push_failed", { message: err instanceof Error ? err.message : String(err) });
      }
    }
  };
  const push = async (full: boolean): Promise<void> => {
    const all = [...o.sessions()].map((s) => s.health());
    for (const h of healthToPush(all, lastPushed, full)) await post(h);
  };
  let n = 0;
  const every = o.intervalMs ?? 5000;
  const timer = setInterval(() => {
    n++;
    const full = n * 1000 >= every;
    if (full) n = 0;
    void push(full);
  }, 1000);
  return {
    forget: (classId) => lastPushed.delete(classId),
    stop: () => clearInterval(timer),
  };
}
