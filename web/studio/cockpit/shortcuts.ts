/**
 * The studio cockpit's keyboard shortcuts as data and one pure lookup, so the list shown
 * to the teacher and the keys the cockpit obeys cannot drift apart.
 */

import type { StudioKey } from "../../i18n/studio.ts";

/** What a shortcut does in the cockpit. */
export type ShortcutAction =
  | "slide.next"
  | "slide.prev"
  | "board.undo"
  | "poll.toggle"
  | "hand.next"
  | "mic.toggle"
  | "help";

/** One row of the Shortcuts list: the keys as shown, and what they do. */
export interface Shortcut {
  action: ShortcutAction;
  keys: string[];
  /** The catalog key of what it does (web/i18n/studio.ts). */
  label: StudioKey;
  /** A plain character key (P, H, M, ?): can be turned off (WCAG 2.1.4, character key shortcuts). */
  singleKey: boolean;
}

/** Every cockpit shortcut, in the order the Shortcuts list shows them. */
export const SHORTCUTS: Shortcut[] = [
  {
    action: "slide.next",
    keys: ["→", "Page Down"],
    label: "studio.shortcut.slideNext",
    singleKey: false,
  },
  {
    action: "slide.prev",
    keys: ["←", "Page Up"],
    label: "studio.shortcut.slidePrev",
    singleKey: false,
  },
  {
    action: "poll.toggle",
    keys: ["P"],
    label: "studio.shortcut.pollToggle",
    singleKey: true,
  },
  { action: "hand.next", keys: ["H"], label: "studio.shortcut.handNext", singleKey: true },
  { action: "mic.toggle", keys: ["M"], label: "studio.shortcut.micToggle", singleKey: true },
  { action: "board.undo", keys: ["Ctrl+Z"], label: "studio.shortcut.boardUndo", singleKey: false },
  { action: "help", keys: ["?"], label: "studio.shortcut.help", singleKey: true },
];

/** The parts of a KeyboardEvent the lookup reads. */
export interface KeyPress {
  key: string;
  ctrlKey: boolean;
  metaKey: boolean;
  altKey: boolean;
  /** The event was already handled (a tab list or splitter moved with the arrows). */
  defaultPrevented: boolean;
  /** Focus is somewhere keys mean text or their own thing (see {@link ownsKeys}). */
  inField: boolean;
}

/**
 * The action a key press asks for, or null. Nothing fires while typing, on a handled
 * event, or with Alt; the character keys only when `singleKeys` is on.
 */
export function shortcutFor(e: KeyPress, singleKeys: boolean): ShortcutAction | null {
  if (e.defaultPrevented || e.inField || e.altKey) return null;
  const mod = e.ctrlKey || e.metaKey;
  if (mod) return e.key === "z" || e.key === "Z" ? "board.undo" : null;
  switch (e.key) {
    case "ArrowRight":
    case "PageDown":
      return "slide.next";
    case "ArrowLeft":
    case "PageUp":
      return "slide.prev";
  }
  if (!singleKeys) return null;
  switch (e.key) {
    case "p":
    case "P":
      return "poll.toggle";
    case "h":
    case "H":
      return "hand.next";
    case "m":
    case "M":
      return "mic.toggle";
    case "?":
      return "help";
    default:
      return null;
  }
}

/**
 * Whether keys pressed on `el` belong to it: text fields, selects, editable content,
 * tab lists and splitters (arrows move them), media controls and open dialogs.
 */
export function ownsKeys(el: Element | null): boolean {
  return !!el?.closest(
    'input, textarea, select, [contenteditable=""], [contenteditable="true"], [role="tablist"], [role="separator"], [role="slider"], video, dialog',
  );
}
