/** PROVISIONAL until the shared i18n module lands: `t()` over the analytics catalog (web/i18n/analytics.ts). */
import * as analytics from "../i18n/analytics.ts";
import { makeT } from "../studio/i18n.ts";

export { dateTime, num } from "../studio/i18n.ts";
export type AnalyticsKey = keyof typeof analytics.en;
export const t = makeT<AnalyticsKey>(analytics);
