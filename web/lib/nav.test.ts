import { describe, expect, it } from "vitest";
import { safeNext } from "./nav.ts";

const ORIGIN = "https://class.example";

describe("safeNext", () => {
  it("keeps same-site paths", () => {
    expect(safeNext("/c/abc?x=1#y", ORIGIN)).toBe("/c/abc?x=1#y");
    expect(safeNext("/studio", ORIGIN)).toBe("/studio");
  });

  it("refuses anything that could leave the site, including after dot-segment normalisation", () => {
    for (const bad of [
      "//evil.example",
      "/\\evil.example",
      "https://evil.example",
      "/..//evil.example",
      "/.//evil.example/x",
      "/%2e%2e//evil.example",
      "javascript:alert(1)",
      "/\u0000x",
      "",
      null,
      undefined,
    ]) {
      const out = safeNext(bad, ORIGIN);
      if (out !== null) expect(new URL(out, ORIGIN).origin).toBe(ORIGIN);
      expect(out === null || !out.startsWith("//")).toBe(true);
    }
    expect(safeNext("/..//evil.example", ORIGIN)).toBeNull();
    expect(safeNext("/.//evil.example/x", ORIGIN)).toBeNull();
  });
});
