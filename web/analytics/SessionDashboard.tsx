/**
 * The dashboard of one class session: headline numbers, charts (concurrency over time,
 * activity per minute, poll results, quiz score distribution), paged attendance and
 * engagement tables, and CSV downloads. Used by the studio (teachers) and the admin area.
 */
import { useEffect, useMemo, useState } from "preact/hooks";
import { ENGAGEMENT_KINDS, type EngagementKind } from "../../protocol/analytics.constants.ts";
import type {
  AttendanceRow,
  SessionDashboard as Dashboard,
  EngagementRow,
  Page,
  PollResult,
} from "../../protocol/analytics.ts";
import { Notice, PageMessage } from "../components/Notice.tsx";
import { PollBars } from "../components/PollBars.tsx";
import { isolate, UserText } from "../components/UserText.tsx";
import { call, client, errorMessage, isApiError } from "../lib/api.ts";
import { onLinkClick } from "../lib/router.ts";
import { Chart, PALETTE } from "./Chart.tsx";
import "./dashboard.css";
import { type AdminKey, t } from "../i18n/admin.ts";
import { formatDate, formatNumber } from "../i18n/core.ts";

/** Labels for engagement kinds; the chart follows the protocol's order. */
const KIND_LABEL: Record<EngagementKind, AdminKey> = {
  chat: "admin.analytics.kind.chat",
  question: "admin.analytics.kind.question",
  upvote: "admin.analytics.kind.upvote",
  poll_answer: "admin.analytics.kind.pollAnswer",
  quiz_answer: "admin.analytics.kind.quizAnswer",
  hand_raise: "admin.analytics.kind.handRaise",
  hand_ack: "admin.analytics.kind.handAck",
};
const KIND_LABELS: [EngagementKind, AdminKey][] = ENGAGEMENT_KINDS.map((k) => [k, KIND_LABEL[k]]);

const PAGE = 25;

const time = (ms: number | null) =>
  ms === null ? "—" : formatDate(ms, { hour: "2-digit", minute: "2-digit" });
const dateTime = (ms: number) =>
  formatDate(ms, {
    weekday: "short",
    day: "numeric",
    month: "short",
    hour: "2-digit",
    minute: "2-digit",
  });
const num = (n: number) => formatNumber(n);

/** `/…/analytics/:sessionId`: everything about one session. `back` is the sessions list. */
export function SessionDashboard(props: { sessionId: string; back: string }) {
  const [data, setData] = useState<Dashboard | null>(null);
  const [error, setError] = useState<{ title: string; message: string } | null>(null);
  useEffect(() => {
    setData(null);
    call(
      client.analytics.sessions[":sessionId"].$get({
        param: { sessionId: encodeURIComponent(props.sessionId) },
      }),
    ).then(
      (d) => {
        document.title = t("admin.analytics.dash.docTitle", {
          title: isolate(d.session.classTitle),
        });
        setData(d);
      },
      (err) =>
        setError(
          isApiError(err, "forbidden")
            ? {
                title: t("admin.analytics.dash.notYours"),
                message: t("admin.analytics.dash.notYoursText"),
              }
            : isApiError(err, "not_found")
              ? {
                  title: t("admin.analytics.dash.noSession"),
                  message: t("admin.analytics.dash.noSessionText"),
                }
              : { title: t("admin.analytics.dash.failed"), message: errorMessage(err) },
        ),
    );
  }, [props.sessionId]);

  if (error)
    return (
      <PageMessage title={error.title} testId="dashboard-error">
        <Notice>{error.message}</Notice>
      </PageMessage>
    );
  if (!data) return <PageMessage title={t("admin.analytics.dash.loading")} />;
  const base = `/api/analytics/sessions/${encodeURIComponent(props.sessionId)}`;
  const s = data.summary;
  return (
    <main id="main" class="wide dashboard" data-testid="session-dashboard">
      <header class="page-head dashboard-head">
        <div>
          <p class="muted">
            <a href={props.back} onClick={onLinkClick}>
              {t("admin.analytics.dash.allSessions")}
            </a>
          </p>
          <h1>
            <UserText text={data.session.classTitle} />
          </h1>
          <p class="class-meta">
            {dateTime(data.session.startedAt)} –{" "}
            {data.session.endedAt === null
              ? t("admin.analytics.dash.running")
              : time(data.session.endedAt)}{" "}
            · <UserText text={data.session.teacherName} />
          </p>
        </div>
        <div class="actions downloads">
          <a class="btn btn-secondary btn-small" href={`${base}/attendance.csv`} download>
            {t("admin.analytics.dash.csv.attendance")}
          </a>
          <a class="btn btn-secondary btn-small" href={`${base}/engagement.csv`} download>
            {t("admin.analytics.dash.csv.engagement")}
          </a>
          <a class="btn btn-secondary btn-small" href={`${base}/polls.csv`} download>
            {t("admin.analytics.dash.csv.polls")}
          </a>
        </div>
      </header>

      <section class="stats" aria-label={t("admin.analytics.dash.summary")} data-testid="summary">
        <Stat label={t("admin.analytics.dash.stat.attended")} value={num(s.attendees)} />
        <Stat label={t("admin.analytics.dash.stat.peak")} value={num(s.peakConcurrency)} />
        <Stat label={t("admin.analytics.dash.stat.average")} value={num(s.avgConcurrency)} />
        <Stat label={t("admin.analytics.dash.stat.late")} value={num(s.lateJoiners)} />
        <Stat label={t("admin.analytics.dash.stat.minutes")} value={num(s.avgMinutesAttended)} />
        <Stat label={t("admin.analytics.dash.stat.chat")} value={num(s.totals.chat)} />
        <Stat label={t("admin.analytics.kind.question")} value={num(s.totals.question)} />
        <Stat
          label={t("admin.analytics.dash.stat.answers")}
          value={num(s.totals.poll_answer + s.totals.quiz_answer)}
        />
      </section>

      <Charts data={data} />

      <AttendanceTable sessionId={props.sessionId} />
      <StaffTable sessionId={props.sessionId} />
      <EngagementTable sessionId={props.sessionId} />
    </main>
  );
}

