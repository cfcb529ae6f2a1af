import { describe, expect, it } from "vitest";
import type { SlideView } from "../../protocol/board.ts";
import type { PollView } from "../../protocol/interactive.ts";
import type { ClassEvent } from "../../protocol/realtime.ts";
import { mulberry32 as rng } from "../../sim/prng.ts";
import {
  lastRun,
  ReplayCursor,
  type ReplayState,
  recordingRun,
  serverTimeAt,
  stateAt,
} from "./replay-core.ts";

const page = (n: number): SlideView => ({
  key: `deckAAAAAAAAAAAAAAAA/${n}`,
  deckId: "deckAAAAAAAAAAAAAAAA",
  deckName: "Cells",
  page: n,
  pageCount: 9,
  url: `/slides/deckAAAAAAAAAAAAAAAA/${n}.webp`,
});

const poll = (id: string, state: PollView["state"], at: number, quiz = false): PollView => ({
  id,
  kind: quiz ? "quiz" : "poll",
  question: `Question ${id}`,
  options: ["A", "B", "C"],
  multiple: false,
  anonymous: false,
  state,
  openedAt: at,
  closesAt: null,
  timeLimitSec: null,
  tally: state === "open" ? null : [1, 2, 3],
  correct: quiz && state !== "open" ? [1] : null,
  answered: state === "open" ? null : 6,
});

/** A random class log: slide changes, ink (with undo and clear), polls, quizzes, Q&A, stream status. */
function randomLog(seed: number, n: number): ClassEvent[] {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)] as T;
  const events: ClassEvent[] = [];
  let at = 1_000_000;
  let slide = page(1);
  const strokes: string[] = [];
  const polls: string[] = [];
  for (let seq = 1; seq <= n; seq++) {
    // Several events may share one millisecond (a batch), as in the root's log.
    at += r() < 0.3 ? 0 : Math.floor(r() * 3000);
    const kind =
      seq === 1
        ? "live"
        : pick([
            "slide",
            "ink",
            "ink",
            "ink",
            "undo",
            "clear",
            "poll",
            "close",
            "qa",
            "lead",
            "live",
          ]);
    const base = { seq, at };
    switch (kind) {
      case "live":
        events.push({ ...base, type: "stream.status", status: "live", startedAt: at - 500 });
        break;
      case "slide":
        slide = page(1 + Math.floor(r() * 9));
        strokes.length = 0;
        events.push({ ...base, type: "slide.changed", board: { slide, strokes: [] } });
        break;
      case "ink": {
        const id = r() < 0.5 && strokes.length ? pick(strokes) : `s${seq}`;
        if (!strokes.includes(id)) strokes.push(id);
        events.push({
          ...base,
          type: "board.stroke",
          slide: r() < 0.9 ? slide.key : page(99).key,
          stroke: { id, tool: "pen", color: "#dc2626", size: 6 },
          points: [[r(), r(), 0.5]],
          done: r() < 0.5,
        });
        break;
      }
      case "undo":
        events.push({
          ...base,
          type: "board.undone",
          slide: slide.key,
          strokeId: strokes.pop() ?? "none",
        });
        break;
      case "clear":
        strokes.length = 0;
        events.push({ ...base, type: "board.cleared", slide: slide.key });
        break;
      case "poll": {
        const id = `p${seq}`;
        polls.push(id);
        events.push({ ...base, type: "poll.opened", poll: poll(id, "open", at, r() < 0.5) });
        break;
      }
      case "close": {
        const id = polls.length ? pick(polls) : "p0";
        events.push({
          ...base,
          type: r() < 0.5 ? "poll.closed" : "poll.revealed",
          poll: poll(id, "closed", at),
        });
        break;
      }
      case "qa":
        events.push({
          ...base,
          type: "qa.top",
          total: seq,
          top: [
            {
              id: `q${seq}`,
              from: { id: "u1", name: "Ada" },
              text: `Why ${seq}?`,
              at,
              state: r() < 0.5 ? "answered" : "visible",
              pinned: false,
              votes: seq,
            },
          ],
        });
        break;
      case "lead":
        events.push({
          ...base,
          type: "quiz.leaderboard",
          pollId: pick(polls) ?? "p0",
          players: seq,
          top: [{ userId: "u1", name: "Ada", score: seq, correct: 1 }],
        });
        break;
    }
  }
  // A few chat messages the replay ignores but counts in `applied`.
  return events;
}

