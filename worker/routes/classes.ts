/** Classes: a teacher creates, lists and edits their own; anyone with the link sees the public view. */
import { desc, eq } from "drizzle-orm";
import type { Context } from "hono";
import { Hono } from "hono";
import {
  type ClassDetail,
  type ClassPublic,
  CreateClassBody,
  type SessionUser,
  UpdateClassBody,
} from "../../protocol/api.ts";
import { checkIngestUrl, ingestEndpoint, ingestPolicy } from "../../protocol/ingest.ts";
import { classAccess, classroomRoot, requireRole } from "../auth/access.ts";
import { encryptSecret, randomId } from "../auth/crypto.ts";
import { refreshAccount, signToken } from "../auth/session.ts";
import { workerConfig } from "../config.ts";
import { getDb, schema } from "../db/index.ts";
import type { ClassRow } from "../db/schema.ts";
import { ApiError } from "../errors.ts";
import type { AppEnv } from "../types.ts";
import { jsonBody } from "../validate.ts";

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

function publicOrigin<E extends AppEnv>(c: Context<E>): string {
  return workerConfig(c.env).PUBLIC_ORIGIN || new URL(c.req.url).origin;
}

/** The student-safe view of a class. */
export function toPublic(row: ClassRow, teacherName: string, env: Env): ClassPublic {
  return {
    id: row.id,
    title: row.title,
    description: row.description,
    scheduledStart: iso(row.scheduledStart),
    guestAccess: row.guestAccess,
    teacherName,
    youtubeVideoId: row.youtubeVideoId,
    latencyMode: row.latencyMode,
    localPlaybackUrl:
      !row.youtubeVideoId && workerConfig(env).LOCAL_PLAYBACK_URL
        ? workerConfig(env).LOCAL_PLAYBACK_URL.replaceAll("{classId}", row.id)
        : null,
  };
}

function toDetail<E extends AppEnv>(
  c: Context<E>,
  row: ClassRow,
  teacherName: string,
): ClassDetail {
  return {
    ...toPublic(row, teacherName, c.env),
    teacherId: row.teacherId,
    hasStreamKey: row.streamKeyCipher !== null,
    rtmpUrl: row.rtmpUrl,
    joinUrl: `${publicOrigin(c)}/c/${row.id}`,
    createdAt: new Date(row.createdAt).toISOString(),
    updatedAt: new Date(row.updatedAt).toISOString(),
  };
}

/**
 * A class's RTMP URL must point at an allowed ingest (YouTube's, RTMP_INGEST_HOSTS, or the
 * local RTMP server in local mode): otherwise the bridge would connect wherever a teacher
 * says — a port scanner into its network. The bridge checks again, with DNS resolution.
 */
function assertIngestAllowed(env: Env, rtmpUrl: string | null | undefined): void {
  if (!rtmpUrl) return;
  const local = workerConfig(env).LOCAL_RTMP_URL
    ? ingestEndpoint(workerConfig(env).LOCAL_RTMP_URL)
    : null;
  const checked = checkIngestUrl(
    rtmpUrl,
    ingestPolicy(workerConfig(env).RTMP_INGEST_HOSTS ?? "", local),
  );
  if (checked.ok) return;
  const issue =
    checked.reason === "bad-url"
      ? "rtmpUrl: Use rtmp://host/app or rtmps://host/app, without a user name or password."
      : "rtmpUrl: Ingest host not allowed: use YouTube's RTMP(S) URL (e.g. rtmps://a.rtmps.youtube.com/live2) or one your administrator allowed.";
  throw new ApiError(400, "validation_failed", issue, [issue]);
}

/** Whether `user` may manage `row` (its teacher, or an admin). */
export function canManage(user: SessionUser | null, row: ClassRow): boolean {
  return (
    !!user && (user.role === "admin" || (user.role === "teacher" && row.teacherId === user.id))
  );
}

async function loadClass<E extends AppEnv>(c: Context<E>, id: string) {
  const rows = await getDb(c.env)
    .select({ cls: schema.classes, teacherName: schema.users.displayName })
    .from(schema.classes)
    .innerJoin(schema.users, eq(schema.users.id, schema.classes.teacherId))
    .where(eq(schema.classes.id, id))
    .limit(1);
  const found = rows[0];
  if (!found) throw new ApiError(404, "not_found", "No such class.");
  return found;
}

