/**
 * The live studio as one screen: panes in a CSS grid the teacher resizes with splitters
 * (mouse or keyboard) — stream preview and going live, polls with their live tally,
 * slides and board, raised hands, and chat / questions / moderation as tabs — plus the
 * keyboard shortcuts for the frequent actions. On a phone only the moderation views show.
 * Class set-up (title, schedule, YouTube, moderators, chat rules) is its own page.
 */
import "./cockpit.css";
import { useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";
import type { ClassDetail, ClassPublic } from "../../../protocol/api.ts";
import { CopyButton } from "../../components/CopyButton.tsx";
import { Notice } from "../../components/Notice.tsx";
import { ReactionBurst, ReactionTotals } from "../../components/Reactions.tsx";
import { isolate, UserText } from "../../components/UserText.tsx";
import { t } from "../../i18n/studio.ts";
import { useClassroom } from "../../lib/classroom-hooks.ts";
import { formatStart } from "../../lib/format.ts";
import { handWindow } from "../../lib/interactive-state.ts";
import { onLinkClick } from "../../lib/router.ts";
import { onTabListKey } from "../../lib/tabs.ts";
import { ConnectionStatus, LiveCount } from "../../student/ConnectionStatus.tsx";
import {
  ChatSettings,
  QuickSlowMode,
  RejectionsFeed,
  Sanctions,
  sectionLabel,
} from "../ChatModeration.tsx";
import { HandsBox, PollsBox } from "../InteractiveStudio.tsx";
import { ModerationQueue } from "../ModerationQueue.tsx";
import { type MediaActions, MediaPanel, type OnBridgeHealth } from "../media/MediaPanel.tsx";
import { QaBox } from "../QaBox.tsx";
import { SlidesStudio } from "../SlidesStudio.tsx";
import { GlobalChannel, SectionWatch } from "../StudioChat.tsx";
import { YouTubeStatus } from "../YouTubeStatus.tsx";
import {
  type CockpitLayout,
  clampLayout,
  defaultLayout,
  loadLayout,
  MIN,
  saveLayout,
} from "./layout.ts";
import { ShortcutsDialog, useSingleKeys } from "./ShortcutsDialog.tsx";
import { Splitter } from "./Splitter.tsx";
import { ownsKeys, type ShortcutAction, shortcutFor } from "./shortcuts.ts";

type Talk = "chat" | "qa" | "mod";

/** The cockpit for the class's teacher (`detail`, with going live) or a moderator (`detail` null). */
export function Cockpit(props: {
  cls: ClassPublic;
  detail: ClassDetail | null;
  onBridgeHealth?: OnBridgeHealth;
}) {
  const { cls, detail } = props;
  const manage = detail !== null;
  const room = useClassroom(cls.id);
  const { state, socket } = room;
  const media = useRef<MediaActions | null>(null);
  const [talk, setTalk] = useState<Talk>("chat");
  const [said, setSaid] = useState<{ text: string; at: number } | null>(null);
  const [help, setHelp] = useState(false);
  const [singleKeys, setSingleKeys] = useSingleKeys();

  // ---- pane sizes ------------------------------------------------------------------
  const main = useRef<HTMLElement>(null);
  const grid = useRef<HTMLDivElement>(null);
  const [box, setBox] = useState({ w: 1280, h: 640 });
  const [stored, setStored] = useState<CockpitLayout | null>(loadLayout);
  useLayoutEffect(() => {
    const measure = () => {
      const m = main.current;
      const g = grid.current;
      if (!m || !g) return;
      // The cockpit fills the window below the app header (its top, wherever that is).
      m.style.setProperty(
        "--cockpit-top",
        `${Math.round(m.getBoundingClientRect().top + scrollY)}px`,
      );
      setBox({ w: g.clientWidth, h: g.clientHeight });
    };
    measure();
    const ro = new ResizeObserver(measure);
    if (grid.current) ro.observe(grid.current);
    addEventListener("resize", measure);
    return () => {
      ro.disconnect();
      removeEventListener("resize", measure);
    };
  }, []);
  const layout = clampLayout(stored ?? defaultLayout(box.w, box.h), box.w, box.h);
  const resize = (patch: Partial<CockpitLayout>) => {
    const next = { ...layout, ...patch };
    setStored(next);
    saveLayout(next);
  };

  // ---- shortcuts -------------------------------------------------------------------
  const say = (text: string) => setSaid({ text, at: Date.now() });
  const latest = useRef(state);
  latest.current = state;
  const run = (action: ShortcutAction) => {
    const s = latest.current;
    const ix = s.interactive;
    switch (action) {
      case "slide.next":
        socket.send({ type: "slide.next" });
        return;
      case "slide.prev":
        socket.send({ type: "slide.prev" });
        return;
      case "board.undo":
        socket.send({ type: "board.undo" });
        return;
      case "poll.toggle": {
        const open = ix.polls.filter((p) => p.state === "open").at(-1);
        const draft = ix.polls.filter((p) => p.state === "draft").at(-1);
        if (open) {
          socket.send({ type: "poll.close", pollId: open.id });
          say(t("studio.cockpit.said.pollClosed", { question: isolate(open.question) }));
        } else if (draft) {
          socket.send({ type: "poll.open", pollId: draft.id });
          say(t("studio.cockpit.said.pollOpened", { question: isolate(draft.question) }));
        } else say(t("studio.cockpit.said.noDraft"));
        return;
      }
      case "hand.next": {
        const next = handWindow(ix, 0)[0];
        if (next) {
          socket.send({ type: "hand.ack", userId: next.userId });
          say(t("studio.cockpit.said.calledOn", { name: isolate(next.name) }));
        } else say(t("studio.cockpit.said.noHands"));
        return;
      }
      case "mic.toggle": {
        const muted = media.current?.toggleMic() ?? null;
        say(
          t(
            muted === null
              ? "studio.cockpit.said.noMic"
              : muted
                ? "studio.cockpit.said.micMuted"
                : "studio.cockpit.said.micOn",
          ),
        );
        return;
      }
      case "help":
        setHelp(true);
        return;
    }
    action satisfies never;
  };
  const runRef = useRef(run);
  runRef.current = run;
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const action = shortcutFor(
        {
          key: e.key,
          ctrlKey: e.ctrlKey,
          metaKey: e.metaKey,
          altKey: e.altKey,
          defaultPrevented: e.defaultPrevented,
          inField: ownsKeys(e.target as Element | null) || ownsKeys(document.activeElement),
        },
        singleKeys,
      );
      if (!action) return;
      if (!manage && action !== "hand.next" && action !== "help") return;
      e.preventDefault();
      runRef.current(action);
    };
    addEventListener("keydown", onKey);
    return () => removeEventListener("keydown", onKey);
  }, [singleKeys, manage]);
  // A shortcut's note shows for a few seconds.
  useEffect(() => {
    if (!said) return;
    const timer = setTimeout(() => setSaid(null), 5000);
    return () => clearTimeout(timer);
  }, [said]);

  const err = state.lastError;
  const ixError =
    err && /^(poll|hand|qa)\./.test(err.ref ?? "") && Date.now() - err.at < 10_000 ? err : null;
  const sections = [...(state.mod?.sections ?? [])].sort((a, b) =>
    a.sectionId.localeCompare(b.sectionId, undefined, { numeric: true }),
  );
  const sectionIds = sections.map((s) => s.sectionId);
  const pendingQa = state.interactive.pending?.total ?? 0;
  const queued = state.modQueue?.pending ?? 0;

  const style = {
    "--cockpit-left": `${layout.left}px`,
    "--cockpit-right": `${layout.right}px`,
    "--cockpit-stream": `${layout.stream}px`,
    "--cockpit-hands": `${layout.hands}px`,
  };

  const tab = (id: Talk, label: string, count: number, testId: string) => (
    <button
      type="button"
      role="tab"
      id={`talk-tab-${id}`}
      aria-selected={talk === id}
      aria-controls={`talk-panel-${id}`}
      tabIndex={talk === id ? 0 : -1}
      data-testid={testId}
      onClick={() => setTalk(id)}
    >
      {label}
      {count > 0 ? <span class="badge">{count}</span> : null}
    </button>
  );

  return (
    <main id="main" class="cockpit" ref={main} data-testid="live-studio">
      <header class="cockpit-bar">
        <div class="cockpit-title">
          <h1 class="class-title">
            <UserText text={cls.title} />
          </h1>
          <p class="class-meta">
            {detail
              ? formatStart(detail.scheduledStart)
              : t("studio.cockpit.moderatorFor", { teacher: isolate(cls.teacherName) })}
          </p>
        </div>
        <div class="cockpit-tools">
          {detail ? (
            <>
              <CopyButton
                text={detail.joinUrl}
                label={t("studio.cockpit.copyJoin")}
                testId="copy-join-link"
              />
              <a
                class="btn btn-secondary btn-small"
                href={`/studio/${cls.id}/setup`}
                onClick={onLinkClick}
                data-testid="class-setup-link"
              >
                {t("studio.cockpit.setup")}
              </a>
            </>
          ) : null}
          <button
            type="button"
            class="btn btn-quiet btn-small"
            aria-haspopup="dialog"
            aria-keyshortcuts="Shift+?"
            data-testid="shortcuts-open"
            onClick={() => setHelp(true)}
          >
            {t("studio.cockpit.shortcuts")}
          </button>
        </div>
        <p class="cockpit-said" role="status" data-testid="shortcut-status">
          {said?.text ?? ""}
        </p>
        {ixError ? (
          <p class="ix-error cockpit-error" role="alert" data-testid="studio-ix-error">
            {ixError.message}
          </p>
        ) : null}
      </header>
      <ShortcutsDialog
        open={help}
        onClose={() => setHelp(false)}
        singleKeys={singleKeys}
        onSingleKeys={setSingleKeys}
        manage={manage}
      />
      <p class="cockpit-phone-note" data-testid="phone-moderation-note">
        {t("studio.cockpit.phoneNote")}
      </p>
      <div class="cockpit-grid" ref={grid} style={style}>
        <div class="cockpit-col cockpit-left" id="pane-left">
          <section
            id="pane-stream"
            class="cockpit-pane cockpit-stream"
            aria-label={t("studio.cockpit.pane.stream")}
          >
            {detail ? (
              <>
                <MediaPanel cls={detail} onBridgeHealth={props.onBridgeHealth} actions={media} />
                <YouTubeStatus classId={cls.id} />
              </>
            ) : (
              <p class="muted">{t("studio.cockpit.moderatorStream")}</p>
            )}
          </section>
          <Splitter
            label={t("studio.cockpit.split.stream")}
            controls="pane-stream"
            orientation="horizontal"
            value={layout.stream}
            min={MIN.stream}
            max={Math.max(MIN.stream, box.h - MIN.polls - 12)}
            grow={1}
            onChange={(stream) => resize({ stream })}
            testId="split-stream"
          />
          <section id="pane-polls" class="cockpit-pane cockpit-polls" aria-labelledby="polls-title">
            <h2 id="polls-title" class="visually-hidden">
              {t("studio.cockpit.pane.polls")}
            </h2>
            <PollsBox room={room} />
          </section>
        </div>
        <Splitter
          label={t("studio.cockpit.split.left")}
          controls="pane-left"
          orientation="vertical"
          value={layout.left}
          min={MIN.left}
          max={Math.max(MIN.left, box.w - MIN.center - layout.right - 24)}
          grow={1}
          onChange={(left) => resize({ left })}
          testId="split-left"
        />
        <section
          id="pane-stage"
          class="cockpit-pane cockpit-stage"
          aria-label={t("studio.cockpit.pane.stage")}
        >
          <SlidesStudio cls={cls} room={room} />
        </section>
        <Splitter
          label={t("studio.cockpit.split.right")}
          controls="pane-right"
          orientation="vertical"
          value={layout.right}
          min={MIN.right}
          max={Math.max(MIN.right, box.w - MIN.center - layout.left - 24)}
          grow={-1}
          onChange={(right) => resize({ right })}
          testId="split-right"
        />
        <div class="cockpit-col cockpit-right" id="pane-right">
          <section id="pane-hands" class="cockpit-pane cockpit-hands" aria-labelledby="hands-title">
            <h2 id="hands-title" class="visually-hidden">
              {t("studio.cockpit.pane.hands")}
            </h2>
            <HandsBox room={room} />
          </section>
          <Splitter
            label={t("studio.cockpit.split.hands")}
            controls="pane-hands"
            orientation="horizontal"
            value={layout.hands}
            min={MIN.hands}
            max={Math.max(MIN.hands, box.h - MIN.talk - 12)}
            grow={1}
            onChange={(hands) => resize({ hands })}
            testId="split-hands"
          />
          <section
            class="cockpit-pane cockpit-talk studio-chat"
            aria-labelledby="talk-title"
            data-testid="studio-chat"
          >
            <div class="cockpit-talk-head">
              <h2 id="talk-title" class="visually-hidden">
                {t("studio.cockpit.pane.talk")}
              </h2>
              <div
                class="cockpit-tabs"
                role="tablist"
                aria-label={t("studio.cockpit.pane.talk")}
                onKeyDown={onTabListKey}
              >
                {tab("chat", t("studio.cockpit.tab.chat"), 0, "talk-chat")}
                {tab(
                  "qa",
                  t("studio.cockpit.tab.qa"),
                  pendingQa || state.interactive.qa.total,
                  "talk-qa",
                )}
                {tab("mod", t("studio.cockpit.tab.mod"), queued, "talk-mod")}
              </div>
              <div class="cockpit-talk-status">
                <LiveCount students={state.presence.students} />
                <ConnectionStatus conn={state.conn} ended={state.ended} />
              </div>
            </div>
            {state.lastError ? (
              <Notice testId="studio-error">
                {state.lastError.message} ({state.lastError.code})
              </Notice>
            ) : null}
            <div
              id="talk-panel-chat"
              role="tabpanel"
              aria-labelledby="talk-tab-chat"
              class="cockpit-tabpanel"
              hidden={talk !== "chat"}
            >
              <ReactionBurst reactions={state.reactions} testId="studio-reaction-burst" corner />
              <ReactionTotals reactions={state.reactions} />
              <p class="section-counts muted" data-testid="section-counts">
                {sections.length === 0
                  ? t("studio.cockpit.noStudents")
                  : sections.map((s, i) => (
                      <span key={s.sectionId}>
                        {i > 0 ? " · " : ""}
                        {sectionLabel(s.sectionId)}: {s.students}
                      </span>
                    ))}
              </p>
              <SectionWatch state={state} socket={socket} sections={sectionIds} />
              <GlobalChannel state={state} socket={socket} />
            </div>
            <div
              id="talk-panel-qa"
              role="tabpanel"
              aria-labelledby="talk-tab-qa"
              class="cockpit-tabpanel"
              hidden={talk !== "qa"}
            >
              <QaBox room={room} teacher={manage} />
            </div>
            <div
              id="talk-panel-mod"
              role="tabpanel"
              aria-labelledby="talk-tab-mod"
              class="cockpit-tabpanel"
              hidden={talk !== "mod"}
            >
              <ModerationQueue state={state} socket={socket} sections={sectionIds} />
              <RejectionsFeed state={state} />
              <Sanctions state={state} send={(m) => socket.send(m)} />
              {manage ? <QuickSlowMode state={state} send={(m) => socket.send(m)} /> : null}
              {manage ? (
                <p class="muted cockpit-rules-note">
                  {t("studio.cockpit.rulesNote")}{" "}
                  <a href={`/studio/${cls.id}/setup`} onClick={onLinkClick}>
                    {t("studio.cockpit.setup")}
                  </a>
                </p>
              ) : (
                <ChatSettings state={state} send={(m) => socket.send(m)} />
              )}
            </div>
          </section>
        </div>
      </div>
    </main>
  );
}
