/**
 * D1 schema (drizzle-orm). D1 holds what outlives a live class: accounts, classes,
 * one row per live run of a class, attendance, engagement and poll/quiz results.
 * Live class state lives in the Classroom Durable Object's own SQLite, not here.
 * Migrations: `npm run db:generate` (drizzle-kit) writes SQL into migrations/.
 */
import { sql } from "drizzle-orm";
import {
  index,
  integer,
  primaryKey,
  sqliteTable,
  text,
  uniqueIndex,
} from "drizzle-orm/sqlite-core";

/** Times are stored as Unix epoch milliseconds. */
const now = sql`(unixepoch('subsec') * 1000)`;

export const users = sqliteTable(
  "users",
  {
    id: text("id").primaryKey(),
    /** Lower-cased at sign-up; unique. */
    email: text("email").notNull(),
    displayName: text("display_name").notNull(),
    role: text("role", { enum: ["admin", "teacher", "student"] }).notNull(),
    /** PBKDF2-SHA256 hash and salt, base64url. */
    passwordHash: text("password_hash").notNull(),
    passwordSalt: text("password_salt").notNull(),
    passwordIterations: integer("password_iterations").notNull(),
    disabled: integer("disabled", { mode: "boolean" }).notNull().default(false),
    /**
     * Bumped when the account loses power (demoted, disabled): every session, join ticket
     * and stream token carries the version it was minted under and is refused once it differs.
     */
    tokenVersion: integer("token_version").notNull().default(0),
    createdAt: integer("created_at").notNull().default(now),
  },
  (t) => [uniqueIndex("users_email_unique").on(t.email), index("users_role_idx").on(t.role)],
);

export const classes = sqliteTable(
  "classes",
  {
    /** Short URL-safe id used in join links (/c/:id). */
    id: text("id").primaryKey(),
    teacherId: text("teacher_id")
      .notNull()
      .references(() => users.id),
    title: text("title").notNull(),
    description: text("description").notNull().default(""),
    /** Scheduled start, epoch ms; null when unscheduled. */
    scheduledStart: integer("scheduled_start"),
    guestAccess: integer("guest_access", { mode: "boolean" }).notNull().default(false),
    /** YouTube video (broadcast) id students watch; null means local playback. */
    youtubeVideoId: text("youtube_video_id"),
    /** YouTube latency mode, used to default each viewer's video delay. */
    latencyMode: text("latency_mode", { enum: ["ultraLow", "low", "normal"] })
      .notNull()
      .default("ultraLow"),
    /** RTMP stream key, AES-GCM encrypted with a key derived from a Worker secret. */
    streamKeyCipher: text("stream_key_cipher"),
    /** RTMP ingest URL without the key; null means YouTube's primary ingest. */
    rtmpUrl: text("rtmp_url"),
    /**
     * Live until this epoch ms: the Classroom DO renews it while the stream is live and its
     * publisher reports, and clears it when the stream ends; a lapsed value is not live.
     */
    liveUntil: integer("live_until"),
    /**
     * The YouTube broadcast Mass Class created for this class through the teacher's
     * connected channel (worker/youtube/); reused until it completes. Null: none yet.
     */
    youtubeBroadcastId: text("youtube_broadcast_id"),
    createdAt: integer("created_at").notNull().default(now),
    updatedAt: integer("updated_at").notNull().default(now),
  },
  (t) => [index("classes_teacher_idx").on(t.teacherId, t.scheduledStart)],
);

/** Per-class moderator role (e.g. teaching assistants). */
export const classModerators = sqliteTable(
  "class_moderators",
  {
    classId: text("class_id")
      .notNull()
      .references(() => classes.id),
    userId: text("user_id")
      .notNull()
      .references(() => users.id),
  },
  (t) => [primaryKey({ columns: [t.classId, t.userId] })],
);

/**
 * Where an account holds (or held, a minute ago) a join ticket: one row per user and class,
 * written in the ticket mint's own D1 batch, so a demotion or disabling can push the
 * revocation to every class where a ticket minted before it may still be presented
 * (docs/decisions/014). Guests have no row (they are banned, not demoted).
 */
