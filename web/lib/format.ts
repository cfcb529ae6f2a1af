/** Date formatting between ISO 8601 (the API) and what people read and type. */
import { t } from "../i18n/common.ts";
import { formatDate } from "../i18n/core.ts";

/** A scheduled start in the viewer's language and time zone, e.g. "Tue, 3 Mar 2026, 14:00". */
export function formatStart(iso: string | null): string {
  if (!iso) return t("common.notScheduled");
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return t("common.notScheduled");
  return formatDate(d, {
    weekday: "short",
    day: "numeric",
    month: "short",
    year: "numeric",
    hour: "2-digit",
    minute: "2-digit",
    timeZoneName: "short",
  });
}

/** ISO → the `YYYY-MM-DDTHH:mm` value a datetime-local input shows, in local time. */
export function isoToLocalInput(iso: string | null): string {
  if (!iso) return "";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "";
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

/** A datetime-local value (local time) → ISO 8601 in UTC, or null when empty/invalid. */
export function localInputToIso(value: string): string | null {
  if (!value) return null;
  // `new Date("YYYY-MM-DDTHH:mm")` is parsed as local time (no zone designator), which is what the input means.
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}
