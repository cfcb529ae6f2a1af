/**
 * Messages of web/studio (keys `studio.*`). Usage: web/i18n/core.ts.
 */
import { common } from "./common.ts";
import { type Catalogs, merge, type SourceCatalog, type Translation, translator } from "./core.ts";

const en = {
  "studio.title": "Studio",
} as const satisfies SourceCatalog;

const es: Translation<typeof en, "es"> = {
  "studio.title": "Estudio",
};

const ar: Translation<typeof en, "ar"> = {
  "studio.title": "الاستوديو",
};

/** The studio catalogs. */
export const studio: Catalogs<typeof en> = { en, es, ar };

/** web/studio translates with this (it knows the common keys too). */
export const { t, rich } = translator(merge(common, studio));
