/**
 * Connect YouTube once, one click per class, know that YouTube is receiving: the Worker
 * against a loopback stand-in for Google's OAuth server and the YouTube Data API
 * (e2e/standins/youtube.ts), which checks every request it receives.
 */
import { env } from "cloudflare:test";
import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { YouTubeConnection, YouTubeLiveStatus } from "../protocol/youtube.ts";
import { app } from "../worker/app.ts";
import { decryptSecret } from "../worker/auth/crypto.ts";
import type { ClassRow } from "../worker/db/schema.ts";
import { rtmpTarget } from "../worker/routes/whip.ts";
import {
  bridgeHealth,
  bridgeHealthRequest,
  type Client,
  errorCode,
  OFFER,
  ORIGIN,
  signUp,
} from "./helpers.ts";

const standin = async (path: string, body: unknown = {}) => {
  const res = await fetch(`${env.YOUTUBE_STANDIN_URL}/__control/${path}`, {
    method: "POST",
    body: JSON.stringify(body),
  });
  return res.json() as Promise<Record<string, unknown>>;
};

interface StandinState {
  grants: { channelId: string; revoked: boolean; refreshToken: string }[];
  broadcasts: {
    id: string;
    snippet: Record<string, unknown>;
    status: Record<string, unknown> & { lifeCycleStatus: string };
    contentDetails: Record<string, unknown> & { boundStreamId?: string };
  }[];
  streams: {
    id: string;
    cdn: { ingestionInfo: { streamName: string; rtmpsIngestionAddress: string } };
  }[];
  requests: { op: string; query: Record<string, string>; body: unknown }[];
}
const state = (channelId: string) =>
  standin("state", { channelId }) as unknown as Promise<StandinState>;

/** A raw request to the Worker with exactly these cookies (the test Client keeps only one). */
const raw = (path: string, cookies: string[], init: RequestInit = {}) =>
  exports.default.fetch(
    new Request(`${ORIGIN}${path}`, {
      ...init,
      redirect: "manual",
      headers: { cookie: cookies.filter(Boolean).join("; "), ...(init.headers ?? {}) },
    }),
  );

/** Start the connect flow: the Worker's redirect to Google and its state cookie. */
async function startConnect(client: Client) {
  const res = await raw("/api/youtube/connect", [client.cookie]);
  expect(res.status).toBe(302);
  const location = new URL(res.headers.get("location")!);
  const setCookie = res.headers.get("set-cookie") ?? "";
  const oauthCookie = setCookie.split(";")[0]!;
  return { location, setCookie, oauthCookie };
}

/** Google's consent screen (the stand-in consents at once) → the callback URL it redirects to. */
async function consent(location: URL): Promise<URL> {
  const res = await fetch(location.toString(), { redirect: "manual" });
  expect(res.status).toBe(302);
  return new URL(res.headers.get("location")!);
}

/** Connect a fresh teacher's channel end to end; returns the teacher and their channel id. */
async function connectedTeacher() {
  const teacher = await signUp("teacher");
  const { location, oauthCookie } = await startConnect(teacher.client);
  const back = await consent(location);
  const done = await raw(`${back.pathname}${back.search}`, [teacher.client.cookie, oauthCookie]);
  expect(done.headers.get("location")).toBe("/studio?youtube=connected");
  const conn = (await (await teacher.client.get("/api/youtube")).json()) as YouTubeConnection;
  expect(conn.connected).toBe(true);
  return { ...teacher, channelId: conn.channelId! };
}

async function newClass(client: Client, body: Record<string, unknown> = {}) {
  const res = await client.post("/api/classes", { title: "Algebra <live>", ...body });
  return ((await res.json()) as { class: { id: string } }).class.id;
}

const goLive = (client: Client, classId: string) =>
  client.requestRaw("POST", `/whip/${classId}`, OFFER, { "content-type": "application/sdp" });

const classRow = (id: string) =>
  env.DB.prepare("SELECT * FROM classes WHERE id = ?").bind(id).first<Record<string, unknown>>();

