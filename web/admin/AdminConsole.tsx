/**
 * The admin moderation console for any class (`/admin/classes/:id/console`): the studio's
 * own chat and moderation panel (the class-wide moderation queue with section peeks,
 * global channel, any section, rejections with the rule that fired, delete / timeout /
 * ban / slow mode / blocked words, reaction counts) and its interactive
 * panel (pending questions, hands, polls) on one classroom socket — admins join every
 * class as its teacher (worker/routes/tickets.ts). No media controls: admins moderate,
 * teachers broadcast.
 */
import { useEffect, useState } from "preact/hooks";
import type { ClassPublic } from "../../protocol/api.ts";
import { Notice, PageMessage } from "../components/Notice.tsx";
import { isolate, UserText } from "../components/UserText.tsx";
import { t } from "../i18n/admin.ts";
import { call, client, errorMessage, isApiError } from "../lib/api.ts";
import { useClassroom } from "../lib/classroom-hooks.ts";
import { onLinkClick } from "../lib/router.ts";
import { InteractiveStudio } from "../studio/InteractiveStudio.tsx";
import { StudioChat } from "../studio/StudioChat.tsx";

export function AdminConsole(props: { classId: string }) {
  const [cls, setCls] = useState<ClassPublic | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    call(client.classes[":id"].$get({ param: { id: encodeURIComponent(props.classId) } })).then(
      (res) => {
        document.title = t("admin.console.docTitle", { title: isolate(res.class.title) });
        setCls(res.class);
      },
      (err) =>
        setError(isApiError(err, "not_found") ? t("admin.console.noSuchClass") : errorMessage(err)),
    );
  }, [props.classId]);
  if (error)
    return (
      <PageMessage title={t("admin.console.failed")}>
        <Notice>{error}</Notice>
      </PageMessage>
    );
  if (!cls) return <PageMessage title={t("admin.console.loading")} />;
  return (
    <div class="live-studio" data-testid="admin-console">
      <p class="muted">
        <a href="/admin/classes" onClick={onLinkClick}>
          {t("admin.console.allClasses")}
        </a>
      </p>
      <header class="card studio-header">
        <h2 class="class-title">
          <UserText text={cls.title} />
        </h2>
        <p class="class-meta">{t("admin.console.meta", { teacher: isolate(cls.teacherName) })}</p>
      </header>
      <ConsoleRoom cls={cls} />
    </div>
  );
}

function ConsoleRoom(props: { cls: ClassPublic }) {
  const room = useClassroom(props.cls.id);
  return (
    <>
      <StudioChat cls={props.cls} manage={false} room={room} />
      <InteractiveStudio cls={props.cls} room={room} teacher={false} />
    </>
  );
}