export const ticketMints = sqliteTable(
  "ticket_mints",
  {
    userId: text("user_id").notNull(),
    classId: text("class_id").notNull(),
    /** Epoch ms: the latest ticket for this class expires then. */
    expiresAt: integer("expires_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.classId] })],
);

/**
 * Moderator grants by email (`POST /api/classes/:id/moderators`). A grant reveals nothing
 * about whether an account exists: it is kept here and becomes a `class_moderators` row
 * when the account exists (at grant time) or signs up with that email later.
 */
export const moderatorInvites = sqliteTable(
  "moderator_invites",
  {
    classId: text("class_id")
      .notNull()
      .references(() => classes.id),
    /** Lower-cased, as sign-up stores emails. */
    email: text("email").notNull(),
    invitedBy: text("invited_by").notNull(),
    at: integer("at").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.classId, t.email] }),
    index("moderator_invites_email_idx").on(t.email),
  ],
);

/**
 * Teacher invite links an admin made (`POST /api/admin/invites`): the signed link carries
 * the id; the row records who made it and, once a sign-up used it, who (single use).
 */
export const teacherInvites = sqliteTable("teacher_invites", {
  id: text("id").primaryKey(),
  createdBy: text("created_by").notNull(),
  createdAt: integer("created_at").notNull(),
  expiresAt: integer("expires_at").notNull(),
  usedBy: text("used_by"),
  usedAt: integer("used_at"),
});

/** One row per live run of a class (teacher goes live → ends). */
export const classSessions = sqliteTable(
  "class_sessions",
  {
    id: text("id").primaryKey(),
    classId: text("class_id")
      .notNull()
      .references(() => classes.id),
    startedAt: integer("started_at").notNull(),
    endedAt: integer("ended_at"),
    peakConcurrency: integer("peak_concurrency").notNull().default(0),
  },
  (t) => [index("class_sessions_class_idx").on(t.classId, t.startedAt)],
);

/**
 * One row per attendee per session, however often they reconnect or move shard.
 * userId is a user id or a signed guest id (`g_…`), so there is no foreign key.
 */
export const attendance = sqliteTable(
  "attendance",
  {
    sessionId: text("session_id")
      .notNull()
      .references(() => classSessions.id),
    userId: text("user_id").notNull(),
    displayName: text("display_name").notNull(),
    firstJoinAt: integer("first_join_at").notNull(),
    lastLeaveAt: integer("last_leave_at"),
    /** Seconds attended, summed over closed intervals. */
    secondsAttended: integer("seconds_attended").notNull().default(0),
    joins: integer("joins").notNull().default(1),
    /** Teacher or moderator: listed apart, not counted as a student. */
    staff: integer("staff", { mode: "boolean" }).notNull().default(false),
  },
  (t) => [
    primaryKey({ columns: [t.sessionId, t.userId] }),
    // Dashboard: summary and late joiners (covering), and the attendance table's sort orders,
    // students and staff apart.
    index("attendance_session_staff_join_idx").on(
      t.sessionId,
      t.staff,
      t.firstJoinAt,
      t.secondsAttended,
    ),
    index("attendance_session_staff_seconds_idx").on(t.sessionId, t.staff, t.secondsAttended),
    index("attendance_session_staff_name_idx").on(t.sessionId, t.staff, t.displayName),
  ],
);

/** Engagement events (chat, question, upvote, answer, hand raise, ack…), written in batches. */
export const engagementEvents = sqliteTable(
  "engagement_events",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    sessionId: text("session_id")
      .notNull()
      .references(() => classSessions.id),
    userId: text("user_id").notNull(),
    kind: text("kind", {
      enum: ["chat", "question", "upvote", "poll_answer", "quiz_answer", "hand_raise", "hand_ack"],
    }).notNull(),
    at: integer("at").notNull(),
    /** Poll/question id the event refers to, when any. */
    ref: text("ref"),
    /** Chat: messages this row counts (the root batches them per user); quiz answers: the score. */
    value: integer("value"),
  },
  (t) => [
    // Covering indexes for the per-student and per-minute dashboard aggregates.
    index("engagement_session_user_idx").on(t.sessionId, t.userId, t.kind),
  ],
);

/**
 * Engagement per session minute and kind (chat rows weighted by their message count),
 * kept by D1 triggers on `engagement_events` (migration 0007), so the dashboard's
 * activity timeline reads at most minutes × kinds rows. Never written directly.
 */
export const engagementMinutes = sqliteTable(
  "engagement_minutes",
  {
    sessionId: text("session_id").notNull(),
    /** Start of the minute, epoch ms (a multiple of 60 000). */
    minute: integer("minute").notNull(),
    kind: text("kind").notNull(),
    n: integer("n").notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.sessionId, t.minute, t.kind] })],
);

