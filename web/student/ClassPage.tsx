import { useState } from "preact/hooks";
import type { ClassPublic, SessionUser } from "../../protocol/api.ts";
import type { ClassEvent } from "../../protocol/realtime.ts";
import { AppHeader } from "../components/AppHeader.tsx";
import { ReactionBar, ReactionBurst } from "../components/Reactions.tsx";
import { UserText } from "../components/UserText.tsx";
import { t } from "../i18n/student.ts";
import { useClassroom, useVideoSync } from "../lib/classroom-hooks.ts";
import { hasFocus } from "../lib/focus-state.ts";
import { delayOverrideFromUrl, VideoSync } from "../lib/video-delay.ts";
import { AfterClass } from "./AfterClass.tsx";
import { ClassActivity } from "./ClassActivity.tsx";
import { ClassInfo } from "./ClassInfo.tsx";
import { FocusRegion, useFocus } from "./FocusRegion.tsx";
import { useLiveClass } from "./live-class.ts";
import { NotifyToggle } from "./NotifyToggle.tsx";
import { SidePanel } from "./SidePanel.tsx";
import { SlideArea } from "./SlideArea.tsx";
import { VideoArea } from "./VideoArea.tsx";
import { VideoDelay } from "./VideoDelay.tsx";

/**
 * The class as an admitted student sees it: the video, the real-time side panel
 * (chat, announcements, live count) and the class details. One classroom socket
 * per page. Desktop: video and details on the left; on the right what needs attention
 * (FocusRegion: poll, called on, announcement, slide change) above the panel. Phones: the
 * video docked at the top, then chat, then details, with the focus region as a sheet.
 */
export function ClassPage(props: { cls: ClassPublic; user: SessionUser; manage: boolean }) {
  const { cls, user } = props;
  const guest = user.role === "guest";
  // Slides, whiteboard and polls wait for this student's video (video-delay.ts);
  // `?videoDelay=<s>` pins the delay for tests.
  const [sync] = useState(
    () =>
      new VideoSync<ClassEvent>({
        mode: cls.latencyMode,
        fixedDelayMs: delayOverrideFromUrl(location.search),
      }),
  );
  const { state, socket } = useClassroom(cls.id, { sync });
  const syncView = useVideoSync(sync);
  // Going live through a connected YouTube channel sets a new video id: follow it.
  const videoCls = useLiveClass(cls, state.stream);
  const { focus, dismiss } = useFocus(state);
  return (
    <>
      <AppHeader
        user={user}
        signOutLabel={guest ? t("student.leaveClass") : t("common.signOut")}
        signOutTo={`/c/${cls.id}`}
      >
        {props.manage ? (
          <a class="btn btn-quiet" href={`/studio/${cls.id}`}>
            {t("student.openInStudio")}
          </a>
        ) : null}
      </AppHeader>
      <main id="main" class="classroom" data-testid="class-page" data-stream={state.stream}>
        {/* The page's one H1, first in reading order; the details below show the title
            again (as an H2) where the layout puts them. */}
        <h1 class="visually-hidden">
          <UserText text={cls.title} />
        </h1>
        {state.ended === "banned" ? (
          <div class="classroom-stage">
            <Banned />
          </div>
        ) : (
          <>
            {/* On phones the stage stays docked at the top while the chat scrolls (focus.css). */}
            <div class="classroom-stage" data-testid="classroom-stage">
              <div class="reaction-stage">
                <VideoArea cls={videoCls} stream={{ status: state.stream }} report={sync} />
                <ReactionBurst reactions={state.reactions} />
              </div>
            </div>
            <div class="classroom-video">
              <ReactionBar state={state} socket={socket} />
              {state.stream === "ended" ? <AfterClass classId={cls.id} /> : null}
              <VideoDelay sync={sync} view={syncView} />
              <SlideArea board={state.board} />
              <ClassActivity
                state={state}
                socket={socket}
                calledOn={hasFocus(focus, "called-on")}
              />
            </div>
          </>
        )}
        <div class="classroom-side">
          {state.ended === "banned" ? null : (
            <FocusRegion
              focus={focus}
              dismiss={dismiss}
              state={state}
              socket={socket}
              sync={syncView}
              mode={cls.latencyMode}
            />
          )}
          <SidePanel user={user} classId={cls.id} state={state} socket={socket} />
        </div>
        <div class="classroom-info">
          <ClassInfo cls={cls} headingLevel={2} />
          {/* Asking to be told when the class goes live is moot while it is live. */}
          {state.stream === "live" ? null : <NotifyToggle classId={cls.id} />}
        </div>
      </main>
    </>
  );
}

/**
 * In place of the video for a banned student: the class refuses their socket (4003), so
 * no class state arrives, and "Waiting for the teacher to go live" would be a lie.
 * Bans have no end date: they last until staff lift them.
 */
function Banned() {
  return (
    <section class="video-area" aria-label={t("student.video.label")}>
      <div class="video-frame">
        <div class="video-waiting" role="alert" data-testid="banned-screen">
          <p class="video-waiting-title">{t("student.banned.title")}</p>
          <p class="video-waiting-sub">{t("student.banned.text")}</p>
        </div>
      </div>
    </section>
  );
}
