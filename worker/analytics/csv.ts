/**
 * CSV export: RFC 4180 fields and records, a UTF-8 byte-order mark so spreadsheet
 * apps read names correctly, text that would run as a formula (=, +, -, @, tab, CR)
 * neutralised — at the start of the cell and wherever a reader might start a new cell
 * inside it (after `;`, tab or a line break: Excel in locales whose list separator is `;`
 * splits our lines there, quotes or not) — and a stream that pulls one page of rows at a time, so a
 * 100,000-student export never sits in memory.
 */

/** Characters that make a spreadsheet treat a cell as a formula (OWASP "CSV injection"). */
const FORMULA_START = /^[=+\-@\t\r]/;
/**
 * A formula trigger after something some reader takes for a cell boundary: `;` (the list
 * separator in many Excel locales, which splits even inside our quotes), tab (TSV
 * imports) or a line break, with any spaces or quotes between.
 */
const FORMULA_INSIDE = /([;\t\r\n][\s"]*)([=+\-@])/g;

/** A cell value: text (neutralised), a number, or empty. */
export type Cell = string | number | boolean | null | undefined;

/**
 * One RFC 4180 field. Text starting like a formula gets a leading `'`, and so does every
 * formula trigger after a `;`, tab or line break inside it; text holding `;` or tab is
 * quoted too, so readers splitting on those keep it one cell. Numbers stay numbers.
 */
export function csvField(value: Cell): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "number") return Number.isFinite(value) ? String(value) : "";
  if (typeof value === "boolean") return value ? "true" : "false";
  const inner = value.replace(FORMULA_INSIDE, "$1'$2");
  const text = FORMULA_START.test(inner) ? `'${inner}` : inner;
  return /[",;\t\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** One record, CRLF-terminated. */
export function csvRecord(cells: Cell[]): string {
  return `${cells.map(csvField).join(",")}\r\n`;
}

/** UTF-8 byte-order mark. */
export const BOM = "\uFEFF";

/**
 * A streamed CSV body: the BOM and header, then `nextPage()` until it returns an
 * empty page. Pages are pulled as the client reads, so a slow client slows the queries.
 */
export function csvStream<T>(
  header: string[],
  nextPage: () => Promise<T[]>,
  toCells: (row: T) => Cell[],
): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let started = false;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (!started) {
        started = true;
        controller.enqueue(encoder.encode(BOM + csvRecord(header)));
        return;
      }
      const rows = await nextPage();
      if (rows.length === 0) {
        controller.close();
        return;
      }
      controller.enqueue(encoder.encode(rows.map((r) => csvRecord(toCells(r))).join("")));
    },
  });
}

/** A filename safe in any OS and header: ASCII letters, digits and dashes, `.csv`. */
export function safeFilename(...parts: string[]): string {
  const base = parts
    .join("-")
    .normalize("NFKD")
    .replace(/[^A-Za-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 80)
    .toLowerCase();
  return `${base || "export"}.csv`;
}

/** Response headers for a CSV download named `filename` (already safe). */
export function csvHeaders(filename: string): Headers {
  return new Headers({
    "content-type": "text/csv; charset=utf-8",
    "content-disposition": `attachment; filename="${filename}"`,
    "cache-control": "no-store",
    "x-content-type-options": "nosniff",
  });
}
