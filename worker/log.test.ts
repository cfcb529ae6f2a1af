/** The Worker's and Durable Objects' log lines: one JSON object each, from one typed union. */
import { afterEach, describe, expect, it } from "vitest";
import { errorMessage, logEvent, logLevel, setLogSink } from "./log.ts";

afterEach(() => setLogSink(undefined));

describe("logEvent", () => {
  it("writes one JSON line: event first, its level, the request id and the fields", () => {
    const lines: [string, string][] = [];
    setLogSink((level, line) => lines.push([level, line]));
    logEvent({ event: "kick_failed", userId: "u1", message: "boom", requestId: "abc12345" });
    logEvent({
      event: "push_delivered",
      classId: "c1",
      kind: "live",
      sent: 3,
      gone: 0,
      retry: 1,
      round: 1,
    });
    expect(lines[0]![0]).toBe("error");
    expect(lines[0]![1]).toBe(
      '{"event":"kick_failed","level":"error","userId":"u1","message":"boom","requestId":"abc12345"}',
    );
    expect(lines[1]![0]).toBe("info");
    expect(JSON.parse(lines[1]![1])).toEqual({
      event: "push_delivered",
      level: "info",
      classId: "c1",
      kind: "live",
      sent: 3,
      gone: 0,
      retry: 1,
      round: 1,
    });
  });

  it("user text stays inside its JSON string: a message cannot forge a second line", () => {
    const lines: string[] = [];
    setLogSink((_l, line) => lines.push(line));
    logEvent({ event: "sync_failed", message: 'x"}\n{"event":"forged"' });
    expect(lines).toHaveLength(1);
    expect(lines[0]!.split("\n")).toHaveLength(1);
    expect(JSON.parse(lines[0]!).message).toBe('x"}\n{"event":"forged"');
  });

  it("levels: failures are errors, deliveries information; messages never carry stacks", () => {
    expect(logLevel("unhandled_error")).toBe("error");
    expect(logLevel("push_delivered")).toBe("info");
    const err = new Error("D1 down");
    expect(errorMessage(err)).toBe("D1 down");
    expect(errorMessage("plain")).toBe("plain");
  });
});
