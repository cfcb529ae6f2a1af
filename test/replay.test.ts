/**
 * After class (issue 14, point 5): the replay's event log, the recording offer and the
 * slides' PDF download, through the Worker with the real Classroom root — who may read
 * them (anonymous, a guest of another class and a banned student may not), paging, and
 * what the log holds.
 */
import { runInDurableObject } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { Classroom } from "../durable-objects/classroom.ts";
import type { ClassEvent } from "../protocol/realtime.ts";
import type { ReplayEventsPage, ReplayInfo } from "../protocol/replay.ts";
import type { SlideDeck } from "../protocol/slides.ts";
import type { YouTubeConnection } from "../protocol/youtube.ts";
import { Client, errorCode, OFFER, ORIGIN, signUp } from "./helpers.ts";
import { createClass, open } from "./realtime/helpers.ts";

const rootOf = (classId: string) => env.CLASSROOM.get(env.CLASSROOM.idFromName(classId));

/** The YouTube stand-in's control API (e2e/standins/youtube.ts). */
const standin = async (path: string, body: unknown = {}) =>
  (await (
    await fetch(
      `${(env as unknown as { YOUTUBE_STANDIN_URL: string }).YOUTUBE_STANDIN_URL}/__control/${path}`,
      {
        method: "POST",
        body: JSON.stringify(body),
      },
    )
  ).json()) as {
    broadcasts: {
      id: string;
      snippet: { actualStartTime?: string };
      status: { lifeCycleStatus: string };
    }[];
    requests: { op: string }[];
  };

/** A teacher whose channel is connected through the stand-in's Google consent. */
async function connectedTeacher() {
  const teacher = await signUp("teacher");
  const start = await exports.default.fetch(
    new Request(`${ORIGIN}/api/youtube/connect`, {
      headers: { cookie: teacher.client.cookie },
      redirect: "manual",
    }),
  );
  const oauthCookie = (start.headers.get("set-cookie") ?? "").split(";")[0]!;
  const consent = await fetch(start.headers.get("location")!, { redirect: "manual" });
  const back = new URL(consent.headers.get("location")!);
  await exports.default.fetch(
    new Request(`${ORIGIN}${back.pathname}${back.search}`, {
      headers: { cookie: `${teacher.client.cookie}; ${oauthCookie}` },
      redirect: "manual",
    }),
  );
  const conn = (await (await teacher.client.get("/api/youtube")).json()) as YouTubeConnection;
  expect(conn.connected).toBe(true);
  return { ...teacher, channelId: conn.channelId! };
}

/** Every page of the log, following `next`. */
async function readLog(c: Client, classId: string, limit: number) {
  const events: ClassEvent[] = [];
  let after = 0;
  let pages = 0;
  for (;;) {
    const res = await c.get(`/api/classes/${classId}/replay/events?after=${after}&limit=${limit}`);
    expect(res.status).toBe(200);
    const page = (await res.json()) as ReplayEventsPage;
    pages++;
    events.push(...page.events);
    if (page.next === null) return { events, pages, oldestSeq: page.oldestSeq };
    after = page.next;
  }
}

