/**
 * What needs the student's attention right now: a pure reducer over what the class page
 * observes (the current poll or quiz, being called on, the latest announcement, the slide
 * on screen). The student page shows its `current` item where the student is looking
 * (beside the video on a laptop, as a sheet over the chat on a phone) and reads `announce`
 * out through an aria-live region. Notices expire by themselves (`tick`), so nothing stale
 * stays on screen: "The teacher called on you" clears after CALLED_ON_MS.
 *
 * Only rising edges make items: a poll seen for the first time, `acknowledged` turning
 * true, an announcement id not seen before, a slide key that changed. The first
 * observation after load records the slide and announcement without raising them (they are
 * not news to someone who just arrived), but an open poll is raised at once.
 */

import type { PollKind, PollState } from "../../protocol/interactive.ts";
import { t } from "../i18n/student.ts";

/** How long "the teacher called on you" stays up. */
export const CALLED_ON_MS = 20_000;
/** How long a new announcement stays in the focus region (it stays in the side panel). */
export const ANNOUNCEMENT_MS = 30_000;
/** How long "the slide changed" stays up. */
export const SLIDE_MS = 6_000;

/** Something that needs attention, most urgent kinds first in `PRIORITY`. */
export type FocusItem =
  | { kind: "poll"; id: string; quiz: boolean; open: boolean; at: number }
  | { kind: "called-on"; id: string; at: number }
  | { kind: "announcement"; id: string; text: string; at: number }
  | { kind: "slide"; id: string; label: string; at: number };

const PRIORITY: Record<FocusItem["kind"], number> = {
  "called-on": 0,
  poll: 1,
  announcement: 2,
  slide: 3,
};
const TTL: Record<FocusItem["kind"], number | null> = {
  "called-on": CALLED_ON_MS,
  poll: null,
  announcement: ANNOUNCEMENT_MS,
  slide: SLIDE_MS,
};

/** What the class page sees in its state at one moment. */
export interface FocusObservation {
  now: number;
  poll: { id: string; kind: PollKind; state: PollState } | null;
  calledOn: boolean;
  announcement: { id: string; text: string } | null;
  /** The slide on screen: `key` changes with it (deck + page); null for no slides. */
  slide: { key: string; label: string } | null;
}

export type FocusInput =
  | ({ type: "observe" } & FocusObservation)
  | { type: "dismiss"; id: string }
  | { type: "tick"; now: number };

export interface FocusState {
  /** Items in view, most urgent first. */
  items: FocusItem[];
  /** Ids the student closed (polls stay closed when they change state). */
  dismissed: string[];
  /** The latest sentence for screen readers, and a counter so the same text is re-read. */
  announce: { text: string; n: number };
  /** What the last observation saw (edges are detected against it). */
  seen: {
    first: boolean;
    pollKey: string | null;
    calledOn: boolean;
    announcementId: string | null;
    slideKey: string | null;
  };
}

export function initialFocusState(): FocusState {
  return {
    items: [],
    dismissed: [],
    announce: { text: "", n: 0 },
    seen: { first: true, pollKey: null, calledOn: false, announcementId: null, slideKey: null },
  };
}

/** The item to show: the most urgent one. */
export function currentFocus(s: FocusState): FocusItem | null {
  return s.items[0] ?? null;
}

/** Whether an item of `kind` is in view (e.g. the hand bar's "called on you" text). */
export function hasFocus(s: FocusState, kind: FocusItem["kind"]): boolean {
  return s.items.some((i) => i.kind === kind);
}

function sorted(items: FocusItem[]): FocusItem[] {
  return [...items].sort((a, b) => PRIORITY[a.kind] - PRIORITY[b.kind] || b.at - a.at);
}

function expire(items: FocusItem[], now: number): FocusItem[] {
  return items.filter((i) => {
    const ttl = TTL[i.kind];
    return ttl === null || now - i.at < ttl;
  });
}

function say(s: FocusState, text: string): FocusState["announce"] {
  return { text, n: s.announce.n + 1 };
}

export function focusReducer(s: FocusState, input: FocusInput): FocusState {
  switch (input.type) {
    case "dismiss":
      return {
        ...s,
        items: s.items.filter((i) => i.id !== input.id),
        dismissed: s.dismissed.includes(input.id)
          ? s.dismissed
          : [...s.dismissed, input.id].slice(-20),
      };
    case "tick": {
      const items = expire(s.items, input.now);
      return items.length === s.items.length ? s : { ...s, items };
    }
    case "observe":
      return observe(s, input);
    default:
      return input satisfies never;
  }
}

function observe(s: FocusState, o: FocusObservation): FocusState {
  const { now } = o;
  let items = expire(s.items, now);
  let announce = s.announce;
  const first = s.seen.first;

  // Poll or quiz: one item per poll, following its state; gone when the poll is.
  const pollKey = o.poll ? `${o.poll.id}:${o.poll.state}` : null;
  if (pollKey !== s.seen.pollKey) {
    items = items.filter((i) => i.kind !== "poll");
    const p = o.poll;
    if (p && !s.dismissed.includes(p.id)) {
      const quiz = p.kind === "quiz";
      const open = p.state === "open";
      items.push({ kind: "poll", id: p.id, quiz, open, at: now });
      const what = quiz ? "quiz" : "poll";
      announce = {
        text: open
          ? t(`student.focus.${what}.opened`)
          : p.state === "revealed"
            ? t(`student.focus.${what}.revealed`)
            : t(`student.focus.${what}.closed`),
        n: announce.n + 1,
      };
    }
  }

  // Called on: the rising edge of `acknowledged`; raising the hand again clears it.
  if (o.calledOn && !s.seen.calledOn) {
    const id = `called-on:${now}`;
    items = items.filter((i) => i.kind !== "called-on");
    items.push({ kind: "called-on", id, at: now });
    announce = say({ ...s, announce }, t("student.focus.calledOn"));
  } else if (!o.calledOn && s.seen.calledOn) {
    items = items.filter((i) => i.kind !== "called-on");
  }

  const a = o.announcement;
  if (a && a.id !== s.seen.announcementId && !first) {
    items = items.filter((i) => i.kind !== "announcement");
    items.push({ kind: "announcement", id: `announcement:${a.id}`, text: a.text, at: now });
    announce = say({ ...s, announce }, t("student.focus.announcement", { text: a.text }));
  }

  const sl = o.slide;
  if (sl && sl.key !== s.seen.slideKey && !first) {
    items = items.filter((i) => i.kind !== "slide");
    items.push({ kind: "slide", id: `slide:${sl.key}`, label: sl.label, at: now });
    // Only when nothing more urgent is being read out in the same observation.
    if (announce === s.announce) announce = say(s, t("student.focus.slide", { label: sl.label }));
  }

  return {
    items: sorted(items),
    dismissed: s.dismissed,
    announce,
    seen: {
      first: false,
      pollKey,
      calledOn: o.calledOn,
      announcementId: a?.id ?? s.seen.announcementId,
      slideKey: sl?.key ?? null,
    },
  };
}