export const classes = new Hono<AppEnv>()
  .get("/", requireRole("teacher"), async (c) => {
    const user = c.get("user");
    const db = getDb(c.env);
    const query = db
      .select({ cls: schema.classes, teacherName: schema.users.displayName })
      .from(schema.classes)
      .innerJoin(schema.users, eq(schema.users.id, schema.classes.teacherId))
      .orderBy(desc(schema.classes.createdAt))
      .limit(500);
    const rows =
      user.role === "admin"
        ? await query
        : await query.where(eq(schema.classes.teacherId, user.id));
    return c.json({ classes: rows.map((r) => toDetail(c, r.cls, r.teacherName)) });
  })
  .post("/", requireRole("teacher"), jsonBody(CreateClassBody), async (c) => {
    const body = c.req.valid("json");
    assertIngestAllowed(c.env, body.rtmpUrl);
    const user = c.get("user");
    const row = {
      id: randomId(8),
      teacherId: user.id,
      title: body.title,
      description: body.description,
      scheduledStart: body.scheduledStart ? Date.parse(body.scheduledStart) : null,
      guestAccess: body.guestAccess,
      youtubeVideoId: body.youtubeVideoId,
      latencyMode: body.latencyMode,
      rtmpUrl: body.rtmpUrl,
      streamKeyCipher: body.streamKey
        ? await encryptSecret(body.streamKey, workerConfig(c.env).JWT_SECRET)
        : null,
    };
    const [inserted] = await getDb(c.env).insert(schema.classes).values(row).returning();
    return c.json({ class: toDetail(c, inserted!, user.displayName) }, 201);
  })
  .get("/:id", async (c) => {
    const { cls, teacherName } = await loadClass(c, c.req.param("id"));
    const token = c.get("user");
    const user = token ? await refreshAccount(c.env, token).catch(() => null) : null;
    if (canManage(user, cls)) {
      return c.json({ class: toDetail(c, cls, teacherName), manage: true, moderate: true });
    }
    // Per-class moderators (e.g. TAs) get the studio's chat and moderation panel.
    const access = user ? await classAccess(c.env, user, cls.id).catch(() => null) : null;
    const moderate = access?.role === "moderator";
    return c.json({ class: toPublic(cls, teacherName, c.env), manage: false, moderate });
  })
  .patch("/:id", requireRole("teacher"), jsonBody(UpdateClassBody), async (c) => {
    const body = c.req.valid("json");
    assertIngestAllowed(c.env, body.rtmpUrl);
    const { cls, teacherName } = await loadClass(c, c.req.param("id"));
    if (!canManage(c.get("user"), cls))
      throw new ApiError(403, "forbidden", "Only this class's teacher can edit it.");
    const { streamKey, scheduledStart, ...rest } = body;
    const patch: Partial<ClassRow> = { ...rest, updatedAt: Date.now() };
    if (scheduledStart !== undefined)
      patch.scheduledStart = scheduledStart ? Date.parse(scheduledStart) : null;
    if (streamKey !== undefined) {
      patch.streamKeyCipher =
        streamKey === null ? null : await encryptSecret(streamKey, workerConfig(c.env).JWT_SECRET);
    }
    const [updated] = await getDb(c.env)
      .update(schema.classes)
      .set(patch)
      .where(eq(schema.classes.id, cls.id))
      .returning();
    // Quiz answers' claimed video delay is bounded by the mode: the root learns a change now,
    // not at the next socket admission.
    if (updated && updated.latencyMode !== cls.latencyMode)
      await classroomRoot(c.env, cls.id).setLatencyMode(cls.id, updated.latencyMode);
    // Signed-in accounts only from now: guests already in the class leave too.
    if (cls.guestAccess && body.guestAccess === false)
      await classroomRoot(c.env, cls.id).kickGuests(cls.id);
    // Shards refuse guests' join tickets while guests are off: tell them it is over.
    if (!cls.guestAccess && body.guestAccess === true)
      await classroomRoot(c.env, cls.id).setGuestAccess(cls.id, true);
    return c.json({ class: toDetail(c, updated!, teacherName) });
  })
  /** The media bridge's last health report for this class (teacher/admin), or null. */
  .get("/:id/stream-health", requireRole("teacher"), async (c) => {
    const { cls } = await loadClass(c, c.req.param("id"));
    if (!canManage(c.get("user"), cls))
      throw new ApiError(403, "forbidden", "Only this class's teacher can see this.");
    return c.json({ health: await classroomRoot(c.env, cls.id).getStreamHealth() });
  })
  /**
   * A per-class stream token for OBS (WHIP Bearer token), valid 24 h. Only the
   * class's teacher gets one; it authorizes publishing to this class and nothing else.
   */
  .post("/:id/stream-token", requireRole("teacher"), async (c) => {
    const { cls } = await loadClass(c, c.req.param("id"));
    const user = c.get("user");
    if (user.id !== cls.teacherId)
      throw new ApiError(403, "forbidden", "Only this class's teacher can go live.");
    const token = await signToken(
      { ...user, classId: cls.id },
      workerConfig(c.env).JWT_SECRET,
      "whip",
      STREAM_TOKEN_TTL_S,
    );
    return c.json({
      token,
      whipUrl: `${publicOrigin(c)}/whip/${cls.id}`,
      expiresIn: STREAM_TOKEN_TTL_S,
    });
  });

/** Lifetime of an OBS stream token. */
export const STREAM_TOKEN_TTL_S = 24 * 3600;
