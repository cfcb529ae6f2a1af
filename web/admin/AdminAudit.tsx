/**
 * The audit log (`GET /api/admin/audit`): every admin action (role changes, disabling
 * accounts, moderator grants) and every moderator action in a class (delete, timeout,
 * ban, settings…), newest first, filtered by class, actor and action, paged.
 */
import { useEffect, useState } from "preact/hooks";
import type { AdminAuditEntry, AdminAuditPage } from "../../protocol/admin.ts";
import { Notice } from "../components/Notice.tsx";
import { UserText } from "../components/UserText.tsx";
import { api, errorMessage } from "../lib/api.ts";

/** Actions the filter offers (the log may hold others; any exact name can be typed). */
const ACTIONS = [
  "user.role",
  "user.disable",
  "user.enable",
  "moderator.grant",
  "moderator.revoke",
  "chat.delete",
  "chat.pin",
  "mod.timeout",
  "mod.ban",
  "mod.unban",
  "settings.update",
  "announce",
];

export function AdminAudit() {
  const [filters, setFilters] = useState({ classId: "", actorId: "", action: "" });
  const [entries, setEntries] = useState<AdminAuditEntry[]>([]);
  const [next, setNext] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);

  const load = (before: number | null) => {
    const q = new URLSearchParams({ limit: "50" });
    for (const [k, v] of Object.entries(filters)) if (v.trim()) q.set(k, v.trim());
    if (before) q.set("before", String(before));
    setLoading(true);
    api<AdminAuditPage>("GET", `/admin/audit?${q}`).then(
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
    const t = setTimeout(() => load(null), 250);
    return () => clearTimeout(t);
  }, [filters]);

  const set = (k: keyof typeof filters) => (e: Event) =>
    setFilters({ ...filters, [k]: (e.currentTarget as HTMLInputElement).value });
  return (
    <section aria-labelledby="audit-title" data-testid="admin-audit">
      <h2 id="audit-title" class="visually-hidden">
        Audit log
      </h2>
      <div class="filter-bar">
        <input
          class="search-input"
          placeholder="Class id"
          aria-label="Class id"
          value={filters.classId}
          onInput={set("classId")}
        />
        <input
          class="search-input"
          placeholder="Actor user id"
          aria-label="Actor user id"
          value={filters.actorId}
          onInput={set("actorId")}
        />
        <select aria-label="Action" value={filters.action} onChange={set("action")}>
          <option value="">All actions</option>
          {ACTIONS.map((a) => (
            <option key={a} value={a}>
              {a}
            </option>
          ))}
        </select>
      </div>
      {error ? <Notice>{error}</Notice> : null}
      <div class="table-wrap">
        <table class="table table-cards">
          <thead>
            <tr>
              <th>When</th>
              <th>Who</th>
              <th>Action</th>
              <th>Target</th>
              <th>Class</th>
              <th>Detail</th>
            </tr>
          </thead>
          <tbody>
            {entries.map((e) => (
              <tr key={e.id} data-testid="audit-row" data-action={e.action}>
                <td data-label="When">
                  {new Date(e.at).toLocaleString(undefined, {
                    dateStyle: "short",
                    timeStyle: "medium",
                  })}
                </td>
                <td data-label="Who" title={e.actorId}>
                  <UserText text={e.actorName ?? e.actorId} clip />
                </td>
                <td data-label="Action">
                  <code>{e.action}</code>
                </td>
                <td data-label="Target" title={e.target ?? ""}>
                  <UserText text={e.targetName ?? e.target ?? "—"} clip />
                </td>
                <td data-label="Class" title={e.classId ?? ""}>
                  <UserText text={e.classTitle ?? e.classId ?? "—"} clip />
                </td>
                <td data-label="Detail" class="cell-detail">
                  <UserText text={e.detail ?? ""} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {entries.length === 0 && !loading ? <p class="muted">No entries match.</p> : null}
      {next ? (
        <p>
          <button
            type="button"
            class="btn btn-secondary"
            disabled={loading}
            onClick={() => load(next)}
          >
            Older entries
          </button>
        </p>
      ) : null}
    </section>
  );
}