const health = (classId: string, over: Record<string, unknown> = {}) =>
  exports.default.fetch(
    bridgeHealthRequest(
      bridgeHealth(classId, {
        lastKeyframeAt: Date.now() - 500,
        streamStartedAt: Date.now() - 120_000,
        ...over,
      }),
    ),
  );

const status = async (client: Client, classId: string) => {
  const res = await client.get(`/api/youtube/classes/${classId}/status`);
  expect(res.status).toBe(200);
  return (await res.json()) as YouTubeLiveStatus;
};

describe("Connect YouTube (Google OAuth 2.0, code + PKCE)", () => {
  it("start → consent → callback stores the refresh token encrypted and bound to its owner", async () => {
    const teacher = await signUp("teacher");
    expect(await (await teacher.client.get("/api/youtube")).json()).toEqual({
      configured: true,
      connected: false,
      channelId: null,
      channelTitle: null,
    });
    const { location, setCookie, oauthCookie } = await startConnect(teacher.client);
    expect(location.pathname).toBe("/o/oauth2/v2/auth");
    expect(location.searchParams.get("scope")).toBe("https://www.googleapis.com/auth/youtube");
    expect(location.searchParams.get("code_challenge_method")).toBe("S256");
    expect(location.searchParams.get("redirect_uri")).toBe(`${ORIGIN}/api/youtube/callback`);
    // The state and verifier ride in an HttpOnly cookie scoped to the callback; the verifier never leaves.
    expect(setCookie).toMatch(/HttpOnly/i);
    expect(setCookie).toMatch(/Path=\/api\/youtube\/callback/);
    expect(setCookie).toMatch(/SameSite=Lax/i);

    const back = await consent(location);
    expect(back.searchParams.get("state")).toBe(location.searchParams.get("state"));
    const done = await raw(`${back.pathname}${back.search}`, [teacher.client.cookie, oauthCookie]);
    expect(done.status).toBe(302);
    expect(done.headers.get("location")).toBe("/studio?youtube=connected");
    expect(done.headers.get("set-cookie")).toMatch(/mc_yt_oauth=;/);

    const conn = (await (await teacher.client.get("/api/youtube")).json()) as YouTubeConnection;
    expect(conn).toMatchObject({ configured: true, connected: true });
    expect(conn.channelTitle).toBe(`Channel ${conn.channelId}`);

    const row = await env.DB.prepare("SELECT * FROM youtube_accounts WHERE user_id = ?")
      .bind(teacher.id)
      .first<{ refresh_token_cipher: string; access_token_cipher: string; scope: string }>();
    const [grant] = (await state(conn.channelId!)).grants;
    expect(row!.refresh_token_cipher).not.toContain(grant!.refreshToken);
    const info = "mass-class youtube token v1";
    expect(
      await decryptSecret(row!.refresh_token_cipher, env.JWT_SECRET, { info, aad: teacher.id }),
    ).toBe(grant!.refreshToken);
    // Bound to its owner: the same cipher does not decrypt as another user's.
    await expect(
      decryptSecret(row!.refresh_token_cipher, env.JWT_SECRET, { info, aad: "someone-else" }),
    ).rejects.toThrow();
    // The code is single-use: replaying the callback does not connect anything twice.
    const replay = await raw(`${back.pathname}${back.search}`, [
      teacher.client.cookie,
      oauthCookie,
    ]);
    expect(replay.headers.get("location")).toMatch(/youtube=error/);
  });

  it("refuses a callback whose state is not this session's (CSRF / code injection)", async () => {
    const victim = await signUp("teacher");
    const attacker = await signUp("teacher");
    // The attacker starts a flow and consents with their own Google account...
    const mine = await startConnect(attacker.client);
    const back = await consent(mine.location);
    // ...then gets the victim's browser to open the callback. The victim has no state cookie:
    const noCookie = await raw(`${back.pathname}${back.search}`, [victim.client.cookie]);
    expect(noCookie.headers.get("location")).toBe("/studio?youtube=error&reason=state");
    // Nor does the attacker's sealed cookie work in the victim's session (bound to the user).
    const stolen = await raw(`${back.pathname}${back.search}`, [
      victim.client.cookie,
      mine.oauthCookie,
    ]);
    expect(stolen.headers.get("location")).toBe("/studio?youtube=error&reason=state");
    // A victim's own fresh flow with a forged state is refused too.
    const own = await startConnect(victim.client);
    const forged = new URL(back);
    forged.searchParams.set("state", "x".repeat(32));
    const bad = await raw(`${forged.pathname}${forged.search}`, [
      victim.client.cookie,
      own.oauthCookie,
    ]);
    expect(bad.headers.get("location")).toBe("/studio?youtube=error&reason=state");
    const conn = (await (await victim.client.get("/api/youtube")).json()) as YouTubeConnection;
    expect(conn.connected).toBe(false);
    // Students cannot start the flow at all.
    const student = await signUp("student");
    expect((await raw("/api/youtube/connect", [student.client.cookie])).status).toBe(403);
  });

  it("declined consent and a grant without offline access leave the teacher unconnected", async () => {
    const teacher = await signUp("teacher");
    await standin("consent", { consent: "deny" });
    try {
      const { location, oauthCookie } = await startConnect(teacher.client);
      const back = await consent(location);
      expect(back.searchParams.get("error")).toBe("access_denied");
      const res = await raw(`${back.pathname}${back.search}`, [teacher.client.cookie, oauthCookie]);
      expect(res.headers.get("location")).toBe("/studio?youtube=error&reason=denied");
    } finally {
      await standin("consent", { consent: "allow" });
    }
    await standin("consent", {
      consent: "allow",
      scope: "https://www.googleapis.com/auth/youtube.readonly",
    });
    try {
      const { location, oauthCookie } = await startConnect(teacher.client);
      const back = await consent(location);
      const res = await raw(`${back.pathname}${back.search}`, [teacher.client.cookie, oauthCookie]);
      expect(res.headers.get("location")).toBe("/studio?youtube=error&reason=scope");
    } finally {
      await standin("consent", { consent: "allow" });
    }
    expect(
      ((await (await teacher.client.get("/api/youtube")).json()) as YouTubeConnection).connected,
    ).toBe(false);
  });

  it("refreshes an expired access token (and retries once on 401)", async () => {
    const teacher = await connectedTeacher();
    const classId = await newClass(teacher.client);
    // Google invalidated the stored access token before its announced expiry: 401 → refresh → retry.
    await standin("expire-access", { channelId: teacher.channelId });
    const before = await env.DB.prepare(
      "SELECT access_token_cipher AS c FROM youtube_accounts WHERE user_id = ?",
    )
      .bind(teacher.id)
      .first<{ c: string }>();
    const res = await teacher.client.post(`/api/youtube/classes/${classId}/broadcast`);
    expect(res.status).toBe(200);
    const after = await env.DB.prepare(
      "SELECT access_token_cipher AS c, access_expires_at AS e FROM youtube_accounts WHERE user_id = ?",
    )
      .bind(teacher.id)
      .first<{ c: string; e: number }>();
    expect(after!.c).not.toBe(before!.c);
    // A token about to expire is refreshed before use, without a 401 first.
    await env.DB.prepare("UPDATE youtube_accounts SET access_expires_at = ? WHERE user_id = ?")
      .bind(Date.now() + 30_000, teacher.id)
      .run();
    expect((await teacher.client.post(`/api/youtube/classes/${classId}/broadcast`)).status).toBe(
      200,
    );
    const later = await env.DB.prepare(
      "SELECT access_expires_at AS e FROM youtube_accounts WHERE user_id = ?",
    )
      .bind(teacher.id)
      .first<{ e: number }>();
    expect(later!.e).toBeGreaterThan(Date.now() + 3_000_000);
  });

  it("revoked at Google: the studio is told to connect again and the dead grant is forgotten", async () => {
    const teacher = await connectedTeacher();
    const classId = await newClass(teacher.client);
    await standin("revoke-channel", { channelId: teacher.channelId });
    await standin("expire-access", { channelId: teacher.channelId });
    const res = await goLive(teacher.client, classId);
    expect(res.status).toBe(403);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe("youtube_revoked");
    expect(body.error.message).toMatch(/Connect YouTube again/);
    expect(
      ((await (await teacher.client.get("/api/youtube")).json()) as YouTubeConnection).connected,
    ).toBe(false);
  });

  it("disconnect revokes the grant at Google and deletes it here", async () => {
    const teacher = await connectedTeacher();
    const other = await connectedTeacher();
    const res = await teacher.client.request("DELETE", "/api/youtube");
    expect(res.status).toBe(200);
    expect((await state(teacher.channelId)).grants[0]!.revoked).toBe(true);
    expect((await state(other.channelId)).grants[0]!.revoked).toBe(false);
    const row = await env.DB.prepare("SELECT 1 FROM youtube_accounts WHERE user_id = ?")
      .bind(teacher.id)
      .first();
    expect(row).toBeNull();
    // Cross-site DELETE is refused by the CSRF rule.
    const forged = await other.client.request("DELETE", "/api/youtube", undefined, {
      origin: "https://evil.example",
    });
    expect(forged.status).toBe(403);
    expect(
      ((await (await other.client.get("/api/youtube")).json()) as YouTubeConnection).connected,
    ).toBe(true);
  });
});