describe("after class", { timeout: 60_000 }, () => {
  it("serves a finished class's event log in bounded pages, to its students only", async () => {
    const { classId, teacher } = await createClass({ guestAccess: true });
    const t = await open(classId, teacher.client.cookie);
    const startedAt = Date.now() - 2000;
    await rootOf(classId).setStreamStatus(classId, "live", startedAt);
    t.send({ type: "chat.send", text: "welcome, everyone" });
    t.send({
      type: "poll.create",
      kind: "poll",
      question: "Ready?",
      options: ["yes", "no"],
      rid: "p",
    });
    const { pollId } = await t.next("poll.created", (f) => f.rid === "p");
    t.send({ type: "poll.open", pollId });
    await t.next("poll.opened");
    const student = await signUp("student", "Ada");
    // While the class is on air there is no replay yet.
    const early = await student.client.get(`/api/classes/${classId}/replay/events`);
    expect(early.status).toBe(409);
    t.send({ type: "poll.close", pollId });
    await t.next("poll.closed");
    await rootOf(classId).setStreamStatus(classId, "ended");
    await t.next("stream.status", (f) => f.status === "ended");

    const { events, pages, oldestSeq } = await readLog(student.client, classId, 2);
    expect(pages).toBeGreaterThan(1);
    expect(oldestSeq).toBe(1);
    // Replayable events only, in seq order; the chat message is not part of the replay.
    expect(events.map((e) => e.type)).toEqual([
      "stream.status",
      "poll.opened",
      "poll.closed",
      "stream.status",
    ]);
    expect(events[0]).toMatchObject({ status: "live", startedAt });
    expect(events.map((e) => e.seq)).toEqual([...events.map((e) => e.seq)].sort((a, b) => a - b));
    // `limit` is clamped, not refused; junk is refused.
    expect(
      (await student.client.get(`/api/classes/${classId}/replay/events?limit=100000`)).status,
    ).toBe(200);
    const bad = await student.client.get(`/api/classes/${classId}/replay/events?after=-1`);
    expect(bad.status).toBe(400);

    // Anonymous: 401. A guest of another class: 403.
    const anon = await new Client().get(`/api/classes/${classId}/replay/events`);
    expect(anon.status).toBe(401);
    const other = await createClass({ guestAccess: true });
    const guest = new Client();
    expect(
      (await guest.post(`/api/auth/guest/${other.classId}`, { displayName: "Eve" })).status,
    ).toBe(201);
    for (const path of ["replay/events", "replay"]) {
      const res = await guest.get(`/api/classes/${classId}/${path}`);
      expect(res.status, path).toBe(403);
    }
    // A banned student: 403 "banned", on the log and on the after-class offer.
    t.send({ type: "mod.ban", userId: student.id });
    await t.next("mod.state", (m) => m.bans.some((b) => b.userId === student.id));
    for (const path of ["replay/events", "replay"]) {
      const res = await student.client.get(`/api/classes/${classId}/${path}`);
      expect(res.status, path).toBe(403);
      expect(await errorCode(res)).toBe("banned");
    }
    t.close();
  });

  it("keeps the whole log of a class longer than a resume reaches back", async () => {
    const { classId } = await createClass();
    await runInDurableObject(rootOf(classId), async (root: Classroom) => {
      for (let i = 0; i < 1200; i++) await root.setStreamStatus(classId, i % 2 ? "idle" : "live");
    });
    const info = await rootOf(classId).inspect();
    // A resume still falls back to a snapshot past LOG_SIZE events...
    expect(info.oldestLogged).toBeGreaterThan(1);
    // ...while the replay reads every event from the first.
    const student = await signUp("student");
    const { events, oldestSeq, pages } = await readLog(student.client, classId, 500);
    expect(oldestSeq).toBe(1);
    expect(pages).toBe(3);
    expect(events.map((e) => e.seq)).toEqual(Array.from({ length: 1200 }, (_, i) => i + 1));
  });

  it("offers the deck's original PDF as a download, access-checked; no recording is claimed without one", async () => {
    const { classId, teacher } = await createClass();
    const deck = (await (
      await teacher.client.post(`/api/classes/${classId}/slides`, {
        name: "Cells: part 1",
        pageType: "image/webp",
      })
    ).json()) as SlideDeck;
    const pdf = new TextEncoder().encode("%PDF-1.4\n% replay test\n%%EOF\n");
    const put = await exports.default.fetch(
      new Request(`${ORIGIN}/api/slides/${deck.id}/source`, {
        method: "PUT",
        headers: { origin: ORIGIN, cookie: teacher.client.cookie },
        body: pdf,
      }),
    );
    expect(put.status).toBe(204);
    // A second deck without a PDF is not offered.
    await teacher.client.post(`/api/classes/${classId}/slides`, {
      name: "Images only",
      pageType: "image/webp",
    });

    const student = await signUp("student");
    const info = (await (
      await student.client.get(`/api/classes/${classId}/replay`)
    ).json()) as ReplayInfo;
    expect(info.stream).toBe("idle");
    expect(info.recording).toEqual({
      kind: "none",
      reason: env.LOCAL_PLAYBACK_URL ? "local" : "no_video",
    });
    expect(info.slides).toEqual([
      {
        deckId: deck.id,
        name: "Cells: part 1",
        url: `/api/classes/${classId}/slides/${deck.id}/source.pdf`,
        bytes: pdf.byteLength,
      },
    ]);
    const res = await student.client.get(info.slides[0]!.url);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/pdf");
    expect(res.headers.get("content-disposition")).toBe(
      `attachment; filename="Cells: part 1.pdf"; filename*=UTF-8''Cells%3A%20part%201.pdf`,
    );
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(pdf);

    expect((await new Client().get(info.slides[0]!.url)).status).toBe(401);
    // The deck through another class's path: not found.
    const other = await createClass();
    expect(
      (await other.teacher.client.get(`/api/classes/${other.classId}/slides/${deck.id}/source.pdf`))
        .status,
    ).toBe(404);

    // A YouTube video id set by hand: offered, availability unknown (nothing to ask YouTube with).
    expect(
      (await teacher.client.patch(`/api/classes/${classId}`, { youtubeVideoId: "dQw4w9WgXcQ" }))
        .status,
    ).toBe(200);
    const after = (await (
      await student.client.get(`/api/classes/${classId}/replay`)
    ).json()) as ReplayInfo;
    expect(after.recording).toEqual({
      kind: "youtube",
      videoId: "dQw4w9WgXcQ",
      available: null,
      lifeCycleStatus: null,
      startedAt: null,
    });
  });

  it("offers the broadcast's recording only once YouTube reports the broadcast complete", async () => {
    const teacher = await connectedTeacher();
    const res = await teacher.client.post("/api/classes", { title: "Recorded" });
    const classId = ((await res.json()) as { class: { id: string } }).class.id;
    const wentLive = Date.now();
    const live = await teacher.client.requestRaw("POST", `/whip/${classId}`, OFFER, {
      "content-type": "application/sdp",
    });
    expect(live.status).toBe(201);
    await standin("stream", {
      channelId: teacher.channelId,
      streamStatus: "active",
      healthStatus: "good",
    });
    const [b] = (await standin("state", { channelId: teacher.channelId })).broadcasts;
    expect(b!.status.lifeCycleStatus).toBe("live");
    const actualStart = Date.parse(String(b!.snippet.actualStartTime));
    expect(actualStart).toBeGreaterThanOrEqual(wentLive - 1000);
    const student = await signUp("student");
    const info = async () =>
      (await (await student.client.get(`/api/classes/${classId}/replay`)).json()) as ReplayInfo;
    // Broadcasting to YouTube but not complete: the recording is not there yet.
    await standin("stream", { channelId: teacher.channelId, streamStatus: "inactive" });
    const during = await info();
    expect(during.recording).toMatchObject({ kind: "youtube", videoId: b!.id, available: false });

    expect((await teacher.client.requestRaw("DELETE", live.headers.get("location")!)).status).toBe(
      200,
    );
    expect(
      (await standin("state", { channelId: teacher.channelId })).broadcasts[0]!.status
        .lifeCycleStatus,
    ).toBe("complete");
    // The recording begins where the broadcast went live (actualStartTime): the replay's
    // position 0 (replay-core.ts recordingRun).
    const complete = {
      kind: "youtube",
      videoId: b!.id,
      available: true,
      lifeCycleStatus: "complete",
      startedAt: actualStart,
    };
    expect((await info()).recording).toEqual(complete);
    // Complete is final: more students opening the page spend no more YouTube quota.
    const lists = async () =>
      (await standin("state", { channelId: teacher.channelId })).requests.filter(
        (r) => r.op === "liveBroadcasts.GET",
      ).length;
    const before = await lists();
    for (let i = 0; i < 3; i++) expect((await info()).recording).toEqual(complete);
    expect(await lists()).toBe(before);
  });
});
