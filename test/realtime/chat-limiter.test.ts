import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { expect, it } from "vitest";
import { signUp } from "../helpers.ts";
import { createClass, open } from "./helpers.ts";

it("keeps slow mode across a reconnect after the shard lost its memory (hibernation)", async () => {
  const { classId, teacher } = await createClass();
  const t = await open(classId, teacher.client.cookie);
  t.send({ type: "settings.update", slowModeSec: 60 });
  await t.next("settings.changed");
  const stu = await signUp("student", "Sam");
  let s = await open(classId, stu.client.cookie);
  expect((await s.next("snapshot")).state.settings.slowModeSec).toBe(60);
  s.send({ type: "chat.send", text: "first" });
  expect((await s.next("section.message")).message.text).toBe("first");
  s.close();
  await s.waitClose().catch(() => undefined);
  // What hibernation does: a fresh instance rebuilds its state from storage and open sockets.
  const shard = env.CLASSROOM_SHARD.get(env.CLASSROOM_SHARD.idFromName(`${classId}/s1`));
  await runInDurableObject(shard, async (instance) => {
    (instance as unknown as { load(): void }).load();
  });
  s = await open(classId, stu.client.cookie, "v=1&section=s1");
  s.send({ type: "chat.send", text: "second" });
  expect(await s.next("chat.rejected")).toMatchObject({ reason: "slow_mode" });
  for (const x of [s, t]) x.close();
});
