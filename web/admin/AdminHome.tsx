/**
 * The admin's landing page (`/admin`, where an admin lands after signing in): how many
 * classes are live now and who teaches them, how many accounts there are, the newest
 * audit entries, and links to the rest of the admin area.
 */
import { useEffect, useState } from "preact/hooks";
import type { AdminAuditPage, AdminClass, AdminOverview } from "../../protocol/admin.ts";
import { Notice } from "../components/Notice.tsx";
import { UserText } from "../components/UserText.tsx";
import { type AdminKey, t } from "../i18n/admin.ts";
import { formatNumber } from "../i18n/core.ts";
import { call, client, errorMessage } from "../lib/api.ts";
import { onLinkClick } from "../lib/router.ts";
import { AuditTable } from "./AdminAudit.tsx";

export function AdminHome() {
  const [overview, setOverview] = useState<AdminOverview | null>(null);
  const [live, setLive] = useState<AdminClass[] | null>(null);
  const [audit, setAudit] = useState<AdminAuditPage | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let on = true;
    const fail = (err: unknown) => on && setError(errorMessage(err));
    call(client.admin.overview.$get()).then((o) => on && setOverview(o), fail);
    call(client.admin.classes.$get({ query: { status: "live" } })).then(
      (r) => on && setLive(r.classes),
      fail,
    );
    call(client.admin.audit.$get({ query: { limit: "8" } })).then((p) => on && setAudit(p), fail);
    return () => {
      on = false;
    };
  }, []);
  const stat = (value: number | undefined, label: AdminKey, href: string, testId: string) => (
    <a class="card admin-stat" href={href} onClick={onLinkClick} data-testid={testId}>
      <span class="admin-stat-value">{value === undefined ? "…" : formatNumber(value)}</span>
      <span class="admin-stat-label">{t(label, { count: value ?? 0 })}</span>
    </a>
  );
  return (
    <section aria-labelledby="overview-title" data-testid="admin-home">
      <h2 id="overview-title" class="visually-hidden">
        {t("admin.app.overview")}
      </h2>
      {error ? <Notice>{error}</Notice> : null}
      <div class="admin-stats">
        {stat(
          overview?.liveClasses,
          "admin.home.stat.live",
          "/admin/classes?status=live",
          "stat-live",
        )}
        {stat(overview?.classes, "admin.home.stat.classes", "/admin/classes", "stat-classes")}
        {stat(overview?.users, "admin.home.stat.accounts", "/admin/users", "stat-users")}
        {stat(overview?.teachers, "admin.home.stat.teachers", "/admin/users", "stat-teachers")}
      </div>
      <div class="admin-home-grid">
        <section class="card admin-home-box" aria-labelledby="live-title">
          <h3 id="live-title">{t("admin.home.liveNow")}</h3>
          {live === null ? <p class="muted">{t("common.loading")}</p> : null}
          {live && live.length === 0 ? <p class="muted">{t("admin.home.noneLive")}</p> : null}
          {live && live.length > 0 ? (
            <ul class="plain-list admin-live-list">
              {live.slice(0, 6).map((c) => (
                <li key={c.id} data-testid="live-class">
                  <span class="admin-live-name">
                    <strong>
                      <UserText text={c.title} clip />
                    </strong>
                    <span class="muted">
                      <UserText text={c.teacherName} clip />
                    </span>
                  </span>
                  <a
                    class="btn btn-small btn-primary"
                    href={`/admin/classes/${c.id}/console`}
                    onClick={onLinkClick}
                  >
                    {t("admin.home.console")}
                  </a>
                </li>
              ))}
            </ul>
          ) : null}
          {live && live.length > 6 ? (
            <p>
              <a href="/admin/classes?status=live" onClick={onLinkClick}>
                {t("admin.home.allLive", { count: live.length })}
              </a>
            </p>
          ) : null}
        </section>
        <section class="card admin-home-box" aria-labelledby="links-title">
          <h3 id="links-title">{t("admin.home.manage")}</h3>
          <ul class="plain-list admin-links">
            <li>
              <a href="/admin/users" onClick={onLinkClick}>
                {t("admin.app.users")}
              </a>{" "}
              <span class="muted">{t("admin.home.usersHint")}</span>
            </li>
            <li>
              <a href="/admin/classes" onClick={onLinkClick}>
                {t("admin.app.classes")}
              </a>{" "}
              <span class="muted">{t("admin.home.classesHint")}</span>
            </li>
            <li>
              <a href="/admin/audit" onClick={onLinkClick}>
                {t("admin.app.audit")}
              </a>{" "}
              <span class="muted">{t("admin.home.auditHint")}</span>
            </li>
            <li>
              <a href="/studio">{t("admin.app.studio")}</a>{" "}
              <span class="muted">{t("admin.home.studioHint")}</span>
            </li>
          </ul>
        </section>
      </div>
      <section class="admin-home-audit" aria-labelledby="recent-title">
        <h3 id="recent-title">{t("admin.home.recent")}</h3>
        {audit === null ? <p class="muted">{t("common.loading")}</p> : null}
        {audit && audit.entries.length === 0 ? (
          <p class="muted">{t("admin.home.noAudit")}</p>
        ) : null}
        {audit && audit.entries.length > 0 ? <AuditTable entries={audit.entries} compact /> : null}
        <p>
          <a href="/admin/audit" onClick={onLinkClick}>
            {t("admin.home.fullAudit")}
          </a>
        </p>
      </section>
    </section>
  );
}
