/**
 * YouTube in one click, as the teacher and a student see it in a real Chromium, through
 * the whole local stack with Google OAuth and the YouTube Data API played by a stand-in
 * (e2e/standins/youtube.ts) whose stream ingests into the local RTMP server.
 */
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { describe, expect, inject, it } from "vitest";
import { DEMO } from "../scripts/stack.ts";
import { joinAsGuest } from "./browser.ts";
import { browsers } from "./class-setup.ts";

const base = inject("baseUrl");
const youtubeUrl = inject("youtubeUrl");
const launch = browsers();

const control = async (path: string, body: unknown) =>
  (await fetch(`${youtubeUrl}/__control/${path}`, {
    method: "POST",
    body: JSON.stringify(body),
  }).then((r) => r.json())) as Record<string, unknown>;

/**
 * A fresh teacher (signed up through the API in the page, so the cookie is the browser's).
 * Public sign-up makes students only, so the demo admin mints a teacher invite first.
 */
async function freshTeacher(page: Page): Promise<void> {
  await page.goto(`${base}/signin`);
  const res = await page.evaluate(
    async ({ admin }) => {
      const post = (path: string, body?: unknown) =>
        fetch(path, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
      await post("/api/auth/signin", { email: admin.email, password: admin.password });
      const invite = (await (await post("/api/admin/invites")).json()) as { url: string };
      await post("/api/auth/signout");
      const r = await post("/api/auth/signup", {
        email: `yt${Date.now()}${Math.random().toString(36).slice(2, 8)}@example.test`,
        password: "correct horse 42",
        displayName: "Ms YouTube",
        invite: new URL(invite.url).searchParams.get("invite"),
      });
      return r.status;
    },
    { admin: DEMO.admin },
  );
  expect(res).toBe(201);
}

/** Connect YouTube from the class list, through Google's (stand-in) consent. */
async function connect(page: Page): Promise<string> {
  await page.goto(`${base}/studio`);
  await page.getByTestId("youtube-connect-link").click();
  await page.waitForURL((u) => u.pathname === "/studio" && !u.search.includes("youtube="));
  await page.getByTestId("youtube-notice").waitFor();
  expect(await page.getByTestId("youtube-notice").textContent()).toMatch(/YouTube is connected/);
  const text = (await page.getByTestId("youtube-connect").textContent()) ?? "";
  const channel = /Channel (UC[\w-]+)/.exec(text)?.[1];
  expect(channel).toBeTruthy();
  return channel!;
}

describe("YouTube", () => {
  it("a teacher connects their channel once with Google, and disconnects it", async () => {
    const [t] = await launch({});
    await freshTeacher(t.page);
    await t.page.goto(`${base}/studio`);
    expect(await t.page.getByTestId("youtube-connect").textContent()).toMatch(/Connect YouTube/);
    const channel = await connect(t.page);
    expect(await t.page.getByTestId("youtube-connect").textContent()).toContain(
      `YouTube connected as “Channel ${channel}”`,
    );
    // Reload: the connection is kept server-side.
    await t.page.reload();
    await t.page.getByTestId("youtube-connect").getByText("YouTube connected").waitFor();

    t.page.once("dialog", (d) => void d.accept());
    await t.page.getByRole("button", { name: "Disconnect" }).click();
    await t.page.getByTestId("youtube-connect-link").waitFor();
    expect(await t.page.getByTestId("youtube-notice").textContent()).toMatch(/revoked/);
    const grants = (await control("state", { channelId: channel })).grants as {
      revoked: boolean;
    }[];
    expect(grants.every((g) => g.revoked)).toBe(true);
  });

  it("Go live with YouTube connected: students get the broadcast; the studio alarms while YouTube is not receiving, and clears", async () => {
    const [t] = await launch({ media: true });
    await freshTeacher(t.page);
    const channel = await connect(t.page);
    const classId = await t.page.evaluate(async () => {
      const res = await fetch("/api/classes", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ title: "YouTube e2e: waves", guestAccess: true }),
      });
      return ((await res.json()) as { class: { id: string } }).class.id;
    });

    // A student is already waiting when the teacher goes live.
    const [s] = await launch({});
    await joinAsGuest(s.page, `${base}/c/${classId}`, "Early bird");
    expect(await s.page.getByTestId("youtube-player").count()).toBe(0);

    const p = t.page;
    await p.goto(`${base}/studio/${classId}`);
    // Live streaming not enabled on the channel: the studio says what to do. (Set before
    // the sources start: picking them already prepares the bridge and the broadcast.)
    await control("fail", {
      op: "liveBroadcasts.POST",
      status: 403,
      reason: "liveStreamingNotEnabled",
      times: 20,
    });
    await p.getByTestId("start-camera").click();
    await p.getByTestId("start-mic").click();
    await p.getByTestId("mute-mic").waitFor();
    await p.getByTestId("go-live").click();
    await p
      .getByTestId("live-error")
      .waitFor({ timeout: 20_000 })
      .catch(async (err: unknown) => {
        await p.screenshot({ path: join(tmpdir(), "mass-class-e2e-youtube-live-error.png") });
        throw err;
      });
    expect(await p.getByTestId("live-error").textContent()).toMatch(
      /Live streaming is not enabled on your YouTube channel.*youtube\.com\/features/,
    );
    await control("reset-faults", {});
    await p.getByTestId("go-live").click();
    await p.locator('[data-testid="live-state"][data-state="live"]').waitFor({ timeout: 30_000 });

    // The broadcast's video id reached the waiting student's player without a reload.
    const [broadcast] = (await control("state", { channelId: channel })).broadcasts as {
      id: string;
      status: { lifeCycleStatus: string };
    }[];
    expect(broadcast?.status.lifeCycleStatus).toBe("ready");
    await s.page.getByTestId("youtube-player").waitFor({ timeout: 15_000 });

    // YouTube (stand-in) never reports the stream active: after the start grace, the alarm.
    const alarm = p.getByTestId("youtube-alarm");
    await alarm.waitFor({ timeout: 75_000 });
    expect(await alarm.textContent()).toMatch(/YouTube is not receiving/);
    expect(await p.getByTestId("status-bridge").textContent()).toMatch(/^pushing/);
    expect(await p.title()).toMatch(/^⚠ /);

    // YouTube receives: the alarm clears by itself on the next poll, the broadcast is live.
    await control("stream", { channelId: channel, streamStatus: "active", healthStatus: "good" });
    await alarm.waitFor({ state: "detached", timeout: 20_000 });
    await expect
      .poll(async () => p.getByTestId("status-youtube-broadcast").textContent(), {
        timeout: 20_000,
      })
      .toMatch(/^live/);
    expect(await p.getByTestId("status-youtube-stream").textContent()).toMatch(/^receiving/);
    expect(await p.title()).not.toMatch(/⚠/);

    // Stop ends the broadcast on YouTube.
    await p.getByTestId("stop-live").click();
    await p.getByTestId("confirm-end-stream").click();
    await expect
      .poll(
        async () =>
          (
            (await control("state", { channelId: channel })).broadcasts as {
              status: { lifeCycleStatus: string };
            }[]
          )[0]?.status.lifeCycleStatus,
        { timeout: 15_000 },
      )
      .toBe("complete");
  }, 180_000);
});
