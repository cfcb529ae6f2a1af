/** PROVISIONAL until the shared i18n module lands: `t()` over the admin catalog (web/i18n/admin.ts). */
import * as admin from "../i18n/admin.ts";
import { makeT } from "../studio/i18n.ts";

export { dateTime, num } from "../studio/i18n.ts";
export type AdminKey = keyof typeof admin.en;
export const t = makeT<AdminKey>(admin);
