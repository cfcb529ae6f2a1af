import { t } from "../i18n/common.ts";
import { LOCALE_NAMES, LOCALES, type Locale, locale, setLocale } from "../i18n/core.ts";

/**
 * The language menu in every page's header: each language named in itself (so a person
 * who cannot read the current one still finds theirs). The choice is kept in this browser
 * (web/i18n/core.ts) and the page switches at once, live class included.
 */
export function LanguagePicker() {
  const current = locale();
  return (
    <label class="lang-picker">
      <svg class="lang-picker-icon" viewBox="0 0 24 24" width="18" height="18" aria-hidden="true">
        <circle cx="12" cy="12" r="9" fill="none" stroke="currentColor" stroke-width="2" />
        <path
          d="M3 12h18M12 3c2.5 2.7 3.8 5.7 3.8 9s-1.3 6.3-3.8 9c-2.5-2.7-3.8-5.7-3.8-9S9.5 5.7 12 3z"
          fill="none"
          stroke="currentColor"
          stroke-width="2"
        />
      </svg>
      <span class="visually-hidden">{t("common.language")}</span>
      <select
        class="lang-picker-select"
        value={current}
        data-testid="language-picker"
        onChange={(e) => void setLocale(e.currentTarget.value as Locale)}
      >
        {LOCALES.map((l) => (
          <option key={l} value={l} lang={l}>
            {LOCALE_NAMES[l]}
          </option>
        ))}
      </select>
    </label>
  );
}
