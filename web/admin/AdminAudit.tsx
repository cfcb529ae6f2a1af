/**
 * The audit log (`GET /api/admin/audit`): every admin action (role changes, disabling
 * accounts, moderator grants) and every moderator action in a class (delete, timeout,
 * ban, settings…), newest first, paged. Everything is shown by name — people (guests as
 * "Name (guest)"), classes by title, messages as "Section 1, message 31" — with the raw
 * id on hover and a Copy id button. The filters take names too: the class title and the
 * actor's name or email are resolved to ids by the server (`classQuery`, `actorQuery`).
 */
import { useEffect, useState } from "preact/hooks";
import type { AdminAuditEntry } from "../../protocol/admin.ts";
import { Named } from "../components/Named.tsx";
import { Notice } from "../components/Notice.tsx";
import { UserText } from "../components/UserText.tsx";
import { t } from "../i18n/admin.ts";
import { formatDate } from "../i18n/core.ts";
import { call, client, errorMessage } from "../lib/api.ts";
import { ACTION_LABELS, actionLabel, detailText, messageName, targetKind } from "./names.ts";

interface Filters {
  classQuery: string;
  actorQuery: string;
  action: string;
}

/** Filters from the address (`/admin/audit?class=Physics`), so other pages can link here. */
function initialFilters(): Filters {
  const q = new URLSearchParams(location.search);
  return {
    classQuery: q.get("class") ?? "",
    actorQuery: q.get("actor") ?? "",
    action: q.get("action") ?? "",
  };
}

export function AdminAudit() {
  const [filters, setFilters] = useState<Filters>(initialFilters);
  const [entries, setEntries] = useState<AdminAuditEntry[]>([]);
  const [next, setNext] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const titles = useClassTitles(filters.classQuery);

  const load = (before: number | null) => {
    const query: Record<string, string> = { limit: "50" };
    for (const [k, v] of Object.entries(filters)) if (v.trim()) query[k] = v.trim();
    if (before) query.before = String(before);
    setLoading(true);
    call(client.admin.audit.$get({ query })).then(
      (page) => {
        setEntries((old) => (before ? [...old, ...page.entries] : page.entries));
        setNext(page.next);
        setError(null);
        setLoading(false);
      },
      (err) => {
        setError(errorMessage(err));
        setLoading(false);
      },
    );
  };
  useEffect(() => {
    const timer = setTimeout(() => load(null), 250);
    return () => clearTimeout(timer);
  }, [filters]);

  const set = (k: keyof Filters) => (e: Event) =>
    setFilters({ ...filters, [k]: (e.currentTarget as HTMLInputElement).value });
  return (
    <section aria-labelledby="audit-title" data-testid="admin-audit">
      <h2 id="audit-title" class="visually-hidden">
        {t("admin.app.audit")}
      </h2>
      <div class="filter-bar">
        <input
          class="search-input"
          type="search"
          placeholder={t("admin.audit.classTitle")}
          aria-label={t("admin.audit.classTitle")}
          list="audit-class-titles"
          value={filters.classQuery}
          onInput={set("classQuery")}
          data-testid="audit-class-filter"
        />
        <datalist id="audit-class-titles">
          {titles.map((title) => (
            <option key={title} value={title} />
          ))}
        </datalist>
        <input
          class="search-input"
          type="search"
          placeholder={t("admin.audit.who")}
          aria-label={t("admin.audit.who")}
          value={filters.actorQuery}
          onInput={set("actorQuery")}
          data-testid="audit-actor-filter"
        />
        <select
          aria-label={t("admin.audit.action")}
          value={filters.action}
          onChange={set("action")}
        >
          <option value="">{t("admin.audit.allActions")}</option>
          {Object.entries(ACTION_LABELS).map(([a, label]) => (
            <option key={a} value={a}>
              {t(label)}
            </option>
          ))}
        </select>
      </div>
      {error ? <Notice>{error}</Notice> : null}
      <AuditTable entries={entries} />
      {entries.length === 0 && !loading ? <p class="muted">{t("admin.audit.none")}</p> : null}
      {next ? (
        <p>
          <button
            type="button"
            class="btn btn-secondary"
            disabled={loading}
            onClick={() => load(next)}
          >
            {t("admin.audit.older")}
          </button>
        </p>
      ) : null}
    </section>
  );
}

/** Audit entries as a table (cards on a phone); also the landing page's recent entries. */
export function AuditTable(props: { entries: AdminAuditEntry[]; compact?: boolean }) {
  return (
    <div class="table-wrap">
      <table class="table table-cards audit-table">
        <thead>
          <tr>
            <th scope="col">{t("admin.audit.col.when")}</th>
            <th scope="col">{t("admin.audit.col.who")}</th>
            <th scope="col">{t("admin.audit.action")}</th>
            <th scope="col">{t("admin.audit.col.target")}</th>
            <th scope="col">{t("admin.audit.col.class")}</th>
            {props.compact ? null : <th scope="col">{t("admin.audit.col.detail")}</th>}
          </tr>
        </thead>
        <tbody>
          {props.entries.map((e) => (
            <tr key={e.id} data-testid="audit-row" data-action={e.action}>
              <td data-label={t("admin.audit.col.when")} class="cell-when">
                {formatDate(e.at, {
                  dateStyle: "short",
                  timeStyle: props.compact ? "short" : "medium",
                })}
              </td>
              <td data-label={t("admin.audit.col.who")}>
                <Named id={e.actorId} name={e.actorName} testId="audit-actor" />
              </td>
              <td data-label={t("admin.audit.action")} title={e.action}>
                {actionLabel(e.action)}
              </td>
              <td data-label={t("admin.audit.col.target")}>
                <Target entry={e} />
              </td>
              <td data-label={t("admin.audit.col.class")}>
                {e.classId ? (
                  <Named id={e.classId} name={e.classTitle} kind="class" testId="audit-class" />
                ) : (
                  <span class="muted">—</span>
                )}
              </td>
              {props.compact ? null : (
                <td data-label={t("admin.audit.col.detail")} class="cell-detail">
                  <UserText text={detailText(e.detail)} />
                </td>
              )}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Target(props: { entry: AdminAuditEntry }) {
  const { action, target, targetName } = props.entry;
  const kind = targetKind(action, target);
  if (kind === "none" || target === null) return <span class="muted">—</span>;
  if (kind === "message")
    return (
      <span
        class="named-text"
        title={t("admin.audit.idTitle", { id: target })}
        data-testid="audit-target"
      >
        {messageName(target) ?? t("admin.audit.aMessage")}
      </span>
    );
  return <Named id={target} name={targetName} testId="audit-target" />;
}

/** Class titles matching what is typed so far, for the class filter's suggestions. */
function useClassTitles(q: string): string[] {
  const [titles, setTitles] = useState<string[]>([]);
  useEffect(() => {
    const text = q.trim();
    if (!text) return setTitles([]);
    let live = true;
    const timer = setTimeout(() => {
      call(client.admin.classes.$get({ query: { status: "all", q: text } })).then(
        (res) => live && setTitles([...new Set(res.classes.map((c) => c.title))].slice(0, 20)),
        () => live && setTitles([]),
      );
    }, 250);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [q]);
  return titles;
}
