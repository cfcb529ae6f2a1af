/**
 * Languages (issue 15, point 5; docs/decisions/060-languages.md): typed message catalogs,
 * CLDR plural rules and `Intl` formatting over the browser's own `Intl.*`, no library.
 *
 * ## How to use it (for every web/ folder)
 *
 * 1. Each area has one catalog module: `web/i18n/common.ts` (header, errors, words every
 *    app uses; web/components and shared web/lib modules use only these), `student.ts`
 *    (web/student, web/index), `studio.ts` (web/studio), `admin.ts` (web/admin and
 *    web/analytics). A module holds `en` (the
 *    source, `as const satisfies SourceCatalog`) and `es`, `ar` typed `Translation<typeof
 *    en, "es" | "ar">`: a key missing or extra in es/ar, or a plural form Arabic needs and
 *    lacks, fails `npm run typecheck`. Keys are `area.thing.what` (`student.chat.send`).
 * 2. A component imports its area's translator: `import { t } from "../i18n/student.ts"`
 *    (it knows the common keys too) and writes `t("student.chat.send")`. Placeholders are
 *    `{name}` and typed from the English text: `t("student.qa.by", { name })`. Numbers
 *    in placeholders are formatted for the locale.
 * 3. Plurals: the English message is `{ one: "{count} vote", other: "{count} votes" }`;
 *    Spanish gives `one`/`other` (`many` optional), Arabic all six CLDR forms
 *    (`zero one two few many other`). Call `t("student.qa.votes", { count: n })`.
 * 4. A message with markup or user text inside: `rich("key", { name: <UserText text=…/> })`
 *    returns children to render. User text in a plain string (aria-label, title) goes
 *    through `isolate()` (web/components/UserText.tsx); in markup through `<UserText>`.
 * 5. Dates and numbers: `formatNumber`, `formatDate`, `formatTime`, `formatRelative`
 *    below, never `toLocaleString()` without the locale.
 * 6. scripts/i18n.test.ts fails on JSX text or a user-visible attribute (aria-label,
 *    title, placeholder, alt, label, …Label/…Text/…Title props) written as a literal
 *    (folders still being converted are in its PENDING list: remove yours when done);
 *    web/i18n/catalogs.test.ts fails on a translation whose placeholders differ from
 *    English or an Arabic entry left in Latin script. Text that is not language (a "·",
 *    "×", an arrow) needs no catalog.
 * 7. Each app's main.tsx renders with `startApp(() => <App />)` (web/i18n/render.ts): the
 *    language is loaded and set before the first render and the app re-renders when the
 *    header's picker (web/components/LanguagePicker.tsx) changes it. An area may keep
 *    es/ar in its own file (eager `Catalogs`, as studio.ts and admin.ts do) or in
 *    `<area>.es.ts` / `<area>.ar.ts` loaded with `import()` (`LazyCatalogs`, as common.ts
 *    and student.ts do, to keep them out of the class page's budget). Components call `t()` while
 *    rendering (not at module load), so they follow the switch.
 * 8. Errors: `errorMessage(err)` (web/lib/api.ts) and `socketErrorText(err)` (common.ts)
 *    give the Worker's English message in English and the code's catalog text otherwise.
 */

/** The languages the UI is written in; English is the source and the fallback. */
export const LOCALES = ["en", "es", "ar"] as const;
export type Locale = (typeof LOCALES)[number];
export const DEFAULT_LOCALE: Locale = "en";

/** Each language's name in itself (the picker shows these; they are not translated). */
export const LOCALE_NAMES: Record<Locale, string> = {
  en: "English",
  es: "Español",
  ar: "العربية",
};

const RTL_LOCALES: ReadonlySet<Locale> = new Set<Locale>(["ar"]);

/** The plural forms each language's messages must give (CLDR); a missing one falls back to `other`. */
interface RequiredForms {
  en: "one" | "other";
  // CLDR's Spanish `many` (1000000 → "1 millón de …") reads fine with the `other` form.
  es: "one" | "other";
  ar: "zero" | "one" | "two" | "few" | "many" | "other";
}

/** Plural forms: the ones `C` requires, any other CLDR category optional. */
export type PluralForms<C extends Intl.LDMLPluralRule> = { readonly [K in C]: string } & {
  readonly [K in Exclude<Intl.LDMLPluralRule, C>]?: string;
};

/** A source (English) message: text with `{placeholders}`, or plural forms picked by `{count}`. */
export type SourceMessage = string | PluralForms<RequiredForms["en"]>;
export type SourceCatalog = Readonly<Record<string, SourceMessage>>;

/** A translation of the source catalog `S`: every key, plural forms as language `L` needs. */
export type Translation<S extends SourceCatalog, L extends Exclude<Locale, "en">> = {
  readonly [K in keyof S]: S[K] extends string ? string : PluralForms<RequiredForms[L]>;
};

/** One area's catalogs in every language. */
export interface Catalogs<S extends SourceCatalog> {
  en: S;
  es: Translation<S, "es">;
  ar: Translation<S, "ar">;
}

