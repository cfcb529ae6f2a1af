import { describe, expect, it } from "vitest";
import { signUp } from "../helpers.ts";
import { createClass, open, sleep } from "./helpers.ts";

describe("bad input never crashes a shard or reaches other students", { timeout: 30_000 }, () => {
  it("answers malformed JSON, unknown types, wrong field types, oversized and binary frames with typed errors", async () => {
    const { classId } = await createClass();
    const bad = await open(classId, (await signUp("student")).client.cookie);
    const good = await open(classId, (await signUp("student")).client.cookie);
    await bad.next("section.snapshot");

    bad.send("{not json");
    expect(await bad.next("error")).toMatchObject({ code: "invalid_json" });
    bad.send({ type: "poll.vote", option: 1 });
    expect(await bad.next("error")).toMatchObject({ code: "unknown_type" });
    bad.send({ type: "chat.send", text: 42 });
    expect(await bad.next("error")).toMatchObject({ code: "invalid_message" });
    bad.send({ type: "chat.send", text: "hi", extra: true });
    expect(await bad.next("error")).toMatchObject({ code: "invalid_message" });
    bad.send(JSON.stringify({ type: "chat.send", text: "a".repeat(5000) }));
    expect(await bad.next("error")).toMatchObject({ code: "frame_too_large" });
    bad.send(new Uint8Array([1, 2, 3]));
    expect(await bad.next("error")).toMatchObject({ code: "binary_not_supported" });
    bad.send("ping");
    await sleep(200);
    expect(bad.raw).toContain("pong");

    // Nothing leaked to the other student, and the shard still works.
    good.send({ type: "chat.send", text: "all good" });
    expect((await bad.next("section.message")).message.text).toBe("all good");
    expect(good.all("error")).toHaveLength(0);
    bad.close();
    good.close();
  });

  it("closes a socket that keeps sending invalid frames with 4008", async () => {
    const { classId } = await createClass();
    const bad = await open(classId, (await signUp("student")).client.cookie);
    // Paced under the frame-rate guard (burst 20, 10/s), so each one counts as a strike.
    for (let i = 0; i < 15; i++) bad.send("garbage");
    await sleep(1000);
    for (let i = 0; i < 10; i++) bad.send("garbage");
    expect((await bad.waitClose()).code).toBe(4008);
    expect(bad.all("error").length).toBeGreaterThanOrEqual(20);
  });

  it("rate-limits chat with typed rejections and closes a 1,000 msg/s flood with 4029", async () => {
    const { classId } = await createClass();
    const flooder = await open(classId, (await signUp("student")).client.cookie);
    const peer = await open(classId, (await signUp("student")).client.cookie);
    await flooder.next("section.snapshot");
    await peer.next("section.snapshot");

    const started = Date.now();
    for (let i = 0; i < 1000; i++) flooder.send({ type: "chat.send", text: `spam ${i}` });
    expect((await flooder.waitClose(15_000)).code).toBe(4029);
    const elapsed = Date.now() - started;
    const rejected = flooder.all("chat.rejected");
    expect(rejected.length).toBeGreaterThan(0);
    expect(rejected.every((r) => r.reason === "rate_limited" && (r.retryAfterMs ?? 0) > 0)).toBe(
      true,
    );
    expect(flooder.all("error").some((e) => e.code === "rate_limited")).toBe(true);

    // The peer saw only what the bucket allowed (a burst of 5, plus one per 2 s if the
    // machine was slow enough for the flood to take that long), and can still chat.
    await sleep(300);
    const passed = peer.all("section.message").length;
    expect(passed).toBeGreaterThanOrEqual(5);
    expect(passed).toBeLessThanOrEqual(5 + Math.floor(elapsed / 2000));
    peer.send({ type: "chat.send", text: "I am fine" });
    expect((await peer.next("section.message", (m) => m.message.text === "I am fine")).sseq).toBe(
      passed + 1,
    );
    peer.close();
  });
});
