/**
 * Issue 12, point 23: the local RTMP server's publish key (LOCAL_RTMP_URL's `?key=`) and
 * a class's stream key must not be on any process's command line — `ps` and
 * /proc/<pid>/cmdline are readable by every user on the host. The stack the suite runs
 * (`npm start`'s: wrangler dev, the media bridge, the RTMP server) is checked with the
 * bridge's output ffmpeg running, spawned by the teacher's prepare through the Worker.
 */
import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, inject, it } from "vitest";
import { DEMO, ensureDevVars } from "../scripts/stack.ts";

const base = inject("baseUrl");
const mediaVars = inject("mediaVars");

/** Every process's command line this user can read: pid → argv joined by spaces. */
function commandLines(): Map<number, string> {
  const out = new Map<number, string>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      out.set(Number(entry), readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0").join(" "));
    } catch {
      // exited meanwhile
    }
  }
  return out;
}

describe("secrets on command lines", () => {
  it("no process of the running stack shows the RTMP publish key, even while pushing", async () => {
    const key = new URL(mediaVars.LOCAL_RTMP_URL!.replace("{classId}", "x")).searchParams.get(
      "key",
    );
    expect(key).toBeTruthy();

    // The teacher signs in and gets the studio ready: the Worker hands the bridge the
    // class's RTMP target (LOCAL_RTMP_URL, with the key) and the bridge spawns ffmpeg.
    const signin = await fetch(`${base}/api/auth/signin`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: base },
      body: JSON.stringify({ email: DEMO.teacher.email, password: DEMO.teacher.password }),
    });
    expect(signin.status).toBe(200);
    const cookie = signin.headers
      .getSetCookie()
      .map((c) => c.split(";")[0])
      .join("; ");
    const prepare = await fetch(`${base}/whip/${DEMO.classId}/prepare`, {
      method: "POST",
      headers: { cookie, origin: base },
    });
    // 204 also proves the Worker got LOCAL_RTMP_URL without `--var` (409 otherwise).
    expect(prepare.status).toBe(204);

    let lines = commandLines();
    for (let i = 0; i < 50; i++) {
      if ([...lines.values()].some((l) => / -f flv rtmp:\/\/127\.0\.0\.1:/.test(l))) break;
      await new Promise((r) => setTimeout(r, 100));
      lines = commandLines();
    }
    const port = new URL(base).port;
    // The controls: the scan sees wrangler dev and the bridge's output ffmpeg.
    expect([...lines.values()].some((l) => l.includes("wrangler") && l.includes(port))).toBe(true);
    expect([...lines.values()].some((l) => / -f flv rtmp:\/\/127\.0\.0\.1:/.test(l))).toBe(true);
    const leaks = [...lines].filter(([, l]) => l.includes(key!)).map(([pid, l]) => `${pid}: ${l}`);
    expect(leaks).toEqual([]);

    // Leave no warm session behind for the other tests.
    await fetch(`${mediaVars.BRIDGE_URL}/sessions/${DEMO.classId}`, {
      method: "DELETE",
      headers: { authorization: `Bearer ${ensureDevVars().BRIDGE_SECRET}` },
    });
  });
});