function Stat(props: { label: string; value: string }) {
  return (
    <div class="stat card">
      <div class="stat-value">{props.value}</div>
      <div class="stat-label">{props.label}</div>
    </div>
  );
}

function Charts(props: { data: Dashboard }) {
  const tl = props.data.timeline;
  // uPlot's time axis wants seconds.
  const x = useMemo(() => tl.minutes.map((m) => m / 1000), [tl]);
  const concurrency = useMemo(() => [tl.concurrency], [tl]);
  const concurrencySeries = useMemo(
    () => [{ label: t("admin.analytics.dash.series.connected"), color: PALETTE[0]! }],
    [],
  );
  const activeKinds = useMemo(
    () => KIND_LABELS.filter(([k]) => tl.activity[k].some((n) => n > 0)),
    [tl],
  );
  const activity = useMemo(() => activeKinds.map(([k]) => tl.activity[k]), [tl, activeKinds]);
  const activitySeries = useMemo(
    () =>
      activeKinds.map(([, label], i) => ({
        label: t(label),
        color: PALETTE[(i + 1) % PALETTE.length]!,
      })),
    [activeKinds],
  );
  const quiz = props.data.quiz;
  const quizX = useMemo(() => quiz.buckets.map((_, i) => i), [quiz]);
  const quizCols = useMemo(() => [quiz.buckets.map((b) => b.students)], [quiz]);
  const quizLabels = useMemo(
    // The lower bound only: ranges ("0–44") overlap once there are ten buckets on a phone.
    () => quiz.buckets.map((b) => num(b.from)),
    [quiz],
  );
  const quizSeries = useMemo(
    () => [{ label: t("admin.analytics.dash.series.students"), color: PALETTE[2]!, bars: true }],
    [],
  );
  return (
    <section class="charts" aria-label={t("admin.analytics.dash.charts")}>
      <Chart
        title={t("admin.analytics.dash.chart.connected")}
        x={x}
        time
        series={concurrencySeries}
        columns={concurrency}
        testId="chart-concurrency"
      />
      <Chart
        title={t("admin.analytics.dash.chart.activity")}
        x={x}
        time
        series={activitySeries}
        columns={activity}
        testId="chart-activity"
      />
      {props.data.polls.map((p) => (
        <PollChart key={p.id} poll={p} />
      ))}
      {quiz.buckets.length > 0 ? (
        <Chart
          title={t("admin.analytics.dash.chart.quiz", {
            students: t("admin.analytics.dash.students", {
              count: quiz.students,
              n: num(quiz.students),
            }),
            questions: t("admin.analytics.dash.questions", { count: quiz.quizzes }),
            width: num(quiz.buckets[0]!.to + 1),
          })}
          x={quizX}
          xLabels={quizLabels}
          series={quizSeries}
          columns={quizCols}
          testId="chart-quiz"
        />
      ) : null}
    </section>
  );
}

/**
 * A poll's results as HTML bars, not a canvas chart: its options are user text, which must
 * wrap (ten long options drawn as axis labels smear into each other) and keep their own
 * direction.
 */
function PollChart(props: { poll: PollResult }) {
  const p = props.poll;
  const answered =
    p.respondents === null
      ? t("admin.analytics.dash.anonymous")
      : t("admin.analytics.dash.answered", { count: p.respondents, n: num(p.respondents) });
  return (
    <figure class="chart card" data-testid="chart-poll">
      <figcaption class="chart-title">
        {t(p.kind === "quiz" ? "admin.analytics.dash.quiz" : "admin.analytics.dash.poll")}{" "}
        <UserText text={p.question} /> ({answered})
      </figcaption>
      <PollBars options={p.options} tally={p.tally} correct={p.correct} />
    </figure>
  );
}

