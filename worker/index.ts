/** Worker entry: the Hono app, the push queue consumer and cron, and the Durable Object classes. */
import { app } from "./app.ts";
import { pruneTicketMints } from "./auth/access.ts";
import { type PushJob, remindUpcoming } from "./push/notify.ts";
import { handlePushBatch } from "./push/queue.ts";

export { Classroom } from "../durable-objects/classroom.ts";
export { ClassroomShard } from "../durable-objects/classroom-shard.ts";
export { MediaBridge } from "../durable-objects/media-bridge.ts";

export default {
  fetch: app.fetch,
  /** PUSH_QUEUE: Web Push fan-out and delivery (worker/push/queue.ts). */
  queue: (batch, env) => handlePushBatch(batch, env),
  /** Cron (wrangler.toml [triggers]): push reminders before scheduled starts; expired ticket mints forgotten. */
  scheduled: async (_controller, env) => {
    // One failing job must not stop the other; the cron reports a failure if either failed.
    const results = await Promise.allSettled([remindUpcoming(env), pruneTicketMints(env)]);
    for (const r of results) if (r.status === "rejected") throw r.reason;
  },
} satisfies ExportedHandler<Env, PushJob>;
