/**
 * The catalogs and the translator: plural forms per language (Arabic's six), placeholders,
 * `Intl` formatting, the language picked from the user's choice or the browser, and
 * every translation complete (keys are checked by the type checker; placeholders and
 * Arabic script here).
 */
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { admin } from "./admin.ts";
import { common, t as tc } from "./common.ts";
import {
  type Catalogs,
  formatNumber,
  type LazyCatalogs,
  LOCALES,
  locale,
  merge,
  pickLocale,
  type SourceCatalog,
  setLocale,
  translator,
} from "./core.ts";
import { replay } from "./replay.ts";
import { start } from "./start.ts";
import { student } from "./student.ts";
import { studio } from "./studio.ts";

type Any = Catalogs<SourceCatalog> | LazyCatalogs<SourceCatalog>;
/** Every area with its translations loaded (lazy ones through their `import()`). */
const AREAS: Record<string, Catalogs<SourceCatalog>> = {};
beforeAll(async () => {
  const all: Record<string, Any> = {
    common: common as unknown as Any,
    student: student as unknown as Any,
    start: start as unknown as Any,
    replay: replay as unknown as Any,
    studio: studio as unknown as Any,
    admin: admin as unknown as Any,
  };
  for (const [name, c] of Object.entries(all))
    AREAS[name] = "load" in c ? { en: c.en, es: await c.load.es(), ar: await c.load.ar() } : c;
});

/** Messages that read the same in every language: names of things. */
const SAME_EVERYWHERE = new Set([
  "common.brand",
  "common.brandMark",
  "common.titleSuffix",
  "start.account.linkPlaceholder",
]);

const placeholders = (m: unknown): string[] => {
  const texts = typeof m === "string" ? [m] : Object.values(m as Record<string, string>);
  return [...new Set(texts.flatMap((s) => [...s.matchAll(/\{(\w+)\}/g)].map((x) => x[1]!)))]
    .filter((p) => p !== "count")
    .sort();
};

afterEach(() => setLocale("en"));

it("loads every area", () => expect(Object.keys(AREAS)).toHaveLength(6));

describe("message catalogs", () => {
  it("every translation uses the English message's placeholders, and only those", () => {
    const bad: string[] = [];
    for (const [area, c] of Object.entries(AREAS))
      for (const [key, en] of Object.entries(c.en))
        for (const l of ["es", "ar"] as const) {
          const m = (c[l] as Record<string, unknown>)[key];
          if (m === undefined) bad.push(`${area} ${l} ${key}: missing`);
          else if (placeholders(m).join() !== placeholders(en).join())
            bad.push(`${area} ${l} ${key}: {${placeholders(m)}} ≠ {${placeholders(en)}}`);
        }
    expect(bad, bad.join("\n")).toEqual([]);
  });

  it("Arabic is written in Arabic, and keys are prefixed by their area", () => {
    const bad: string[] = [];
    for (const [area, c] of Object.entries(AREAS))
      for (const [key, m] of Object.entries(c.ar)) {
        if (!key.startsWith(`${area}.`)) bad.push(`${key}: not in ${area}.*`);
        const texts = typeof m === "string" ? [m] : Object.values(m as Record<string, string>);
        const words = texts.map((s) => s.replace(/\{\w+\}/g, ""));
        const english = words.some((s) => /\p{L}/u.test(s) && !/\p{Script=Arabic}/u.test(s));
        if (english && !SAME_EVERYWHERE.has(key)) bad.push(`${key}: ${JSON.stringify(m)}`);
      }
    expect(bad, bad.join("\n")).toEqual([]);
  });

  it("picks the user's choice, else the browser's first language we have, else English", () => {
    expect(pickLocale("ar", ["es-ES"])).toBe("ar");
    expect(pickLocale(null, ["fr-FR", "es-MX", "en"])).toBe("es");
    expect(pickLocale("xx", ["AR-eg"])).toBe("ar");
    expect(pickLocale(null, ["de"])).toBe("en");
    expect(LOCALES).toEqual(["en", "es", "ar"]);
  });

  it("chooses plural forms by the language's rules: Arabic zero, one, two, few, many, other", async () => {
    await setLocale("ar");
    expect(locale()).toBe("ar");
    const forms = [0, 1, 2, 3, 11, 100].map((count) => tc("common.poll.answers", { count }));
    expect(forms).toEqual([
      "لا إجابات",
      "إجابة واحدة",
      "إجابتان",
      `${formatNumber(3)} إجابات`,
      `${formatNumber(11)} إجابة`,
      `${formatNumber(100)} إجابة`,
    ]);
    await setLocale("es");
    expect(tc("common.poll.answers", { count: 1 })).toBe("1 respuesta");
    expect(tc("common.poll.answers", { count: 1000 })).toBe("1000 respuestas");
    await setLocale("en");
    expect(tc("common.poll.answers", { count: 0 })).toBe("0 answers");
    expect(tc("common.poll.answers", { count: 1234 })).toBe("1,234 answers");
  });

  it("fills placeholders, numbers formatted for the language, and rich values as they are", async () => {
    const cat = {
      en: { "x.hi": "Hi {name}, {n} new", "x.by": "by {who}." },
      es: { "x.hi": "Hola {name}, {n} nuevos", "x.by": "de {who}." },
      ar: { "x.hi": "مرحبًا {name}، {n} جديدة", "x.by": "بواسطة {who}." },
    } as const;
    const { t, rich } = translator(merge(common, cat));
    expect(t("x.hi", { name: "Ana", n: 12000 })).toBe("Hi Ana, 12,000 new");
    await setLocale("es");
    expect(t("x.hi", { name: "Ana", n: 12000 })).toBe("Hola Ana, 12.000 nuevos");
    const node = { type: "bdi" };
    expect(rich("x.by", { who: node })).toEqual(["de ", node, "."]);
    await setLocale("ar");
    expect(t("x.hi", { name: "Ana", n: 5 })).toBe(`مرحبًا Ana، ${formatNumber(5)} جديدة`);
    expect(formatNumber(5)).toBe(new Intl.NumberFormat("ar").format(5));
  });
});