function Pager(props: { offset: number; total: number; onPage: (offset: number) => void }) {
  const { offset, total } = props;
  if (total <= PAGE) return null;
  return (
    <div class="pager">
      <button
        type="button"
        class="btn btn-secondary btn-small"
        disabled={offset === 0}
        onClick={() => props.onPage(Math.max(0, offset - PAGE))}
      >
        {t("admin.analytics.dash.previous")}
      </button>
      <span class="muted">
        {t("admin.analytics.dash.range", {
          from: num(offset + 1),
          to: num(Math.min(total, offset + PAGE)),
          total: num(total),
        })}
      </span>
      <button
        type="button"
        class="btn btn-secondary btn-small"
        disabled={offset + PAGE >= total}
        onClick={() => props.onPage(offset + PAGE)}
      >
        {t("admin.analytics.dash.next")}
      </button>
    </div>
  );
}

const sessions = client.analytics.sessions[":sessionId"];

/** Fetch one page whenever `key` (the query) changes. */
function usePage<T>(
  key: string,
  fetchPage: () => Promise<Page<T>>,
): { page: Page<T> | null; error: string | null } {
  const [page, setPage] = useState<Page<T> | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    fetchPage().then(
      (p) => live && setPage(p),
      (err) => live && setError(errorMessage(err)),
    );
    return () => {
      live = false;
    };
  }, [key]);
  return { page, error };
}

