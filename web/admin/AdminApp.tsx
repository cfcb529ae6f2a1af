import type { SessionUser } from "../../protocol/api.ts";
import { ClassSessions } from "../analytics/ClassSessions.tsx";
import { SessionDashboard } from "../analytics/SessionDashboard.tsx";
import { AppHeader } from "../components/AppHeader.tsx";
import { RequireUser } from "../components/RequireUser.tsx";
import { type AdminKey, t } from "../i18n/admin.ts";
import { onLinkClick, usePath } from "../lib/router.ts";
import { AdminAudit } from "./AdminAudit.tsx";
import { AdminClasses } from "./AdminClasses.tsx";
import { AdminConsole } from "./AdminConsole.tsx";
import { AdminHome } from "./AdminHome.tsx";
import { AdminUsers } from "./AdminUsers.tsx";
import "../analytics/dashboard.css";
import "./admin.css";

/**
 * The admin area: admins only. `/admin` is the overview (where an admin lands after
 * signing in), `/admin/users` the user directory, `/admin/classes` every class,
 * `/admin/audit` the audit log; per class, `/admin/classes/:id/console` is the
 * live moderation console and `/admin/classes/:id/analytics[/:session]` its dashboards.
 */
export function AdminApp() {
  return (
    <RequireUser
      roles={["admin"]}
      deniedTitle={t("admin.app.adminsOnly")}
      deniedText={t("admin.app.adminsOnlyText")}
    >
      {(user) => <Admin user={user} />}
    </RequireUser>
  );
}

const ID = "([A-Za-z0-9_-]{1,64})";

function Admin(props: { user: SessionUser }) {
  const path = usePath();
  const consoleOf = new RegExp(`^/admin/classes/${ID}/console/?$`).exec(path)?.[1];
  const analytics = new RegExp(`^/admin/classes/${ID}/analytics(?:/${ID})?/?$`).exec(path);
  if (analytics) {
    const [, classId, sessionId] = analytics;
    return (
      <>
        <Header user={props.user} />
        {sessionId ? (
          <SessionDashboard sessionId={sessionId} back={`/admin/classes/${classId}/analytics`} />
        ) : (
          <ClassSessions
            classId={classId!}
            base={`/admin/classes/${classId}/analytics`}
            back="/admin/classes"
          />
        )}
      </>
    );
  }
  const tab =
    consoleOf || /^\/admin\/classes\/?$/.test(path)
      ? "classes"
      : /^\/admin\/audit\/?$/.test(path)
        ? "audit"
        : /^\/admin\/users\/?$/.test(path)
          ? "users"
          : "home";
  const link = (href: string, name: typeof tab, label: AdminKey) => (
    <a href={href} onClick={onLinkClick} aria-current={tab === name ? "page" : undefined}>
      {t(label)}
    </a>
  );
  return (
    <>
      <Header user={props.user} />
      <main id="main" class="wide">
        <h1>{t("admin.app.title")}</h1>
        <nav class="tabs" aria-label={t("admin.app.sections")}>
          {link("/admin", "home", "admin.app.overview")}
          {link("/admin/users", "users", "admin.app.users")}
          {link("/admin/classes", "classes", "admin.app.classes")}
          {link("/admin/audit", "audit", "admin.app.audit")}
        </nav>
        {consoleOf ? (
          <AdminConsole classId={consoleOf} />
        ) : tab === "classes" ? (
          <AdminClasses />
        ) : tab === "audit" ? (
          <AdminAudit />
        ) : tab === "users" ? (
          <AdminUsers self={props.user} />
        ) : (
          <AdminHome />
        )}
      </main>
    </>
  );
}

function Header(props: { user: SessionUser }) {
  return (
    <AppHeader user={props.user}>
      <a class="btn btn-quiet" href="/studio">
        {t("admin.app.studio")}
      </a>
    </AppHeader>
  );
}
