/**
 * PROVISIONAL until the shared i18n module lands (helper "i18n"): `t()` over the studio
 * catalog (web/i18n/studio.ts) with plural forms from Intl.PluralRules, numbers and dates
 * through Intl, the locale from the user's choice or the browser.
 */
import * as studio from "../i18n/studio.ts";

type Plural = Readonly<Partial<Record<Intl.LDMLPluralRule, string>>>;
type Catalog = Readonly<Record<string, string | Plural>>;
export type Locale = "en" | "es" | "ar";
type Params = Record<string, string | number>;

const LOCALES: readonly Locale[] = ["en", "es", "ar"];

/** The user's language: their choice (localStorage), else the browser's, else English. */
export function locale(): Locale {
  if (typeof navigator === "undefined") return "en";
  let chosen: string | null = null;
  try {
    chosen = localStorage.getItem("massclass.locale");
  } catch {}
  for (const tag of [chosen, ...(navigator.languages ?? [navigator.language])]) {
    const base = tag?.toLowerCase().split("-")[0] as Locale | undefined;
    if (base && LOCALES.includes(base)) return base;
  }
  return "en";
}

/** A `t` over one area's catalogs. */
export function makeT<K extends string>(catalogs: Record<Locale, Catalog>) {
  return (key: K, params: Params = {}): string => {
    const loc = locale();
    const msg = catalogs[loc][key] ?? catalogs.en[key] ?? key;
    let text: string;
    if (typeof msg === "string") text = msg;
    else {
      const n = Number(params.count ?? 0);
      const rule = new Intl.PluralRules(loc).select(n);
      text = msg[rule] ?? msg.other ?? "";
    }
    return text.replace(/\{(\w+)\}/g, (_, k: string) => {
      const v = params[k];
      return v === undefined ? `{${k}}` : typeof v === "number" ? num(v) : v;
    });
  };
}

/** A number in the user's language. */
export function num(n: number, opts?: Intl.NumberFormatOptions): string {
  return new Intl.NumberFormat(locale(), opts).format(n);
}

/** A date and time in the user's language. */
export function dateTime(ms: number | string | Date, opts: Intl.DateTimeFormatOptions): string {
  return new Intl.DateTimeFormat(locale(), opts).format(new Date(ms));
}

export type StudioKey = keyof typeof studio.en;
export const t = makeT<StudioKey>(studio);

if (typeof document !== "undefined") {
  document.documentElement.lang = locale();
  document.documentElement.dir = locale() === "ar" ? "rtl" : "ltr";
}