/**
 * Per-student engagement totals per session, kept by D1 triggers (migration 0004) on
 * `engagement_events` (counts per kind) and `poll_answers` (quiz answers and score), so
 * "most active first" and the quiz score histogram read one row per student instead of
 * grouping every event. Never written directly.
 */
export const engagementTotals = sqliteTable(
  "engagement_totals",
  {
    sessionId: text("session_id").notNull(),
    userId: text("user_id").notNull(),
    chat: integer("chat").notNull().default(0),
    questions: integer("questions").notNull().default(0),
    upvotes: integer("upvotes").notNull().default(0),
    pollAnswers: integer("poll_answers").notNull().default(0),
    quizAnswers: integer("quiz_answers").notNull().default(0),
    handRaises: integer("hand_raises").notNull().default(0),
    handAcks: integer("hand_acks").notNull().default(0),
    /** All engagement events of this student in the session. */
    total: integer("total").notNull().default(0),
    /** Quiz questions answered (poll_answers rows of quizzes) and their summed score. */
    quizzesAnswered: integer("quizzes_answered").notNull().default(0),
    quizScore: integer("quiz_score").notNull().default(0),
  },
  (t) => [
    primaryKey({ columns: [t.sessionId, t.userId] }),
    index("engagement_totals_active_idx").on(t.sessionId, t.total, t.userId),
    index("engagement_totals_quiz_idx").on(t.sessionId, t.quizScore, t.quizzesAnswered),
  ],
);

/** Polls and quizzes as opened in a session, with their final results. */
export const polls = sqliteTable(
  "polls",
  {
    id: text("id").primaryKey(),
    sessionId: text("session_id")
      .notNull()
      .references(() => classSessions.id),
    kind: text("kind", { enum: ["poll", "quiz"] }).notNull(),
    question: text("question").notNull(),
    /** JSON array of option labels. */
    options: text("options", { mode: "json" }).$type<string[]>().notNull(),
    multiple: integer("multiple", { mode: "boolean" }).notNull().default(false),
    anonymous: integer("anonymous", { mode: "boolean" }).notNull().default(false),
    /** JSON array of correct option indexes (quizzes only). */
    correct: text("correct", { mode: "json" }).$type<number[]>(),
    openedAt: integer("opened_at").notNull(),
    closedAt: integer("closed_at"),
    /** JSON array of vote counts per option, set at close. */
    tally: text("tally", { mode: "json" }).$type<number[]>(),
  },
  (t) => [index("polls_session_idx").on(t.sessionId, t.openedAt)],
);

/** One answer per student per poll (named polls and quizzes). */
export const pollAnswers = sqliteTable(
  "poll_answers",
  {
    pollId: text("poll_id")
      .notNull()
      .references(() => polls.id),
    userId: text("user_id").notNull(),
    displayName: text("display_name").notNull(),
    choices: text("choices", { mode: "json" }).$type<number[]>().notNull(),
    correct: integer("correct", { mode: "boolean" }),
    score: integer("score"),
    answeredAt: integer("answered_at").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.pollId, t.userId] }),
    // Quiz totals per student without reading the answer rows.
    index("poll_answers_poll_user_score_idx").on(t.pollId, t.userId, t.score),
  ],
);

/** Q&A questions asked in a session, with their final state and upvote count. */
export const questions = sqliteTable(
  "questions",
  {
    id: text("id").primaryKey(),
    sessionId: text("session_id")
      .notNull()
      .references(() => classSessions.id),
    userId: text("user_id").notNull(),
    displayName: text("display_name").notNull(),
    text: text("text").notNull(),
    state: text("state", { enum: ["pending", "visible", "answered", "hidden"] }).notNull(),
    upvotes: integer("upvotes").notNull().default(0),
    askedAt: integer("asked_at").notNull(),
    answeredAt: integer("answered_at"),
  },
  (t) => [index("questions_session_idx").on(t.sessionId, t.askedAt)],
);

/** One row per session minute: how many were connected (peak in that minute). */
export const sessionMinutes = sqliteTable(
  "session_minutes",
  {
    sessionId: text("session_id")
      .notNull()
      .references(() => classSessions.id),
    /** Start of the minute, epoch ms (a multiple of 60 000). */
    minute: integer("minute").notNull(),
    concurrency: integer("concurrency").notNull(),
  },
  (t) => [primaryKey({ columns: [t.sessionId, t.minute] })],
);

