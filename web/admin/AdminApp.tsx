import type { SessionUser } from "../../protocol/api.ts";
import { AppHeader } from "../components/AppHeader.tsx";
import { RequireUser } from "../components/RequireUser.tsx";
import { onLinkClick, usePath } from "../lib/router.ts";
import { AdminClasses } from "./AdminClasses.tsx";
import { AdminUsers } from "./AdminUsers.tsx";

/** The admin area: admins only. `/admin` is the user directory, `/admin/classes` every class. */
export function AdminApp() {
  return (
    <RequireUser
      roles={["admin"]}
      deniedTitle="Admins only"
      deniedText="This area is for Mass Class administrators."
    >
      {(user) => <Admin user={user} />}
    </RequireUser>
  );
}

function Admin(props: { user: SessionUser }) {
  const path = usePath();
  const tab = /^\/admin\/classes\/?$/.test(path) ? "classes" : "users";
  return (
    <>
      <AppHeader user={props.user}>
        <a class="btn btn-quiet" href="/studio">
          Studio
        </a>
      </AppHeader>
      <main class="wide">
        <h1>Admin</h1>
        <nav class="tabs" aria-label="Admin sections">
          <a
            href="/admin"
            onClick={onLinkClick}
            aria-current={tab === "users" ? "page" : undefined}
          >
            Users
          </a>
          <a
            href="/admin/classes"
            onClick={onLinkClick}
            aria-current={tab === "classes" ? "page" : undefined}
          >
            Classes
          </a>
        </nav>
        {tab === "users" ? <AdminUsers self={props.user} /> : <AdminClasses />}
      </main>
    </>
  );
}