/**
 * One area's catalogs with the translations loaded on demand (`import()`): a page's first
 * bundle carries English only, and a page shown in Spanish or Arabic fetches that one
 * (the class page's budget, decision 060).
 */
export interface LazyCatalogs<S extends SourceCatalog> {
  en: S;
  load: {
    es: () => Promise<Translation<S, "es">>;
    ar: () => Promise<Translation<S, "ar">>;
  };
}

/**
 * An area's catalogs with Spanish and Arabic in their own modules:
 * `lazyCatalogs(en, () => import("./x.es.ts"), () => import("./x.ar.ts"))`.
 */
export function lazyCatalogs<S extends SourceCatalog>(
  en: S,
  es: () => Promise<{ default: Translation<S, "es"> }>,
  ar: () => Promise<{ default: Translation<S, "ar"> }>,
): LazyCatalogs<S> {
  return {
    en,
    load: { es: () => es().then((m) => m.default), ar: () => ar().then((m) => m.default) },
  };
}

type Translated = Exclude<Locale, "en">;
type AnyCatalogs<S extends SourceCatalog> = Catalogs<S> | LazyCatalogs<S>;

function lazy<S extends SourceCatalog>(c: AnyCatalogs<S>): LazyCatalogs<S> {
  if ("load" in c) return c;
  return { en: c.en, load: { es: async () => c.es, ar: async () => c.ar } };
}

/** Placeholder names in a message text: `"{n} of {total}"` → `"n" | "total"`. */
type Vars<T> = T extends `${string}{${infer V}}${infer Rest}` ? V | Vars<Rest> : never;
type VarsOf<M> = M extends string ? Vars<M> : M extends { other: infer O } ? Vars<O> : never;
/** What a placeholder takes: text (already isolated when a user wrote it) or a number. */
export type Arg = string | number;
/** The parameters of message `M`: its placeholders, and `count` for plural messages. */
export type Params<M, V = Arg> = M extends string
  ? { [K in Vars<M>]: V }
  : { count: number } & { [K in Exclude<VarsOf<M>, "count">]: V };
type ArgList<M> = M extends string
  ? [Vars<M>] extends [never]
    ? []
    : [params: Params<M>]
  : [params: Params<M>];

let current: Locale = DEFAULT_LOCALE;
const listeners = new Set<(l: Locale) => void>();
const STORAGE_KEY = "mc.locale";

/** The language the UI speaks now. */
export function locale(): Locale {
  return current;
}

/** Whether `l` is written right to left. */
export function isRtl(l: Locale = current): boolean {
  return RTL_LOCALES.has(l);
}

function isLocale(v: unknown): v is Locale {
  return typeof v === "string" && (LOCALES as readonly string[]).includes(v);
}

/**
 * The language to use: the one the user chose (`stored`), else the first of the browser's
 * languages we have (`es-MX` → `es`), else English.
 */
export function pickLocale(stored: string | null, browser: readonly string[]): Locale {
  if (isLocale(stored)) return stored;
  for (const tag of browser) {
    const base = tag.toLowerCase().split("-")[0];
    if (isLocale(base)) return base;
  }
  return DEFAULT_LOCALE;
}

function readStored(): string | null {
  try {
    return localStorage.getItem(STORAGE_KEY);
  } catch {
    return null; // storage blocked (some private modes): the browser's languages decide
  }
}

/** Every translator's messages: English at once, other languages once loaded. */
interface Area {
  load: LazyCatalogs<SourceCatalog>["load"];
  loaded: Partial<Record<Locale, Readonly<Record<string, SourceMessage>>>>;
}
const areas = new Set<Area>();

/** Loads language `l` for every translator on the page (English is always there). */
export async function loadLocale(l: Locale): Promise<void> {
  if (l === "en") return;
  await Promise.all(
    [...areas].map(async (a) => {
      a.loaded[l] ??= (await a.load[l]()) as Readonly<Record<string, SourceMessage>>;
    }),
  );
}

function apply(l: Locale) {
  current = l;
  if (typeof document === "undefined") return; // unit tests in Node
  const html = document.documentElement;
  html.lang = l;
  html.dir = isRtl(l) ? "rtl" : "ltr";
}

/**
 * Picks the language at start and loads it (before the first render), then sets `<html
 * lang dir>`. A translation that cannot load (offline before it was ever fetched) leaves
 * the page in English.
 */
export async function startLocale(): Promise<Locale> {
  const l = pickLocale(readStored(), navigator.languages ?? [navigator.language]);
  try {
    await loadLocale(l);
    apply(l);
  } catch {
    apply(DEFAULT_LOCALE);
  }
  return current;
}

/** The user's choice: kept in this browser, loaded, applied, and every app re-renders. */
export async function setLocale(l: Locale): Promise<void> {
  try {
    localStorage.setItem(STORAGE_KEY, l);
  } catch {
    // storage blocked: the choice holds for this page only
  }
  await loadLocale(l);
  if (l === current) return;
  apply(l);
  for (const fn of listeners) fn(l);
}

