/**
 * After class: what the class page offers once the stream ended — the recording (the
 * YouTube broadcast's video once YouTube says it is complete; the local stack records
 * nothing, and says so), the decks' original PDFs, and the replay's event log read from
 * the class root (`Classroom.replayLog`, read-only). Access as for joining the class
 * (`classAccess`: signed in, or a guest of this class; the root refuses banned students).
 */
import { and, desc, eq } from "drizzle-orm";
import { Hono } from "hono";
import * as v from "valibot";
import type { ClassEvent, StreamStatus } from "../../protocol/realtime.ts";
import {
  type DeckPdf,
  REPLAY_EVENT_TYPES,
  REPLAY_PAGE_MAX,
  type Recording,
  type ReplayEventsPage,
  type ReplayInfo,
} from "../../protocol/replay.ts";
import { type ClassAccess, classAccess, classroomRoot } from "../auth/access.ts";
import { getDb, schema } from "../db/index.ts";
import type { ClassRow } from "../db/schema.ts";
import { ApiError } from "../errors.ts";
import type { AppEnv } from "../types.ts";
import { query } from "../validate.ts";
import { withYouTube } from "../youtube/account.ts";
import { youtubeContext } from "../youtube/live.ts";

const DECK_ID = /^[A-Za-z0-9_-]{16,40}$/;
const TYPES = [...REPLAY_EVENT_TYPES];

/** Whether the class is still on air (its replay is not finished yet). */
const onAir = (s: StreamStatus) => s === "live" || s === "reconnecting" || s === "interrupted";

/** `classAccess`, then the root's ban list (staff are never banned from their class). */
async function replayAccess(
  c: { env: Env; get(k: "user"): AppEnv["Variables"]["user"] },
  classId: string,
): Promise<ClassAccess> {
  const access = await classAccess(c.env, c.get("user"), classId);
  const student = access.role === "student" || access.role === "guest";
  const probe = await classroomRoot(c.env, classId).replayLog(
    0,
    0,
    [],
    student ? access.user.id : null,
  );
  if (!probe) throw new ApiError(403, "banned", "You have been banned from this class.");
  return access;
}

/**
 * The recording of the class's broadcast. Through the teacher's connected channel YouTube
 * is asked (1 quota unit) whether the broadcast is complete; a video id typed in by hand
 * cannot be checked (`available: null`).
 */
async function recordingOf(env: Env, cls: ClassRow): Promise<Recording> {
  if (!cls.youtubeVideoId)
    return { kind: "none", reason: env.LOCAL_PLAYBACK_URL ? "local" : "no_video" };
  const videoId = cls.youtubeVideoId;
  const broadcastId = cls.youtubeBroadcastId;
  const ctx = broadcastId ? await youtubeContext(env, cls).catch(() => null) : null;
  if (!broadcastId || !ctx)
    return { kind: "youtube", videoId, available: null, lifeCycleStatus: null, startedAt: null };
  // A complete broadcast stays complete: remembered per colo, so a class's students opening
  // the page after class do not each spend YouTube quota (10,000 units a day by default).
  const memo = new Request(`https://replay.invalid/youtube/${broadcastId}/complete`);
  const cache = (globalThis as { caches?: { default?: Cache } }).caches?.default;
  const cached = await cache?.match(memo).catch(() => undefined);
  if (cached) {
    const startedAt = Number(await cached.text());
    return {
      kind: "youtube",
      videoId,
      available: true,
      lifeCycleStatus: "complete",
      startedAt: Number.isFinite(startedAt) && startedAt > 0 ? startedAt : null,
    };
  }
  try {
    const b = await withYouTube(env, ctx.cfg, ctx.fetch, ctx.account, (api) =>
      api.getBroadcast(broadcastId),
    );
    const lc = b?.status?.lifeCycleStatus ?? null;
    const started = Date.parse(b?.snippet?.actualStartTime ?? "");
    const startedAt = Number.isNaN(started) ? null : started;
    if (lc === "complete")
      await cache
        ?.put(
          memo,
          new Response(String(startedAt ?? 0), {
            headers: { "cache-control": "max-age=86400" },
          }),
        )
        .catch(() => {});
    return {
      kind: "youtube",
      videoId,
      available: lc === "complete",
      lifeCycleStatus: lc,
      startedAt,
    };
  } catch {
    // YouTube could not tell (quota, revoked access…): the page says it cannot check.
    return { kind: "youtube", videoId, available: null, lifeCycleStatus: null, startedAt: null };
  }
}

