import type { ClassPublic, SessionUser } from "../../protocol/api.ts";
import { AppHeader } from "../components/AppHeader.tsx";
import { ClassInfo } from "./ClassInfo.tsx";
import { SidePanel } from "./SidePanel.tsx";
import { VideoArea } from "./VideoArea.tsx";

/**
 * The class as an admitted student sees it. Two areas: the video (with the class
 * details under it) and the side panel for the realtime parts. On phones they stack,
 * video first; from tablet width up they sit side by side.
 */
export function ClassPage(props: { cls: ClassPublic; user: SessionUser; manage: boolean }) {
  const { cls, user } = props;
  const guest = user.role === "guest";
  return (
    <>
      <AppHeader
        user={user}
        signOutLabel={guest ? "Leave class" : "Sign out"}
        signOutTo={`/c/${cls.id}`}
      >
        {props.manage ? (
          <a class="btn btn-quiet" href={`/studio/${cls.id}`}>
            Open in studio
          </a>
        ) : null}
      </AppHeader>
      <main class="classroom" data-testid="class-page">
        <div class="classroom-main">
          <VideoArea cls={cls} />
          <ClassInfo cls={cls} />
        </div>
        <SidePanel user={user} />
      </main>
    </>
  );
}
