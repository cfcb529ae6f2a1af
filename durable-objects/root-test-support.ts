/** Shared by the root cores' unit tests (classroom-core.test.ts, root-*.test.ts); not shipped. */
import type { Author } from "../protocol/realtime.ts";
import { initialDurable, RootCore, type RootEffect } from "./classroom-core.ts";
import type { ShardReport } from "./rpc.ts";

/** A start time far from 0 (times are epoch ms). */
export const T0 = 10_000_000;
export const teacher: Author = { id: "t", name: "T", role: "teacher" };
let ids = 0;
/** A fresh root of class c1 whose sections hold `capacity` sockets. */
export const core = (capacity = 2) =>
  new RootCore(initialDurable("c1"), [], capacity, () => `sess${++ids}`);
export const user = (id: string) => ({ id, name: id });
/** A shard report of `sectionId` with nothing in it but `over`. */
export const report = (sectionId: string, over: Partial<ShardReport> = {}): ShardReport => ({
  sectionId,
  sockets: 0,
  joins: [],
  leaves: [],
  commands: [],
  rejections: [],
  relay: [],
  ...over,
});
/** Whether an effect closes sockets. */
export const isKick = (f: RootEffect) => f.kind === "control" && f.control.kind === "kick";