/** A file name for Content-Disposition: the deck's name, ASCII-safe, plus the UTF-8 form. */
export function pdfDisposition(name: string): string {
  const base = name.replace(/\.pdf$/i, "").trim() || "slides";
  const ascii = base.replace(/[^\x20-\x7e]/g, "_").replace(/["\\;]/g, "_");
  return `attachment; filename="${ascii}.pdf"; filename*=UTF-8''${encodeURIComponent(`${base}.pdf`)}`;
}

/** A whole number from a query parameter, as `Number()` reads it, at least `min`. */
const count = (fallback: string, min: number, message: string) =>
  v.pipe(
    v.optional(v.string(), fallback),
    v.transform(Number),
    v.check((n) => Number.isSafeInteger(n) && n >= min, message),
  );

/** Query of `GET /api/classes/:id/replay/events`: events after seq `after`, at most `limit` (capped at REPLAY_PAGE_MAX). */
export const ReplayEventsQuery = v.object({
  after: count("0", 0, "`after` is a seq (0 or more)."),
  limit: count(String(REPLAY_PAGE_MAX), 1, "`limit` is 1 or more."),
});

/** Routes under `/api/classes`. */
export const replay = new Hono<AppEnv>()
  .get("/:id/replay", async (c) => {
    const classId = c.req.param("id");
    const { cls } = await replayAccess(c, classId);
    const root = classroomRoot(c.env, classId);
    const { status } = await root.getStreamStatus();
    const decks = await getDb(c.env)
      .select()
      .from(schema.slideDecks)
      .where(eq(schema.slideDecks.classId, classId))
      .orderBy(desc(schema.slideDecks.createdAt))
      .limit(100);
    const heads = await Promise.all(
      decks.map((d) => c.env.SLIDES.head(`decks/${d.id}/source.pdf`)),
    );
    const slides: DeckPdf[] = [];
    decks.forEach((d, i) => {
      const h = heads[i];
      if (h)
        slides.push({
          deckId: d.id,
          name: d.name,
          url: `/api/classes/${classId}/slides/${d.id}/source.pdf`,
          bytes: h.size,
        });
    });
    // Asking YouTube while the class is live would only ever say "not yet".
    const recording: Recording = onAir(status)
      ? cls.youtubeVideoId
        ? {
            kind: "youtube",
            videoId: cls.youtubeVideoId,
            available: false,
            lifeCycleStatus: "live",
            startedAt: null,
          }
        : { kind: "none", reason: c.env.LOCAL_PLAYBACK_URL ? "local" : "no_video" }
      : await recordingOf(c.env, cls);
    return c.json({ stream: status, recording, slides } satisfies ReplayInfo);
  })
  .get("/:id/replay/events", query(ReplayEventsQuery), async (c) => {
    const classId = c.req.param("id");
    const { after, limit } = c.req.valid("query");
    const access = await classAccess(c.env, c.get("user"), classId);
    const root = classroomRoot(c.env, classId);
    const { status } = await root.getStreamStatus();
    if (onAir(status))
      throw new ApiError(409, "conflict", "The replay opens when the class has ended.");
    const student = access.role === "student" || access.role === "guest";
    const log = await root.replayLog(
      after,
      Math.min(limit, REPLAY_PAGE_MAX),
      TYPES,
      student ? access.user.id : null,
    );
    if (!log) throw new ApiError(403, "banned", "You have been banned from this class.");
    const body: ReplayEventsPage = {
      events: log.frames.map((f) => JSON.parse(f) as ClassEvent),
      next: log.last,
      oldestSeq: log.oldest,
    };
    c.header("cache-control", "private, no-store");
    return c.json(body);
  })
  .get("/:id/slides/:deckId/source.pdf", async (c) => {
    const classId = c.req.param("id");
    const deckId = c.req.param("deckId");
    await replayAccess(c, classId);
    if (!DECK_ID.test(deckId)) throw new ApiError(404, "not_found", "No such deck.");
    const deck = (
      await getDb(c.env)
        .select()
        .from(schema.slideDecks)
        .where(and(eq(schema.slideDecks.id, deckId), eq(schema.slideDecks.classId, classId)))
        .limit(1)
    )[0];
    const obj = deck ? await c.env.SLIDES.get(`decks/${deck.id}/source.pdf`) : null;
    if (!deck || !obj) throw new ApiError(404, "not_found", "This deck has no PDF.");
    return new Response(obj.body, {
      headers: {
        "content-type": "application/pdf",
        "content-length": String(obj.size),
        "content-disposition": pdfDisposition(deck.name),
        "cache-control": "private, no-store",
        "x-content-type-options": "nosniff",
      },
    });
  });
