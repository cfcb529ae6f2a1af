import { useEffect, useState } from "preact/hooks";
import { ROLES, type Role } from "../../protocol/api.constants.ts";
import type {
  AdminUpdateUserBody,
  AdminUser,
  SessionUser,
  TeacherInvite,
} from "../../protocol/api.ts";
import { CopyButton } from "../components/CopyButton.tsx";
import { Notice } from "../components/Notice.tsx";
import { isolate, UserText } from "../components/UserText.tsx";
import { t } from "../i18n/admin.ts";
import { formatDate } from "../i18n/core.ts";
import { call, client, errorMessage } from "../lib/api.ts";

/** The user directory: search, change role, disable or enable. */
export function AdminUsers(props: { self: SessionUser }) {
  const [q, setQ] = useState("");
  const [users, setUsers] = useState<AdminUser[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState<string | null>(null);

  useEffect(() => {
    let stale = false;
    // Debounce typing so each keystroke does not hit D1.
    const timer = setTimeout(() => {
      call(client.admin.users.$get({ query: { q: q.trim() } })).then(
        (res) => {
          if (stale) return;
          setUsers(res.users);
          setError(null);
        },
        (err) => !stale && setError(errorMessage(err)),
      );
    }, 250);
    return () => {
      stale = true;
      clearTimeout(timer);
    };
  }, [q]);

  const update = async (user: AdminUser, patch: AdminUpdateUserBody) => {
    setPending(user.id);
    setError(null);
    try {
      const res = await call(
        client.admin.users[":id"].$patch({
          param: { id: encodeURIComponent(user.id) },
          json: patch,
        }),
      );
      setUsers((list) => list?.map((u) => (u.id === user.id ? res.user : u)) ?? null);
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setPending(null);
    }
  };

  return (
    <section aria-labelledby="users-title" data-testid="admin-users">
      <h2 id="users-title" class="visually-hidden">
        {t("admin.app.users")}
      </h2>
      <search class="search">
        <label for="user-search">{t("admin.users.search")}</label>
        <input
          id="user-search"
          type="search"
          placeholder={t("admin.users.searchPlaceholder")}
          value={q}
          onInput={(e) => setQ(e.currentTarget.value)}
        />
      </search>
      <TeacherInviteLink />
      {error ? <Notice>{error}</Notice> : null}
      {users === null ? <p class="muted">{t("admin.users.loading")}</p> : null}
      {users && users.length === 0 ? (
        <p class="muted">{t("admin.users.none", { q: isolate(q) })}</p>
      ) : null}
      {users && users.length > 0 ? (
        <div class="table-wrap">
          <table class="table">
            <thead>
              <tr>
                <th scope="col">{t("admin.users.col.name")}</th>
                <th scope="col">{t("admin.users.col.email")}</th>
                <th scope="col">{t("admin.users.col.role")}</th>
                <th scope="col">{t("admin.users.col.status")}</th>
              </tr>
            </thead>
            <tbody>
              {users.map((u) => {
                const self = u.id === props.self.id;
                const busy = pending === u.id;
                return (
                  <tr
                    key={u.id}
                    data-testid="admin-user-row"
                    data-user-id={u.id}
                    class={u.disabled ? "row-disabled" : ""}
                  >
                    <td data-label={t("admin.users.col.name")}>
                      <UserText text={u.displayName} clip />
                      {self ? <span class="badge">{t("admin.users.you")}</span> : null}
                    </td>
                    <td class="cell-email" data-label={t("admin.users.col.email")}>
                      <UserText text={u.email} />
                    </td>
                    <td data-label={t("admin.users.col.role")}>
                      <select
                        aria-label={t("admin.users.roleOf", { name: isolate(u.displayName) })}
                        value={u.role}
                        disabled={self || busy}
                        onChange={(e) => void update(u, { role: e.currentTarget.value as Role })}
                      >
                        {ROLES.map((r) => (
                          <option key={r} value={r}>
                            {t(`admin.role.${r}` as const)}
                          </option>
                        ))}
                      </select>
                    </td>
                    <td data-label={t("admin.users.col.status")}>
                      <button
                        type="button"
                        class={
                          u.disabled ? "btn btn-secondary btn-small" : "btn btn-danger btn-small"
                        }
                        aria-label={t(
                          u.disabled ? "admin.users.enableName" : "admin.users.disableName",
                          {
                            name: isolate(u.displayName),
                          },
                        )}
                        disabled={self || busy}
                        onClick={() => void update(u, { disabled: !u.disabled })}
                      >
                        {t(u.disabled ? "admin.users.enable" : "admin.users.disable")}
                      </button>
                      {u.disabled ? (
                        <span class="badge badge-warn">{t("admin.users.disabled")}</span>
                      ) : null}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      ) : null}
    </section>
  );
}

/** Sign-up makes students; this makes a single-use link that signs up a teacher instead. */
function TeacherInviteLink() {
  const [invite, setInvite] = useState<TeacherInvite | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const create = async () => {
    setBusy(true);
    setError(null);
    try {
      setInvite(await call(client.admin.invites.$post()));
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div class="inline teacher-invite" data-testid="teacher-invite">
      <button type="button" class="btn btn-secondary btn-small" disabled={busy} onClick={create}>
        {t("admin.users.invite")}
      </button>
      {invite ? (
        <>
          <code class="cell-email" data-testid="teacher-invite-url">
            {invite.url}
          </code>
          <CopyButton text={invite.url} testId="copy-teacher-invite" />
          <small class="muted">
            {t("admin.users.inviteValid", {
              until: formatDate(invite.expiresAt, { dateStyle: "medium", timeStyle: "short" }),
            })}
          </small>
        </>
      ) : null}
      {error ? <Notice>{error}</Notice> : null}
    </div>
  );
}
