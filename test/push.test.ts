/**
 * Web Push end to end inside workerd: opt-in routes (with every malformed subscription
 * refused and nothing stored), the PUSH_QUEUE consumer against the loopback push service
 * stand-in (e2e/standins/push.ts decrypts and checks each push), removal of expired
 * subscriptions, retries of failing ones, and go-live / reminder notifications sent once.
 */
import {
  createExecutionContext,
  createMessageBatch,
  createScheduledController,
  getQueueResult,
} from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { PushMode, ReceivedPush } from "../e2e/standins/push.ts";
import type { PushNotice } from "../protocol/push.ts";
import worker from "../worker/index.ts";
import { type PushJob, remindUpcoming } from "../worker/push/notify.ts";
import { backoff, DELIVER_SIZE } from "../worker/push/queue.ts";
import { Client, errorCode, signUp } from "./helpers.ts";
import { INTERNAL_HOST_URLS } from "./internal-hosts.ts";
import { createClass } from "./realtime/helpers.ts";

interface StandinSub {
  id: string;
  subscription: {
    endpoint: string;
    expirationTime: null;
    keys: { p256dh: string; auth: string };
  };
}

const standin = (path: string, init?: RequestInit) => fetch(`${env.PUSH_STANDIN_URL}${path}`, init);

/** A subscription from the loopback push service that answers in `mode`. */
async function pushSub(mode: PushMode = "ok"): Promise<StandinSub> {
  const res = await standin("/subscriptions", { method: "POST", body: JSON.stringify({ mode }) });
  return (await res.json()) as StandinSub;
}
const setMode = (s: StandinSub, mode: PushMode) =>
  standin(`/subscriptions/${s.id}`, { method: "PUT", body: JSON.stringify({ mode }) });
async function seen(s: StandinSub): Promise<{ attempts: number; received: ReceivedPush[] }> {
  return (await (await standin(`/subscriptions/${s.id}`)).json()) as {
    attempts: number;
    received: ReceivedPush[];
  };
}
/** Wait until `s` has received `n` pushes (queue delivery is asynchronous). */
async function received(s: StandinSub, n = 1, timeoutMs = 15_000): Promise<ReceivedPush[]> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const r = await seen(s);
    if (r.received.length >= n) return r.received;
    if (Date.now() > until) throw new Error(`push stand-in got ${r.received.length}/${n} pushes`);
    await sleep(100);
  }
}
const b64url = (bytes: Uint8Array) =>
  btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const rows = async (classId: string) =>
  (
    await env.DB.prepare(
      "SELECT id, user_id, endpoint FROM push_subscriptions WHERE class_id = ? ORDER BY id",
    )
      .bind(classId)
      .all<{ id: number; user_id: string; endpoint: string }>()
  ).results;

async function subscribed(client: Client, classId: string, mode: PushMode = "ok") {
  const s = await pushSub(mode);
  const res = await client.post(`/api/classes/${classId}/push`, s.subscription);
  expect(res.status).toBe(201);
  return s;
}

const NOTICE: PushNotice = {
  kind: "live",
  title: "Physics",
  body: "Live now — tap to join.",
  url: "/c/x",
  tag: "class-x",
};

/** Run the queue handler on one message, as the Queues runtime would. */
async function consume(job: PushJob, attempts = 1) {
  const batch = createMessageBatch<PushJob>("mass-class-push", [
    { id: crypto.randomUUID(), timestamp: new Date(), attempts, body: job },
  ]);
  const ctx = createExecutionContext();
  await worker.queue(batch, env);
  return getQueueResult(batch, ctx);
}

