/**
 * Types crossing the Durable Object RPC boundary (Worker → root, shard ↔ root).
 * Internal: clients never see these; they see `protocol/realtime.ts` frames.
 */

import type { Author, ClientMessage, Rejection, ServerMessage } from "../protocol/realtime.ts";
import type { HomeAnswer } from "./chat-home.ts";
import type { ChatRules } from "./chat-policy.ts";
import type { InteractiveReport, ShardAnswer } from "./interactive-shard.ts";
import type { SocialReport } from "./shard-social.ts";
import type { ShardPoll, TallyReport } from "./shard-tally.ts";

/** The section id of the teacher/moderator shard. */
export const STAFF_SECTION = "staff";

/** Durable Object name of a shard: one per (class, section). */
export function shardName(classId: string, sectionId: string): string {
  return `${classId}/${sectionId}`;
}

/** A client's address and device id (`mc_device` cookie), when known. */
export interface ClientMarks {
  ip?: string;
  device?: string;
}

/**
 * The shard namespace of a section on shard host `host`: `CLASSROOM_SHARD_<host>` when
 * the section lives on another runtime (local multi-process benchmark topology,
 * docs/decisions/003), else `CLASSROOM_SHARD` — the only one production has.
 */
export function shardNamespace(
  env: Env,
  host: string | undefined,
): DurableObjectNamespace<import("./classroom-shard.ts").ClassroomShard> {
  if (!host) return env.CLASSROOM_SHARD;
  const ns = (env as unknown as Record<string, unknown>)[`CLASSROOM_SHARD_${host}`];
  if (!ns) throw new Error(`no binding CLASSROOM_SHARD_${host} for shard host ${host}`);
  return ns as DurableObjectNamespace<import("./classroom-shard.ts").ClassroomShard>;
}

/** Trusted headers on the upgrade the Worker forwards to a shard (client copies are stripped). */
export const TRUSTED = {
  classId: "x-mc-class",
  sectionId: "x-mc-section",
  userId: "x-mc-user-id",
  /** URI-encoded display name (header values must be ASCII-safe). */
  userName: "x-mc-user-name",
  role: "x-mc-role",
  resume: "x-mc-resume",
  /** The signed join ticket itself: the shard verifies it and admits alone (decision 014). */
  ticket: "x-mc-ticket",
  /** The client's address and device id (client marks), for bans. */
  ip: "x-mc-ip",
  device: "x-mc-device",
} as const;

/** A staff command the staff shard validated and forwards to the root. */
export interface StaffCommand {
  by: Author;
  message: ClientMessage;
}

/**
 * Root → shard: the answer to a report. `homes`: per join of the report (in order), the
 * student's home move number and whether it moved to this section with that join, so the
 * shard knows whether to wait for the old home's handover before deciding their chat
 * (docs/decisions/015).
 */
export interface ReportAnswer {
  homes: HomeAnswer[];
}

/** Shard → root batch (at most every ~100 ms while there is work). */
export interface ShardReport {
  sectionId: string;
  /** Open sockets now. */
  sockets: number;
  /** `client`: where a student or guest connected from (the root keeps it for guest bans). */
  joins: { user: Author; at: number; client?: ClientMarks }[];
  leaves: { user: Author; joinedAt: number; at: number }[];
  commands: StaffCommand[];
  rejections: Rejection[];
  /** Pre-encoded section frames, sent only while staff watch this section. */
  relay: string[];
  /** Staff shard only: the sections its sockets watch, when that changed. */
  watching?: string[];
  /** Staff shard only: the stamp of `watching` (increasing; the root ignores older sets). */
  watchingSeq?: number;
  /** Students' poll answers, hands, questions, votes and chat counts (interactive-shard.ts). */
  interactive?: InteractiveReport;
  /** Reaction counts of this window and student reports (shard-social.ts). */
  social?: SocialReport;
  /** This shard's counts of the polls it tallies, and its voters' new answers (shard-tally.ts). */
  tally?: TallyReport;
}

/**
 * Root → shard instructions of the tally (docs/decisions/013): kept apart from
 * ShardControl so the shard's shell handles them (ShardCore never sees them).
 */
export type TallyControl =
  /** A poll the shards count (open, or now closed: answers are refused from then on). */
  | { kind: "tally.poll"; poll: ShardPoll }
  /**
   * `userId` joined section `to` (on shard host `host`) as move `gen`: hand their answers
   * over to that shard and forward their later commands there.
   */
  | { kind: "tally.release"; userId: string; to: string; host?: string; gen: number }
  /**
   * Answers that reached the root the old way because their shard had not yet learnt of
   * the poll (its `tally.poll` was still on the way): the shard counts and acks them now.
   */
  | { kind: "tally.answers"; polls: ShardPoll[]; answers: ShardAnswer[] }
  /** A finished poll left the root (KEEP_FINISHED): shards forget its answers (rows are in D1). */
  | { kind: "tally.drop"; pollId: string };

/** Where a user's answers went: `<host> <sectionId>`, or the section id alone without a host. */
export function tallyTarget(sectionId: string, host?: string): string {
  return host ? `${host} ${sectionId}` : sectionId;
}

/** The section and host of a `tallyTarget`. */
export function parseTallyTarget(to: string): { sectionId: string; host?: string } {
  const i = to.indexOf(" ");
  return i < 0 ? { sectionId: to } : { sectionId: to.slice(i + 1), host: to.slice(0, i) };
}

/** Root → shard control instructions (typed; not forwarded to clients as-is). */
export type ShardControl =
  /** Replace the chat rules. */
  | { kind: "rules"; rules: ChatRules }
  /** A user was timed out: enforce and tell them. `version`: the rules version it makes. */
  | { kind: "timeout"; userId: string; until: number; reason?: string; version?: number }
  /** Send a frame to every socket of a user (e.g. a refused staff command's error). */
  | { kind: "notify"; userId: string; frame: ServerMessage }
  /** Close every socket of a user with `code` (`newest`: only their N newest here). */
  | { kind: "kick"; userId: string; code: number; reason: string; newest?: number }
  /** Delete a section message (if it is in this section). */
  | { kind: "delete"; messageId: string }
  /** Remove every stored section message of a user (ban with purge; clients got `chat.purged`). */
  | { kind: "purge"; userId: string }
  /** Whether staff watch this section (relay its frames upstream); `v` orders these (newest wins). */
  | { kind: "watch"; on: boolean; v?: number }
  /** Staff shard: frames of a watched section, for the sockets watching it. */
  | { kind: "relay"; sectionId: string; frames: string[] };

/** Root → shard batch (at most every ~50 ms while there is work). */
export interface ShardDelivery {
  /** Pre-encoded frames, forwarded verbatim to every socket of the shard. */
  frames: string[];
  control: (ShardControl | TallyControl)[];
}

/** What a shard needs to bring a (re)connecting socket up to date. */
export interface SyncResult {
  /** Pre-encoded frames: one `snapshot`, or the missed events in order. */
  frames: string[];
  rules: ChatRules;
  watched: boolean;
  /** The version of `watched` (see the `watch` control). */
  watchVersion?: number;
  /** Staff only: `mod.state` and `mod.rejections` frames. */
  staff: string[];
  /** The polls the shards count, as they stand (a new shard learns them here). */
  tallyPolls?: ShardPoll[];
}
