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
import { UserText } from "../components/UserText.tsx";
import { call, client, errorMessage, isApiError } from "../lib/api.ts";
import { onLinkClick } from "../lib/router.ts";
import { Chart, PALETTE } from "./Chart.tsx";
import "./dashboard.css";

/** Labels for engagement kinds; the chart follows the protocol's order. */
const KIND_LABEL: Record<EngagementKind, string> = {
  chat: "Chat",
  question: "Questions",
  upvote: "Upvotes",
  poll_answer: "Poll answers",
  quiz_answer: "Quiz answers",
  hand_raise: "Hands raised",
  hand_ack: "Hands acknowledged",
};
const KIND_LABELS: [EngagementKind, string][] = ENGAGEMENT_KINDS.map((k) => [k, KIND_LABEL[k]]);

const PAGE = 25;

const time = (ms: number | null) =>
  ms === null
    ? "—"
    : new Date(ms).toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit" });
const dateTime = (ms: number) =>
  new Date(ms).toLocaleString(undefined, {
    weekday: "short",
    day: "numeric",
    month: "short",
    hour: "2-digit",
    minute: "2-digit",
  });
const num = (n: number) => n.toLocaleString();

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
        document.title = `${d.session.classTitle} · Analytics · Mass Class`;
        setData(d);
      },
      (err) =>
        setError(
          isApiError(err, "forbidden")
            ? { title: "Not your class", message: "Only the class's teacher and admins see this." }
            : isApiError(err, "not_found")
              ? { title: "No such session", message: "It may not have been recorded yet." }
              : { title: "Could not load the dashboard", message: errorMessage(err) },
        ),
    );
  }, [props.sessionId]);

  if (error)
    return (
      <PageMessage title={error.title} testId="dashboard-error">
        <Notice>{error.message}</Notice>
      </PageMessage>
    );
  if (!data) return <PageMessage title="Loading the dashboard…" />;
  const base = `/api/analytics/sessions/${encodeURIComponent(props.sessionId)}`;
  const s = data.summary;
  return (
    <main id="main" class="wide dashboard" data-testid="session-dashboard">
      <header class="page-head dashboard-head">
        <div>
          <p class="muted">
            <a href={props.back} onClick={onLinkClick}>
              ← All sessions
            </a>
          </p>
          <h1>
            <UserText text={data.session.classTitle} />
          </h1>
          <p class="class-meta">
            {dateTime(data.session.startedAt)} –{" "}
            {data.session.endedAt === null ? "still running" : time(data.session.endedAt)} ·{" "}
            <UserText text={data.session.teacherName} />
          </p>
        </div>
        <div class="actions downloads">
          <a class="btn btn-secondary btn-small" href={`${base}/attendance.csv`} download>
            Attendance CSV
          </a>
          <a class="btn btn-secondary btn-small" href={`${base}/engagement.csv`} download>
            Engagement CSV
          </a>
          <a class="btn btn-secondary btn-small" href={`${base}/polls.csv`} download>
            Polls CSV
          </a>
        </div>
      </header>

      <section class="stats" aria-label="Summary" data-testid="summary">
        <Stat label="Attended" value={num(s.attendees)} />
        <Stat label="Peak at once" value={num(s.peakConcurrency)} />
        <Stat label="Average at once" value={num(s.avgConcurrency)} />
        <Stat label="Late joiners (> 5 min)" value={num(s.lateJoiners)} />
        <Stat label="Average minutes attended" value={num(s.avgMinutesAttended)} />
        <Stat label="Chat messages" value={num(s.totals.chat)} />
        <Stat label="Questions" value={num(s.totals.question)} />
        <Stat
          label="Poll + quiz answers"
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
  const t = props.data.timeline;
  // uPlot's time axis wants seconds.
  const x = useMemo(() => t.minutes.map((m) => m / 1000), [t]);
  const concurrency = useMemo(() => [t.concurrency], [t]);
  const concurrencySeries = useMemo(
    () => [{ label: "Students connected", color: PALETTE[0]! }],
    [],
  );
  const activeKinds = useMemo(
    () => KIND_LABELS.filter(([k]) => t.activity[k].some((n) => n > 0)),
    [t],
  );
  const activity = useMemo(() => activeKinds.map(([k]) => t.activity[k]), [t, activeKinds]);
  const activitySeries = useMemo(
    () => activeKinds.map(([, label], i) => ({ label, color: PALETTE[(i + 1) % PALETTE.length]! })),
    [activeKinds],
  );
  const quiz = props.data.quiz;
  const quizX = useMemo(() => quiz.buckets.map((_, i) => i), [quiz]);
  const quizCols = useMemo(() => [quiz.buckets.map((b) => b.students)], [quiz]);
  const quizLabels = useMemo(
    // The lower bound only: ranges ("0–44") overlap once there are ten buckets on a phone.
    () => quiz.buckets.map((b) => `${b.from}`),
    [quiz],
  );
  const quizSeries = useMemo(() => [{ label: "Students", color: PALETTE[2]!, bars: true }], []);
  return (
    <section class="charts" aria-label="Charts">
      <Chart
        title="Students connected, per minute"
        x={x}
        time
        series={concurrencySeries}
        columns={concurrency}
        testId="chart-concurrency"
      />
      <Chart
        title="Activity per minute"
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
          title={`Quiz score distribution (${num(quiz.students)} students, ${quiz.quizzes} questions; bars from each score up, ${quiz.buckets[0]!.to + 1} wide)`}
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
  const answered = p.respondents === null ? "anonymous" : `${num(p.respondents)} answered`;
  return (
    <figure class="chart card" data-testid="chart-poll">
      <figcaption class="chart-title">
        {p.kind === "quiz" ? "Quiz" : "Poll"}: <UserText text={p.question} /> ({answered})
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
        Previous
      </button>
      <span class="muted">
        {num(offset + 1)}–{num(Math.min(total, offset + PAGE))} of {num(total)}
      </span>
      <button
        type="button"
        class="btn btn-secondary btn-small"
        disabled={offset + PAGE >= total}
        onClick={() => props.onPage(offset + PAGE)}
      >
        Next
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
        <h2 id="attendance-title">Attendance</h2>
        <div class="table-controls">
          <label>
            Sort{" "}
            <select
              value={sort}
              onChange={(e) => {
                setSort((e.currentTarget as HTMLSelectElement).value as typeof sort);
                setOffset(0);
              }}
            >
              <option value="joined">First joined</option>
              <option value="minutes">Minutes attended</option>
              <option value="name">Name</option>
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
            Late joiners only
          </label>
        </div>
      </div>
      {error ? <Notice>{error}</Notice> : null}
      <div class="table-wrap">
        <table class="table table-cards">
          <thead>
            <tr>
              <th>Name</th>
              <th>First joined</th>
              <th>Last left</th>
              <th>Minutes</th>
              <th>Joins</th>
            </tr>
          </thead>
          <tbody>
            {page?.rows.map((r) => (
              <tr key={r.userId} data-testid="attendance-row">
                <td data-label="Name">
                  <span class="name-cell">
                    <UserText text={r.displayName} clip />
                    {r.late ? <span class="badge">late</span> : null}
                  </span>
                </td>
                <td data-label="First joined">{time(r.firstJoinAt)}</td>
                <td data-label="Last left">{time(r.lastLeaveAt)}</td>
                <td data-label="Minutes">{num(r.minutesAttended)}</td>
                <td data-label="Joins">{r.joins}</td>
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
        <h2 id="staff-title">Teacher and moderators</h2>
        <p class="muted">Not counted in the student numbers above</p>
      </div>
      {error ? <Notice>{error}</Notice> : null}
      <div class="table-wrap">
        <table class="table table-cards">
          <thead>
            <tr>
              <th>Name</th>
              <th>First joined</th>
              <th>Last left</th>
              <th>Minutes</th>
            </tr>
          </thead>
          <tbody>
            {page?.rows.map((r) => (
              <tr key={r.userId} data-testid="staff-row">
                <td data-label="Name">
                  <span class="name-cell">
                    <UserText text={r.displayName} clip />
                  </span>
                </td>
                <td data-label="First joined">{time(r.firstJoinAt)}</td>
                <td data-label="Last left">{time(r.lastLeaveAt)}</td>
                <td data-label="Minutes">{num(r.minutesAttended)}</td>
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
        <h2 id="engagement-title">Engagement</h2>
        <p class="muted">Most active first{page ? ` · ${num(page.total)} took part` : ""}</p>
      </div>
      {error ? <Notice>{error}</Notice> : null}
      <div class="table-wrap">
        <table class="table table-cards">
          <thead>
            <tr>
              <th>Name</th>
              <th>Chat</th>
              <th>Questions</th>
              <th>Upvotes</th>
              <th>Polls</th>
              <th>Quizzes</th>
              <th>Quiz score</th>
              <th>Hands</th>
            </tr>
          </thead>
          <tbody>
            {page?.rows.map((r) => (
              <tr key={r.userId} data-testid="engagement-row">
                <td data-label="Name">
                  <span class="name-cell">
                    <UserText text={r.displayName} clip />
                  </span>
                </td>
                <td data-label="Chat">{r.chat}</td>
                <td data-label="Questions">{r.questions}</td>
                <td data-label="Upvotes">{r.upvotes}</td>
                <td data-label="Polls">{r.pollAnswers}</td>
                <td data-label="Quizzes">{r.quizAnswers}</td>
                <td data-label="Quiz score">{r.quizScore}</td>
                <td data-label="Hands">
                  {r.handRaises}
                  {r.handAcks ? ` (${r.handAcks} ack.)` : ""}
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