describe("push opt-in", () => {
  it("serves the VAPID key; a student subscribes, sees the status, and unsubscribes", async () => {
    const key = (await (await new Client().get("/api/push/key")).json()) as { publicKey: string };
    expect(key.publicKey).toBe(env.VAPID_PUBLIC_KEY);

    const { classId } = await createClass();
    const { client, id } = await signUp("student");
    const s = await pushSub();
    const q = `?endpoint=${encodeURIComponent(s.subscription.endpoint)}`;
    expect(await (await client.get(`/api/classes/${classId}/push${q}`)).json()).toEqual({
      subscribed: false,
      devices: 0,
    });
    expect((await client.post(`/api/classes/${classId}/push`, s.subscription)).status).toBe(201);
    // Subscribing the same browser again refreshes it rather than adding a row.
    expect((await client.post(`/api/classes/${classId}/push`, s.subscription)).status).toBe(201);
    expect(await (await client.get(`/api/classes/${classId}/push${q}`)).json()).toEqual({
      subscribed: true,
      devices: 1,
    });
    expect((await rows(classId)).map((r) => [r.user_id, r.endpoint])).toEqual([
      [id, s.subscription.endpoint],
    ]);

    const del = await client.request("DELETE", `/api/classes/${classId}/push`, {
      endpoint: s.subscription.endpoint,
    });
    expect(del.status).toBe(200);
    expect(await rows(classId)).toEqual([]);
  });

  it("lets a class's guests subscribe, and nobody else", async () => {
    const { classId } = await createClass({ guestAccess: true });
    const { classId: otherId } = await createClass({ guestAccess: true });
    const guest = new Client();
    await guest.post(`/api/auth/guest/${classId}`, { displayName: "Gus" });
    const s = await pushSub();
    expect((await guest.post(`/api/classes/${classId}/push`, s.subscription)).status).toBe(201);

    const wrongClass = await guest.post(`/api/classes/${otherId}/push`, s.subscription);
    expect(wrongClass.status).toBe(403);
    const anon = await new Client().post(`/api/classes/${classId}/push`, s.subscription);
    expect(anon.status).toBe(401);
    expect(await errorCode(anon)).toBe("unauthenticated");
    const crossSite = await guest.post(`/api/classes/${classId}/push`, s.subscription, {
      origin: "https://evil.example",
    });
    expect(await errorCode(crossSite)).toBe("csrf_origin_mismatch");
    expect((await rows(otherId)).length).toBe(0);
    expect((await rows(classId)).length).toBe(1);
  });

  it("refuses malformed subscriptions with a typed 400 and stores nothing", async () => {
    const { classId } = await createClass();
    const { client } = await signUp("student");
    const { subscription: good } = await pushSub();
    const keys = good.keys;
    const offCurve = b64url(new Uint8Array(65).fill(7, 1).fill(4, 0, 1));
    const cases: [string, unknown, string][] = [
      ["not JSON", "{endpoint:", "invalid_json"],
      ["no keys", { endpoint: good.endpoint }, "validation_failed"],
      [
        "http to a remote host",
        { ...good, endpoint: "http://push.example.test/x" },
        "validation_failed",
      ],
      ["ftp endpoint", { ...good, endpoint: "ftp://push.example.test/x" }, "validation_failed"],
      [
        "endpoint too long",
        { ...good, endpoint: `https://p.example.test/${"a".repeat(1100)}` },
        "validation_failed",
      ],
      [
        "p256dh 64 bytes",
        { ...good, keys: { ...keys, p256dh: b64url(new Uint8Array(64).fill(4)) } },
        "validation_failed",
      ],
      [
        "p256dh off the curve",
        { ...good, keys: { ...keys, p256dh: offCurve } },
        "validation_failed",
      ],
      ["auth 8 bytes", { ...good, keys: { ...keys, auth: "AAAAAAAAAAA" } }, "validation_failed"],
      [
        "auth not base64url",
        { ...good, keys: { ...keys, auth: "not base64!!" } },
        "validation_failed",
      ],
      ["huge body", { ...good, pad: "x".repeat(20_000) }, "payload_too_large"],
    ];
    for (const [name, body, code] of cases) {
      const res = await client.post(`/api/classes/${classId}/push`, body);
      expect([name, res.status, await errorCode(res)]).toEqual([
        name,
        code === "payload_too_large" ? 413 : 400,
        code,
      ]);
    }
    expect(await rows(classId)).toEqual([]);
  });

  it("caps the browsers one user may subscribe per class", async () => {
    const { classId } = await createClass();
    const { client } = await signUp("student");
    for (let i = 0; i < 5; i++) await subscribed(client, classId);
    const sixth = await client.post(`/api/classes/${classId}/push`, (await pushSub()).subscription);
    expect(sixth.status).toBe(409);
    expect((await rows(classId)).length).toBe(5);
  });
});

