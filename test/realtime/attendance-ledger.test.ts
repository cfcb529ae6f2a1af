/**
 * Attendance equals connected time: a guest who stays past the end of the stream, a student
 * who reloads, a student with two tabs; the teacher and an admin are listed apart and not
 * counted as students (issue 12, point 2). Times are real, a few seconds long; every
 * student's seconds must match their connected time within 2 s (rounding per credit).
 */
import { runDurableObjectAlarm } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { AttendanceRow, Page, SessionDashboard } from "../../protocol/analytics.ts";
import { Client, signUp } from "../helpers.ts";
import { createClass, open, type Sock, sleep } from "./helpers.ts";

describe("attendance ledger", { timeout: 60_000 }, () => {
  it("matches each student's connected time across reloads, two tabs and the stream ending while connected; staff apart", async () => {
    const { classId, teacher } = await createClass({ guestAccess: true });
    const root = env.CLASSROOM.get(env.CLASSROOM.idFromName(classId));
    const admin = await signUp("teacher", "Ada Admin");
    await env.DB.prepare("UPDATE users SET role = 'admin' WHERE id = ?").bind(admin.id).run();
    const guestClient = new Client();
    await guestClient.post(`/api/auth/guest/${classId}`, { displayName: "Gia Guest" });
    const rel = await signUp("student", "Rae Reload");
    const two = await signUp("student", "Tao Twotabs");

    const t0 = Date.now();
    const guest = await open(classId, guestClient.cookie); // first in: opens the session
    let studio: Sock = await open(classId, teacher.client.cookie);
    let r = await open(classId, rel.client.cookie);
    const tabA = await open(classId, two.client.cookie);
    await root.setStreamStatus(classId, "live");
    await sleep(1500);
    const tB = Date.now();
    const tabB = await open(classId, two.client.cookie);
    // The admin drops in late (would be a "late joiner" if counted as a student).
    const adm = await open(classId, admin.client.cookie);
    await sleep(1500);
    r.close(); // Rae reloads
    await sleep(300);
    r = await open(classId, rel.client.cookie);
    tabA.close();
    const tA = Date.now();
    await sleep(1500);

    // The stream ends while everyone is connected.
    await root.setStreamStatus(classId, "ended");
    const tEnd = Date.now();
    // After the end: the studio reconnects, the guest presses Leave class, others close.
    await sleep(1000);
    studio.close();
    studio = await open(classId, teacher.client.cookie);
    guest.close();
    await sleep(300);
    for (const s of [r, tabB, adm, studio]) s.close();
    await sleep(400);
    await runDurableObjectAlarm(root);

    const sessions = await env.DB.prepare(
      "SELECT id, started_at, ended_at FROM class_sessions WHERE class_id = ?",
    )
      .bind(classId)
      .all<{ id: string; started_at: number; ended_at: number }>();
    // Reconnects after the end do not open a session of their own.
    expect(sessions.results).toHaveLength(1);
    const session = sessions.results[0]!;
    expect(session.ended_at).toBeGreaterThan(0);
    const rows = await env.DB.prepare(
      "SELECT display_name AS name, seconds_attended AS s, last_leave_at AS left, staff FROM attendance WHERE session_id = ?",
    )
      .bind(session.id)
      .all<{ name: string; s: number; left: number | null; staff: number }>();
    const by = new Map(rows.results.map((x) => [x.name, x]));
    const full = (tEnd - Math.max(t0, session.started_at)) / 1000;
    expect(by.get("Gia Guest")!.s).toBeGreaterThan(0);
    expect(Math.abs(by.get("Gia Guest")!.s - full)).toBeLessThanOrEqual(2);
    expect(by.get("Gia Guest")!.left).toBeGreaterThan(0);
    // Rae was away ~0.3 s for the reload; counted through to the end.
    expect(Math.abs(by.get("Rae Reload")!.s - full)).toBeLessThanOrEqual(2);
    // Two tabs overlapping: counted once, from tab A's open to the end.
    expect(Math.abs(by.get("Tao Twotabs")!.s - full)).toBeLessThanOrEqual(2);
    expect(by.get("Tao Twotabs")!.s).toBeLessThan(full + (tA - tB) / 1000 - 1);
    expect(
      rows.results
        .filter((x) => x.staff === 1)
        .map((x) => x.name)
        .sort(),
    ).toEqual(["Ada Admin", "Teacher T"]);

    // The dashboard counts students only and lists staff apart.
    const dash = (await (
      await teacher.client.get(`/api/analytics/sessions/${session.id}`)
    ).json()) as SessionDashboard;
    expect(dash.summary).toMatchObject({ attendees: 3, lateJoiners: 0 });
    expect(dash.summary.avgMinutesAttended).toBeCloseTo(full / 60, 1);
    const page = async (q: string) =>
      (await (
        await teacher.client.get(`/api/analytics/sessions/${session.id}/attendance?${q}`)
      ).json()) as Page<AttendanceRow>;
    expect((await page("")).rows.map((x) => x.displayName).sort()).toEqual([
      "Gia Guest",
      "Rae Reload",
      "Tao Twotabs",
    ]);
    const staff = await page("who=staff");
    expect(staff.rows.map((x) => [x.displayName, x.staff, x.late]).sort()).toEqual([
      ["Ada Admin", true, false],
      ["Teacher T", true, false],
    ]);
  });
});
