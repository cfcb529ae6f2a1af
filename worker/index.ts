/** Worker entry: the Hono app, plus the Durable Object classes wrangler binds. */
import { app } from "./app.ts";

export default {
  fetch: app.fetch,
} satisfies ExportedHandler<Env>;
