/**
 * Messages of web/admin and web/analytics (keys `admin.*`). Usage: web/i18n/core.ts.
 */
import { common } from "./common.ts";
import { type Catalogs, merge, type SourceCatalog, type Translation, translator } from "./core.ts";

const en = {
  "admin.title": "Admin",
} as const satisfies SourceCatalog;

const es: Translation<typeof en, "es"> = {
  "admin.title": "Administración",
};

const ar: Translation<typeof en, "ar"> = {
  "admin.title": "الإدارة",
};

/** The admin catalogs. */
export const admin: Catalogs<typeof en> = { en, es, ar };

/** web/admin and web/analytics translate with this (it knows the common keys too). */
export const { t, rich } = translator(merge(common, admin));