/** Runs `fn` after every language change (each app's main.tsx re-renders from here). */
export function onLocaleChange(fn: (l: Locale) => void): () => void {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

const cache = new Map<string, unknown>();
function cached<T>(kind: string, opts: object | undefined, make: () => T): T {
  const key = `${kind}|${current}|${opts ? JSON.stringify(opts) : ""}`;
  let f = cache.get(key) as T | undefined;
  if (f === undefined) {
    f = make();
    cache.set(key, f);
  }
  return f;
}

/** A number for the current language (`1,234.5`, `1234,5`, `12.345,6`). */
export function formatNumber(n: number, opts?: Intl.NumberFormatOptions): string {
  return cached("n", opts, () => new Intl.NumberFormat(current, opts)).format(n);
}

/** A date/time for the current language, in the viewer's time zone. */
export function formatDate(
  d: Date | number | string,
  opts: Intl.DateTimeFormatOptions = { dateStyle: "medium", timeStyle: "short" },
): string {
  const date = d instanceof Date ? d : new Date(d);
  return cached("d", opts, () => new Intl.DateTimeFormat(current, opts)).format(date);
}

/** Hours and minutes (`02:05 PM`, `14:05`, `02:05 م`). */
export function formatTime(d: Date | number | string): string {
  return formatDate(d, { hour: "2-digit", minute: "2-digit" });
}

/** "in 5 minutes", "hace 3 segundos", … */
export function formatRelative(value: number, unit: Intl.RelativeTimeFormatUnit): string {
  return cached(
    "r",
    undefined,
    () => new Intl.RelativeTimeFormat(current, { numeric: "auto" }),
  ).format(value, unit);
}

/** The CLDR plural category of `n` in the current language. */
export function pluralOf(n: number): Intl.LDMLPluralRule {
  return cached("p", undefined, () => new Intl.PluralRules(current)).select(n);
}

function textOf(m: SourceMessage, params: Record<string, unknown> | undefined): string {
  if (typeof m === "string") return m;
  const count = Number(params?.count ?? 0);
  const forms = m as Partial<Record<Intl.LDMLPluralRule, string>>;
  return forms[pluralOf(count)] ?? forms.other ?? "";
}

const PLACEHOLDER = /\{(\w+)\}/g;

function fill(text: string, params: Record<string, unknown> | undefined): string {
  if (!params) return text;
  return text.replace(PLACEHOLDER, (whole, name: string) => {
    const v = params[name];
    if (typeof v === "number") return formatNumber(v);
    return typeof v === "string" ? v : whole;
  });
}

/** A translator over one area's catalogs. */
export interface Translator<S extends SourceCatalog> {
  /** The message `key` in the current language, placeholders filled. */
  t<K extends keyof S & string>(key: K, ...params: ArgList<S[K]>): string;
  /**
   * The message `key` with placeholders filled by anything renderable (a `<UserText>`, a
   * link), as children: `rich("student.qa.by", { name: <UserText text={n} /> })`.
   */
  rich<K extends keyof S & string, V>(key: K, params: Params<S[K], V | Arg>): (string | V)[];
}

/** The translator of `catalogs`: `export const { t, rich } = translator(merge(common, area))`. */
export function translator<S extends SourceCatalog>(catalogs: AnyCatalogs<S>): Translator<S> {
  const area: Area = { load: lazy(catalogs).load as Area["load"], loaded: {} };
  areas.add(area);
  // A translator that arrives after the language was chosen (a page part loaded on demand,
  // like the replay) fetches its translation now and redraws the app once it is there.
  const l = current;
  if (l !== "en")
    void area.load[l]().then((m) => {
      area.loaded[l] = m as Area["loaded"]["en"];
      if (current === l) for (const fn of listeners) fn(l);
    });
  const en: Readonly<Record<string, SourceMessage>> = catalogs.en;
  const message = (key: string): SourceMessage => area.loaded[current]?.[key] ?? en[key] ?? key;
  return {
    t(key, ...params) {
      const p = params[0] as Record<string, unknown> | undefined;
      return fill(textOf(message(key), p), p);
    },
    rich(key, params) {
      const p = params as Record<string, unknown>;
      const text = textOf(message(key), p);
      const out: unknown[] = [];
      let last = 0;
      for (const m of text.matchAll(PLACEHOLDER)) {
        if (m.index > last) out.push(text.slice(last, m.index));
        const v = p[m[1]!];
        out.push(typeof v === "number" ? formatNumber(v) : (v ?? m[0]));
        last = m.index + m[0].length;
      }
      if (last < text.length) out.push(text.slice(last));
      return out as never;
    },
  };
}

/** Two areas' catalogs as one (an area's translator also knows the common keys). */
export function merge<A extends SourceCatalog, B extends SourceCatalog>(
  a: AnyCatalogs<A>,
  b: AnyCatalogs<B>,
): LazyCatalogs<A & B> {
  const la = lazy(a).load;
  const lb = lazy(b).load;
  const both = (l: Translated) => async () => ({ ...(await la[l]()), ...(await lb[l]()) }) as never;
  return { en: { ...a.en, ...b.en }, load: { es: both("es"), ar: both("ar") } };
}
