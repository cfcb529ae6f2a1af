import { redactText } from "./redact.ts";

/** Structured log line sink; fields never contain a stream key (callers pass redacted URLs). */
export type Logger = (event: string, fields?: Record<string, unknown>) => void;

/** JSON lines on stderr, with every URL redacted as a last line of defence. */
export function createLogger(opts: { quiet?: boolean; secrets?: () => string[] } = {}): Logger {
  return (event, fields = {}) => {
    if (opts.quiet) return;
    const line = JSON.stringify({ t: new Date().toISOString(), event, ...fields });
    process.stderr.write(`${redactText(line, opts.secrets?.() ?? [])}\n`);
  };
}