describe("without a Google OAuth client (feature off)", () => {
  it("says not configured, refuses the flow, and keeps the manual path even for a connected teacher", async () => {
    const teacher = await connectedTeacher();
    const off = { ...env, GOOGLE_CLIENT_ID: "", GOOGLE_CLIENT_SECRET: "" };
    const get = (path: string) =>
      app.request(`${ORIGIN}${path}`, { headers: { cookie: teacher.client.cookie } }, off);
    expect(await (await get("/api/youtube")).json()).toEqual({
      configured: false,
      connected: false,
      channelId: null,
      channelTitle: null,
    });
    const connect = await get("/api/youtube/connect");
    expect(connect.status).toBe(404);
    expect(await errorCode(connect)).toBe("youtube_not_configured");
    const classId = await newClass(teacher.client);
    const row = await classRow(classId);
    const target = await rtmpTarget(off, {
      id: classId,
      teacherId: teacher.id,
      streamKeyCipher: null,
      rtmpUrl: null,
      youtubeBroadcastId: null,
    } as unknown as ClassRow);
    expect(target.rtmpUrl).toBe(env.LOCAL_RTMP_URL.replaceAll("{classId}", classId));
    expect(row!.youtube_broadcast_id).toBeNull();
    expect((await state(teacher.channelId)).broadcasts).toHaveLength(0);
  });
});

