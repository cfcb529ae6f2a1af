/**
 * When to notify: a class going live (called by the Classroom root when its stream turns
 * live) and the reminder N minutes before a scheduled start (the cron `scheduled`
 * handler). Each notice is claimed once in D1 `push_notices`, then one `fanout` job is
 * put on PUSH_QUEUE; worker/push/queue.ts expands it into batches and sends.
 */
import type { PushNotice } from "../../protocol/push.ts";
import { workerConfig } from "../config.ts";
import { errorMessage, logEvent } from "../log.ts";
import { vapidKeys } from "./send.ts";

/** A second go-live of the same class within this window (a stream flap) notifies nobody. */
export const LIVE_COOLDOWN_MS = 30 * 60_000;
/** Classes reminded per cron run, at most. */
const REMINDERS_PER_RUN = 100;

/** Queue jobs (PUSH_QUEUE). */
export type PushJob =
  /** Page through a class's subscriptions after `afterId` and enqueue `deliver` jobs. */
  | { type: "fanout"; classId: string; notice: PushNotice; afterId: number }
  /** Send `notice` to these subscription ids; `round` counts earlier partial retries. */
  | { type: "deliver"; classId: string; notice: PushNotice; ids: number[]; round?: number };

function notice(classId: string, title: string, kind: PushNotice["kind"], minutes = 0): PushNotice {
  return {
    kind,
    title,
    body: kind === "live" ? "Live now — tap to join." : `Starts in ${minutes} min.`,
    url: `/c/${classId}`,
    tag: `class-${classId}`,
  };
}

/**
 * The class's stream went live in class session `sessionId`: notify its subscribers,
 * unless this session (or another within LIVE_COOLDOWN_MS) already did. Returns whether
 * a notice was enqueued. Never throws: notifications must not break going live.
 */
export async function notifyLive(
  env: Env,
  classId: string,
  sessionId: string,
  now = Date.now(),
): Promise<boolean> {
  if (!vapidKeys(workerConfig(env))) return false;
  try {
    const claimed = await env.DB.prepare(
      `INSERT INTO push_notices (class_id, kind, ref, at)
       SELECT ?1, 'live', ?2, ?3 WHERE NOT EXISTS (
         SELECT 1 FROM push_notices WHERE class_id = ?1 AND kind = 'live' AND at > ?4)
       ON CONFLICT DO NOTHING RETURNING class_id`,
    )
      .bind(classId, sessionId, now, now - LIVE_COOLDOWN_MS)
      .first();
    if (!claimed) return false;
    const cls = await env.DB.prepare("SELECT title FROM classes WHERE id = ?")
      .bind(classId)
      .first<{ title: string }>();
    if (!cls) return false;
    await env.PUSH_QUEUE.send({
      type: "fanout",
      classId,
      notice: notice(classId, cls.title, "live"),
      afterId: 0,
    } satisfies PushJob);
    return true;
  } catch (err) {
    logEvent({ event: "push_notify_failed", classId, message: errorMessage(err) });
    return false;
  }
}

/**
 * Cron: remind subscribers of classes starting within PUSH_REMINDER_MINUTES, once per
 * scheduled start (rescheduling reminds again), skipping classes that are already live.
 * Returns the class ids reminded.
 */
export async function remindUpcoming(env: Env, now = Date.now()): Promise<string[]> {
  const minutes = workerConfig(env).PUSH_REMINDER_MINUTES;
  if (!vapidKeys(workerConfig(env)) || !(minutes > 0)) return [];
  const due = await env.DB.prepare(
    `SELECT c.id, c.title, c.scheduled_start AS start FROM classes c
     WHERE c.scheduled_start > ?1 AND c.scheduled_start <= ?2
       AND EXISTS (SELECT 1 FROM push_subscriptions s WHERE s.class_id = c.id)
       AND NOT EXISTS (SELECT 1 FROM push_notices n WHERE n.class_id = c.id AND n.kind = 'reminder'
         AND n.ref = CAST(c.scheduled_start AS TEXT))
       AND NOT EXISTS (SELECT 1 FROM push_notices n WHERE n.class_id = c.id AND n.kind = 'live' AND n.at > ?3)
     ORDER BY c.scheduled_start LIMIT ?4`,
  )
    .bind(now, now + minutes * 60_000, now - LIVE_COOLDOWN_MS, REMINDERS_PER_RUN)
    .all<{ id: string; title: string; start: number }>();
  const reminded: string[] = [];
  for (const c of due.results) {
    const claimed = await env.DB.prepare(
      `INSERT INTO push_notices (class_id, kind, ref, at) VALUES (?, 'reminder', ?, ?)
       ON CONFLICT DO NOTHING RETURNING class_id`,
    )
      .bind(c.id, String(c.start), now)
      .first();
    if (!claimed) continue;
    const left = Math.max(1, Math.ceil((c.start - now) / 60_000));
    await env.PUSH_QUEUE.send({
      type: "fanout",
      classId: c.id,
      notice: notice(c.id, c.title, "reminder", left),
      afterId: 0,
    } satisfies PushJob);
    reminded.push(c.id);
  }
  return reminded;
}
