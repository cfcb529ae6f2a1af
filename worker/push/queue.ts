/**
 * The PUSH_QUEUE consumer. A `fanout` job pages through a class's subscriptions in D1 and
 * enqueues `deliver` jobs of DELIVER_SIZE ids; a `deliver` job sends to each with bounded
 * concurrency and a per-request timeout, deletes subscriptions the push service calls
 * gone (404/410), and retries transient failures (5xx, 429, timeouts) with backoff: the
 * whole message when everything failed, otherwise a new job with only the failed ids, so
 * nobody gets the same notification twice. After MAX_ROUNDS the rest is dropped.
 */
import { type PushNotice, pushEndpointAllowed, pushEndpointPolicy } from "../../protocol/push.ts";
import { workerConfig } from "../config.ts";
import { errorMessage, logEvent } from "../log.ts";
import type { PushJob } from "./notify.ts";
import { type PushOutcome, type PushTarget, sendPush, vapidKeys, vapidSigner } from "./send.ts";

/** Subscriptions per `deliver` job. With max_batch_size 4 (wrangler.toml) an invocation
 * makes at most ~800 push requests, under the Workers subrequest limit. */
export const DELIVER_SIZE = 200;
/** `deliver` jobs one `fanout` job enqueues before handing the rest to a follow-up job. */
const FANOUT_PAGES = 50;
/** Concurrent push requests per job: Workers allow six open connections per invocation,
 * and queued fetches would eat into their own timeout. */
const CONCURRENCY = 6;
/** Attempts per subscription before giving up. */
export const MAX_ROUNDS = 5;
/** Longest retry delay, s. */
const MAX_DELAY_S = 300;

/** How long a notice is worth delivering (the push service's TTL), s. */
const TTL_S: Record<PushNotice["kind"], number> = { live: 30 * 60, reminder: 10 * 60 };

interface Row extends PushTarget {
  id: number;
}

/** Handle one batch from PUSH_QUEUE. */
export async function handlePushBatch(batch: MessageBatch<PushJob>, env: Env): Promise<void> {
  for (const msg of batch.messages) {
    try {
      if (msg.body.type === "fanout") {
        await fanout(env, msg.body);
        msg.ack();
      } else await deliver(env, msg as Message<Extract<PushJob, { type: "deliver" }>>);
    } catch (err) {
      logEvent({ event: "push_job_failed", message: errorMessage(err) });
      msg.retry({ delaySeconds: backoff(env, msg.attempts) });
    }
  }
}

/** Delay before retry `round` (1-based): PUSH_RETRY_DELAY_S doubling, at least Retry-After. */
export function backoff(env: Env, round: number, atLeastS = 0): number {
  const base = Number(workerConfig(env).PUSH_RETRY_DELAY_S) || 10;
  return Math.min(MAX_DELAY_S, Math.max(atLeastS, base * 2 ** Math.max(0, round - 1)));
}

async function fanout(env: Env, job: Extract<PushJob, { type: "fanout" }>): Promise<void> {
  const { results } = await env.DB.prepare(
    "SELECT id FROM push_subscriptions WHERE class_id = ? AND id > ? ORDER BY id LIMIT ?",
  )
    .bind(job.classId, job.afterId, DELIVER_SIZE * FANOUT_PAGES)
    .all<{ id: number }>();
  const ids = results.map((r) => r.id);
  const jobs: MessageSendRequest<PushJob>[] = [];
  for (let i = 0; i < ids.length; i += DELIVER_SIZE) {
    jobs.push({
      body: {
        type: "deliver",
        classId: job.classId,
        notice: job.notice,
        ids: ids.slice(i, i + DELIVER_SIZE),
      },
    });
  }
  if (ids.length === DELIVER_SIZE * FANOUT_PAGES)
    jobs.push({ body: { ...job, afterId: ids[ids.length - 1]! } });
  if (jobs.length > 0) await env.PUSH_QUEUE.sendBatch(jobs);
}

async function deliver(
  env: Env,
  msg: Message<Extract<PushJob, { type: "deliver" }>>,
): Promise<void> {
  const job = msg.body;
  const keys = vapidKeys(workerConfig(env));
  if (!keys) return msg.ack();
  const { results: rows } = await env.DB.prepare(
    // A disabled account gets nothing (its rows stay, so re-enabling restores them).
    `SELECT id, endpoint, p256dh, auth FROM push_subscriptions s
     WHERE class_id = ? AND id IN (SELECT value FROM json_each(?))
       AND NOT EXISTS (SELECT 1 FROM users u WHERE u.id = s.user_id AND u.disabled = 1)`,
  )
    .bind(job.classId, JSON.stringify(job.ids))
    .all<Row>();
  // Checked again at send time: the allowlist may have shrunk since the subscription was
  // stored, and a row may predate the check. A refused endpoint is never contacted; its
  // subscription is deleted like one the push service calls gone.
  const policy = pushEndpointPolicy(workerConfig(env));
  const allowed: Row[] = [];
  const refused: number[] = [];
  for (const r of rows) {
    if (pushEndpointAllowed(r.endpoint, policy)) allowed.push(r);
    else refused.push(r.id);
  }
  if (refused.length > 0)
    logEvent({ event: "push_endpoint_refused", classId: job.classId, count: refused.length });
  const timeoutMs = Number(workerConfig(env).PUSH_TIMEOUT_MS) || 10_000;
  const sign = vapidSigner(keys);
  const outcomes = new Map<number, PushOutcome>();
  let next = 0;
  const worker = async () => {
    while (next < allowed.length) {
      const row = allowed[next++]!;
      outcomes.set(
        row.id,
        await sendPush(row, job.notice, keys, {
          ttlS: TTL_S[job.notice.kind],
          timeoutMs,
          topic: job.classId,
          sign,
        }),
      );
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, allowed.length) }, worker));

  const gone: number[] = [...refused];
  const retry: number[] = [];
  let retryAfterS = 0;
  for (const [id, o] of outcomes) {
    if (o.kind === "gone") gone.push(id);
    if (o.kind === "retry") {
      retry.push(id);
      retryAfterS = Math.max(retryAfterS, o.afterS ?? 0);
    }
  }
  if (gone.length > 0) {
    await env.DB.prepare(
      "DELETE FROM push_subscriptions WHERE class_id = ? AND id IN (SELECT value FROM json_each(?))",
    )
      .bind(job.classId, JSON.stringify(gone))
      .run();
  }
  const round = (job.round ?? 0) + msg.attempts;
  logEvent({
    event: "push_delivered",
    classId: job.classId,
    kind: job.notice.kind,
    sent: [...outcomes.values()].filter((o) => o.kind === "sent").length,
    gone: gone.length,
    retry: retry.length,
    round,
  });
  if (retry.length === 0) return msg.ack();
  if (round >= MAX_ROUNDS) {
    logEvent({ event: "push_gave_up", classId: job.classId, count: retry.length });
    return msg.ack();
  }
  const delaySeconds = backoff(env, round, retryAfterS);
  if (retry.length === allowed.length) return msg.retry({ delaySeconds });
  await env.PUSH_QUEUE.send({ ...job, ids: retry, round }, { delaySeconds });
  msg.ack();
}
