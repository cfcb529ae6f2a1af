/**
 * Every teacher's classes (`GET /api/admin/classes`), filtered by live now / scheduled /
 * past and searchable by title or teacher, with the moderation console, analytics and
 * studio of each.
 */
import { useEffect, useState } from "preact/hooks";
import { CLASS_STATUSES, type ClassStatus } from "../../protocol/admin.constants.ts";
import type { AdminClass } from "../../protocol/admin.ts";
import { Notice } from "../components/Notice.tsx";
import { UserText } from "../components/UserText.tsx";
import { type AdminKey, t } from "../i18n/admin.ts";
import { formatDate } from "../i18n/core.ts";
import { call, client, errorMessage } from "../lib/api.ts";
import { onLinkClick } from "../lib/router.ts";

const FILTER_LABEL: Record<ClassStatus, AdminKey> = {
  all: "admin.classes.filter.all",
  live: "admin.classes.filter.live",
  scheduled: "admin.classes.filter.scheduled",
  past: "admin.classes.filter.past",
};
const FILTERS: [ClassStatus, AdminKey][] = CLASS_STATUSES.map((s) => [s, FILTER_LABEL[s]]);

export function AdminClasses() {
  const [status, setStatus] = useState<ClassStatus>(() => {
    const s = new URLSearchParams(location.search).get("status");
    return FILTERS.find(([value]) => value === s)?.[0] ?? "all";
  });
  const [q, setQ] = useState("");
  const [classes, setClasses] = useState<AdminClass[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    const timer = setTimeout(() => {
      call(client.admin.classes.$get({ query: { status, q } })).then(
        (res) => {
          if (!live) return;
          setClasses(res.classes);
          setError(null);
        },
        (err) => live && setError(errorMessage(err)),
      );
    }, 200);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [status, q]);
  return (
    <section aria-labelledby="classes-title" data-testid="admin-classes">
      <h2 id="classes-title" class="visually-hidden">
        {t("admin.app.classes")}
      </h2>
      <div class="filter-bar">
        <fieldset class="segmented">
          <legend class="visually-hidden">{t("admin.classes.show")}</legend>
          {FILTERS.map(([value, label]) => (
            <button
              key={value}
              type="button"
              class="btn btn-small btn-secondary"
              aria-pressed={status === value}
              onClick={() => setStatus(value)}
            >
              {t(label)}
            </button>
          ))}
        </fieldset>
        <input
          class="search-input"
          type="search"
          placeholder={t("admin.classes.searchPlaceholder")}
          aria-label={t("admin.classes.search")}
          value={q}
          onInput={(e) => setQ((e.currentTarget as HTMLInputElement).value)}
        />
      </div>
      {error ? <Notice>{error}</Notice> : null}
      {classes === null && !error ? <p class="muted">{t("admin.classes.loading")}</p> : null}
      {classes && classes.length === 0 ? <p class="muted">{t("admin.classes.none")}</p> : null}
      {classes && classes.length > 0 ? (
        <ul class="class-list">
          {classes.map((cls) => (
            <li
              key={cls.id}
              class="card class-card"
              data-testid="class-card"
              data-class-id={cls.id}
            >
              <div class="class-card-head">
                <div>
                  <h3 class="class-card-title">
                    <UserText text={cls.title} />{" "}
                    {cls.live ? (
                      <span class="badge badge-ok">{t("admin.classes.liveBadge")}</span>
                    ) : null}
                  </h3>
                  <p class="class-meta">
                    <UserText text={cls.teacherName} /> ·{" "}
                    {cls.scheduledStart
                      ? formatDate(cls.scheduledStart, { dateStyle: "medium", timeStyle: "short" })
                      : t("admin.classes.notScheduled")}
                  </p>
                </div>
                <div class="class-card-actions">
                  <a
                    class="btn btn-primary btn-small"
                    href={`/admin/classes/${cls.id}/console`}
                    onClick={onLinkClick}
                    data-testid="open-console"
                  >
                    {t("admin.home.console")}
                  </a>
                  <a
                    class="btn btn-secondary btn-small"
                    href={`/admin/classes/${cls.id}/analytics`}
                    onClick={onLinkClick}
                  >
                    {t("admin.classes.analytics")}
                  </a>
                  <a
                    class="btn btn-quiet btn-small"
                    href={`/admin/audit?class=${encodeURIComponent(cls.title)}`}
                    onClick={onLinkClick}
                  >
                    {t("admin.app.audit")}
                  </a>
                  <a class="btn btn-quiet btn-small" href={`/studio/${cls.id}`}>
                    {t("admin.app.studio")}
                  </a>
                </div>
              </div>
            </li>
          ))}
        </ul>
      ) : null}
    </section>
  );
}