/** A subscription row written straight into D1, past the route and its checks. */
const subscriptionRow = (
  classId: string,
  userId: string,
  endpoint: string,
  keys: { p256dh: string; auth: string },
) =>
  env.DB.prepare(
    "INSERT INTO push_subscriptions (class_id, user_id, endpoint, p256dh, auth) VALUES (?, ?, ?, ?, ?)",
  ).bind(classId, userId, endpoint, keys.p256dh, keys.auth);

describe("push endpoints: no internal hosts", () => {
  it("refuses every internal-host spelling, and any host off the push services' list", async () => {
    const { classId } = await createClass();
    const { client } = await signUp("student");
    const { subscription } = await pushSub();
    // The stand-in itself under another spelling of loopback: only its exact origin is allowed.
    const standinPath = new URL(subscription.endpoint).pathname;
    const port = new URL(subscription.endpoint).port;
    for (const endpoint of [
      ...INTERNAL_HOST_URLS,
      `http://localhost:${port}${standinPath}`,
      `https://127.0.0.1:${port}${standinPath}`,
      "https://push.example.test/x",
    ]) {
      const res = await client.post(`/api/classes/${classId}/push`, { ...subscription, endpoint });
      expect([endpoint, res.status, await errorCode(res)]).toEqual([
        endpoint,
        400,
        "validation_failed",
      ]);
    }
    expect(await rows(classId)).toEqual([]);
  });

  it("checks again at send time: a stored endpoint off the list is never contacted, and dropped", async () => {
    const { classId } = await createClass();
    const { client } = await signUp("student");
    const ok = await subscribed(client, classId);
    // A row that got in some other way (an older release, a list since shortened): the
    // stand-in under a loopback spelling other than the allowed origin.
    const sneaky = await pushSub();
    const u = new URL(sneaky.subscription.endpoint);
    const endpoint = `http://localhost:${u.port}${u.pathname}`;
    await subscriptionRow(classId, "old-row", endpoint, sneaky.subscription.keys).run();
    for (const bad of INTERNAL_HOST_URLS.slice(3))
      await subscriptionRow(classId, "old-row", bad, sneaky.subscription.keys).run();
    const ids = (await rows(classId)).map((r) => r.id);
    const result = await consume({ type: "deliver", classId, notice: NOTICE, ids });
    expect(result.explicitAcks).toHaveLength(1);
    expect(result.retryMessages).toEqual([]);
    expect((await received(ok))[0]!.payload).toEqual(NOTICE);
    expect((await seen(sneaky)).attempts).toBe(0);
    expect((await rows(classId)).map((r) => r.endpoint)).toEqual([ok.subscription.endpoint]);
  });

  it("caps subscriptions per client address and per class, not only per user", async () => {
    // vitest.config.ts: PUSH_MAX_PER_ADDRESS 12, PUSH_MAX_PER_CLASS 300.
    const { classId } = await createClass({ guestAccess: true });
    const from = (ip: string) => ({ "cf-connecting-ip": ip });
    const attacker = "203.0.113.7";
    // Guest accounts are free: one address makes five guests of five browsers each.
    let accepted = 0;
    let refused = 0;
    for (let g = 0; g < 5; g++) {
      const guest = new Client();
      const join = await guest.post(`/api/auth/guest/${classId}`, { displayName: `G${g}` });
      expect(join.status).toBe(201);
      for (let b = 0; b < 5; b++) {
        const res = await guest.post(
          `/api/classes/${classId}/push`,
          (await pushSub()).subscription,
          from(attacker),
        );
        if (res.status === 201) accepted++;
        else {
          expect([res.status, await errorCode(res)]).toEqual([409, "conflict"]);
          refused++;
        }
      }
    }
    expect([accepted, refused]).toEqual([12, 13]);
    // Someone else in the class, from another address, still gets in.
    const { client } = await signUp("student");
    const other = await client.post(
      `/api/classes/${classId}/push`,
      (await pushSub()).subscription,
      from("198.51.100.1"),
    );
    expect(other.status).toBe(201);

    // Fill the class to its cap straight in D1; the next subscriber is refused.
    const { subscription: s } = await pushSub();
    const have = (await rows(classId)).length;
    await env.DB.batch(
      Array.from({ length: 300 - have }, (_, i) =>
        subscriptionRow(classId, `filler-${i}`, `${s.endpoint}-${i}`, s.keys),
      ),
    );
    const late = await signUp("student");
    const full = await late.client.post(
      `/api/classes/${classId}/push`,
      (await pushSub()).subscription,
      from("198.51.100.2"),
    );
    expect([full.status, await errorCode(full)]).toEqual([409, "conflict"]);
    expect((await rows(classId)).length).toBe(300);
  });
});