function AttendanceTable(props: { sessionId: string }) {
  const [sort, setSort] = useState<"joined" | "minutes" | "name">("joined");
  const [late, setLate] = useState(false);
  const [offset, setOffset] = useState(0);
  const query = {
    sort,
    late: late ? "1" : "0",
    offset: String(offset),
    limit: String(PAGE),
  } as const;
  const { page, error } = usePage<AttendanceRow>(
    `${props.sessionId} ${JSON.stringify(query)}`,
    () =>
      call(
        sessions.attendance.$get({
          param: { sessionId: encodeURIComponent(props.sessionId) },
          query,
        }),
      ),
  );
  return (
    <section class="dashboard-table" aria-labelledby="attendance-title" data-testid="attendance">
      <div class="table-head">
        <h2 id="attendance-title">{t("admin.analytics.dash.attendance")}</h2>
        <div class="table-controls">
          <label>
            {t("admin.analytics.dash.sort")}{" "}
            <select
              value={sort}
              onChange={(e) => {
                setSort((e.currentTarget as HTMLSelectElement).value as typeof sort);
                setOffset(0);
              }}
            >
              <option value="joined">{t("admin.analytics.dash.col.firstJoined")}</option>
              <option value="minutes">{t("admin.analytics.dash.minutesAttended")}</option>
              <option value="name">{t("admin.analytics.dash.col.name")}</option>
            </select>
          </label>
          <label>
            <input
              type="checkbox"
              checked={late}
              onChange={(e) => {
                setLate((e.currentTarget as HTMLInputElement).checked);
                setOffset(0);
              }}
            />{" "}
            {t("admin.analytics.dash.lateOnly")}
          </label>
        </div>
      </div>
      {error ? <Notice>{error}</Notice> : null}
      <div class="table-wrap">
        <table class="table table-cards">
          <thead>
            <tr>
              <th>{t("admin.analytics.dash.col.name")}</th>
              <th>{t("admin.analytics.dash.col.firstJoined")}</th>
              <th>{t("admin.analytics.dash.col.lastLeft")}</th>
              <th>{t("admin.analytics.dash.col.minutes")}</th>
              <th>{t("admin.analytics.dash.col.joins")}</th>
            </tr>
          </thead>
          <tbody>
            {page?.rows.map((r) => (
              <tr key={r.userId} data-testid="attendance-row">
                <td data-label={t("admin.analytics.dash.col.name")}>
                  <span class="name-cell">
                    <UserText text={r.displayName} clip />
                    {r.late ? <span class="badge">{t("admin.analytics.dash.late")}</span> : null}
                  </span>
                </td>
                <td data-label={t("admin.analytics.dash.col.firstJoined")}>
                  {time(r.firstJoinAt)}
                </td>
                <td data-label={t("admin.analytics.dash.col.lastLeft")}>{time(r.lastLeaveAt)}</td>
                <td data-label={t("admin.analytics.dash.col.minutes")}>{num(r.minutesAttended)}</td>
                <td data-label={t("admin.analytics.dash.col.joins")}>{num(r.joins)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {page ? <Pager offset={offset} total={page.total} onPage={setOffset} /> : null}
    </section>
  );
}

/** The teacher and moderators who were in the class: listed apart, never counted as students. */
function StaffTable(props: { sessionId: string }) {
  const query = { who: "staff", sort: "joined", limit: String(PAGE) } as const;
  const { page, error } = usePage<AttendanceRow>(props.sessionId, () =>
    call(
      sessions.attendance.$get({
        param: { sessionId: encodeURIComponent(props.sessionId) },
        query,
      }),
    ),
  );
  if (!error && (!page || page.total === 0)) return null;
  return (
    <section class="dashboard-table" aria-labelledby="staff-title" data-testid="staff-attendance">
      <div class="table-head">
        <h2 id="staff-title">{t("admin.analytics.dash.staff")}</h2>
        <p class="muted">{t("admin.analytics.dash.staffHint")}</p>
      </div>
      {error ? <Notice>{error}</Notice> : null}
      <div class="table-wrap">
        <table class="table table-cards">
          <thead>
            <tr>
              <th>{t("admin.analytics.dash.col.name")}</th>
              <th>{t("admin.analytics.dash.col.firstJoined")}</th>
              <th>{t("admin.analytics.dash.col.lastLeft")}</th>
              <th>{t("admin.analytics.dash.col.minutes")}</th>
            </tr>
          </thead>
          <tbody>
            {page?.rows.map((r) => (
              <tr key={r.userId} data-testid="staff-row">
                <td data-label={t("admin.analytics.dash.col.name")}>
                  <span class="name-cell">
                    <UserText text={r.displayName} clip />
                  </span>
                </td>
                <td data-label={t("admin.analytics.dash.col.firstJoined")}>
                  {time(r.firstJoinAt)}
                </td>
                <td data-label={t("admin.analytics.dash.col.lastLeft")}>{time(r.lastLeaveAt)}</td>
                <td data-label={t("admin.analytics.dash.col.minutes")}>{num(r.minutesAttended)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

function EngagementTable(props: { sessionId: string }) {
  const [offset, setOffset] = useState(0);
  const query = { offset: String(offset), limit: String(PAGE) };
  const { page, error } = usePage<EngagementRow>(`${props.sessionId} ${offset}`, () =>
    call(
      sessions.engagement.$get({
        param: { sessionId: encodeURIComponent(props.sessionId) },
        query,
      }),
    ),
  );
  return (
    <section class="dashboard-table" aria-labelledby="engagement-title" data-testid="engagement">
      <div class="table-head">
        <h2 id="engagement-title">{t("admin.analytics.dash.engagement")}</h2>
        <p class="muted">
          {t("admin.analytics.dash.mostActive")}
          {page
            ? ` · ${t("admin.analytics.dash.tookPart", { count: page.total, n: num(page.total) })}`
            : ""}
        </p>
      </div>
      {error ? <Notice>{error}</Notice> : null}
      <div class="table-wrap">
        <table class="table table-cards">
          <thead>
            <tr>
              <th>{t("admin.analytics.dash.col.name")}</th>
              <th>{t("admin.analytics.kind.chat")}</th>
              <th>{t("admin.analytics.kind.question")}</th>
              <th>{t("admin.analytics.kind.upvote")}</th>
              <th>{t("admin.analytics.dash.col.polls")}</th>
              <th>{t("admin.analytics.dash.col.quizzes")}</th>
              <th>{t("admin.analytics.dash.col.quizScore")}</th>
              <th>{t("admin.analytics.dash.col.hands")}</th>
            </tr>
          </thead>
          <tbody>
            {page?.rows.map((r) => (
              <tr key={r.userId} data-testid="engagement-row">
                <td data-label={t("admin.analytics.dash.col.name")}>
                  <span class="name-cell">
                    <UserText text={r.displayName} clip />
                  </span>
                </td>
                <td data-label={t("admin.analytics.kind.chat")}>{num(r.chat)}</td>
                <td data-label={t("admin.analytics.kind.question")}>{num(r.questions)}</td>
                <td data-label={t("admin.analytics.kind.upvote")}>{num(r.upvotes)}</td>
                <td data-label={t("admin.analytics.dash.col.polls")}>{num(r.pollAnswers)}</td>
                <td data-label={t("admin.analytics.dash.col.quizzes")}>{num(r.quizAnswers)}</td>
                <td data-label={t("admin.analytics.dash.col.quizScore")}>{num(r.quizScore)}</td>
                <td data-label={t("admin.analytics.dash.col.hands")}>
                  {num(r.handRaises)}
                  {r.handAcks ? ` ${t("admin.analytics.dash.acks", { n: num(r.handAcks) })}` : ""}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {page ? <Pager offset={offset} total={page.total} onPage={setOffset} /> : null}
    </section>
  );
}
