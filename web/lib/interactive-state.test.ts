import { describe, expect, it } from "vitest";
import type { PollView, QuestionView } from "../../protocol/interactive.ts";
import {
  applyInteractiveEvent,
  applyInteractiveFrame,
  currentPoll,
  handWindow,
  initialInteractiveState,
  interactiveFromSnapshot,
  myPendingQuestions,
  POLLS_KEPT,
  percentages,
  quizDeadlineLocal,
  secondsLeft,
  tallyOf,
  visibleQuizResult,
} from "./interactive-state.ts";

const poll = (id: string, state: PollView["state"], extra: Partial<PollView> = {}): PollView => ({
  id,
  kind: "poll",
  question: `Q ${id}`,
  options: ["A", "B", "C"],
  multiple: false,
  anonymous: false,
  state,
  openedAt: 1_000,
  closesAt: null,
  timeLimitSec: null,
  tally: null,
  correct: null,
  answered: null,
  ...extra,
});
const question = (id: string, extra: Partial<QuestionView> = {}): QuestionView => ({
  id,
  from: { id: "u1", name: "Ann" },
  text: `question ${id}`,
  at: 1,
  state: "visible",
  pinned: false,
  votes: 0,
  ...extra,
});
const ev = { seq: 1, at: 1 };

describe("interactive state: polls", () => {
  it("a student sees a poll open, close and reveal, with the results only once revealed", () => {
    let s = initialInteractiveState();
    s = applyInteractiveEvent(s, { type: "poll.opened", ...ev, poll: poll("p1", "open") }, false);
    expect(currentPoll(s)?.state).toBe("open");
    expect(tallyOf(s, currentPoll(s)!)).toBeNull();
    s = applyInteractiveFrame(s, { type: "poll.answered", pollId: "p1", choices: [1] });
    s = applyInteractiveFrame(s, { type: "poll.answered", pollId: "p1", choices: [2] });
    expect(s.myAnswers.p1).toEqual([2]);
    s = applyInteractiveEvent(s, { type: "poll.closed", ...ev, poll: poll("p1", "closed") }, false);
    expect(tallyOf(s, currentPoll(s)!)).toBeNull();
    s = applyInteractiveEvent(
      s,
      {
        type: "poll.revealed",
        ...ev,
        poll: poll("p1", "revealed", { tally: [1, 0, 3], answered: 4 }),
      },
      false,
    );
    expect(tallyOf(s, currentPoll(s)!)).toEqual({ tally: [1, 0, 3], answered: 4 });
    expect(s.polls).toHaveLength(1);
  });

  it("prefers the newest open poll, else the newest finished one", () => {
    let s = initialInteractiveState();
    s = applyInteractiveEvent(s, { type: "poll.opened", ...ev, poll: poll("p1", "open") }, false);
    s = applyInteractiveEvent(s, { type: "poll.closed", ...ev, poll: poll("p2", "closed") }, false);
    expect(currentPoll(s)?.id).toBe("p1");
    s = applyInteractiveEvent(s, { type: "poll.closed", ...ev, poll: poll("p1", "closed") }, false);
    expect(currentPoll(s)?.id).toBe("p2");
    expect(currentPoll(initialInteractiveState())).toBeNull();
  });

  it("keeps a bounded number of finished polls for students", () => {
    let s = initialInteractiveState();
    for (let i = 0; i < POLLS_KEPT + 4; i++)
      s = applyInteractiveEvent(
        s,
        { type: "poll.closed", ...ev, poll: poll(`p${i}`, "closed") },
        false,
      );
    expect(s.polls).toHaveLength(POLLS_KEPT);
    expect(s.polls[0]!.id).toBe("p4");
  });

  it("staff: poll.list is the truth, live tallies win while open, events keep staff detail", () => {
    let s = initialInteractiveState();
    s = applyInteractiveFrame(s, {
      type: "poll.list",
      polls: [
        poll("d1", "draft"),
        poll("q1", "open", { kind: "quiz", correct: [1], tally: [0, 0, 0] }),
      ],
    });
    s = applyInteractiveFrame(s, {
      type: "poll.tally",
      pollId: "q1",
      tally: [2, 5, 1],
      answered: 8,
      at: 10,
    });
    // An older tally arriving late changes nothing.
    s = applyInteractiveFrame(s, {
      type: "poll.tally",
      pollId: "q1",
      tally: [1, 1, 1],
      answered: 3,
      at: 9,
    });
    expect(tallyOf(s, s.polls[1]!)).toMatchObject({ tally: [2, 5, 1], answered: 8 });
    // The student-view event (no correct options) must not wipe the staff's detail.
    s = applyInteractiveEvent(
      s,
      { type: "poll.opened", ...ev, poll: poll("q1", "open", { kind: "quiz" }) },
      true,
    );
    expect(s.polls[1]!.correct).toEqual([1]);
    expect(s.polls).toHaveLength(2);
    // A snapshot does not drop the staff's drafts.
    s = interactiveFromSnapshot(
      s,
      {
        polls: [poll("q1", "open")],
        qa: { top: [], total: 0, preModerate: true },
        hands: { count: 3 },
      },
      true,
    );
    expect(s.polls.map((p) => p.id)).toEqual(["d1", "q1"]);
    expect(s.handCount).toBe(3);
    expect(s.qa.preModerate).toBe(true);
    // A fresh list (e.g. after a reconnect) carries the latest tally and wins.
    s = applyInteractiveFrame(s, {
      type: "poll.list",
      polls: [poll("q1", "open", { kind: "quiz", correct: [1], tally: [3, 6, 1], answered: 10 })],
    });
    expect(tallyOf(s, s.polls[0]!)).toEqual({ tally: [3, 6, 1], answered: 10 });
    s = applyInteractiveFrame(s, { type: "poll.created", pollId: "d2", rid: "r1" });
    expect(s.lastCreated).toEqual({ pollId: "d2", rid: "r1" });
  });

  it("percentages of the selections", () => {
    expect(percentages([1, 0, 3])).toEqual([25, 0, 75]);
    expect(percentages([0, 0])).toEqual([0, 0]);
  });
});

