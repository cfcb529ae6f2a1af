/**
 * The replay of a finished class (`/c/:id/replay`, loaded on demand): the recording's
 * player time drives the replay reducer (web/lib/replay-core.ts) over the class's event
 * log, so the slides, ink, polls, quiz results and answered questions on screen are what
 * a live student saw with that frame. Seeking in YouTube's own controls or with the
 * position slider here gives the same state as playing through.
 */
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import type { ClassPublic, SessionUser } from "../../../protocol/api.ts";
import type { PollView } from "../../../protocol/interactive.ts";
import type { ClassEvent } from "../../../protocol/realtime.ts";
import type { ReplayInfo } from "../../../protocol/replay.ts";
import { AppHeader } from "../../components/AppHeader.tsx";
import { Leaderboard } from "../../components/Leaderboard.tsx";
import { Notice } from "../../components/Notice.tsx";
import { PollBars } from "../../components/PollBars.tsx";
import { UserText } from "../../components/UserText.tsx";
import { formatDate, formatTime } from "../../i18n/core.ts";
import { rich, t } from "../../i18n/replay.ts";
import { call, client, errorMessage } from "../../lib/api.ts";
import {
  lastRun,
  ReplayCursor,
  type ReplayRun,
  recordingRun,
  serverTimeAt,
} from "../../lib/replay-core.ts";
import { SlideArea } from "../SlideArea.tsx";
import { loadYouTubeApi, type YTPlayer } from "../YouTubePlayer.tsx";

/** Pages of the log read at most (REPLAY_PAGE_MAX events each). */
const MAX_PAGES = 200;
/** How often the player is asked where it is, ms. */
const TICK_MS = 250;

type Loaded = { info: ReplayInfo; events: ClassEvent[]; oldestSeq: number | null };

async function loadReplay(classId: string): Promise<Loaded> {
  const info = await call(client.classes[":id"].replay.$get({ param: { id: classId } }));
  const events: ClassEvent[] = [];
  let after = 0;
  let oldestSeq: number | null = null;
  for (let i = 0; i < MAX_PAGES; i++) {
    const page = await call(
      client.classes[":id"].replay.events.$get({
        param: { id: classId },
        query: { after: String(after) },
      }),
    );
    events.push(...page.events);
    oldestSeq = page.oldestSeq;
    if (page.next === null) break;
    after = page.next;
  }
  return { info, events, oldestSeq };
}