describe("push delivery (queue consumer)", { timeout: 40_000 }, () => {
  it("sends decryptable pushes, removes 404/410 subscriptions and retries only the failed ones", async () => {
    const { classId } = await createClass();
    const { client } = await signUp("student");
    const ok = await subscribed(client, classId, "ok");
    const gone = await subscribed(client, classId, "gone");
    const notFound = await subscribed(client, classId, "notfound");
    const failing = await subscribed(client, classId, "error");
    const hanging = await subscribed(client, classId, "hang");
    const ids = (await rows(classId)).map((r) => r.id);

    const started = Date.now();
    const result = await consume({ type: "deliver", classId, notice: NOTICE, ids });
    // The hanging endpoint costs one timeout (1.5 s in tests), not the whole run.
    expect(Date.now() - started).toBeLessThan(6000);
    expect(result.explicitAcks).toHaveLength(1);
    expect(result.retryMessages).toEqual([]);

    const [push] = await received(ok);
    expect(push).toMatchObject({
      payload: NOTICE,
      ttl: "1800",
      urgency: "high",
      topic: classId,
      vapidKey: env.VAPID_PUBLIC_KEY,
    });
    const left = (await rows(classId)).map((r) => r.endpoint);
    expect(left).toEqual([
      ok.subscription.endpoint,
      failing.subscription.endpoint,
      hanging.subscription.endpoint,
    ]);
    expect((await seen(gone)).attempts).toBe(1);
    expect((await seen(notFound)).attempts).toBe(1);

    // The failed two come back as a new job after the retry delay (1 s in tests); the
    // push service recovers meanwhile, and the one that had succeeded is not sent again.
    await setMode(failing, "ok");
    await setMode(hanging, "ok");
    expect((await received(failing))[0]!.payload).toEqual(NOTICE);
    expect((await received(hanging))[0]!.payload).toEqual(NOTICE);
    expect((await seen(ok)).received).toHaveLength(1);
  });

  it("sends nothing to a disabled account's subscriptions", async () => {
    const { classId } = await createClass();
    const active = await signUp("student");
    const disabled = await signUp("student");
    const toActive = await subscribed(active.client, classId);
    const toDisabled = await subscribed(disabled.client, classId);
    await env.DB.prepare("UPDATE users SET disabled = 1 WHERE id = ?").bind(disabled.id).run();
    const ids = (await rows(classId)).map((r) => r.id);
    await consume({ type: "deliver", classId, notice: NOTICE, ids });
    expect(await received(toActive)).toHaveLength(1);
    expect((await seen(toDisabled)).attempts).toBe(0);
  });

  it("retries a message whose pushes all failed (429/5xx), backing off, and gives up after five rounds", async () => {
    const { classId } = await createClass();
    const { client } = await signUp("student");
    const busy = await subscribed(client, classId, "busy");
    const ids = (await rows(classId)).map((r) => r.id);

    // (getQueueResult does not report delaySeconds; backoff() is what the consumer passes.)
    const first = await consume({ type: "deliver", classId, notice: NOTICE, ids });
    expect(first.retryMessages).toHaveLength(1);
    expect(first.explicitAcks).toEqual([]);
    const third = await consume({ type: "deliver", classId, notice: NOTICE, ids }, 3);
    expect(third.retryMessages).toHaveLength(1);
    expect([1, 2, 3, 4].map((round) => backoff(env, round))).toEqual([1, 2, 4, 8]);
    expect(backoff(env, 1, 30)).toBe(30);
    expect(backoff({ ...env, PUSH_RETRY_DELAY_S: "60" }, 5)).toBe(300);
    const last = await consume({ type: "deliver", classId, notice: NOTICE, ids }, 5);
    expect(last.retryMessages).toEqual([]);
    expect(last.explicitAcks).toHaveLength(1);
    // A busy push service is not a dead subscription.
    expect((await rows(classId)).length).toBe(1);
    expect((await seen(busy)).attempts).toBe(3);
  });
  it("fans a class out in deliver jobs of DELIVER_SIZE, reaching every subscriber", async () => {
    const { classId } = await createClass();
    const count = DELIVER_SIZE + 37;
    const subs: StandinSub[] = [];
    while (subs.length < count)
      subs.push(...(await Promise.all(Array.from({ length: 25 }, () => pushSub()))));
    subs.length = count;
    // Straight into D1: one subscriber per row, past the per-user cap of the route.
    await env.DB.batch(
      subs.map(({ subscription: s }, i) =>
        subscriptionRow(classId, `student-${i}`, s.endpoint, s.keys),
      ),
    );
    const tag = `fanout-${classId}`;
    const started = Date.now();
    const result = await consume({
      type: "fanout",
      classId,
      notice: { ...NOTICE, tag },
      afterId: 0,
    });
    expect(result.explicitAcks).toHaveLength(1);
    let got = { pushes: 0, subscriptions: 0 };
    while (got.subscriptions < count && Date.now() - started < 30_000) {
      await sleep(200);
      got = (await (await standin(`/received?tag=${tag}`)).json()) as typeof got;
    }
    console.log(JSON.stringify({ event: "fanout_test", count, ms: Date.now() - started, ...got }));
    expect(got.subscriptions).toBe(count);
    // At least once: a push whose answer came after our timeout is retried, and then
    // arrives twice (the notification tag and Topic header collapse it on the device).
    expect(got.pushes).toBeGreaterThanOrEqual(count);
    expect(got.pushes).toBeLessThan(count * 1.1);
  });
});

