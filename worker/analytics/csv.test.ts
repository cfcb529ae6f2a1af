import { describe, expect, it } from "vitest";
import { BOM, csvField, csvRecord, csvStream, safeFilename } from "./csv.ts";

describe("csv", () => {
  it("neutralises every formula lead-in, quotes per RFC 4180, and keeps numbers as numbers", () => {
    expect(["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"].map(csvField)).toEqual([
      "'=1+1",
      "'+1",
      "'-1",
      "'@SUM(A1)",
      '"\'\tx"',
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

  it("neutralises formula triggers after ; tab and line breaks, where other readers split cells", () => {
    // Excel in a `;`-separator locale reads `x;=cmd|…` as two cells, the second a formula.
    expect(csvField("x;=cmd|' /C calc'!A0")).toBe("\"x;'=cmd|' /C calc'!A0\"");
    expect(csvField("a\t+1")).toBe('"a\t\'+1"');
    expect(csvField("a; -2;@SUM(A1)")).toBe("\"a; '-2;'@SUM(A1)\"");
    expect(csvField('a;"=1')).toBe('"a;""\'=1"');
    expect(csvField("line\n=HYPERLINK(1)")).toBe('"line\n\'=HYPERLINK(1)"');
    expect(csvField("=a;=b")).toBe("\"'=a;'=b\"");
    // Harmless text with separators is quoted but unchanged.
    expect(csvField("Tom; Jerry")).toBe('"Tom; Jerry"');
    expect(csvField("x;y")).toBe('"x;y"');
    // Every cell a `;`-splitting reader would see starts with no formula trigger.
    const row = csvRecord(["x;=cmd|' /C calc'!A0", "b\t@x", "-1"]);
    for (const cell of row.replace(/\r\n$/, "").split(/[;,\t]/))
      expect(cell.replace(/^[\s"]*/, "")).not.toMatch(/^[=+@-]/);
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