/** m:ss (or h:mm:ss). */
function clock(s: number): string {
  const t = Math.max(0, Math.floor(s));
  const h = Math.floor(t / 3600);
  const m = Math.floor((t % 3600) / 60);
  const sec = String(t % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${sec}` : `${m}:${sec}`;
}

export function ReplayPage(props: { cls: ClassPublic; user: SessionUser }) {
  const { cls, user } = props;
  const [data, setData] = useState<Loaded | { error: string } | null>(null);
  useEffect(() => {
    loadReplay(cls.id).then(setData, (err) => setData({ error: errorMessage(err) }));
  }, [cls.id]);
  return (
    <>
      <AppHeader user={user}>
        <a class="btn btn-quiet" href={`/c/${cls.id}`}>
          {t("replay.back")}
        </a>
      </AppHeader>
      <main id="main" class="replay" data-testid="replay-page">
        <h1 class="replay-title">
          {rich("replay.title", { title: <UserText text={cls.title} /> })}
        </h1>
        {data === null ? (
          <p role="status">{t("replay.loading")}</p>
        ) : "error" in data ? (
          <Notice>{data.error}</Notice>
        ) : (
          <Replay cls={cls} data={data} />
        )}
      </main>
    </>
  );
}

function Replay(props: { cls: ClassPublic; data: Loaded }) {
  const { info, events, oldestSeq } = props.data;
  const recordingStartedAt = info.recording.kind === "youtube" ? info.recording.startedAt : null;
  const run = useMemo(() => {
    const r = lastRun(events);
    return r && recordingRun(r, recordingStartedAt);
  }, [events, recordingStartedAt]);
  const cursor = useMemo(() => new ReplayCursor(events), [events]);
  const [pos, setPos] = useState(0);
  const player = useRef<{ seek(s: number): void } | null>(null);
  if (info.stream === "live" || info.stream === "reconnecting" || info.stream === "interrupted")
    return <Notice>{t("replay.onAir")}</Notice>;
  if (!run) return <Notice>{t("replay.never")}</Notice>;
  const lastAt = events.length > 0 ? (events[events.length - 1] as ClassEvent).at : 0;
  const duration = Math.max(1, ((run.endedAt ?? lastAt) - run.streamStartedAt) / 1000);
  const state = cursor.seek(serverTimeAt(run, pos));
  const rec = info.recording;
  const seek = (s: number) => {
    const to = Math.min(Math.max(0, s), duration);
    setPos(to);
    player.current?.seek(to);
  };
  return (
    <div class="replay-layout">
      <section class="video-area" aria-label={t("replay.recording")}>
        <div class="video-frame">
          {rec.kind === "youtube" && rec.available !== false ? (
            <ReplayYouTube videoId={rec.videoId} onTime={setPos} control={player} />
          ) : (
            <NoVideo
              text={
                rec.kind === "youtube"
                  ? t("replay.processing")
                  : rec.reason === "local"
                    ? t("replay.local")
                    : t("replay.none")
              }
              pos={pos}
              duration={duration}
              onTime={setPos}
              control={player}
            />
          )}
        </div>
      </section>
      <div class="card replay-controls">
        <label for="replay-pos">{t("replay.position")}</label>
        <input
          id="replay-pos"
          type="range"
          min={0}
          max={Math.ceil(duration)}
          step={0.5}
          value={pos}
          data-testid="replay-position"
          aria-valuetext={t("replay.of", { pos: clock(pos), duration: clock(duration) })}
          onInput={(e) => seek(Number((e.currentTarget as HTMLInputElement).value))}
        />
        <output for="replay-pos" data-testid="replay-time" data-seconds={pos.toFixed(1)}>
          {t("replay.time", { pos: clock(pos), duration: clock(duration) })}
        </output>
      </div>
      {oldestSeq !== null && oldestSeq > 1 && (events[0]?.seq ?? 0) > 1 ? (
        <Notice>{t("replay.trimmed")}</Notice>
      ) : null}
      <div class="replay-slides" data-testid="replay-slides">
        {state.board && (state.board.slide.deckId !== null || state.board.strokes.length > 0) ? (
          <SlideArea board={state.board} />
        ) : (
          <p class="card muted" data-testid="replay-no-slide">
            {t("replay.noSlide")}
          </p>
        )}
      </div>
      <ReplayPolls polls={state.interactive.polls} />
      {state.interactive.leaderboard && state.interactive.leaderboard.top.length > 0 ? (
        <section class="card ix-leaderboard" aria-labelledby="replay-leaders">
          <h2 id="replay-leaders">{t("replay.leaderboard")}</h2>
          <Leaderboard top={state.interactive.leaderboard.top} />
        </section>
      ) : null}
      <ReplayQuestions questions={state.interactive.qa.top.filter((q) => q.state === "answered")} />
      <RunNote run={run} />
    </div>
  );
}

function RunNote(props: { run: ReplayRun }) {
  return (
    <p class="muted replay-note">
      {props.run.endedAt
        ? t("replay.liveFromTo", {
            start: formatDate(props.run.streamStartedAt),
            end: formatTime(props.run.endedAt),
          })
        : t("replay.liveFrom", { start: formatDate(props.run.streamStartedAt) })}
    </p>
  );
}

function ReplayPolls(props: { polls: PollView[] }) {
  const polls = props.polls.slice(-3).reverse();
  if (polls.length === 0) return null;
  return (
    <section class="card replay-polls" aria-labelledby="replay-polls-title">
      <h2 id="replay-polls-title">{t("replay.polls")}</h2>
      {polls.map((p) => (
        <div key={p.id} class="replay-poll" data-testid="replay-poll" data-state={p.state}>
          <h3>
            <UserText text={p.question} />{" "}
            <span class="muted">
              {t("replay.pollMeta", {
                kind: p.kind === "quiz" ? t("replay.kindQuiz") : t("replay.kindPoll"),
                state:
                  p.state === "open"
                    ? t("replay.stateOpen")
                    : p.state === "revealed"
                      ? t("replay.stateRevealed")
                      : t("replay.stateClosed"),
              })}
            </span>
          </h3>
          {p.tally ? (
            <PollBars
              options={p.options}
              tally={p.tally}
              answered={p.answered}
              correct={p.correct}
              testId="replay-poll-bars"
            />
          ) : (
            <ul class="replay-poll-options">
              {p.options.map((o, i) => (
                <li key={i}>
                  <UserText text={o} />
                </li>
              ))}
            </ul>
          )}
        </div>
      ))}
    </section>
  );
}

function ReplayQuestions(props: {
  questions: { id: string; text: string; from: { name: string } }[];
}) {
  if (props.questions.length === 0) return null;
  return (
    <section class="card" aria-labelledby="replay-qa-title" data-testid="replay-questions">
      <h2 id="replay-qa-title">{t("replay.answered")}</h2>
      <ul class="ix-questions">
        {props.questions.map((q) => (
          <li key={q.id} class="ix-question">
            <UserText text={q.text} />{" "}
            <span class="muted">
              — <UserText text={q.from.name} />
            </span>
          </li>
        ))}
      </ul>
    </section>
  );
}

/**
 * The recording in YouTube's player. The player's own controls seek too: its position is
 * read every TICK_MS and drives the replay.
 */
function ReplayYouTube(props: {
  videoId: string;
  onTime: (s: number) => void;
  control: { current: { seek(s: number): void } | null };
}) {
  const host = useRef<HTMLDivElement>(null);
  const [state, setState] = useState<"loading" | "ready" | "failed">("loading");
  const { onTime, control } = props;
  useEffect(() => {
    let player: YTPlayer | null = null;
    let timer: ReturnType<typeof setInterval> | undefined;
    let cancelled = false;
    loadYouTubeApi().then(
      (YT) => {
        if (cancelled || !host.current) return;
        const target = document.createElement("div");
        host.current.replaceChildren(target);
        player = new YT.Player(target, {
          videoId: props.videoId,
          width: "100%",
          height: "100%",
          playerVars: { playsinline: 1, rel: 0, modestbranding: 1 },
          events: {
            onReady: () => {
              if (cancelled) return;
              setState("ready");
              control.current = { seek: (s) => player?.seekTo?.(s, true) };
              timer = setInterval(() => {
                try {
                  if (player) onTime(player.getCurrentTime());
                } catch {
                  // The player is being torn down.
                }
              }, TICK_MS);
            },
          },
        });
      },
      () => {
        if (!cancelled) setState("failed");
      },
    );
    return () => {
      cancelled = true;
      clearInterval(timer);
      control.current = null;
      player?.destroy();
    };
  }, [props.videoId, onTime, control]);
  return (
    <>
      <div class="video-yt" ref={host} data-testid="replay-player" />
      {state === "failed" ? (
        <div class="video-waiting" role="alert">
          <p class="video-waiting-title">{t("replay.ytFailed")}</p>
          <p class="video-waiting-sub">{t("replay.ytFailedText")}</p>
        </div>
      ) : state === "loading" ? (
        <div class="video-waiting" role="status">
          <p class="video-waiting-title">{t("replay.loadingRecording")}</p>
        </div>
      ) : null}
    </>
  );
}

/** No video: say why, and play the replay on its own clock. */
function NoVideo(props: {
  text: string;
  pos: number;
  duration: number;
  onTime: (s: number) => void;
  control: { current: { seek(s: number): void } | null };
}) {
  const [playing, setPlaying] = useState(false);
  const pos = useRef(props.pos);
  pos.current = props.pos;
  const { onTime, duration } = props;
  useEffect(() => {
    if (!playing) return;
    const timer = setInterval(() => {
      const next = Math.min(duration, pos.current + TICK_MS / 1000);
      onTime(next);
      if (next >= duration) setPlaying(false);
    }, TICK_MS);
    return () => clearInterval(timer);
  }, [playing, duration, onTime]);
  return (
    <div class="video-waiting" data-testid="replay-no-video">
      <p class="video-waiting-title">{t("replay.noVideo")}</p>
      <p class="video-waiting-sub">{props.text}</p>
      <button
        type="button"
        class="btn"
        onClick={() => setPlaying(!playing)}
        data-testid="replay-play"
      >
        {playing ? t("replay.pause") : t("replay.play")}
      </button>
    </div>
  );
}
