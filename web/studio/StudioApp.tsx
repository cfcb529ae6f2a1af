import type { SessionUser } from "../../protocol/api.ts";
import { ClassSessions } from "../analytics/ClassSessions.tsx";
import { SessionDashboard } from "../analytics/SessionDashboard.tsx";
import { AppHeader } from "../components/AppHeader.tsx";
import { RequireUser } from "../components/RequireUser.tsx";
import { t } from "../i18n/studio.ts";
import { onLinkClick, usePath } from "../lib/router.ts";
import { ClassListPage } from "./ClassListPage.tsx";
import { ClassSetup } from "./ClassSetup.tsx";
import { LiveStudio } from "./LiveStudio.tsx";

/**
 * The studio. `/studio` lists a teacher's classes; `/studio/:id` is one class's live
 * studio — for its teacher (and admins), or its per-class moderators (any account).
 * `/studio/:id/analytics` lists the class's sessions, `/studio/:id/analytics/:session`
 * is one session's dashboard (teacher and admins); `/studio/:id/setup` is the class's set-up
 * (details, YouTube, chat rules, moderators), apart from the live studio.
 */
export function StudioApp() {
  const perClass = /^\/studio\/[A-Za-z0-9_-]{1,32}\/?$/.test(location.pathname);
  return (
    <RequireUser
      roles={perClass ? ["teacher", "admin", "student"] : ["teacher", "admin"]}
      deniedTitle={t("studio.studio.teachersOnly")}
      deniedText={t("studio.studio.teachersOnlyText")}
    >
      {(user) => <Studio user={user} />}
    </RequireUser>
  );
}

function Studio(props: { user: SessionUser }) {
  const path = usePath();
  const classId = /^\/studio\/([A-Za-z0-9_-]{1,32})\/?$/.exec(path)?.[1];
  const setup = /^\/studio\/([A-Za-z0-9_-]{1,32})\/setup\/?$/.exec(path)?.[1];
  const analytics =
    /^\/studio\/([A-Za-z0-9_-]{1,32})\/analytics(?:\/([A-Za-z0-9_-]{1,64}))?\/?$/.exec(path);
  return (
    <>
      <AppHeader user={props.user}>
        <a
          class="btn btn-quiet"
          href="/studio"
          onClick={onLinkClick}
          aria-current={classId ? undefined : "page"}
        >
          {t("studio.studio.myClasses")}
        </a>
        {props.user.role === "admin" ? (
          <a class="btn btn-quiet" href="/admin">
            {t("studio.studio.admin")}
          </a>
        ) : null}
      </AppHeader>
      {setup ? (
        <ClassSetup classId={setup} />
      ) : analytics?.[2] ? (
        <SessionDashboard sessionId={analytics[2]} back={`/studio/${analytics[1]}/analytics`} />
      ) : analytics?.[1] ? (
        <ClassSessions
          classId={analytics[1]}
          base={`/studio/${analytics[1]}/analytics`}
          back="/studio"
        />
      ) : classId ? (
        <LiveStudio classId={classId} />
      ) : (
        <ClassListPage />
      )}
    </>
  );
}