describe("replay reducer", () => {
  it("seeded random seeks back and forth give the same state as playing through", () => {
    for (const seed of [1, 2, 3, 42, 2026]) {
      const events = randomLog(seed, 900);
      const first = events[0]!.at;
      const last = events[events.length - 1]!.at;
      // Linear play: one cursor, the player's time moving forward in 250 ms ticks.
      const linear = new Map<number, ReplayState>();
      const player = new ReplayCursor(events);
      const times: number[] = [];
      for (let t = first - 1000; t <= last + 1000; t += 250) {
        times.push(t);
        linear.set(t, player.seek(t));
      }
      // Random seeks over the same times, on a fresh cursor.
      const r = rng(seed * 7919);
      const seeker = new ReplayCursor(events);
      for (let i = 0; i < 400; i++) {
        const t = times[Math.floor(r() * times.length)]!;
        expect(seeker.seek(t), `seed ${seed}, seek ${i} to ${t}`).toEqual(linear.get(t));
      }
      // And both equal the fold from scratch.
      for (let i = 0; i < 30; i++) {
        const t = times[Math.floor(r() * times.length)]!;
        expect(linear.get(t)).toEqual(stateAt(events, t));
      }
    }
  });

  it("maps player time to the stream start of the last live run, refined by the bridge", () => {
    const ev = (
      seq: number,
      at: number,
      status: "live" | "ended",
      startedAt: number | null,
    ): ClassEvent => ({
      type: "stream.status",
      seq,
      at,
      status,
      startedAt,
    });
    const events = [
      ev(1, 100, "live", null),
      ev(2, 500, "ended", null),
      ev(3, 1000, "live", null),
      ev(4, 1200, "live", 900),
      ev(5, 9000, "ended", null),
    ];
    const run = lastRun(events)!;
    expect(run).toEqual({ streamStartedAt: 900, endedAt: 9000 });
    expect(serverTimeAt(run, 2.5)).toBe(3400);
    expect(serverTimeAt(run, -1)).toBe(900);
    expect(lastRun([])).toBeNull();
  });

  it("starts the recording where YouTube says the broadcast went live, if that is inside the run", () => {
    const run = { streamStartedAt: 900, endedAt: 9000 };
    // The broadcast went live 1.6 s after the bridge started pushing: position 0 is then.
    expect(recordingRun(run, 2500)).toEqual({ streamStartedAt: 2500, endedAt: 9000 });
    expect(serverTimeAt(recordingRun(run, 2500), 1)).toBe(3500);
    // Unknown, before the stream (another run's broadcast) or after its end: the bridge's start.
    expect(recordingRun(run, null)).toBe(run);
    expect(recordingRun(run, 800)).toBe(run);
    expect(recordingRun(run, 9000)).toBe(run);
    expect(recordingRun({ streamStartedAt: 900, endedAt: null }, 5000).streamStartedAt).toBe(5000);
  });

  it("shows at a player time exactly the slide and poll a live student saw with that frame", () => {
    const start = 10_000;
    const events: ClassEvent[] = [
      { type: "slide.changed", seq: 1, at: 5_000, board: { slide: page(1), strokes: [] } },
      { type: "stream.status", seq: 2, at: 9_000, status: "live", startedAt: start },
      { type: "slide.changed", seq: 3, at: start + 4_000, board: { slide: page(2), strokes: [] } },
      { type: "poll.opened", seq: 4, at: start + 6_000, poll: poll("p1", "open", start + 6_000) },
      { type: "poll.closed", seq: 5, at: start + 9_000, poll: poll("p1", "closed", start + 6_000) },
      { type: "stream.status", seq: 6, at: start + 12_000, status: "ended", startedAt: null },
    ];
    const run = lastRun(events)!;
    const c = new ReplayCursor(events);
    const at = (s: number) => c.seek(serverTimeAt(run, s));
    expect(at(3.9).board?.slide.page).toBe(1);
    expect(at(4).board?.slide.page).toBe(2);
    expect(at(5).interactive.polls).toEqual([]);
    expect(at(7).interactive.polls[0]?.state).toBe("open");
    expect(at(10).interactive.polls[0]).toMatchObject({ state: "closed", tally: [1, 2, 3] });
    // Back before the change: the first slide again, no poll.
    expect(at(1).board?.slide.page).toBe(1);
    expect(at(1).interactive.polls).toEqual([]);
  });
});
