import { useEffect, useState } from "preact/hooks";
import type { ClassDetail } from "../../protocol/api.ts";
import { JoinLink } from "../components/CopyButton.tsx";
import { Notice } from "../components/Notice.tsx";
import { isolate, UserText } from "../components/UserText.tsx";
import { t } from "../i18n/studio.ts";
import { call, client, errorMessage, isApiError } from "../lib/api.ts";
import { formatStart } from "../lib/format.ts";
import { redirectToSignIn } from "../lib/nav.ts";
import { onLinkClick } from "../lib/router.ts";
import { ClassForm } from "./ClassForm.tsx";
import { YouTubeConnect } from "./YouTubeConnect.tsx";

/** `/studio`: the teacher's classes, with create and edit. */
export function ClassListPage() {
  const [classes, setClasses] = useState<ClassDetail[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [creating, setCreating] = useState(false);
  const [editing, setEditing] = useState<string | null>(null);
  const [flash, setFlash] = useState<string | null>(null);

  useEffect(() => {
    call(client.classes.$get()).then(
      (res) => {
        setClasses(res.classes);
        if (res.classes.length === 0) setCreating(true);
      },
      (err) => {
        if (isApiError(err, "unauthenticated")) redirectToSignIn();
        else setError(errorMessage(err));
      },
    );
  }, []);

  const saved = (cls: ClassDetail, isNew: boolean) => {
    setClasses((list) =>
      isNew ? [cls, ...(list ?? [])] : (list ?? []).map((c) => (c.id === cls.id ? cls : c)),
    );
    setCreating(false);
    setEditing(null);
    setFlash(
      t(isNew ? "studio.list.created" : "studio.setup.saved", { title: isolate(cls.title) }),
    );
  };

  return (
    <main id="main" class="wide" data-testid="studio-classes">
      <div class="page-head">
        <h1>{t("studio.studio.myClasses")}</h1>
        {creating ? null : (
          <button
            type="button"
            class="btn btn-primary"
            data-testid="new-class"
            onClick={() => {
              setCreating(true);
              setFlash(null);
            }}
          >
            {t("studio.list.newClass")}
          </button>
        )}
      </div>
      <YouTubeConnect />
      {flash ? (
        <Notice kind="success" testId="flash">
          {flash}
        </Notice>
      ) : null}
      {error ? <Notice>{error}</Notice> : null}
      {creating ? (
        <ClassForm
          onSaved={(cls) => saved(cls, true)}
          onCancel={classes && classes.length > 0 ? () => setCreating(false) : undefined}
        />
      ) : null}
      {classes === null && !error ? <p class="muted">{t("studio.list.loading")}</p> : null}
      {classes && classes.length === 0 && !creating ? (
        <p class="muted">{t("studio.list.none")}</p>
      ) : null}
      {classes && classes.length > 0 ? (
        <ul class="class-list" aria-label={t("studio.list.classes")}>
          {classes.map((cls) =>
            editing === cls.id ? (
              <li key={cls.id}>
                <ClassForm
                  initial={cls}
                  onSaved={(c) => saved(c, false)}
                  onCancel={() => setEditing(null)}
                />
              </li>
            ) : (
              <li
                key={cls.id}
                class="card class-card"
                data-testid="class-card"
                data-class-id={cls.id}
              >
                <div class="class-card-head">
                  <div>
                    <h2 class="class-card-title">
                      <UserText text={cls.title} />
                    </h2>
                    <p class="class-meta">
                      {formatStart(cls.scheduledStart)}
                      {cls.guestAccess ? (
                        <span class="badge">{t("studio.list.guests")}</span>
                      ) : null}
                      {cls.hasStreamKey ? (
                        <span class="badge badge-ok">{t("studio.form.keyStored")}</span>
                      ) : null}
                    </p>
                  </div>
                  <div class="class-card-actions">
                    <a
                      class="btn btn-primary btn-small"
                      href={`/studio/${cls.id}`}
                      onClick={onLinkClick}
                    >
                      {t("studio.list.openStudio")}
                    </a>
                    <a
                      class="btn btn-secondary btn-small"
                      href={`/studio/${cls.id}/analytics`}
                      onClick={onLinkClick}
                      data-testid="class-analytics"
                    >
                      {t("studio.list.analytics")}
                    </a>
                    <button
                      type="button"
                      class="btn btn-secondary btn-small"
                      data-testid="edit-class"
                      onClick={() => {
                        setEditing(cls.id);
                        setFlash(null);
                      }}
                    >
                      {t("studio.list.edit")}
                    </button>
                  </div>
                </div>
                {cls.description ? (
                  <p class="class-description">
                    <UserText text={cls.description} />
                  </p>
                ) : null}
                <JoinLink url={cls.joinUrl} />
              </li>
            ),
          )}
        </ul>
      ) : null}
    </main>
  );
}
