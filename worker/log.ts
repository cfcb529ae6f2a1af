/**
 * Structured logs for the Worker and the Durable Objects: every line is one JSON object
 * from one typed union, so Workers Logs (wrangler.toml `[observability]`) can filter on
 * `event` and `requestId`. Event names are snake_case nouns + past participles.
 */

/** Fields a line may carry besides its own: the request it belongs to (`x-request-id`). */
interface Base {
  /** The request id (`cf-ray` or generated; worker/request-id.ts), when known. */
  requestId?: string;
}

/** Every event the Worker and the Durable Objects log. */
export type LogEvent = Base &
  (
    | { event: "unhandled_error"; message: string; path?: string }
    | { event: "kick_failed"; userId: string; message: string }
    | { event: "kick_truncated"; userId: string; classes: number }
    | { event: "youtube_oauth_failed"; reason: string }
    | { event: "youtube_complete_failed"; classId: string; message: string }
    | { event: "push_job_failed"; message: string }
    | { event: "push_endpoint_refused"; classId: string; count: number }
    | {
        event: "push_delivered";
        classId: string;
        kind: string;
        sent: number;
        gone: number;
        retry: number;
        round: number;
      }
    | { event: "push_gave_up"; classId: string; count: number }
    | { event: "push_notify_failed"; classId: string; message: string }
    | { event: "bridge_container_unreachable"; message: string }
    | { event: "bridge_call_failed"; path: string; message: string }
    | { event: "sync_failed"; message: string }
    | { event: "tally_forward_failed"; message: string }
    | { event: "tally_handover_failed"; message: string }
    | { event: "chat_home_wait_expired"; userId: string }
    | { event: "tally_settle_failed"; sectionId: string; message: string }
    | { event: "report_failed"; message: string }
    | { event: "delivery_failed"; sectionId: string; message: string }
    | { event: "d1_flush_failed"; message: string }
    | { event: "health_check_failed"; check: "d1"; message: string }
  );

/** Every event name. */
export type LogEventName = LogEvent["event"];

/** Which events are failures (console.error) and which are information (console.log). */
const LEVEL: Record<LogEventName, "info" | "error"> = {
  unhandled_error: "error",
  kick_failed: "error",
  kick_truncated: "error",
  youtube_oauth_failed: "error",
  youtube_complete_failed: "error",
  push_job_failed: "error",
  push_endpoint_refused: "error",
  push_delivered: "info",
  push_gave_up: "error",
  push_notify_failed: "error",
  bridge_container_unreachable: "error",
  bridge_call_failed: "error",
  sync_failed: "error",
  tally_forward_failed: "error",
  tally_handover_failed: "error",
  chat_home_wait_expired: "error",
  tally_settle_failed: "error",
  report_failed: "error",
  delivery_failed: "error",
  d1_flush_failed: "error",
  health_check_failed: "error",
};

/** The level an event is logged at. */
export function logLevel(event: LogEventName): "info" | "error" {
  return LEVEL[event];
}

/** Where lines go; tests replace it to read them. */
export type LogSink = (level: "info" | "error", line: string) => void;

const consoleSink: LogSink = (level, line) => {
  if (level === "error") console.error(line);
  else console.log(line);
};

let sink: LogSink = consoleSink;

/** Redirect log lines (tests); `undefined` restores the console. Returns the previous sink. */
export function setLogSink(next: LogSink | undefined): LogSink {
  const prev = sink;
  sink = next ?? consoleSink;
  return prev;
}

/** Log one event as a JSON line: `{event, level, requestId?, …fields}`. */
export function logEvent(e: LogEvent): void {
  const level = LEVEL[e.event];
  // `event` first so a line reads well in `wrangler tail`.
  const { event, ...rest } = e;
  sink(level, JSON.stringify({ event, level, ...rest }));
}

/** An error's message for a log line (never its stack: stacks can carry request data). */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