describe("interactive state: quizzes", () => {
  it("the deadline includes this viewer's delay, capped by the server's grace", () => {
    const q = poll("q1", "open", { kind: "quiz", closesAt: 100_000, timeLimitSec: 20 });
    // Server 2 s ahead of us; video 4 s behind.
    expect(quizDeadlineLocal(q, 2_000, 4_000, 30_000)).toBe(102_000);
    expect(quizDeadlineLocal(q, 0, 60_000, 30_000)).toBe(130_000);
    expect(quizDeadlineLocal(poll("p", "open"), 0, 0, 30_000)).toBeNull();
    expect(secondsLeft(102_000, 95_100)).toBe(7);
    expect(secondsLeft(102_000, 200_000)).toBe(0);
  });

  it("shows our result only after the close reached our screen, and the leaderboard", () => {
    let s = initialInteractiveState();
    const open = poll("q1", "open", { kind: "quiz" });
    s = applyInteractiveEvent(s, { type: "poll.opened", ...ev, poll: open }, false);
    // The personal result is real-time; the close waits for our video.
    s = applyInteractiveFrame(s, { type: "quiz.result", pollId: "q1", correct: true, score: 140 });
    expect(visibleQuizResult(s, currentPoll(s)!)).toBeNull();
    s = applyInteractiveEvent(
      s,
      {
        type: "poll.closed",
        ...ev,
        poll: { ...open, state: "closed", correct: [0], tally: [3, 1, 0] },
      },
      false,
    );
    expect(visibleQuizResult(s, currentPoll(s)!)).toEqual({ correct: true, score: 140 });
    s = applyInteractiveEvent(
      s,
      {
        type: "quiz.leaderboard",
        ...ev,
        pollId: "q1",
        top: [{ userId: "u1", name: "Ann", score: 140, correct: 1 }],
        players: 4,
      },
      false,
    );
    expect(s.leaderboard?.top[0]?.name).toBe("Ann");
  });
});

