/** Worker entry: the Hono app, plus the Durable Object classes wrangler binds. */
import { app } from "./app.ts";

export { Classroom } from "../durable-objects/classroom.ts";
export { ClassroomShard } from "../durable-objects/classroom-shard.ts";
export { MediaBridge } from "../durable-objects/media-bridge.ts";

export default {
  fetch: app.fetch,
} satisfies ExportedHandler<Env>;
