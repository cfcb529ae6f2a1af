import { describe, expect, it } from "vitest";
import {
  ANNOUNCEMENT_MS,
  CALLED_ON_MS,
  currentFocus,
  type FocusObservation,
  type FocusState,
  focusReducer,
  hasFocus,
  initialFocusState,
  SLIDE_MS,
} from "./focus-state.ts";

const quiet: Omit<FocusObservation, "now"> = {
  poll: null,
  calledOn: false,
  announcement: null,
  slide: null,
};
const see = (s: FocusState, now: number, o: Partial<FocusObservation> = {}) =>
  focusReducer(s, { type: "observe", now, ...quiet, ...o });

describe("focus reducer", () => {
  it("raises an opened poll at once, even on the first observation, and announces it", () => {
    const s = see(initialFocusState(), 0, { poll: { id: "p1", kind: "poll", state: "open" } });
    expect(currentFocus(s)).toMatchObject({ kind: "poll", id: "p1", open: true });
    expect(s.announce.text).toBe("A poll opened.");
  });

  it("follows the poll's state, and a dismissed poll stays dismissed when it is revealed", () => {
    let s = see(initialFocusState(), 0, { poll: { id: "q", kind: "quiz", state: "open" } });
    s = see(s, 10, { poll: { id: "q", kind: "quiz", state: "closed" } });
    expect(currentFocus(s)).toMatchObject({ kind: "poll", open: false });
    expect(s.announce.text).toBe("The quiz closed.");
    s = focusReducer(s, { type: "dismiss", id: "q" });
    expect(currentFocus(s)).toBeNull();
    s = see(s, 20, { poll: { id: "q", kind: "quiz", state: "revealed" } });
    expect(currentFocus(s)).toBeNull();
    s = see(s, 30, { poll: null });
    expect(s.items).toEqual([]);
  });

  it("called on: shown first, announced, and cleared by the timeout or a new hand", () => {
    let s = see(initialFocusState(), 0, { poll: { id: "p", kind: "poll", state: "open" } });
    s = see(s, 1000, { poll: { id: "p", kind: "poll", state: "open" }, calledOn: true });
    expect(currentFocus(s)?.kind).toBe("called-on");
    expect(s.announce.text).toBe("The teacher called on you.");
    // Still called on (the flag stays true in the class state) — but the notice expires.
    s = see(s, 1000 + CALLED_ON_MS - 1, {
      poll: { id: "p", kind: "poll", state: "open" },
      calledOn: true,
    });
    expect(hasFocus(s, "called-on")).toBe(true);
    s = focusReducer(s, { type: "tick", now: 1000 + CALLED_ON_MS });
    expect(hasFocus(s, "called-on")).toBe(false);
    expect(currentFocus(s)?.kind).toBe("poll");
    // It does not come back while the flag stays true…
    s = see(s, 1000 + CALLED_ON_MS + 5, {
      poll: { id: "p", kind: "poll", state: "open" },
      calledOn: true,
    });
    expect(hasFocus(s, "called-on")).toBe(false);
    // …and a second call (hand raised and called on again) raises it again.
    s = see(s, 50_000, { calledOn: false });
    s = see(s, 51_000, { calledOn: true });
    expect(hasFocus(s, "called-on")).toBe(true);
    s = see(s, 52_000, { calledOn: false });
    expect(hasFocus(s, "called-on")).toBe(false);
  });

  it("a new announcement and a slide change are raised and expire; what was there on arrival is not news", () => {
    let s = see(initialFocusState(), 0, {
      announcement: { id: "a1", text: "Welcome" },
      slide: { key: "d1:1", label: "Slide 1 of 9" },
    });
    expect(s.items).toEqual([]);
    s = see(s, 100, {
      announcement: { id: "a2", text: "Break in 5" },
      slide: { key: "d1:1", label: "Slide 1 of 9" },
    });
    expect(currentFocus(s)).toMatchObject({ kind: "announcement", text: "Break in 5" });
    expect(s.announce.text).toBe("Announcement: Break in 5");
    s = see(s, 200, {
      announcement: { id: "a2", text: "Break in 5" },
      slide: { key: "d1:2", label: "Slide 2 of 9" },
    });
    expect(s.items.map((i) => i.kind)).toEqual(["announcement", "slide"]);
    expect(s.announce.text).toBe("Slide changed: Slide 2 of 9.");
    s = focusReducer(s, { type: "tick", now: 200 + SLIDE_MS });
    expect(s.items.map((i) => i.kind)).toEqual(["announcement"]);
    s = focusReducer(s, { type: "tick", now: 100 + ANNOUNCEMENT_MS });
    expect(s.items).toEqual([]);
  });

  it("re-reads the same sentence (the counter moves)", () => {
    let s = see(initialFocusState(), 0, { poll: { id: "p1", kind: "poll", state: "open" } });
    const n = s.announce.n;
    s = see(s, 1, { poll: null });
    s = see(s, 2, { poll: { id: "p2", kind: "poll", state: "open" } });
    expect(s.announce).toEqual({ text: "A poll opened.", n: n + 1 });
  });
});
