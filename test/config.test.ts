/**
 * The typed Worker config in workerd (issue 14, point 6; worker/config.ts): a bad
 * variable fails every request with 500 before any route runs, and the log line names
 * the variable, never its value.
 */
import { env } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import { app } from "../worker/app.ts";

describe("the Worker with a bad variable", () => {
  it("answers 500 and logs which variable is wrong", async () => {
    const lines: string[] = [];
    const spy = vi.spyOn(console, "error").mockImplementation((l: string) => {
      lines.push(l);
    });
    try {
      const bad = {
        ...env,
        SHARD_CAPACITY: "lots",
        PUBLIC_ORIGIN: "https://class.example.org/app",
      };
      const res = await app.request("/api/auth/me", {}, bad);
      expect(res.status).toBe(500);
      const log = lines.join("\n");
      expect(log).toContain("Invalid Worker configuration:");
      expect(log).toContain("SHARD_CAPACITY: expected a whole number");
      expect(log).toContain("PUBLIC_ORIGIN: expected an origin");
      expect(log).not.toContain("lots");
    } finally {
      spy.mockRestore();
    }
  });

  it("the configured test environment parses and serves", async () => {
    const res = await app.request("/healthz", {}, env);
    expect(res.status).toBe(200);
  });
});
