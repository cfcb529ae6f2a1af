/**
 * Which shard holds each student's answers, upvotes and chat limiter memory: the section
 * of their newest socket (docs/decisions/013). When a student joins another section, the
 * section that held them is told to hand them over (`tally.release`); a reconnect to the
 * same section costs nothing. Pure.
 */
import type { Author } from "../protocol/realtime.ts";
import type { RootEffect } from "./classroom-core.ts";
import type { InteractiveOutput } from "./interactive-effects.ts";
import { STAFF_SECTION, tallyTarget } from "./rpc.ts";

/** Where each student's state is held, as of which move. */
export class StudentHomes {
  /** userId → the section holding their answers, as of which move. */
  private readonly homes = new Map<string, { sectionId: string; gen: number }>();

  constructor(private readonly out: InteractiveOutput) {}

  /** Put back the stored homes (after a restart). */
  restore(homes: { userId: string; sectionId: string; gen: number }[]): void {
    for (const h of homes) this.homes.set(h.userId, { sectionId: h.sectionId, gen: h.gen });
  }

  /** The section holding `userId`'s answers (and chat limiter memory), as of which move. */
  homeOf(userId: string): { sectionId: string; gen: number } | undefined {
    return this.homes.get(userId);
  }

  /** Students joined `sectionId`: it becomes their home; the one that held them hands them over. */
  joined(fx: RootEffect[], sectionId: string, users: Author[], now: number): void {
    if (sectionId === STAFF_SECTION) return;
    for (const u of users) {
      // The newest socket's shard holds the student's answers; the one that held them
      // hands them over (docs/decisions/013). A reconnect to the same section costs nothing.
      const home = this.homes.get(u.id);
      if (home?.sectionId === sectionId) continue;
      const gen = Math.max(now, (home?.gen ?? 0) + 1);
      this.homes.set(u.id, { sectionId, gen });
      this.out.store(fx, { op: "home", userId: u.id, sectionId, gen });
      if (!home) continue;
      const host = this.out.host.hostOf?.(sectionId);
      fx.push({
        kind: "control",
        sectionId: home.sectionId,
        control: {
          kind: "tally.release",
          userId: u.id,
          to: tallyTarget(sectionId, host),
          ...(host ? { host } : {}),
          gen,
        },
      });
    }
  }
}
