/**
 * A RootCore with staff and students, for the unit tests of the root's interactive parts
 * (interactive-*.test.ts): shard reports as the shells send them, and the effects they
 * produce read back by kind. Test-only: nothing in the Worker imports it.
 */
import { expect } from "vitest";
import type { Author, ClientMessage, ServerMessage } from "../../protocol/realtime.ts";
import { initialDurable, RootCore, type RootEffect } from "../classroom-core.ts";
import {
  addCommand,
  emptyInteractive,
  type InteractiveReport,
  type StudentCommand,
} from "../interactive-shard.ts";

export const T0 = 50_000_000;
export const teacher: Author = { id: "t", name: "T", role: "teacher" };
export const moderator: Author = { id: "m", name: "M", role: "moderator" };
export const student = (i: number): Author => ({ id: `u${i}`, name: `U${i}`, role: "student" });
let ids = 0;

export function setup() {
  const c = new RootCore(initialDurable("c1"), [], 100, () => `id${++ids}`);
  const join = (sectionId: string, users: Author[]) =>
    c.report(
      {
        sectionId,
        sockets: users.length,
        joins: users.map((user) => ({ user, at: T0 })),
        leaves: [],
        commands: [],
        rejections: [],
        relay: [],
      },
      T0,
    );
  join("staff", [teacher, moderator]);
  const staff = (message: ClientMessage, now = T0, by = teacher) =>
    c.report(
      {
        sectionId: "staff",
        sockets: 2,
        joins: [],
        leaves: [],
        commands: [{ by, message }],
        rejections: [],
        relay: [],
      },
      now,
    );
  const batch = (sectionId: string, items: [Author, StudentCommand][], now = T0) => {
    const r = emptyInteractive();
    for (const [who, m] of items) addCommand(r, who, m, now);
    return send(sectionId, r, now);
  };
  const send = (sectionId: string, interactive: InteractiveReport, now = T0) =>
    c.report(
      {
        sectionId,
        sockets: 10,
        joins: [],
        leaves: [],
        commands: [],
        rejections: [],
        relay: [],
        interactive,
      },
      now,
    );
  return { c, join, staff, batch, send };
}

/** Frames sent to one user by notify controls. */
export const toUser = (fx: RootEffect[], userId: string): ServerMessage[] =>
  fx.flatMap((e) =>
    e.kind === "control" && e.control.kind === "notify" && e.control.userId === userId
      ? [e.control.frame]
      : [],
  );
export const events = (fx: RootEffect[]) =>
  fx.flatMap((e) => (e.kind === "event" ? [e.event] : []));
export const staffFrames = (fx: RootEffect[]) =>
  fx.flatMap((e) => (e.kind === "staff" ? [e.frame] : []));
export const d1 = (fx: RootEffect[]) =>
  fx.flatMap((e) => (e.kind === "interactive" && e.op.op === "d1" ? [e.op.row] : []));

export function createPoll(
  s: ReturnType<typeof setup>,
  extra: Partial<Extract<ClientMessage, { type: "poll.create" }>> = {},
): string {
  const fx = s.staff({
    type: "poll.create",
    kind: "poll",
    question: "Best colour?",
    options: ["red", "green", "blue"],
    rid: "r1",
    ...extra,
  });
  const created = toUser(fx, "t").find((f) => f.type === "poll.created");
  if (created?.type !== "poll.created") throw new Error(JSON.stringify(toUser(fx, "t")));
  expect(created.rid).toBe("r1");
  return created.pollId;
}
