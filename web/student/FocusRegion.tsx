import { useEffect, useReducer, useState } from "preact/hooks";
import type { LatencyMode } from "../../protocol/latency.ts";
import { UserText } from "../components/UserText.tsx";
import { t } from "../i18n/student.ts";
import type { ClassroomSocket } from "../lib/classroom-socket.ts";
import type { ClassroomState } from "../lib/classroom-state.ts";
import {
  currentFocus,
  type FocusObservation,
  type FocusState,
  focusReducer,
  initialFocusState,
} from "../lib/focus-state.ts";
import { currentPoll } from "../lib/interactive-state.ts";
import type { SyncView } from "../lib/video-delay.ts";
import { PollCard } from "./ClassActivity.tsx";

/** How long after answering the phone's sheet folds away. */
const FOLD_AFTER_ANSWER_MS = 2_000;
/** How long a result or notice keeps the phone's sheet up. */
const FOLD_NOTICE_MS = 6_000;

/** What the class page observes for focus-state.ts, from the class state. */
function observation(state: ClassroomState, now: number): FocusObservation {
  const poll = currentPoll(state.interactive);
  const a = state.announcements.at(-1);
  const slide = state.board?.slide;
  return {
    now,
    poll: poll ? { id: poll.id, kind: poll.kind, state: poll.state } : null,
    calledOn: state.interactive.myHand.acknowledged,
    announcement: a ? { id: a.id, text: a.text } : null,
    slide:
      slide?.deckId != null
        ? {
            key: `${slide.deckId}:${slide.page}`,
            label: t("student.focus.slideOf", { page: slide.page, count: slide.pageCount }),
          }
        : null,
  };
}

/** The focus state of the class page: fed by the class state, ticking while notices are up. */
export function useFocus(state: ClassroomState) {
  const [focus, dispatch] = useReducer(focusReducer, undefined, initialFocusState);
  const obs = observation(state, 0);
  useEffect(
    () => dispatch({ type: "observe", ...obs, now: Date.now() }),
    [obs.poll?.id, obs.poll?.state, obs.calledOn, obs.announcement?.id, obs.slide?.key],
  );
  const timed = focus.items.some((i) => i.kind !== "poll");
  useEffect(() => {
    if (!timed) return;
    const timer = setInterval(() => dispatch({ type: "tick", now: Date.now() }), 1000);
    return () => clearInterval(timer);
  }, [timed]);
  return { focus, dismiss: (id: string) => dispatch({ type: "dismiss", id }) };
}

/**
 * Where whatever needs the student's attention shows up: the open poll or quiz, "the
 * teacher called on you", a new announcement, a slide change. On a laptop it sits at the
 * top of the column beside the video; on a phone it is a sheet over the chat (focus.css),
 * which the student can fold away. Every new item is read out by the live region.
 */
export function FocusRegion(props: {
  focus: FocusState;
  dismiss: (id: string) => void;
  state: ClassroomState;
  socket: ClassroomSocket;
  sync: SyncView;
  mode: LatencyMode;
}) {
  const { focus, state } = props;
  const item = currentFocus(focus);
  const [folded, setFolded] = useState(false);
  const poll = currentPoll(state.interactive);
  const answered = !!poll && state.interactive.myAnswers[poll.id] !== undefined;
  const openPoll = item?.kind === "poll" && item.open;
  // Something new unfolds the phone's sheet. Only an open poll not yet answered keeps it
  // up: once answered (after a moment, so "Vote counted" is seen) and for results and
  // notices (after a read), it folds to its bar and gives the page back.
  useEffect(() => setFolded(false), [item?.id, openPoll]);
  useEffect(() => {
    if (!item || (openPoll && !answered)) return;
    const timer = setTimeout(
      () => setFolded(true),
      openPoll ? FOLD_AFTER_ANSWER_MS : FOLD_NOTICE_MS,
    );
    return () => clearTimeout(timer);
  }, [item?.id, openPoll, answered]);
  let body = null;
  let title = "";
  if (item?.kind === "poll" && poll && poll.id === item.id) {
    const base = item.quiz
      ? t(item.open ? "student.focus.quizOpen" : "student.focus.quizResults")
      : t(item.open ? "student.focus.pollOpen" : "student.focus.pollResults");
    title = answered ? t("student.focus.answered", { title: base }) : base;
    body = (
      <PollCard
        key={poll.id}
        poll={poll}
        state={state}
        socket={props.socket}
        sync={props.sync}
        mode={props.mode}
        connected={state.conn === "connected"}
        onHide={() => props.dismiss(poll.id)}
      />
    );
  } else if (item?.kind === "called-on") {
    title = t("student.focus.calledOnTitle");
    body = (
      <Notice testId="focus-called-on" onClose={() => props.dismiss(item.id)}>
        <strong>{t("student.focus.calledOn")}</strong> {t("student.focus.calledOnText")}
      </Notice>
    );
  } else if (item?.kind === "announcement") {
    title = t("student.focus.announcementTitle");
    body = (
      <Notice testId="focus-announcement" onClose={() => props.dismiss(item.id)}>
        <span class="focus-label">{t("student.focus.announcementTitle")}</span>{" "}
        <UserText text={item.text} />
      </Notice>
    );
  } else if (item?.kind === "slide") {
    title = t("student.focus.newSlide");
    body = (
      <Notice testId="focus-slide" onClose={() => props.dismiss(item.id)}>
        {t("student.focus.movedTo", { label: item.label })}{" "}
        <button
          type="button"
          class="btn btn-quiet btn-small"
          onClick={() => {
            props.dismiss(item.id);
            document.querySelector(".slide-area")?.scrollIntoView({ block: "nearest" });
          }}
        >
          {t("student.focus.showSlide")}
        </button>
      </Notice>
    );
  }
  return (
    <>
      {/* Read out once per new item; kept mounted so screen readers track it. */}
      <div class="visually-hidden" aria-live="polite" data-testid="focus-live" key="live">
        {focus.announce.text ? <span key={focus.announce.n}>{focus.announce.text}</span> : null}
      </div>
      {body ? (
        <section
          class={`focus-region${folded ? " is-folded" : ""}`}
          data-testid="focus-region"
          data-kind={item?.kind}
          aria-label={title}
        >
          <button
            type="button"
            class="focus-fold"
            data-testid="focus-fold"
            aria-expanded={!folded}
            onClick={() => setFolded(!folded)}
          >
            {title}
            <span aria-hidden="true">{folded ? " ▴" : " ▾"}</span>
          </button>
          <div class="focus-body">{body}</div>
        </section>
      ) : null}
    </>
  );
}

function Notice(props: {
  testId: string;
  onClose: () => void;
  children: preact.ComponentChildren;
}) {
  return (
    <div class="card focus-notice" data-testid={props.testId}>
      <p>{props.children}</p>
      <button
        type="button"
        class="btn btn-quiet btn-tiny"
        aria-label={t("student.focus.close")}
        onClick={props.onClose}
      >
        ✕
      </button>
    </div>
  );
}