// Queue hops (fanout → deliver) each wait up to max_batch_timeout (1 s).
describe("when pushes go out", { timeout: 20_000 }, () => {
  it("going live notifies each subscriber once per class session, not on every flap", async () => {
    const { classId } = await createClass();
    const { client } = await signUp("student");
    const a = await subscribed(client, classId);
    const b = await subscribed(client, classId);
    const root = env.CLASSROOM.get(env.CLASSROOM.idFromName(classId));

    await root.setStreamStatus(classId, "live");
    const [push] = await received(a);
    expect(push!.payload).toEqual({
      kind: "live",
      title: "Physics",
      body: "Live now — tap to join.",
      url: `/c/${classId}`,
      tag: `class-${classId}`,
    });
    await received(b);

    // Flaps: idle and back, and a publisher reconnect (ended → live, a new session).
    await root.setStreamStatus(classId, "idle");
    await root.setStreamStatus(classId, "live");
    await root.setStreamStatus(classId, "ended");
    await root.setStreamStatus(classId, "live");
    await sleep(2500);
    expect((await seen(a)).received).toHaveLength(1);
    expect((await seen(b)).received).toHaveLength(1);
    const notices = await env.DB.prepare("SELECT kind FROM push_notices WHERE class_id = ?")
      .bind(classId)
      .all();
    expect(notices.results).toEqual([{ kind: "live" }]);
  });

  it("reminds subscribers before the scheduled start, once", async () => {
    const teacher = await signUp("teacher");
    const start = new Date(Date.now() + 5 * 60_000 - 1000).toISOString();
    const created = await teacher.client.post("/api/classes", {
      title: "Chemistry",
      scheduledStart: start,
    });
    const { class: cls } = (await created.json()) as { class: { id: string } };
    const { client } = await signUp("student");
    const s = await subscribed(client, cls.id);

    await worker.scheduled(createScheduledController({ cron: "* * * * *" }), env);
    const [push] = await received(s);
    expect(push!.payload).toMatchObject({
      kind: "reminder",
      title: "Chemistry",
      body: "Starts in 5 min.",
      url: `/c/${cls.id}`,
    });
    expect(push!.urgency).toBe("normal");
    expect(await remindUpcoming(env)).toEqual([]);
    await sleep(1500);
    expect((await seen(s)).received).toHaveLength(1);
  });
});