describe("interactive state: hands", () => {
  it("tracks our place, the call-on, and the staff queue windows", () => {
    let s = initialInteractiveState();
    s = applyInteractiveFrame(s, { type: "hand.position", raised: true, position: 3, rid: "r" });
    expect(s.myHand).toEqual({ raised: true, position: 3, acknowledged: false });
    s = applyInteractiveFrame(s, {
      type: "hand.position",
      raised: false,
      position: null,
      acknowledged: true,
    });
    expect(s.myHand).toEqual({ raised: false, position: null, acknowledged: true });
    s = applyInteractiveEvent(s, { type: "hand.count", ...ev, count: 120 }, false);
    expect(s.handCount).toBe(120);

    const hands = (from: number, n: number) =>
      Array.from({ length: n }, (_, i) => ({
        userId: `u${from + i}`,
        name: `S${from + i}`,
        position: from + i + 1,
        at: i,
      }));
    s = applyInteractiveFrame(s, {
      type: "hand.queue",
      count: 120,
      offset: 0,
      hands: hands(0, 50),
      acknowledged: null,
    });
    s = applyInteractiveFrame(s, {
      type: "hand.queue",
      count: 120,
      offset: 50,
      hands: hands(50, 50),
      acknowledged: null,
    });
    expect(handWindow(s, 0)[0]!.name).toBe("S0");
    expect(handWindow(s, 50)[0]!.position).toBe(51);
    expect(handWindow(s, 100)).toEqual([]);
    // A live-window update keeps the page.
    s = applyInteractiveFrame(s, {
      type: "hand.queue",
      count: 119,
      offset: 0,
      hands: hands(1, 50),
      acknowledged: null,
    });
    expect(s.handCount).toBe(119);
    expect(handWindow(s, 50)).toHaveLength(50);
  });
});

describe("interactive state: Q&A", () => {
  it("our pending question is marked, then follows its public state", () => {
    let s = initialInteractiveState();
    s = applyInteractiveFrame(s, {
      type: "qa.asked",
      question: question("q1", { state: "pending" }),
      rid: "r",
    });
    expect(myPendingQuestions(s).map((q) => q.id)).toEqual(["q1"]);
    s = applyInteractiveFrame(s, { type: "qa.mine", question: question("q1") });
    expect(myPendingQuestions(s)).toEqual([]);
    s = applyInteractiveEvent(
      s,
      { type: "qa.top", ...ev, top: [question("q1", { votes: 4, state: "answered" })], total: 1 },
      false,
    );
    expect(s.myQuestions[0]).toMatchObject({ votes: 4, state: "answered" });
    expect(s.qa.top).toHaveLength(1);
  });

  it("one upvote per question, taken back on up:false; reconnect state replaces ours", () => {
    let s = initialInteractiveState();
    s = applyInteractiveFrame(s, { type: "qa.voted", questionId: "q9", up: true });
    s = applyInteractiveFrame(s, { type: "qa.voted", questionId: "q9", up: true });
    expect(s.myVotes).toEqual(["q9"]);
    s = applyInteractiveFrame(s, { type: "qa.voted", questionId: "q9", up: false });
    expect(s.myVotes).toEqual([]);
    s = applyInteractiveFrame(s, {
      type: "interactive.me",
      answers: [{ pollId: "p1", choices: [0, 2] }],
      hand: 7,
      votes: ["q2"],
      questions: [question("q3", { state: "pending" })],
    });
    expect(s.myAnswers).toEqual({ p1: [0, 2] });
    // A poll answer the shard sent first stays (interactive.me lists quizzes; decision 013).
    s = applyInteractiveFrame(s, { type: "poll.answered", pollId: "p5", choices: [1] });
    s = applyInteractiveFrame(s, {
      type: "interactive.me",
      answers: [{ pollId: "p1", choices: [0, 2] }],
      hand: 7,
      votes: ["q2"],
      questions: [question("q3", { state: "pending" })],
    });
    expect(s.myAnswers).toEqual({ p1: [0, 2], p5: [1] });
    expect(s.myHand).toEqual({ raised: true, position: 7, acknowledged: false });
    expect(s.myVotes).toEqual(["q2"]);
    expect(myPendingQuestions(s)).toHaveLength(1);
    s = applyInteractiveFrame(s, {
      type: "qa.pending",
      questions: [question("q3", { state: "pending" })],
      total: 1,
      preModerate: true,
    });
    expect(s.pending?.total).toBe(1);
    expect(s.qa.preModerate).toBe(true);
  });
});
