import { describe, expect, it } from "vitest";
import { type KeyPress, SHORTCUTS, shortcutFor } from "./shortcuts.ts";

const press = (key: string, over: Partial<KeyPress> = {}): KeyPress => ({
  key,
  ctrlKey: false,
  metaKey: false,
  altKey: false,
  defaultPrevented: false,
  inField: false,
  ...over,
});

describe("studio shortcuts", () => {
  it("maps the frequent actions", () => {
    expect(shortcutFor(press("ArrowRight"), true)).toBe("slide.next");
    expect(shortcutFor(press("PageDown"), true)).toBe("slide.next");
    expect(shortcutFor(press("ArrowLeft"), true)).toBe("slide.prev");
    expect(shortcutFor(press("PageUp"), true)).toBe("slide.prev");
    expect(shortcutFor(press("p"), true)).toBe("poll.toggle");
    expect(shortcutFor(press("H"), true)).toBe("hand.next");
    expect(shortcutFor(press("m"), true)).toBe("mic.toggle");
    expect(shortcutFor(press("?"), true)).toBe("help");
    expect(shortcutFor(press("z", { ctrlKey: true }), true)).toBe("board.undo");
    expect(shortcutFor(press("z", { metaKey: true }), true)).toBe("board.undo");
  });

  it("does nothing while typing, on handled events, with Alt or other modifiers", () => {
    for (const key of ["ArrowRight", "p", "h", "m", "?"]) {
      expect(shortcutFor(press(key, { inField: true }), true)).toBeNull();
      expect(shortcutFor(press(key, { defaultPrevented: true }), true)).toBeNull();
      expect(shortcutFor(press(key, { altKey: true }), true)).toBeNull();
    }
    expect(shortcutFor(press("p", { ctrlKey: true }), true)).toBeNull();
    expect(shortcutFor(press("x"), true)).toBeNull();
  });

  it("turns the character keys off, not the arrows", () => {
    expect(shortcutFor(press("p"), false)).toBeNull();
    expect(shortcutFor(press("m"), false)).toBeNull();
    expect(shortcutFor(press("?"), false)).toBeNull();
    expect(shortcutFor(press("ArrowRight"), false)).toBe("slide.next");
    expect(shortcutFor(press("z", { ctrlKey: true }), false)).toBe("board.undo");
  });

  it("lists every action once", () => {
    const actions = SHORTCUTS.map((s) => s.action);
    expect(new Set(actions).size).toBe(actions.length);
    expect(actions.sort()).toEqual(
      [
        "board.undo",
        "hand.next",
        "help",
        "mic.toggle",
        "poll.toggle",
        "slide.next",
        "slide.prev",
      ].sort(),
    );
  });
});
