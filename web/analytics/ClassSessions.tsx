/**
 * The sessions (live runs) of one class, newest first, each linking to its dashboard.
 * `base` is the path prefix of this page (studio or admin), e.g. `/studio/abc/analytics`.
 */
import { useEffect, useState } from "preact/hooks";
import type { ClassSessionsResponse } from "../../protocol/analytics.ts";
import { Notice, PageMessage } from "../components/Notice.tsx";
import { isolate, UserText } from "../components/UserText.tsx";
import { t } from "../i18n/admin.ts";
import { formatDate, formatNumber } from "../i18n/core.ts";
import { call, client, errorMessage, isApiError } from "../lib/api.ts";
import { onLinkClick } from "../lib/router.ts";

const when = (ms: number) =>
  formatDate(ms, {
    weekday: "short",
    day: "numeric",
    month: "short",
    year: "numeric",
    hour: "2-digit",
    minute: "2-digit",
  });

/** `/…/:classId/analytics`: pick a session. */
export function ClassSessions(props: { classId: string; base: string; back: string }) {
  const [data, setData] = useState<ClassSessionsResponse | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    call(
      client.analytics.classes[":classId"].sessions.$get({
        param: { classId: encodeURIComponent(props.classId) },
      }),
    ).then(
      (d) => {
        document.title = t("admin.analytics.sessions.docTitle", { title: isolate(d.class.title) });
        setData(d);
      },
      (err) =>
        setError(
          isApiError(err, "forbidden")
            ? t("admin.analytics.sessions.forbidden")
            : errorMessage(err),
        ),
    );
  }, [props.classId]);
  if (error)
    return (
      <PageMessage title={t("admin.analytics.sessions.noAnalytics")} testId="sessions-error">
        <Notice>{error}</Notice>
      </PageMessage>
    );
  if (!data) return <PageMessage title={t("admin.analytics.sessions.loading")} />;
  return (
    <main id="main" class="wide" data-testid="class-sessions">
      <p class="muted">
        <a href={props.back} onClick={onLinkClick}>
          {t("admin.analytics.back")}
        </a>
      </p>
      <h1>
        <UserText text={data.class.title} />
        {t("admin.analytics.sessions.heading")}
      </h1>
      {data.sessions.length === 0 ? (
        <p class="muted">{t("admin.analytics.sessions.none")}</p>
      ) : (
        <ul class="class-list">
          {data.sessions.map((s) => {
            const minutes = Math.round(((s.endedAt ?? Date.now()) - s.startedAt) / 60_000);
            return (
              <li key={s.id} class="card class-card" data-testid="session-card">
                <div class="class-card-head">
                  <div>
                    <h2 class="class-card-title">{when(s.startedAt)}</h2>
                    <p class="class-meta">
                      {s.endedAt === null ? (
                        <span class="badge badge-ok">{t("admin.analytics.sessions.live")}</span>
                      ) : null}{" "}
                      {t("admin.analytics.sessions.minutes", { count: minutes })} ·{" "}
                      {t("admin.analytics.sessions.peak", {
                        count: s.peakConcurrency,
                        n: formatNumber(s.peakConcurrency),
                      })}
                    </p>
                  </div>
                  <div class="class-card-actions">
                    <a
                      class="btn btn-primary btn-small"
                      href={`${props.base}/${s.id}`}
                      onClick={onLinkClick}
                    >
                      {t("admin.analytics.sessions.dashboard")}
                    </a>
                  </div>
                </div>
              </li>
            );
          })}
        </ul>
      )}
    </main>
  );
}