describe("One click per class (YouTube Live Streaming API)", () => {
  it("go live: inserts the broadcast and a reusable 720p30 stream, binds, pushes over RTMPS, students get the video id", async () => {
    const teacher = await connectedTeacher();
    const classId = await newClass(teacher.client, {
      description: "Week 3",
      latencyMode: "low",
      scheduledStart: new Date(Date.now() + 3_600_000).toISOString(),
    });
    const pub = await goLive(teacher.client, classId);
    expect(pub.status).toBe(201);

    const s = await state(teacher.channelId);
    expect(s.broadcasts).toHaveLength(1);
    expect(s.streams).toHaveLength(1);
    const [b] = s.broadcasts;
    expect(b!.snippet.title).toBe("Algebra live");
    expect(b!.status).toMatchObject({ privacyStatus: "unlisted", selfDeclaredMadeForKids: false });
    expect(b!.contentDetails).toMatchObject({
      latencyPreference: "low",
      enableEmbed: true,
      enableAutoStart: true,
      boundStreamId: s.streams[0]!.id,
    });
    expect(b!.status.lifeCycleStatus).toBe("ready");

    // Students' class view carries the broadcast's video id without the teacher typing it.
    const student = await signUp("student");
    const view = (await (await student.client.get(`/api/classes/${classId}`)).json()) as {
      class: { youtubeVideoId: string | null };
    };
    expect(view.class.youtubeVideoId).toBe(b!.id);

    // The bridge is pointed at the stream's RTMPS ingest with its stream name.
    const row = (await env.DB.prepare("SELECT * FROM classes WHERE id = ?")
      .bind(classId)
      .first()) as Record<string, unknown>;
    const cls = {
      id: row.id,
      teacherId: row.teacher_id,
      title: row.title,
      description: row.description,
      scheduledStart: row.scheduled_start,
      guestAccess: !!row.guest_access,
      youtubeVideoId: row.youtube_video_id,
      latencyMode: row.latency_mode,
      streamKeyCipher: row.stream_key_cipher,
      rtmpUrl: row.rtmp_url,
      youtubeBroadcastId: row.youtube_broadcast_id,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
    } as ClassRow;
    const target = await rtmpTarget(env, cls);
    expect(target.rtmpUrl).toMatch(/^rtmps:\/\//);
    expect(target).toEqual({
      rtmpUrl: s.streams[0]!.cdn.ingestionInfo.rtmpsIngestionAddress,
      streamKey: s.streams[0]!.cdn.ingestionInfo.streamName,
    });

    // YouTube sees our stream: auto-start moves the broadcast live; the status says so.
    await standin("stream", {
      channelId: teacher.channelId,
      streamStatus: "active",
      healthStatus: "good",
    });
    expect((await health(classId)).status).toBe(204);
    const live = await status(teacher.client, classId);
    expect(live.youtube).toMatchObject({
      broadcastId: b!.id,
      lifeCycleStatus: "live",
      streamStatus: "active",
      healthStatus: "good",
    });
    expect(live.alarm).toEqual({ level: "ok", reasons: [] });

    expect((await teacher.client.requestRaw("DELETE", pub.headers.get("location")!)).status).toBe(
      200,
    );
    expect((await state(teacher.channelId)).broadcasts[0]!.status.lifeCycleStatus).toBe("complete");
  });

  it("reuses the class's broadcast and the teacher's stream on a second go-live", async () => {
    const teacher = await connectedTeacher();
    const classId = await newClass(teacher.client);
    const first = await goLive(teacher.client, classId);
    expect(first.status).toBe(201);
    const again = await goLive(teacher.client, classId);
    expect(again.status).toBe(409); // the bridge: already live from another studio
    await teacher.client.requestRaw("DELETE", first.headers.get("location")!);
    let s = await state(teacher.channelId);
    // Stopped before YouTube ever received anything: the broadcast stays ready, for reuse.
    expect(s.broadcasts).toHaveLength(1);
    expect((await goLive(teacher.client, classId)).status).toBe(201);
    s = await state(teacher.channelId);
    expect(s.requests.filter((r) => r.op === "liveBroadcasts.POST")).toHaveLength(1);
    expect(s.requests.filter((r) => r.op === "liveStreams.POST")).toHaveLength(1);

    // A second class of the same teacher: a new broadcast, the same reusable stream.
    const second = await newClass(teacher.client);
    expect((await goLive(teacher.client, second)).status).toBe(201);
    s = await state(teacher.channelId);
    expect(s.broadcasts).toHaveLength(2);
    expect(s.streams).toHaveLength(1);
  });

  it("Stop (DELETE /whip) completes the live broadcast; the next go-live creates a new one", async () => {
    const teacher = await connectedTeacher();
    const classId = await newClass(teacher.client);
    const res = await goLive(teacher.client, classId);
    expect(res.status).toBe(201);
    await standin("stream", {
      channelId: teacher.channelId,
      streamStatus: "active",
      healthStatus: "good",
    });
    const [b] = (await state(teacher.channelId)).broadcasts;
    expect(b!.status.lifeCycleStatus).toBe("live");
    expect((await teacher.client.requestRaw("DELETE", res.headers.get("location")!)).status).toBe(
      200,
    );
    expect((await state(teacher.channelId)).broadcasts[0]!.status.lifeCycleStatus).toBe("complete");
    await standin("stream", { channelId: teacher.channelId, streamStatus: "inactive" });

    const next = await goLive(teacher.client, classId);
    expect(next.status).toBe(201);
    const s = await state(teacher.channelId);
    expect(s.broadcasts).toHaveLength(2);
    expect((await classRow(classId))!.youtube_video_id).toBe(s.broadcasts[1]!.id);
    await teacher.client.requestRaw("DELETE", next.headers.get("location")!);
  });

  it("the bridge ending the session (studio gone) completes the broadcast too", async () => {
    const teacher = await connectedTeacher();
    const classId = await newClass(teacher.client);
    expect((await goLive(teacher.client, classId)).status).toBe(201);
    await standin("stream", { channelId: teacher.channelId, streamStatus: "active" });
    expect((await state(teacher.channelId)).broadcasts[0]!.status.lifeCycleStatus).toBe("live");
    expect((await health(classId, { state: "ended", pushing: false })).status).toBe(204);
    await expect
      .poll(async () => (await state(teacher.channelId)).broadcasts[0]!.status.lifeCycleStatus, {
        timeout: 5000,
      })
      .toBe("complete");
    // A repeated "ended" report costs one list, not another transition.
    expect((await health(classId, { state: "ended", pushing: false })).status).toBe(204);
    await new Promise((r) => setTimeout(r, 300));
    const transitions = (await state(teacher.channelId)).requests.filter(
      (r) => r.op === "liveBroadcasts.transition.POST",
    );
    expect(transitions).toHaveLength(1);
  });

  it("a class with its own stream key keeps the manual path", async () => {
    const teacher = await connectedTeacher();
    const classId = await newClass(teacher.client, { streamKey: "manual-key-1234" });
    const res = await goLive(teacher.client, classId);
    expect(res.status).toBe(201);
    expect((await state(teacher.channelId)).broadcasts).toHaveLength(0);
    await teacher.client.requestRaw("DELETE", res.headers.get("location")!);
  });

  it.each([
    [
      "liveBroadcasts.POST",
      403,
      "liveStreamingNotEnabled",
      403,
      "youtube_live_not_enabled",
      /youtube\.com\/features/,
    ],
    [
      "liveStreams.POST",
      403,
      "liveStreamingNotEnabled",
      403,
      "youtube_live_not_enabled",
      /not enabled/,
    ],
    ["liveBroadcasts.POST", 403, "quotaExceeded", 503, "youtube_quota", /quota/],
    ["liveBroadcasts.POST", 403, "rateLimitExceeded", 429, "youtube_rate_limited", /slow down/],
    [
      "liveBroadcasts.bind.POST",
      403,
      "userRequestsExceedRateLimit",
      429,
      "youtube_rate_limited",
      /slow down/,
    ],
    ["liveBroadcasts.POST", 500, "backendError", 502, "youtube_error", /YouTube answered/],
  ])(
    "go live when %s answers %i %s → %i %s with a clear message",
    async (op, status, reason, want, code, message) => {
      const teacher = await connectedTeacher();
      const classId = await newClass(teacher.client);
      await standin("fail", { op, status, reason, times: 1 });
      try {
        const res = await goLive(teacher.client, classId);
        expect(res.status).toBe(want);
        const body = (await res.json()) as { error: { code: string; message: string } };
        expect(body.error.code).toBe(code);
        expect(body.error.message).toMatch(message);
        // Nothing went to the bridge or the students: the class is not live.
        expect((await classRow(classId))!.youtube_video_id).toBeNull();
      } finally {
        await standin("reset-faults");
      }
      // Recovered: the next try goes live.
      const ok = await goLive(teacher.client, classId);
      expect(ok.status).toBe(201);
      await teacher.client.requestRaw("DELETE", ok.headers.get("location")!);
    },
  );

  it("ending a broadcast YouTube cannot complete answers 409 youtube_invalid_transition", async () => {
    const teacher = await connectedTeacher();
    const classId = await newClass(teacher.client);
    expect((await teacher.client.post(`/api/youtube/classes/${classId}/broadcast`)).status).toBe(
      200,
    );
    // Never received anything: still `ready`, which cannot go to complete.
    const res = await teacher.client.post(`/api/youtube/classes/${classId}/complete`);
    expect(res.status).toBe(409);
    expect(await errorCode(res)).toBe("youtube_invalid_transition");
    // Only the class's teacher may touch its broadcast.
    const other = await connectedTeacher();
    expect((await other.client.post(`/api/youtube/classes/${classId}/complete`)).status).toBe(403);
    expect((await other.client.get(`/api/youtube/classes/${classId}/status`)).status).toBe(403);
  });
});

describe("Know that YouTube is receiving (status poll)", () => {
  it("alarms when YouTube is not receiving or the bridge is not pushing, and clears on recovery", async () => {
    const teacher = await connectedTeacher();
    const classId = await newClass(teacher.client);
    const pub = await goLive(teacher.client, classId);
    expect(pub.status).toBe(201);

    // Just started: nothing from YouTube yet is "starting", not the alarm.
    expect((await health(classId, { streamStartedAt: Date.now() - 2_000 })).status).toBe(204);
    let st = await status(teacher.client, classId);
    expect(st.stream).toBe("live");
    expect(st.youtube).toMatchObject({ lifeCycleStatus: "ready", streamStatus: "ready" });
    expect(st.alarm.level).toBe("starting");

    // Past the grace period, YouTube still not receiving: loud.
    expect((await health(classId)).status).toBe(204);
    st = await status(teacher.client, classId);
    expect(st.alarm.level).toBe("alarm");
    expect(st.alarm.reasons.join(" ")).toMatch(/YouTube is not receiving/);

    // YouTube receives; auto-start did not fire, so the status poll moves the broadcast live.
    await standin("stream", {
      channelId: teacher.channelId,
      streamStatus: "active",
      healthStatus: "good",
      autoStart: false,
    });
    st = await status(teacher.client, classId);
    expect(st.youtube).toMatchObject({ lifeCycleStatus: "live", streamStatus: "active" });
    expect(st.alarm).toEqual({ level: "ok", reasons: [] });

    // Bad health with configuration issues: alarm with YouTube's words.
    await standin("stream", {
      channelId: teacher.channelId,
      healthStatus: "bad",
      configurationIssues: [
        {
          type: "videoIngestionStarved",
          severity: "error",
          reason: "Video ingestion starved",
          description: "YouTube is receiving too little video.",
        },
      ],
    });
    st = await status(teacher.client, classId);
    expect(st.alarm.level).toBe("alarm");
    expect(st.youtube!.configurationIssues[0]!.type).toBe("videoIngestionStarved");
    expect(st.alarm.reasons.join(" ")).toMatch(/too little video/);

    // The bridge stops pushing (RTMP server gone): alarm; back: clears.
    await standin("stream", {
      channelId: teacher.channelId,
      healthStatus: "good",
      configurationIssues: [],
    });
    expect(
      (await health(classId, { pushing: false, lastError: "The ingest refused the connection." }))
        .status,
    ).toBe(204);
    st = await status(teacher.client, classId);
    expect(st.alarm.level).toBe("alarm");
    expect(st.alarm.reasons.join(" ")).toMatch(/not pushing.*The ingest refused the connection/);
    expect((await health(classId)).status).toBe(204);
    st = await status(teacher.client, classId);
    expect(st.alarm).toEqual({ level: "ok", reasons: [] });

    // YouTube's quota runs out mid-class: the poll says so (loud), it does not crash.
    await standin("fail", {
      op: "liveBroadcasts.GET",
      status: 403,
      reason: "quotaExceeded",
      times: 1,
    });
    st = await status(teacher.client, classId);
    expect(st.youtubeError?.code).toBe("youtube_quota");
    expect(st.alarm.level).toBe("alarm");
    st = await status(teacher.client, classId);
    expect(st.youtubeError).toBeNull();

    expect((await teacher.client.requestRaw("DELETE", pub.headers.get("location")!)).status).toBe(
      200,
    );
    st = await status(teacher.client, classId);
    expect(st.stream).toBe("ended");
    expect(st.youtube!.lifeCycleStatus).toBe("complete");
    expect(st.alarm.level).toBe("ok");
  });

  it("without a connected channel the status still reports the bridge", async () => {
    const teacher = await signUp("teacher");
    const classId = await newClass(teacher.client, { streamKey: "k-123" });
    const st = await status(teacher.client, classId);
    expect(st).toMatchObject({ youtube: null, youtubeError: null, stream: "idle" });
    expect(st.alarm.level).toBe("ok");
  });
});
