import { describe, expect, it } from "vitest";
import { BOM, csvField, csvRecord, csvStream, safeFilename } from "./csv.ts";

describe("csv", () => {
  it("neutralises every formula lead-in, quotes per RFC 4180, and keeps numbers as numbers", () => {
    expect(["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"].map(csvField)).toEqual([
      "'=1+1",
      "'+1",
      "'-1",
      "'@SUM(A1)",
      "'\tx",
      '"\'\rx"',
    ]);
    expect(csvField('say "hi", then\nleave')).toBe('"say ""hi"", then\nleave"');
    expect(csvField("Zoë 李")).toBe("Zoë 李");
    expect([csvField(-3), csvField(2.5), csvField(null), csvField(true)]).toEqual([
      "-3",
      "2.5",
      "",
      "true",
    ]);
    expect(csvRecord(["a", 1, null])).toBe("a,1,\r\n");
  });

  it("streams the BOM and header, then pages until an empty one", async () => {
    const pages = [[{ n: "x" }], [{ n: "=y" }], []];
    const bytes = await new Response(
      csvStream(
        ["name"],
        async () => pages.shift() ?? [],
        (r) => [r.n],
      ),
    ).arrayBuffer();
    // Decode keeping the BOM (Response.text() would drop it).
    const text = new TextDecoder("utf-8", { ignoreBOM: true }).decode(bytes);
    expect(text).toBe(`${BOM}name\r\nx\r\n'=y\r\n`);
  });

  it("makes ASCII filenames", () => {
    expect(safeFilename("Physik: Wellen & Optik — Ü", "2026-11-02", "attendance")).toBe(
      "physik-wellen-optik-u-2026-11-02-attendance.csv",
    );
    expect(safeFilename('"; rm -rf', "")).toBe("rm-rf.csv");
    expect(safeFilename("李雷")).toBe("export.csv");
  });
});