/** A slide deck uploaded to R2 (`decks/{id}/{page}.{ext}`); the current page lives in the Classroom DO. */
export const slideDecks = sqliteTable(
  "slide_decks",
  {
    id: text("id").primaryKey(),
    classId: text("class_id")
      .notNull()
      .references(() => classes.id),
    name: text("name").notNull(),
    pageCount: integer("page_count").notNull(),
    /** Content type of the page images (image/png, image/jpeg, image/webp). */
    pageType: text("page_type").notNull(),
    createdBy: text("created_by").notNull(),
    createdAt: integer("created_at").notNull().default(now),
    /** Bytes this deck holds in R2 (pages and source PDF): counts against the class owner's quota. */
    bytes: integer("bytes").notNull().default(0),
  },
  (t) => [index("slide_decks_class_idx").on(t.classId, t.createdAt)],
);

/** A Web Push subscription of one user for one class (RFC 8030 endpoint + RFC 8291 keys). */
export const pushSubscriptions = sqliteTable(
  "push_subscriptions",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    classId: text("class_id")
      .notNull()
      .references(() => classes.id),
    userId: text("user_id").notNull(),
    endpoint: text("endpoint").notNull(),
    /** Client public key (P-256, base64url) and auth secret (base64url). */
    p256dh: text("p256dh").notNull(),
    auth: text("auth").notNull(),
    createdAt: integer("created_at").notNull().default(now),
    /** Keyed hash of the subscribing client's address (per-address cap); null when unknown. */
    clientKey: text("client_key"),
  },
  (t) => [
    uniqueIndex("push_class_endpoint_unique").on(t.classId, t.endpoint),
    index("push_class_client_idx").on(t.classId, t.clientKey),
    index("push_user_idx").on(t.userId),
    // The fan-out pages a class's subscriptions by id (worker/push/queue.ts).
    index("push_class_id_idx").on(t.classId, t.id),
  ],
);

/**
 * Push notifications already sent for a class, so each goes out once: `live` once per
 * class session (`ref` = session id), `reminder` once per scheduled start (`ref` = its epoch ms).
 */
export const pushNotices = sqliteTable(
  "push_notices",
  {
    classId: text("class_id").notNull(),
    kind: text("kind", { enum: ["live", "reminder"] }).notNull(),
    ref: text("ref").notNull(),
    at: integer("at").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.classId, t.kind, t.ref] }),
    index("push_notices_class_at_idx").on(t.classId, t.kind, t.at),
  ],
);

/** Every admin and moderator action: who, what, when, on whom. */
export const auditLog = sqliteTable(
  "audit_log",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    at: integer("at").notNull(),
    actorId: text("actor_id").notNull(),
    classId: text("class_id"),
    action: text("action").notNull(),
    target: text("target"),
    detail: text("detail"),
  },
  (t) => [
    index("audit_class_at_idx").on(t.classId, t.at),
    index("audit_actor_at_idx").on(t.actorId, t.at),
    index("audit_action_at_idx").on(t.action, t.at),
  ],
);

/**
 * A teacher's connected YouTube channel (Google OAuth, worker/youtube/). Tokens are
 * AES-GCM encrypted with a key derived from JWT_SECRET and bound to `user_id` as
 * additional data, so a cipher moved to another row does not decrypt.
 */
export const youtubeAccounts = sqliteTable("youtube_accounts", {
  userId: text("user_id")
    .primaryKey()
    .references(() => users.id),
  refreshTokenCipher: text("refresh_token_cipher").notNull(),
  /** The current access token (cipher) and its expiry, epoch ms; refreshed when due. */
  accessTokenCipher: text("access_token_cipher"),
  accessExpiresAt: integer("access_expires_at"),
  /** Scopes Google granted, space separated. */
  scope: text("scope").notNull(),
  channelId: text("channel_id"),
  channelTitle: text("channel_title"),
  /** The teacher's reusable 720p/30 fps liveStream, created on first go-live. */
  streamId: text("stream_id"),
  createdAt: integer("created_at").notNull().default(now),
  updatedAt: integer("updated_at").notNull().default(now),
});

export type User = typeof users.$inferSelect;
export type ClassRow = typeof classes.$inferSelect;
export type YouTubeAccountRow = typeof youtubeAccounts.$inferSelect;
