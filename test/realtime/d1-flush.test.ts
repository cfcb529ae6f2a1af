import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { expect, it } from "vitest";
import type { Classroom } from "../../durable-objects/classroom.ts";

it("re-queues only the failed D1 chunk and later ones, so committed rows are not written twice", async () => {
  const classId = `flush-${Date.now()}`;
  const root = env.CLASSROOM.get(env.CLASSROOM.idFromName(classId));
  await root.kickUser(classId, "nobody", "bind the class id");
  await runInDurableObject(root, async (_: Classroom, state) => {
    for (let i = 0; i < 251; i++)
      state.storage.sql.exec(
        "INSERT INTO audit_pending (at, actor_id, action, target, detail) VALUES (?, ?, ?, ?, ?)",
        i,
        "actor",
        // Row 230 (second chunk) violates audit_log's NOT NULL: that chunk fails.
        i === 230 ? null : "test",
        String(i),
        null,
      );
    await state.storage.setAlarm(Date.now() + 60_000);
  });
  await expect(runDurableObjectAlarm(root)).rejects.toThrow();
  const count = async () =>
    (
      await env.DB.prepare("SELECT count(*) AS n FROM audit_log WHERE class_id = ?")
        .bind(classId)
        .first<{ n: number }>()
    )?.n;
  expect(await count()).toBe(200);
  await runInDurableObject(root, async (_: Classroom, state) => {
    expect(state.storage.sql.exec("SELECT count(*) AS n FROM audit_pending").one().n).toBe(51);
    state.storage.sql.exec("UPDATE audit_pending SET action = 'test' WHERE action IS NULL");
  });
  await runDurableObjectAlarm(root);
  expect(await count()).toBe(251);
});
